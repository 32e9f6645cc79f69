package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"aduan/bot/telegram/telegramtest"
	"aduan/flows"
	"aduan/store"
)

var crashKills = flag.Int("crash.kills", 200, "how many times TestCrashes SIGKILLs aduan")

// TestCrashes runs the real binary against the fake Bot API while scripted
// citizens file complaints and scripted admins answer them, SIGKILLs it
// at random moments and starts it again on the same data_dir. Afterwards
// no complaint, ticket number, admin post link or admin reply is lost or
// doubled in the store, every citizen got every ticket and every answer,
// and every conversation went on where it stood (a citizen's script only
// advances on the prompt it expects).
//
// Delivery to a platform is at least once: a kill between Telegram's
// answer and the commit that records it sends that message again after
// the restart. Such repeats are counted and logged, not failed.
//
// More kills: go test -run TestCrashes ./cmd/aduan -args -crash.kills 1000
func TestCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	bin := buildAduan(t)
	srv := telegramtest.New(t)
	dir := t.TempDir()
	// Four offices, each with its own group, so Telegram's 20 messages a
	// minute per group do not make the posts the slowest part.
	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte(crashConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "aduan.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	dataDir := filepath.Join(dir, "data")
	env := append(os.Environ(),
		"ADUAN_CONFIG="+config,
		"ADUAN_DATA_DIR="+dataDir,
		"ADUAN_TELEGRAM_TOKEN="+telegramtest.Token,
		"ADUAN_TELEGRAM_API_URL="+srv.URL,
		"ADUAN_TELEGRAM_ADMIN_CHAT_ID=-1001",
		"ADUAN_TELEGRAM_POLL_TIMEOUT=1s",
		"ADUAN_HTTP_ADDR=127.0.0.1:0",
	)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	failed := func(format string, args ...any) {
		t.Helper()
		logs, _ := os.ReadFile(logPath)
		if len(logs) > 8000 {
			logs = logs[len(logs)-8000:]
		}
		t.Fatalf(format+"\nlast of aduan's log:\n%s", append(args, logs)...)
	}

	// The script: citizens file complaints one after another, admins
	// answer each post in the group by replying to it.
	const citizens = 16
	sc := &script{srv: srv, admin: telegramtest.User{ID: 7001, FirstName: "Sari"},
		answered: map[string]bool{}, repliedTo: map[string]int{}, tickets: map[string]string{}, citizenOf: map[string]int64{}}
	stop := make(chan struct{})
	var scripts sync.WaitGroup
	for i := range citizens {
		scripts.Add(1)
		go func() {
			defer scripts.Done()
			sc.citizen(telegramtest.User{ID: int64(5001 + i), FirstName: fmt.Sprintf("Warga%d", i)}, 1+i%len(crashGroups), stop)
		}()
	}
	adminsDone := make(chan struct{})
	go func() { sc.admins(stop); close(adminsDone) }()

	// Kill at random moments: during start, while polling, while
	// sending, while committing.
	for k := 0; k < *crashKills; k++ {
		cmd := start()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			close(stop)
			failed("aduan stopped by itself after %d kills: %v", k, err)
		case <-time.After(time.Duration(5+rand.IntN(400)) * time.Millisecond):
		}
		cmd.Process.Kill()
		<-exited
	}
	close(stop)

	// The last run: everything still waiting is finished.
	getMes := srv.Calls("getMe")
	cmd := start()
	if !srv.Wait(wait, func() bool { return srv.Calls("getMe") > getMes }) {
		failed("the last run never asked getMe")
	}
	scripts.Wait()
	<-adminsDone
	if sc.err.Load() != nil {
		failed("%v", *sc.err.Load())
	}
	tickets := sc.filed()
	if len(tickets) < citizens {
		failed("only %d complaints were filed in %d kills; the script did not advance", len(tickets), *crashKills)
	}
	// Every complaint is answered and the answer reaches its citizen.
	if !srv.Wait(2*time.Minute, func() bool { return sc.answerAll() && sc.allAnswersArrived() }) {
		failed("not every answer reached its citizen: %s", sc.missingAnswers())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		failed("the last run did not stop cleanly: %v", err)
	}
	t.Logf("%d kills; %d complaints filed and answered; messages sent again after a kill: %d to citizens, %d to the group",
		*crashKills, len(tickets), sc.repeats(true), sc.repeats(false))

	// The store holds each complaint once, under the ticket its citizen
	// was given, numbered without gaps, with its post and one answer.
	st, err := store.OpenReadOnly(filepath.Join(dataDir, "aduan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	byDescription := map[string]string{}
	err = st.View(func(tx *store.Tx) error {
		return tx.EachComplaint(false, func(c *flows.Complaint) bool {
			if other, ok := byDescription[c.Description]; ok {
				t.Errorf("complaint %q stored twice: %s and %s", c.Description, other, c.Ticket)
			}
			byDescription[c.Description] = c.Ticket
			if want, ok := tickets[c.Description]; !ok || want != c.Ticket {
				t.Errorf("stored %s %q; its citizen was told %q", c.Ticket, c.Description, want)
			}
			group := flows.Chat{Channel: "telegram", ID: strconv.FormatInt(crashGroups[c.Office], 10)}
			post := tx.ThreadPost(c.Ticket, group)
			if l, ok, _ := tx.PostLink(group, post); post == "" || !ok || l.Ticket != c.Ticket {
				t.Errorf("%s has no post link in the group (post %q)", c.Ticket, post)
			}
			replies := 0
			for _, e := range c.Thread {
				if e.Text == answerFor(c.Ticket) {
					replies++
				}
			}
			if replies != 1 {
				t.Errorf("%s holds the admin's answer %d times, want once", c.Ticket, replies)
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(byDescription) != len(tickets) {
		t.Errorf("%d complaints stored, %d filed", len(byDescription), len(tickets))
	}
	year := 0
	for _, tk := range tickets {
		fmt.Sscanf(tk[len("ADU-"):], "%d", &year)
	}
	for n := 1; n <= len(tickets); n++ {
		if tk := fmt.Sprintf("ADU-%d-%06d", year, n); !contains(tickets, tk) {
			t.Errorf("ticket %s was never given: numbers have a gap", tk)
		}
	}
	var out bytes.Buffer
	check := exec.Command(bin, "verify")
	check.Env, check.Stdout, check.Stderr = env, &out, &out
	if err := check.Run(); err != nil {
		t.Errorf("aduan verify after the kills: %v\n%s", err, out.String())
	}
}

// crashGroups are the offices' groups in crashConfig.
var crashGroups = map[string]int64{"satu": -2001, "dua": -2002, "tiga": -2003, "empat": -2004}

const crashConfig = `
coordinator: satu
offices:
  - {id: satu, name: Dinas Satu, telegram_chat_id: -2001}
  - {id: dua, name: Dinas Dua, telegram_chat_id: -2002}
  - {id: tiga, name: Dinas Tiga, telegram_chat_id: -2003}
  - {id: empat, name: Dinas Empat, telegram_chat_id: -2004}
categories:
  - {id: k1, label: Kategori satu, office: satu}
  - {id: k2, label: Kategori dua, office: dua}
  - {id: k3, label: Kategori tiga, office: tiga}
  - {id: k4, label: Kategori empat, office: empat}
`

// buildAduan builds the binary as an operator would, without cgo.
func buildAduan(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aduan")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func contains(m map[string]string, v string) bool {
	for _, x := range m {
		if x == v {
			return true
		}
	}
	return false
}

var ticketRE = regexp.MustCompile(`ADU-\d{4}-\d{6}`)

func answerFor(ticket string) string { return "Sudah kami tangani, " + ticket + "." }

// script drives the citizens and the admins through the fake Bot API.
type script struct {
	srv   *telegramtest.Server
	admin telegramtest.User
	err   atomic.Pointer[error]

	mu sync.Mutex
	// tickets maps each filed complaint's description to the ticket its
	// citizen was given; citizenOf maps the ticket to the citizen.
	tickets   map[string]string
	citizenOf map[string]int64
	// answered holds the tickets whose post an admin replied to.
	answered map[string]bool
	// repliedTo is the post each answer replied to.
	repliedTo map[string]int
}

// stepTimeout bounds the wait for one answer of the bot, kills included.
const stepTimeout = 2 * time.Minute

// perCitizen bounds the complaints each citizen files.
const perCitizen = 5

// citizen files complaints in a category until stop, each to the end,
// advancing only on the prompt that step expects: a conversation that
// lost its place after a kill never gets it and fails the test.
func (sc *script) citizen(u telegramtest.User, category int, stop <-chan struct{}) {
	for n := 1; n <= perCitizen; n++ {
		select {
		case <-stop:
			return
		default:
		}
		description := fmt.Sprintf("Atap kelas %d SD warga %d bocor saat hujan.", n, u.ID)
		ticket, err := fileByTelegram(sc.srv, u, category, description, stepTimeout)
		if err != nil {
			sc.err.CompareAndSwap(nil, &err)
			return
		}
		sc.mu.Lock()
		sc.tickets[description], sc.citizenOf[ticket] = ticket, u.ID
		sc.mu.Unlock()
	}
}

// fileByTelegram files one complaint as a Telegram citizen, each step
// waiting for the prompt it expects, and returns its ticket.
func fileByTelegram(srv *telegramtest.Server, u telegramtest.User, category int, description string, timeout time.Duration) (string, error) {
	chat := telegramtest.Private(u)
	steps := []struct{ send, want string }{
		{"/aduan", "Pilih kategori"},
		{strconv.Itoa(category), "uraian"},
		{description, "Di mana lokasinya?"},
		{"Jl. Pemuda 7", "Kirim foto"},
		{"lewati", "Kirim aduan ini?"},
		{"kirim", "tercatat dengan nomor"},
	}
	var got string
	for _, s := range steps {
		seen := len(srv.Sent(u.ID))
		srv.Text(chat, u, s.send)
		if !srv.Wait(timeout, func() bool {
			for _, m := range srv.Sent(u.ID)[seen:] {
				if strings.Contains(m.Text, s.want) {
					got = m.Text
					return true
				}
			}
			return false
		}) {
			sent := srv.Sent(u.ID)
			last := ""
			if len(sent) > 0 {
				last = sent[len(sent)-1].Text
			}
			return "", fmt.Errorf("citizen %d sent %q and never got %q; the last message was %q", u.ID, s.send, s.want, last)
		}
	}
	return ticketRE.FindString(got), nil
}

// admins answer every complaint post in the group, once, until stop.
func (sc *script) admins(stop <-chan struct{}) {
	for {
		sc.answerAll()
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// answerAll replies to each complaint's first post not yet answered; it
// reports whether every filed complaint has been answered.
func (sc *script) answerAll() bool {
	for _, m := range sc.srv.Sent(0) {
		ticket, ok := strings.CutPrefix(m.Text, "📢 ADUAN ")
		if !ok || m.ChatID >= 0 {
			continue
		}
		ticket, _, _ = strings.Cut(ticket, "\n")
		ticket = strings.TrimSpace(ticket)
		sc.mu.Lock()
		done := sc.answered[ticket]
		sc.answered[ticket] = true
		sc.mu.Unlock()
		if !done {
			sc.mu.Lock()
			sc.repliedTo[ticket] = m.MessageID
			sc.mu.Unlock()
			sc.srv.Reply(telegramtest.Group(m.ChatID, "Dinas"), sc.admin, m.MessageID, answerFor(ticket))
		}
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, tk := range sc.tickets {
		if !sc.answered[tk] {
			return false
		}
	}
	return true
}

func (sc *script) filed() map[string]string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	out := make(map[string]string, len(sc.tickets))
	for k, v := range sc.tickets {
		out[k] = v
	}
	return out
}

// unanswered lists the filed tickets whose answer has not reached the
// citizen.
func (sc *script) unanswered() []string {
	var missing []string
	for _, tk := range sc.filed() {
		sc.mu.Lock()
		citizen := sc.citizenOf[tk]
		sc.mu.Unlock()
		found := false
		for _, m := range sc.srv.Sent(citizen) {
			if strings.Contains(m.Text, "untuk "+tk+":\n"+answerFor(tk)) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, tk)
		}
	}
	return missing
}

func (sc *script) allAnswersArrived() bool { return len(sc.unanswered()) == 0 }

// missingAnswers lists the tickets whose answer is missing, each with
// what the bot sent about it.
func (sc *script) missingAnswers() string {
	var b strings.Builder
	for _, tk := range sc.unanswered() {
		fmt.Fprintf(&b, "\n%s (answered by reply to %d):", tk, sc.repliedTo[tk])
		for _, m := range sc.srv.Sent(0) {
			if strings.Contains(m.Text, tk) {
				first, _, _ := strings.Cut(m.Text, "\n")
				fmt.Fprintf(&b, "\n  chat %d msg %d reply_to %d: %s", m.ChatID, m.MessageID, m.ReplyTo, first)
			}
		}
	}
	return b.String()
}

// repeats counts messages the bot sent twice in a row to the same chat:
// to citizens or to the group.
func (sc *script) repeats(citizens bool) int {
	n := 0
	last := map[int64]string{}
	for _, m := range sc.srv.Sent(0) {
		if (m.ChatID > 0) != citizens {
			continue
		}
		if last[m.ChatID] == m.Text && m.Text != "" {
			n++
		}
		last[m.ChatID] = m.Text
	}
	return n
}
