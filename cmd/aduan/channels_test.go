package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aduan/bot/telegram/telegramtest"
	"aduan/flows"
	"aduan/store"
)

const wait = 10 * time.Second

// TestAcrossChannels runs the wired program with Telegram and the web:
// a Telegram citizen is answered from the console, and a web citizen from
// the Telegram admin group.
func TestAcrossChannels(t *testing.T) {
	srv := telegramtest.New(t)
	setTelegramEnv(t, srv)
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := mustServe(t, cfg, io.Discard)

	// A Telegram citizen, answered from the console.
	budi := telegramtest.User{ID: 5001, FirstName: "Budi"}
	me := telegramtest.Private(budi)
	said := func(want string) string {
		t.Helper()
		var text string
		if !srv.Wait(wait, func() bool {
			for _, m := range srv.Sent(budi.ID) {
				if strings.Contains(m.Text, want) {
					text = m.Text
					return true
				}
			}
			return false
		}) {
			t.Fatalf("telegram citizen never got %q", want)
		}
		return text
	}
	srv.Text(me, budi, "/aduan")
	said("Pilih kategori")
	srv.Text(me, budi, "2")
	said("uraian")
	srv.Text(me, budi, "Atap kelas 3 SD Karanganom bocor saat hujan.")
	said("Di mana lokasinya?")
	srv.Text(me, budi, "lewati")
	said("Kirim foto")
	srv.Text(me, budi, "lewati")
	said("Kirim aduan ini?")
	srv.Text(me, budi, "kirim")
	telegramTicket := ticketIn(t, said("tercatat dengan nomor"))

	console := newClient(t, base)
	page := console.get("/konsol/aduan/" + telegramTicket)
	csrf := field(t, page, "csrf")
	console.postForm("/konsol/aduan/"+telegramTicket, url.Values{"csrf": {csrf}, "aksi": {"balas"}, "teks": {"Besok tukang datang."}})
	said("Balasan dari Disdik (Dinas Pendidikan) untuk " + telegramTicket + ":\nBesok tukang datang.")
	// The group sees what the console did.
	groupGot := func(want string) telegramtest.Sent {
		t.Helper()
		var got telegramtest.Sent
		if !srv.Wait(wait, func() bool {
			for _, m := range srv.Sent(-1001) {
				if strings.Contains(m.Text, want) {
					got = m
					return true
				}
			}
			return false
		}) {
			t.Fatalf("admin group never got %q", want)
		}
		return got
	}
	groupGot("lewat konsol:\n💬 Balasan untuk " + telegramTicket)

	// A web citizen, answered from the Telegram admin group.
	citizen := newClient(t, base)
	if page := citizen.get("/"); !strings.Contains(page, "<title>Aduan Masyarakat Kabupaten Klaten</title>") {
		t.Errorf("the chat page does not carry web.title")
	}
	webTicket := fileWebSchool(t, citizen)
	if webTicket == telegramTicket {
		t.Fatalf("web complaint not filed; transcript: %s", citizen.get("/api/obrolan?after=0"))
	}
	post := groupGot("📢 ADUAN " + webTicket)
	admin := telegramtest.User{ID: 7001, FirstName: "Sari"}
	srv.Reply(telegramtest.Group(-1001, "Koordinator"), admin, post.MessageID, "Pagar diperbaiki minggu ini.")
	if !waitFor(func() bool {
		return strings.Contains(citizen.get("/api/obrolan?after=0"), "Balasan dari Disdik (Dinas Pendidikan) untuk "+webTicket+`:\nPagar diperbaiki minggu ini.`)
	}) {
		t.Fatalf("web citizen never got the group's answer: %s", citizen.get("/api/obrolan?after=0"))
	}
	// What was done in the group shows in the console.
	if page := console.get("/konsol/aduan/" + webTicket); !strings.Contains(page, "Pagar diperbaiki minggu ini.") || !strings.Contains(page, "Sari") {
		t.Errorf("the console does not show the group's answer")
	}
}

