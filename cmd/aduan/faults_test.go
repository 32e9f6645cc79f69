package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aduan/bot/telegram/telegramtest"
)

// TestDiskFull runs the binary with data_dir on a small tmpfs of its own
// (in a user and mount namespace, so no privileges are needed) and fills
// that disk while a citizen writes: aduan keeps running, does not confirm
// what it cannot store, says what is wrong in the log and on /readyz,
// and once there is room again takes the waiting message and goes on.
// Nothing stored before is lost, and the database is consistent.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	if out, err := exec.Command("unshare", "--user", "--map-root-user", "--mount", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a small disk here (unshare: %v %s)", err, out)
	}
	bin := buildAduan(t)
	srv := telegramtest.New(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte(crashConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	disk := filepath.Join(dir, "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "aduan.log")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	// The shell mounts the disk, runs aduan, and fills, frees and stops
	// when told on stdin; then verify and export read what was kept.
	script := fmt.Sprintf(`set -e
mount -t tmpfs -o size=8m tmpfs %[1]q
%[2]q 2>%[3]q & pid=$!
read x
dd if=/dev/zero of=%[1]q/filler bs=16k 2>/dev/null || true
echo full
read x
rm %[1]q/filler
echo freed
read x
kill -TERM $pid
wait $pid && echo stopped || echo "stopped badly: $?"
%[2]q verify 2>&1 || true
echo "--- export"
%[2]q export --format json --personal
`, disk, bin, logPath)
	cmd := exec.Command("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script)
	cmd.Env = append(os.Environ(),
		"ADUAN_CONFIG="+config,
		"ADUAN_DATA_DIR="+disk,
		"ADUAN_TELEGRAM_TOKEN="+telegramtest.Token,
		"ADUAN_TELEGRAM_API_URL="+srv.URL,
		"ADUAN_TELEGRAM_ADMIN_CHAT_ID=-1001",
		"ADUAN_TELEGRAM_POLL_TIMEOUT=1s",
		"ADUAN_HTTP_ADDR="+addr,
	)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	expect := func(want string) {
		t.Helper()
		if !lines.Scan() || lines.Text() != want {
			logs, _ := os.ReadFile(logPath)
			t.Fatalf("the script said %q (%v), want %q\nlog:\n%s", lines.Text(), lines.Err(), want, logs)
		}
	}
	logHas := func(want string) bool {
		logs, _ := os.ReadFile(logPath)
		return strings.Contains(string(logs), want)
	}
	readyz := func() (int, string) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	budi := telegramtest.User{ID: 5001, FirstName: "Budi"}
	first, err := fileByTelegram(srv, budi, 1, "Jalan desa berlubang di depan balai desa.", wait)
	if err != nil {
		t.Fatal(err)
	}

	// With the disk full, a crowd writes: small commits fit in pages the
	// database already has, then it must grow and cannot.
	fmt.Fprintln(stdin, "fill")
	expect("full")
	crowd := make([]telegramtest.User, 60)
	for i := range crowd {
		crowd[i] = telegramtest.User{ID: int64(6001 + i), FirstName: fmt.Sprintf("Warga %d %s", i, strings.Repeat("x", 40))}
		srv.Text(telegramtest.Private(crowd[i]), crowd[i], "/start")
	}
	if !waitFor(func() bool { return logHas("no space left on device") }) {
		logs, _ := os.ReadFile(logPath)
		t.Fatalf("the log does not say the disk is full:\n%s", logs)
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "store: cannot write (is the disk full?)") || !strings.Contains(body, "no space left on device") {
		t.Errorf("/readyz with a full disk: %d %q", code, body)
	}
	if n := srv.Pending(); n == 0 {
		t.Error("every update was confirmed to Telegram though not all could be stored")
	}

	fmt.Fprintln(stdin, "free")
	expect("freed")
	for _, u := range crowd {
		if !srv.Wait(time.Minute, func() bool {
			for _, m := range srv.Sent(u.ID) {
				if strings.Contains(m.Text, "Selamat datang") {
					return true
				}
			}
			return false
		}) {
			t.Fatalf("citizen %d, who wrote while the disk was full, was never answered", u.ID)
		}
	}
	// The citizen goes on where the conversation stood.
	second, err := fileByTelegram(srv, budi, 2, "Lampu jalan mati di perempatan pasar.", wait)
	if err != nil {
		t.Fatal(err)
	}
	// Ready again a quarter minute after the last failed commit.
	if !waitForIn(time.Minute, func() bool { code, _ := readyz(); return code == http.StatusOK }) {
		code, body := readyz()
		t.Errorf("/readyz after the disk was freed: %d %q", code, body)
	}

	fmt.Fprintln(stdin, "stop")
	expect("stopped")
	expect(disk + " is consistent.")
	expect("--- export")
	var out strings.Builder
	for lines.Scan() {
		out.WriteString(lines.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("script: %v\n%s\n%s", err, out.String(), stderr.String())
	}
	var complaints []struct {
		Ticket      string `json:"ticket"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(out.String()), &complaints); err != nil {
		t.Fatalf("export: %v\n%s", err, out.String())
	}
	if len(complaints) != 2 || complaints[0].Ticket != first || complaints[1].Ticket != second ||
		complaints[0].Description != "Jalan desa berlubang di depan balai desa." {
		t.Errorf("kept after the full disk: %+v; want %s and %s", complaints, first, second)
	}
}
