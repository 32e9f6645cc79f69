package web

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

// fixture is a desk with the web channel behind a real HTTP server.
type fixture struct {
	t     testing.TB
	srv   *httptest.Server
	web   *Web
	desk  *bot.Desk
	store *store.Store
	cfg   *flows.Config
	clock *clock
}

// clock is a settable clock for session expiry.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func testFlows() *flows.Config {
	return &flows.Config{
		TicketPrefix: "ADU",
		Coordinator:  "diskominfo",
		Offices: []flows.Office{
			{ID: "dpupr", Name: "DPU-PR"},
			{ID: "disdik", Name: "Disdik"},
			{ID: "diskominfo", Name: "Diskominfo"},
		},
		Categories: []flows.Category{
			{ID: "jalan", Label: "🛣️ Jalan", Office: "dpupr"},
			{ID: "sekolah", Label: "🏫 Sekolah", Office: "disdik"},
		},
		Channels:       map[string]flows.Caps{ChannelName: Caps},
		DescriptionMin: 10, DescriptionMax: 500, MaxPhotos: 3, ThreadLimit: 100,
		Texts: flows.DefaultTexts(),
	}
}

// mustFixture starts a desk and the web on a temp store. edit may change
// the flows config or the web config before they are used.
func mustFixture(t testing.TB, edit func(fc *flows.Config, wc *Config)) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "aduan.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	media, err := store.OpenMedia(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	fc := testFlows()
	clk := &clock{now: time.Now()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	wc := Config{Citizen: true, Now: clk.Now, Logger: log, MaxPhoto: 1 << 20}
	if edit != nil {
		edit(fc, &wc)
	}
	if err := fc.Validate(); err != nil {
		t.Fatal(err)
	}
	desk := bot.New(st, fc, bot.Options{Logger: log, MinBackoff: 10 * time.Millisecond, Media: media})
	w, err := New(wc, fc, desk, st, media)
	if err != nil {
		t.Fatal(err)
	}
	desk.AddChannel(w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { desk.Run(ctx); close(done) }()
	srv := httptest.NewServer(w)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return &fixture{t: t, srv: srv, web: w, desk: desk, store: st, cfg: fc, clock: clk}
}

// browser is one browser: a cookie jar and, for the citizen chat, the
// CSRF token the page got.
type browser struct {
	f      *fixture
	client *http.Client
	csrf   string
	n      int
	// seen is the newest transcript entry waitFor returned; it looks only
	// after it.
	seen uint64
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.f.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.f.srv.URL+path, nil)
	return b.do(req)
}

// open loads the citizen page's transcript, as the page does first.
func (b *browser) open() []entry {
	b.f.t.Helper()
	resp, body := b.get("/api/obrolan")
	if resp.StatusCode != http.StatusOK {
		b.f.t.Fatalf("GET /api/obrolan: %d %s", resp.StatusCode, body)
	}
	var data struct {
		CSRF    string  `json:"csrf"`
		Entries []entry `json:"entries"`
	}
	if err := json.Unmarshal([]byte(body), &data); err != nil {
		b.f.t.Fatal(err)
	}
	b.csrf = data.CSRF
	return data.Entries
}

// post sends one JSON message as the page does, and returns the status.
func (b *browser) post(msg map[string]any) (int, string) {
	b.f.t.Helper()
	if _, ok := msg["id"]; !ok {
		b.n++
		msg["id"] = "m" + strconv.Itoa(b.n)
	}
	data, _ := json.Marshal(msg)
	req, _ := http.NewRequest(http.MethodPost, b.f.srv.URL+"/api/kirim", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", b.csrf)
	resp, body := b.do(req)
	return resp.StatusCode, body
}

func (b *browser) mustPost(msg map[string]any) {
	b.f.t.Helper()
	if code, body := b.post(msg); code != http.StatusOK {
		b.f.t.Fatalf("POST %v: %d %s", msg, code, body)
	}
}

// upload sends a file as the page's photo button does.
func (b *browser) upload(name string, content []byte) (int, string) {
	b.f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	b.n++
	mw.WriteField("id", "f"+strconv.Itoa(b.n))
	fw, _ := mw.CreateFormFile("foto", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.f.srv.URL+"/api/foto", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", b.csrf)
	resp, body := b.do(req)
	return resp.StatusCode, body
}

// transcript reads the whole transcript now.
func (b *browser) transcript() []entry {
	b.f.t.Helper()
	resp, body := b.get("/api/obrolan?after=0")
	if resp.StatusCode != http.StatusOK {
		b.f.t.Fatalf("transcript: %d %s", resp.StatusCode, body)
	}
	var data struct{ Entries []entry }
	json.Unmarshal([]byte(body), &data)
	return data.Entries
}

// waitFor waits until the transcript has a new desk message containing
// want (after the one waitFor returned last), and returns it.
func (b *browser) waitFor(want string) entry {
	b.f.t.Helper()
	var got []entry
	var found entry
	ok := waitUntil(5*time.Second, func() bool {
		got = b.transcript()
		for _, e := range got {
			if e.Seq > b.seen && !e.Mine && strings.Contains(e.Text, want) {
				found = e
				return true
			}
		}
		return false
	})
	if !ok {
		b.f.t.Fatalf("no new message containing %q; transcript: %s", want, texts(got))
	}
	b.seen = found.Seq
	return found
}

func texts(es []entry) string {
	var b strings.Builder
	for _, e := range es {
		who := "desk"
		if e.Mine {
			who = "citizen"
		}
		b.WriteString("\n  " + who + ": " + e.Text)
	}
	return b.String()
}

// waitUntil checks cond until it holds or the deadline passes.
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// mustFileComplaint runs a whole complaint through the citizen chat and
// returns its ticket.
func (b *browser) mustFileComplaint(category, description string) string {
	b.f.t.Helper()
	if b.csrf == "" {
		b.open()
	}
	b.mustPost(map[string]any{"choice": "menu:aduan", "label": "Buat aduan"})
	b.waitFor("kategori")
	b.mustPost(map[string]any{"choice": "cat:" + category})
	b.waitFor("uraian")
	b.mustPost(map[string]any{"text": description})
	b.waitFor("lokasi")
	b.mustPost(map[string]any{"location": true, "lat": -7.7, "lon": 110.6})
	b.waitFor("foto")
	b.mustPost(map[string]any{"text": "lewati"})
	b.waitFor("Kirim aduan ini?")
	b.mustPost(map[string]any{"choice": "ok:kirim"})
	e := b.waitFor("tercatat dengan nomor")
	ticket := b.f.cfg.TicketIn(e.Text)
	if ticket == "" {
		b.f.t.Fatalf("no ticket in %q", e.Text)
	}
	return ticket
}

// form posts a console form with the browser's cookies.
func (b *browser) form(path string, values url.Values, headers ...string) (*http.Response, string) {
	b.f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// consoleCSRF reads the CSRF token from a console page.
func consoleCSRF(t testing.TB, page string) string {
	t.Helper()
	const marker = `name="csrf" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no csrf field in page:\n%s", page)
	}
	rest := page[i+len(marker):]
	return rest[:strings.Index(rest, `"`)]
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
