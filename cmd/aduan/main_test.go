package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"aduan/bot/telegram/telegramtest"
)

// TestServeAndShutdown runs the wired program against the fake Bot API,
// checks that a second instance on the same data_dir is refused, and that
// cancelling (as SIGTERM does) stops it cleanly.
func TestServeAndShutdown(t *testing.T) {
	srv := telegramtest.New(t)
	setTelegramEnv(t, srv)
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log, nil) }()

	citizen := telegramtest.User{ID: 5001, FirstName: "Budi"}
	srv.Text(telegramtest.Private(citizen), citizen, "/start")
	if !srv.Wait(10*time.Second, func() bool {
		sent := srv.Sent(citizen.ID)
		return len(sent) > 0 && strings.Contains(sent[0].Text, "Silakan pilih")
	}) {
		t.Fatalf("no greeting with the menu; sent: %+v", srv.Sent(citizen.ID))
	}

	second := make(chan error, 1)
	go func() { second <- serve(context.Background(), cfg, log, nil) }()
	select {
	case err := <-second:
		if err == nil || !strings.Contains(err.Error(), "another aduan") {
			t.Errorf("second instance: %v, want a clear lock error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second instance hangs on the lock")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	t.Setenv("ADUAN_DATA_DIR", t.TempDir())
	t.Setenv("ADUAN_HTTP_ADDR", taken.Addr().String())
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = serve(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err == nil || !strings.Contains(err.Error(), "http_addr "+taken.Addr().String()) || !strings.Contains(err.Error(), "ADUAN_HTTP_ADDR") {
		t.Errorf("serve on a taken port: %v", err)
	}
}

func TestLogFormat(t *testing.T) {
	var buf strings.Builder
	newLogger("json", "info", &buf).Info("aduan started", "http", "http://127.0.0.1:8080")
	newLogger("json", "warn", &buf).Info("not shown")
	var line map[string]any
	if err := json.Unmarshal([]byte(buf.String()), &line); err != nil || line["msg"] != "aduan started" || line["http"] != "http://127.0.0.1:8080" {
		t.Errorf("json log %q: %v", buf.String(), err)
	}
	buf.Reset()
	newLogger("text", "debug", &buf).Debug("detail")
	if !strings.Contains(buf.String(), "level=DEBUG msg=detail") {
		t.Errorf("text log %q", buf.String())
	}
}