// setTelegramEnv points aduan at the fake Bot API, with the coordinators'
// group -1001, a fresh data_dir and a free HTTP port.
func setTelegramEnv(t *testing.T, srv *telegramtest.Server) {
	t.Helper()
	t.Setenv("ADUAN_DATA_DIR", t.TempDir())
	t.Setenv("ADUAN_TELEGRAM_TOKEN", telegramtest.Token)
	t.Setenv("ADUAN_TELEGRAM_API_URL", srv.URL)
	t.Setenv("ADUAN_TELEGRAM_ADMIN_CHAT_ID", "-1001")
	t.Setenv("ADUAN_TELEGRAM_POLL_TIMEOUT", "1s")
	t.Setenv("ADUAN_HTTP_ADDR", "127.0.0.1:0")
}

// mustServe runs the wired program until the test ends, and returns the
// HTTP server's address and a stop that waits for a clean shutdown.
func mustServe(t *testing.T, cfg *appConfig, logs io.Writer) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	listening := make(chan string, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), listening) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case addr := <-listening:
		return "http://" + addr, stop
	case err := <-done:
		once.Do(func() {})
		t.Fatalf("serve stopped at start: %v", err)
	case <-time.After(wait):
		t.Fatal("the HTTP server did not start")
	}
	return "", stop
}

// fileWebSchool files a school complaint in the web chat as a citizen
// would, waiting for each answer, and returns its ticket.
func fileWebSchool(t *testing.T, web *client) string {
	t.Helper()
	var opened struct{ CSRF string }
	json.Unmarshal([]byte(web.get("/api/obrolan")), &opened)
	for i, msg := range []map[string]any{
		{"choice": "menu:aduan", "label": "📝 Buat aduan"}, {"choice": "cat:sekolah", "label": "🏫 Sekolah"}, {"text": "Pagar sekolah roboh ditabrak truk."},
		{"text": "SDN 1 Klaten"}, {"text": "lewati"}, {"choice": "ok:kirim", "label": "✅ Kirim"},
	} {
		msg["id"] = "w" + strconv.Itoa(i)
		web.postJSON("/api/kirim", opened.CSRF, msg)
		// Each answer comes before the next message, as a person waits.
		n := i
		if !waitFor(func() bool {
			return strings.Count(web.get("/api/obrolan?after=0"), `"mine":true`) == n+1 && botLines(web) >= n+1
		}) {
			t.Fatalf("no answer to web message %d: %s", i, web.get("/api/obrolan?after=0"))
		}
	}
	transcript := web.get("/api/obrolan?after=0")
	if !strings.Contains(transcript, "tercatat") {
		t.Fatalf("no complaint filed: %s", transcript)
	}
	return ticketIn(t, transcript)
}

func ticketIn(t *testing.T, text string) string {
	t.Helper()
	tickets := regexp.MustCompile(`ADU-\d{4}-\d{6}`).FindAllString(text, -1)
	if len(tickets) == 0 {
		t.Fatalf("no ticket in %q", text)
	}
	return tickets[len(tickets)-1]
}

func botLines(c *client) int {
	var data struct {
		Entries []struct{ Mine bool } `json:"entries"`
	}
	json.Unmarshal([]byte(c.get("/api/obrolan?after=0")), &data)
	n := 0
	for _, e := range data.Entries {
		if !e.Mine {
			n++
		}
	}
	return n
}

func waitFor(cond func() bool) bool { return waitForIn(wait, cond) }

// waitForIn polls cond until it holds or timeout passes.
func waitForIn(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// client is a browser: cookies kept, redirects not followed.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) do(req *http.Request) string {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		c.t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return string(body)
}

func (c *client) get(path string) string {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// ready asks /readyz, which may well answer 503, and returns its status
// and reason.
func (c *client) ready() (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + "/readyz")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (c *client) postForm(path string, v url.Values) string {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) postJSON(path, csrf string, v any) string {
	c.t.Helper()
	data, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	return c.do(req)
}

// field reads a hidden form field's value from a page.
func field(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s field in page:\n%s", name, page)
	}
	return m[1]
}

