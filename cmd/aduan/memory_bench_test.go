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
// (storetest.FillYears) and has 250 Telegram citizens who already have a
// history there send 2,000 messages: each files a complaint (six
// messages), asks for its status, and gets an admin's answer (a reply in
// the office's group). The citizens are spread over the whole store, as
// real ones are (their old complaints lie far apart in the file). It
// reports the peak resident memory (VmHWM; issue 10 wants ≤ 50 MB), what
// is resident at the end (Go's own memory, file pages, of those the
// database's) and logs the database's resident pages by bucket. It takes
// minutes: aduan paces its posts to a group as Telegram asks (20 a
// minute).
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
		const citizens = 250
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64)
		var failed error
		var mu sync.Mutex
		admin := telegramtest.User{ID: 7001, FirstName: "Sari"}
		for i := range citizens {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if err := mixedMessages(srv, telegramtest.User{ID: int64(5000000000 + i*240), FirstName: "Warga"}, admin, i); err != nil {
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
		db := mappedRSS(b, cmd.Process.Pid, filepath.Join(dir, "aduan.db"))
		res := residentPages(b, cmd.Process.Pid, filepath.Join(dir, "aduan.db"))
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		b.Logf("resident pages of the database by bucket: %s", attribute(b, filepath.Join(dir, "aduan.db"), res))
		b.ReportMetric(float64(atStart)/1024, "MB-at-start")
		b.ReportMetric(float64(peak)/1024, "MB-peak")
		b.ReportMetric(float64(anon)/1024, "MB-anon-end")
		b.ReportMetric(float64(file)/1024, "MB-file-end")
		b.ReportMetric(float64(db)/1024, "MB-db-end")
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

// mappedRSS sums the resident pages of a process's mappings of one file,
// in KB (from /proc/<pid>/smaps).
func mappedRSS(b *testing.B, pid int, path string) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		b.Fatal(err)
	}
	total, in := 0, false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			in = len(f) >= 6 && f[5] == path // a mapping's header line
		case in && len(f) >= 2 && f[0] == "Rss:":
			n, _ := strconv.Atoi(f[1])
			total += n
		}
	}
	return total
}

// mixedMessages has a citizen file a complaint, ask for status, and an
// admin answer it in the office's group; each step waits for its answer.
func mixedMessages(srv *telegramtest.Server, u, admin telegramtest.User, i int) error {
	category := 1 + i%4
	ticket, err := fileByTelegram(srv, u, category, fmt.Sprintf("Lampu jalan mati di gang %d sejak kemarin malam.", i), time.Minute)
	if err != nil {
		return err
	}
	if err := sayAndWait(srv, u, "status", ticket); err != nil {
		return err
	}
	group := crashGroups[[]string{"satu", "dua", "tiga", "empat"}[category-1]]
	var post telegramtest.Sent
	found := srv.Wait(time.Minute, func() bool {
		for _, m := range srv.Sent(group) {
			if strings.HasPrefix(m.Text, "📢 ADUAN "+ticket) {
				post = m
				return true
			}
		}
		return false
	})
	if !found {
		return fmt.Errorf("the post of %s never reached its office's group", ticket)
	}
	seen := len(srv.Sent(u.ID))
	srv.Reply(telegramtest.Group(group, "Dinas"), admin, post.MessageID, answerFor(ticket))
	if !srv.Wait(time.Minute, func() bool { return sentSince(srv, u.ID, seen, answerFor(ticket)) }) {
		return fmt.Errorf("the answer to %s never reached its citizen", ticket)
	}
	return nil
}

// sayAndWait sends a citizen's text and waits for an answer containing want.
func sayAndWait(srv *telegramtest.Server, u telegramtest.User, text, want string) error {
	seen := len(srv.Sent(u.ID))
	srv.Text(telegramtest.Private(u), u, text)
	if !srv.Wait(time.Minute, func() bool { return sentSince(srv, u.ID, seen, want) }) {
		return fmt.Errorf("citizen %d sent %q and never got %q", u.ID, text, want)
	}
	return nil
}

func sentSince(srv *telegramtest.Server, chat int64, seen int, want string) bool {
	for _, m := range srv.Sent(chat)[seen:] {
		if strings.Contains(m.Text, want) {
			return true
		}
	}
	return false
}
