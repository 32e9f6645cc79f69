package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"aduan/bot/telegram/telegramtest"
	"aduan/store"
	"aduan/store/storetest"
)

// BenchmarkMemory runs the real binary on a store of 100,000 complaints
// (storetest.FillYears) and has 334 Telegram citizens who already have a
// history there file a complaint each (about 2,000 messages, with the
// admin posts they lead to), then reports the peak resident memory
// (VmHWM). Issue 10 wants ≤ 50 MB.
//
//	go test -run XXX -bench BenchmarkMemory -benchtime 1x ./cmd/aduan
func BenchmarkMemory(b *testing.B) {
	for range b.N {
		dir := b.TempDir()
		st, err := store.Open(filepath.Join(dir, "aduan.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := storetest.FillYears(st, 100000); err != nil {
			b.Fatal(err)
		}
		st.Close()
		bin := filepath.Join(b.TempDir(), "aduan")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
		srv := telegramtest.New(b)
		config := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(config, []byte(crashConfig), 0o600); err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "ADUAN_CONFIG="+config, "ADUAN_DATA_DIR="+dir, "ADUAN_HTTP_ADDR=127.0.0.1:0",
			"ADUAN_TELEGRAM_TOKEN="+telegramtest.Token, "ADUAN_TELEGRAM_API_URL="+srv.URL, "ADUAN_TELEGRAM_ADMIN_CHAT_ID=-1001",
			"ADUAN_TELEGRAM_POLL_TIMEOUT=1s")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if !srv.Wait(wait, func() bool { return srv.Calls("getUpdates") > 0 }) {
			b.Fatal("aduan did not start polling")
		}
		atStart := vmHWM(b, cmd.Process.Pid)
		start := time.Now()
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64)
		var failed error
		var mu sync.Mutex
		for i := range 334 {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				u := telegramtest.User{ID: int64(5000000000 + i*37), FirstName: "Warga"}
				if _, err := fileByTelegram(srv, u, 1+i%4, fmt.Sprintf("Lampu jalan mati di gang %d sejak kemarin malam.", i), time.Minute); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if failed != nil {
			b.Fatal(failed)
		}
		peak := vmHWM(b, cmd.Process.Pid)
		anon, file := procField(b, cmd.Process.Pid, "RssAnon:"), procField(b, cmd.Process.Pid, "RssFile:")
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		b.ReportMetric(float64(atStart)/1024, "MB-at-start")
		b.ReportMetric(float64(peak)/1024, "MB-peak")
		b.ReportMetric(float64(anon)/1024, "MB-anon-end")
		b.ReportMetric(float64(file)/1024, "MB-file-end")
		b.ReportMetric(float64(334*6)/time.Since(start).Seconds(), "msgs/s")
	}
}

// vmHWM reads a process's peak resident memory, in KB.
func vmHWM(b *testing.B, pid int) int { return procField(b, pid, "VmHWM:") }

// procField reads a field of /proc/<pid>/status, in KB.
func procField(b *testing.B, pid int, field string) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	b.Fatalf("no %s", field)
	return 0
}