// TestDeadlinesEndToEnd: with a first response of a few seconds, the
// office's group gets the reminder and the coordinators' group the
// escalation.
func TestDeadlinesEndToEnd(t *testing.T) {
	srv := telegramtest.New(t)
	setTelegramEnv(t, srv)
	t.Setenv("ADUAN_DEADLINES_FIRST_RESPONSE", "4s")
	t.Setenv("ADUAN_DEADLINES_REMIND_BEFORE", "3s")
	content := strings.Replace(shipped(t), "  - id: disdik\n    name: Disdik (Dinas Pendidikan)\n",
		"  - id: disdik\n    name: Disdik (Dinas Pendidikan)\n    telegram_chat_id: -2002\n", 1)
	cfg, err := loadConfig(mustWrite(t, content))
	if err != nil {
		t.Fatal(err)
	}
	mustServe(t, cfg, io.Discard)
	budi := telegramtest.User{ID: 5001, FirstName: "Budi"}
	me := telegramtest.Private(budi)
	for _, step := range []struct{ say, then string }{
		{"/aduan", "Pilih kategori"}, {"2", "uraian"}, {"Atap kelas 3 SD Karanganom bocor saat hujan.", "lokasi"},
		{"lewati", "foto"}, {"lewati", "Kirim aduan ini?"}, {"kirim", "tercatat dengan nomor"},
	} {
		n := len(srv.Sent(budi.ID))
		srv.Text(me, budi, step.say)
		if !srv.Wait(wait, func() bool {
			sent := srv.Sent(budi.ID)
			return len(sent) > n && strings.Contains(sent[len(sent)-1].Text, step.then)
		}) {
			t.Fatalf("after %q, no %q", step.say, step.then)
		}
	}
	got := func(chat int64, want string) bool {
		return srv.Wait(wait, func() bool {
			for _, m := range srv.Sent(chat) {
				if strings.Contains(m.Text, want) {
					return true
				}
			}
			return false
		})
	}
	if !got(-2002, "⏰ Pengingat: 1 aduan belum mendapat jawaban pertama") {
		t.Errorf("the office's group got no reminder: %+v", srv.Sent(-2002))
	}
	if !got(-1001, "🚨 1 aduan lewat batas jawaban pertama") {
		t.Errorf("the coordinators got no escalation: %+v", srv.Sent(-1001))
	}
	for _, m := range srv.Sent(-1001) {
		if strings.Contains(m.Text, "⏰") {
			t.Errorf("the coordinators got the office's reminder")
		}
	}
}

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ADUAN_DATA_DIR", dir)
	t.Setenv("ADUAN_HTTP_ADDR", "127.0.0.1:0")
	path := mustWrite(t, shipped(t))
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	// A complaint through the web chat, while aduan runs.
	base, stop := mustServe(t, cfg, io.Discard)
	fileWebSchool(t, newClient(t, base))
	// While aduan runs, the running aduan writes the export (over its
	// control socket), to stdout or to --out.
	var out, errOut bytes.Buffer
	if code := run([]string{"-config", path, "export", "--format", "json", "--personal"}, os.Stdin, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "Pagar sekolah roboh") || !strings.Contains(errOut.String(), "1 complaints exported by the running aduan") {
		t.Errorf("export while running: %d %q %q", code, out.String(), errOut.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 1 {
		t.Errorf("export while running is not the JSON of one complaint: %v %q", err, out.String())
	}
	file := filepath.Join(t.TempDir(), "ekspor.csv")
	out.Reset()
	if code := run([]string{"-config", path, "export", "--out", file}, os.Stdin, &out, &out); code != 0 {
		t.Errorf("export --out while running: %d %q", code, out.String())
	}
	if data, err := os.ReadFile(file); err != nil || !strings.HasPrefix(string(data), "ticket,category,office,status") || strings.Contains(string(data), "Pagar sekolah") {
		t.Errorf("export --out while running wrote %q (%v)", data, err)
	}
	stop()
	year := strconv.Itoa(time.Now().Year())
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export"}, 0, "ticket,category,office,status"},
		{[]string{"export", "--format", "json", "--personal"}, 0, "Pagar sekolah roboh"},
		{[]string{"export", "--from", year + "-01-01", "--to", year + "-01-01"}, 0, "0 complaints exported"},
		{[]string{"export", "--format", "xml"}, exitConfig, "csv or json"},
		{[]string{"export", "--from", "kemarin"}, exitConfig, "--from"},
		{[]string{"export", "extra"}, exitConfig, "unexpected argument"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code := run(append([]string{"-config", path}, tt.args...), os.Stdin, &out, &out)
		if code != tt.code || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: %d %q; want %d and %q", tt.args, code, out.String(), tt.code, tt.want)
		}
		if code == 0 && !strings.Contains(strings.Join(tt.args, " "), "--personal") && strings.Contains(out.String(), "Pagar sekolah") {
			t.Errorf("%v: free text without --personal", tt.args)
		}
	}
}

// /metrics counts what came in and went out, and reads the complaints and
// the outbox from the store; a configured token is required.
func TestMetrics(t *testing.T) {
	t.Setenv("ADUAN_DATA_DIR", t.TempDir())
	t.Setenv("ADUAN_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("ADUAN_METRICS_TOKEN", "rahasia-metrik")
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := mustServe(t, cfg, io.Discard)
	fileWebSchool(t, newClient(t, base))
	scrape := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, _ := scrape(""); code != http.StatusUnauthorized {
		t.Errorf("scrape without the token: %d", code)
	}
	if code, _ := scrape("salah"); code != http.StatusUnauthorized {
		t.Errorf("scrape with a wrong token: %d", code)
	}
	code, body := scrape("rahasia-metrik")
	for _, want := range []string{
		`aduan_inbound_messages_total{channel="web",kind="choice"} 3`,
		`aduan_inbound_messages_total{channel="web",kind="text"} 3`,
		`aduan_complaints{office="disdik",status="baru"} 1`,
		`aduan_outbox_messages{channel="web"} 0`,
		`aduan_handle_seconds_count 6`,
		`aduan_first_response_seconds_count 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q (status %d)", want, code)
		}
	}
	if strings.Contains(body, "Pagar sekolah") {
		t.Errorf("metrics carry complaint text")
	}
}

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ADUAN_DATA_DIR", dir)
	t.Setenv("ADUAN_HTTP_ADDR", "127.0.0.1:0")
	path := mustWrite(t, shipped(t))
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	base, stop := mustServe(t, cfg, io.Discard)
	fileWebSchool(t, newClient(t, base))
	var out bytes.Buffer
	if code := run([]string{"-config", path, "verify"}, os.Stdin, &out, &out); code != exitRuntime || !strings.Contains(out.String(), "aduan is running") {
		t.Errorf("verify while running: %d %q", code, out.String())
	}
	stop()
	out.Reset()
	if code := run([]string{"-config", path, "verify"}, os.Stdin, &out, &out); code != 0 || !strings.Contains(out.String(), "is consistent") {
		t.Fatalf("verify: %d %q", code, out.String())
	}
	// Break it: a conversation lists a complaint that is not there, and a
	// complaint shows a photo that is gone.
	st, err := store.Open(filepath.Join(dir, "aduan.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *store.Tx) error {
		conv, err := tx.Conversation(flows.Chat{Channel: "web", ID: "x"})
		if err != nil {
			return err
		}
		conv.Tickets = []string{"ADU-2026-999999"}
		if err := tx.PutConversation(conv); err != nil {
			return err
		}
		return tx.PutComplaint(flows.Complaint{Ticket: "ADU-2026-000777", Office: "dpupr", Category: "jalan", Status: flows.StatusNew,
			Photos: []string{strings.Repeat("ab", 32)}})
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	code := run([]string{"-config", path, "verify"}, os.Stdin, &out, &out)
	if code != exitRuntime || !strings.Contains(out.String(), "lists ADU-2026-999999, which does not exist") ||
		!strings.Contains(out.String(), "complaint ADU-2026-000777 shows media abababababab…, which is missing") {
		t.Errorf("verify of a broken store: %d %q", code, out.String())
	}
	// A file that is no database at all.
	garbage := t.TempDir()
	if err := os.WriteFile(filepath.Join(garbage, "aduan.db"), []byte("not a database, just words"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ADUAN_DATA_DIR", garbage)
	out.Reset()
	if code := run([]string{"-config", path, "verify"}, os.Stdin, &out, &out); code != exitRuntime || !strings.Contains(out.String(), "aduan.db") {
		t.Errorf("verify of a file that is no database: %d %q", code, out.String())
	}
}

// backup: asked of the running aduan over its socket, or made directly
// when none runs; either copy opens with every complaint.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ADUAN_DATA_DIR", dir)
	t.Setenv("ADUAN_HTTP_ADDR", "127.0.0.1:0")
	path := mustWrite(t, shipped(t))
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	base, stop := mustServe(t, cfg, io.Discard)
	ticket := fileWebSchool(t, newClient(t, base))
	hot := filepath.Join(t.TempDir(), "hot.db")
	var out bytes.Buffer
	if code := run([]string{"-config", path, "backup", hot}, os.Stdin, &out, &out); code != 0 || !strings.Contains(out.String(), "by the running aduan") {
		t.Fatalf("backup while running: %d %q", code, out.String())
	}
	stop()
	cold := filepath.Join(t.TempDir(), "cold.db")
	out.Reset()
	if code := run([]string{"-config", path, "backup", cold}, os.Stdin, &out, &out); code != 0 || !strings.Contains(out.String(), "Backup written: "+cold) {
		t.Fatalf("backup with aduan stopped: %d %q", code, out.String())
	}
	for _, copy := range []string{hot, cold} {
		st, err := store.OpenReadOnly(copy)
		if err != nil {
			t.Fatalf("%s: %v", copy, err)
		}
		st.View(func(tx *store.Tx) error {
			if c, err := tx.Complaint(ticket); err != nil || c == nil {
				t.Errorf("%s lacks %s: %v", copy, ticket, err)
			}
			return nil
		})
		if problems, err := st.Verify(nil); err != nil || len(problems) > 0 {
			t.Errorf("%s: %v %v", copy, problems, err)
		}
		st.Close()
		if fi, _ := os.Stat(copy); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", copy, fi.Mode().Perm())
		}
	}
	out.Reset()
	if code := run([]string{"-config", path, "backup"}, os.Stdin, &out, &out); code != exitConfig {
		t.Errorf("backup without a path: %d", code)
	}
}

// With telegram.webhook_url, the program sets the webhook and takes the
// updates Telegram pushes on its own HTTP server, at the URL's path.
func TestWebhookWired(t *testing.T) {
	srv := telegramtest.New(t)
	setTelegramEnv(t, srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("ADUAN_HTTP_ADDR", addr)
	t.Setenv("ADUAN_TELEGRAM_WEBHOOK_URL", "http://"+addr+"/telegram/masuk")
	t.Setenv("ADUAN_TELEGRAM_WEBHOOK_SECRET_FILE", mustWrite(t, "rahasia_dari_berkas\n"))
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := mustServe(t, cfg, io.Discard)
	if !srv.Wait(wait, func() bool { u, _ := srv.Webhook(); return u != "" }) {
		t.Fatal("setWebhook was never called")
	}
	if u, secret := srv.Webhook(); u != "http://"+addr+"/telegram/masuk" || secret != "rahasia_dari_berkas" {
		t.Errorf("webhook %q, secret %q", u, secret)
	}
	budi := telegramtest.User{ID: 5001, FirstName: "Budi"}
	srv.Text(telegramtest.Private(budi), budi, "/aduan")
	if !srv.Wait(wait, func() bool {
		for _, m := range srv.Sent(budi.ID) {
			if strings.Contains(m.Text, "Pilih kategori") {
				return true
			}
		}
		return false
	}) {
		t.Fatal("the pushed update was not answered")
	}
	// The rest of the site is still there.
	if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %v %v", resp, err)
	}
	if n := srv.Calls("getUpdates"); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
}
