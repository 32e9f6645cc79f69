package web

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

// In the open console (loopback, no users), an answer reaches the citizen's
// page and the complaint's thread.
func TestOpenConsoleAnswers(t *testing.T) {
	f := mustFixture(t, nil)
	citizen := f.browser()
	ticket := citizen.mustFileComplaint("jalan", "Jalan berlubang di depan pasar.")

	admin := f.browser()
	resp, page := admin.get("/konsol")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, ticket) || !strings.Contains(page, "Konsol terbuka tanpa login") {
		t.Fatalf("list: %d, ticket or open notice missing:\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, "menunggu") {
		t.Errorf("a new complaint is not marked as waiting for an answer")
	}
	resp, page = admin.get("/konsol/aduan/" + ticket)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Jalan berlubang di depan pasar.") || !strings.Contains(page, "maps.google.com") {
		t.Fatalf("detail: %d\n%s", resp.StatusCode, page)
	}
	csrf := consoleCSRF(t, page)
	resp, _ = admin.form("/konsol/aduan/"+ticket, url.Values{"csrf": {csrf}, "aksi": {"balas"}, "teks": {"Besok kami tambal."}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "hasil=") {
		t.Fatalf("reply: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	citizen.waitFor("Balasan dari DPU-PR untuk " + ticket + ":\nBesok kami tambal.")
	resp, _ = admin.form("/konsol/aduan/"+ticket, url.Values{"csrf": {csrf}, "aksi": {"proses"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("proses: %d", resp.StatusCode)
	}
	citizen.waitFor("sedang diproses")
	_, page = admin.get("/konsol/aduan/" + ticket)
	for _, want := range []string{"Besok kami tambal.", "diproses", "· Admin"} {
		if !strings.Contains(page, want) {
			t.Errorf("thread does not show %q", want)
		}
	}
	// Filters and search.
	tests := []struct {
		query string
		found bool
	}{
		{"?status=diproses", true},
		{"?status=baru", false},
		{"?status=terbuka", true},
		{"?dinas=dpupr", true},
		{"?dinas=disdik", false},
		{"?q=PASAR", true},
		{"?q=" + strings.ToLower(ticket), true},
		{"?q=sekolah+roboh", false},
		{"?q=besok+kami", true}, // the admin's reply in its thread
		{"?q=dpu-pr", true},     // its office's name, from the config
		{"?q=jalan&status=baru", false},
		{"?urut=lama&hal=1", true},
		{"?hal=2", false},
	}
	for _, tt := range tests {
		_, page := admin.get("/konsol" + tt.query)
		if found := strings.Contains(page, "/konsol/aduan/"+ticket); found != tt.found {
			t.Errorf("list%s shows the complaint: %v, want %v", tt.query, found, tt.found)
		}
	}
}

// mustOpenComplaint files a complaint as a web citizen and opens its page
// in the open console; it returns the console's CSRF token.
func mustOpenComplaint(t *testing.T) (f *fixture, citizen, admin *browser, ticket, csrf string) {
	t.Helper()
	f = mustFixture(t, nil)
	citizen = f.browser()
	ticket = citizen.mustFileComplaint("jalan", "Jalan berlubang di depan pasar.")
	admin = f.browser()
	_, page := admin.get("/konsol/aduan/" + ticket)
	return f, citizen, admin, ticket, consoleCSRF(t, page)
}

func TestConsoleFormsRefused(t *testing.T) {
	f, _, admin, ticket, csrf := mustOpenComplaint(t)
	tests := []struct {
		name    string
		values  url.Values
		headers []string
		want    int
	}{
		{"missing token", url.Values{"aksi": {"proses"}}, nil, http.StatusForbidden},
		{"forged token", url.Values{"csrf": {"forged"}, "aksi": {"proses"}}, nil, http.StatusForbidden},
		{"cross-site origin", url.Values{"csrf": {csrf}, "aksi": {"proses"}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", url.Values{"csrf": {csrf}, "aksi": {"proses"}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		if resp, body := admin.form("/konsol/aduan/"+ticket, tt.values, tt.headers...); resp.StatusCode != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.want)
		}
	}
	if resp, _ := admin.form("/konsol/aduan/ADU-2026-999999", url.Values{"csrf": {csrf}, "aksi": {"proses"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown ticket: %d", resp.StatusCode)
	}
	// Nothing changed.
	f.store.View(func(tx *store.Tx) error {
		c, _ := tx.Complaint(ticket)
		if c.Status != flows.StatusNew {
			t.Errorf("a refused form changed the complaint to %s", c.Status)
		}
		return nil
	})
	// A form without the needed text is answered, not executed.
	resp, _ := admin.form("/konsol/aduan/"+ticket, url.Values{"csrf": {csrf}, "aksi": {"tolak"}})
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, url.QueryEscape("Sertakan alasan")) {
		t.Errorf("tolak without reason: %q", loc)
	}
}

// mustUsers configures console users: sari of DPU-PR only, and kominfo
// who sees all.
func mustUsers(t *testing.T) func(*flows.Config, *Config) {
	t.Helper()
	hash := func(p string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	sari, kominfo := hash("sandi-sari-123"), hash("sandi-kominfo-1")
	return func(_ *flows.Config, wc *Config) {
		wc.Users = []User{
			{Name: "sari", Display: "Sari (DPU-PR)", Hash: sari, Offices: []string{"dpupr"}},
			{Name: "kominfo", Hash: kominfo},
		}
	}
}

func (b *browser) login(user, password string) *http.Response {
	b.f.t.Helper()
	resp, _ := b.form("/konsol/masuk", url.Values{"pengguna": {user}, "sandi": {password}, "ke": {"/konsol"}})
	return resp
}

func TestConsoleLogin(t *testing.T) {
	f := mustFixture(t, mustUsers(t))
	citizen := f.browser()
	road := citizen.mustFileComplaint("jalan", "Jalan berlubang di depan pasar.")
	school := citizen.mustFileComplaint("sekolah", "Atap kelas 3 bocor saat hujan.")

	b := f.browser()
	resp, _ := b.get("/konsol")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/konsol/masuk") {
		t.Fatalf("console without login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := b.login("sari", "salah"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	if resp := b.login("siapa", "salah"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	if resp := b.login("sari", "sandi-sari-123"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/konsol" {
		t.Fatalf("login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := b.get("/konsol")
	if !strings.Contains(page, road) || strings.Contains(page, school) || strings.Contains(page, "tanpa login") {
		t.Errorf("sari's list: road %v, school %v (must not), open notice %v (must not)",
			strings.Contains(page, road), strings.Contains(page, school), strings.Contains(page, "tanpa login"))
	}
	// Another office's complaint: not shown, not served, not acted on.
	if resp, _ := b.get("/konsol/aduan/" + school); resp.StatusCode != http.StatusNotFound {
		t.Errorf("sari opened disdik's complaint: %d", resp.StatusCode)
	}
	_, page = b.get("/konsol/aduan/" + road)
	csrf := consoleCSRF(t, page)
	if resp, _ := b.form("/konsol/aduan/"+school, url.Values{"csrf": {csrf}, "aksi": {"selesai"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("sari acted on disdik's complaint: %d", resp.StatusCode)
	}
	f.store.View(func(tx *store.Tx) error {
		if c, _ := tx.Complaint(school); c.Status != flows.StatusNew {
			t.Errorf("disdik's complaint changed to %s", c.Status)
		}
		return nil
	})
	// Her own office's: answered, with her name for the office.
	b.form("/konsol/aduan/"+road, url.Values{"csrf": {csrf}, "aksi": {"catatan"}, "teks": {"cek anggaran"}})
	f.store.View(func(tx *store.Tx) error {
		c, _ := tx.Complaint(road)
		if e := c.Thread[len(c.Thread)-1]; e.Kind != flows.EntryNote || e.Author != "Sari (DPU-PR)" {
			t.Errorf("note: %+v", e)
		}
		return nil
	})
	// Logout ends the session for good.
	if resp, _ := b.form("/konsol/keluar", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/konsol"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d", resp.StatusCode)
	}
}

func TestConsoleLoginRateLimited(t *testing.T) {
	f := mustFixture(t, mustUsers(t))
	b := f.browser()
	codes := []int{}
	for range 7 {
		codes = append(codes, b.login("sari", "tebak-tebak").StatusCode)
	}
	if codes[0] != http.StatusUnauthorized || codes[6] != http.StatusTooManyRequests {
		t.Errorf("repeated wrong passwords: %v, want 401 first and 429 at last", codes)
	}
	// Even the right password waits now.
	if resp := b.login("sari", "sandi-sari-123"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while limited: %d", resp.StatusCode)
	}
	// Another user from another address is not held up by sari's limit;
	// from the same address the address limit holds.
	if resp := b.login("kominfo", "sandi-kominfo-1"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("same address, other user: %d, want 429 by the address limit", resp.StatusCode)
	}
	if !f.web.login.allow("addr:192.0.2.1") {
		t.Errorf("a fresh address is limited")
	}
}

func TestConsoleSessionExpires(t *testing.T) {
	f := mustFixture(t, func(fc *flows.Config, wc *Config) {
		mustUsers(t)(fc, wc)
		wc.ConsoleSessionTTL = time.Hour
	})
	b := f.browser()
	if resp := b.login("kominfo", "sandi-kominfo-1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/konsol"); resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d", resp.StatusCode)
	}
	f.clock.Add(61 * time.Minute)
	if resp, _ := b.get("/konsol"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("expired session: %d, want a redirect to the login", resp.StatusCode)
	}
	if resp, _ := b.form("/konsol/aduan/ADU-2026-000001", url.Values{"aksi": {"proses"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("action with an expired session: %d", resp.StatusCode)
	}
}

func TestConsoleMediaOnlyOfItsComplaint(t *testing.T) {
	f := mustFixture(t, nil)
	citizen := f.browser()
	citizen.open()
	citizen.mustPost(map[string]any{"choice": "menu:aduan"})
	citizen.waitFor("kategori")
	citizen.mustPost(map[string]any{"choice": "cat:jalan"})
	citizen.waitFor("uraian")
	citizen.mustPost(map[string]any{"text": "Jalan berlubang di depan pasar."})
	citizen.waitFor("lokasi")
	citizen.mustPost(map[string]any{"text": "Jl. Pemuda 3"})
	citizen.waitFor("foto")
	photo := pngBytes(t, 30, 30)
	citizen.upload("a.png", photo)
	citizen.waitFor("Foto diterima")
	citizen.mustPost(map[string]any{"text": "lanjut"})
	citizen.waitFor("Kirim aduan ini?")
	citizen.mustPost(map[string]any{"choice": "ok:kirim"})
	ticket := f.cfg.TicketIn(citizen.waitFor("tercatat").Text)
	other := citizen.mustFileComplaint("jalan", "Lampu jalan mati dua minggu.")
	var hash string
	f.store.View(func(tx *store.Tx) error {
		c, _ := tx.Complaint(ticket)
		hash = c.Photos[0]
		return nil
	})
	admin := f.browser()
	if resp, body := admin.get("/konsol/media/" + ticket + "/" + hash); resp.StatusCode != http.StatusOK || body != string(photo) {
		t.Errorf("photo of its complaint: %d", resp.StatusCode)
	}
	if resp, _ := admin.get("/konsol/media/" + other + "/" + hash); resp.StatusCode != http.StatusNotFound {
		t.Errorf("photo through another complaint: %d", resp.StatusCode)
	}
}

type failingDesk struct{ Desk }

func (failingDesk) Ready() error { return errors.New("telegram: getUpdates: connection refused") }

func TestHealth(t *testing.T) {
	f := mustFixture(t, nil)
	b := f.browser()
	if resp, body := b.get("/healthz"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "ok") {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
	if resp, body := b.get("/readyz"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "ready") {
		t.Errorf("readyz: %d %q", resp.StatusCode, body)
	}
	f.web.desk = failingDesk{f.web.desk}
	if resp, body := b.get("/readyz"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "connection refused") {
		t.Errorf("readyz with a channel down: %d %q", resp.StatusCode, body)
	}
	// The console says so on every page.
	if _, page := b.get("/konsol"); !strings.Contains(page, "⚠️ telegram: getUpdates: connection refused") {
		t.Errorf("the console does not show the channel down")
	}
}

// A console reply may carry a photo; the citizen sees it and may fetch it.
func TestConsoleReplyWithPhoto(t *testing.T) {
	f, citizen, admin, ticket, csrf := mustOpenComplaint(t)
	send := func(name string, content []byte) *http.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", csrf)
		mw.WriteField("aksi", "balas")
		mw.WriteField("teks", "Sudah kami tambal, lihat foto.")
		fw, _ := mw.CreateFormFile("foto", name)
		fw.Write(content)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/konsol/aduan/"+ticket, &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, _ := admin.do(req)
		return resp
	}
	if resp := send("surat.pdf", []byte("%PDF-1.4")); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("a document as the photo: %d", resp.StatusCode)
	}
	photo := pngBytes(t, 50, 20)
	if resp := send("tambal.png", photo); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply with photo: %d", resp.StatusCode)
	}
	e := citizen.waitFor("Sudah kami tambal")
	if len(e.Photos) != 1 {
		t.Fatalf("the answer carries %d photos", len(e.Photos))
	}
	if resp, body := citizen.get("/media/" + e.Photos[0]); resp.StatusCode != http.StatusOK || body != string(photo) {
		t.Errorf("citizen fetches the answer's photo: %d", resp.StatusCode)
	}
	if n := strings.Count(texts(citizen.transcript()), "Sudah kami tambal"); n != 1 {
		t.Errorf("the refused upload reached the citizen too: %d answers", n)
	}
}

func TestStaticAssets(t *testing.T) {
	f := mustFixture(t, nil)
	b := f.browser()
	for path, want := range map[string]string{
		"/":                   `<h1>Aduan Masyarakat</h1>`,
		"/static/chat.js":     "EventSource",
		"/static/chat.css":    ".msg",
		"/static/console.css": ".list",
	} {
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, lacks %q", path, resp.StatusCode, want)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: security headers missing", path)
		}
	}
	if resp, _ := b.get("/static/nope.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
	// With the citizen chat off, / leads to the console and the chat's API is gone.
	off := mustFixture(t, func(_ *flows.Config, wc *Config) { wc.Citizen = false })
	ob := off.browser()
	if resp, _ := ob.get("/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/konsol" {
		t.Errorf("/ without the citizen chat: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := ob.get("/api/obrolan"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("chat API without the citizen chat: %d", resp.StatusCode)
	}
	if resp, body := ob.get("/static/console.css"); resp.StatusCode != http.StatusOK || !strings.Contains(body, ".list") {
		t.Errorf("console style without the citizen chat: %d", resp.StatusCode)
	}
}

// A form sent twice (a double click, a resent request) acts once.
func TestConsoleFormSentTwiceActsOnce(t *testing.T) {
	f, citizen, admin, ticket, csrf := mustOpenComplaint(t)
	_, page := admin.get("/konsol/aduan/" + ticket)
	key := regexp.MustCompile(`name="kunci" value="([^"]+)"`).FindStringSubmatch(page)
	if key == nil {
		t.Fatal("the reply form has no key")
	}
	form := url.Values{"csrf": {csrf}, "kunci": {key[1]}, "aksi": {"balas"}, "teks": {"Sedang kami cek."}}
	admin.form("/konsol/aduan/"+ticket, form)
	resp, _ := admin.form("/konsol/aduan/"+ticket, form)
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, url.QueryEscape("sudah dijalankan")) {
		t.Errorf("second send: %q", loc)
	}
	citizen.waitFor("Sedang kami cek.")
	citizen.mustPost(map[string]any{"text": "status"}) // a later answer: the reply had its chance to repeat
	citizen.waitFor(ticket)
	if n := strings.Count(texts(citizen.transcript()), "Balasan dari DPU-PR untuk "+ticket+":\nSedang kami cek."); n != 1 {
		t.Errorf("the citizen got the reply %d times", n)
	}
	f.store.View(func(tx *store.Tx) error {
		c, _ := tx.Complaint(ticket)
		if n := len(c.Thread); n != 1 {
			t.Errorf("thread has %d entries, want the one reply", n)
		}
		return nil
	})
	// Each render gives new keys.
	_, again := admin.get("/konsol/aduan/" + ticket)
	if strings.Contains(again, key[1]) {
		t.Errorf("a new page reuses a form key")
	}
}

// Resolved in the console, rated and reopened in the web chat.
func TestVerdictOnTheWeb(t *testing.T) {
	f, citizen, admin, ticket, csrf := mustOpenComplaint(t)
	f.cfg.Deadlines.ReopenWithin = time.Hour
	admin.form("/konsol/aduan/"+ticket, url.Values{"csrf": {csrf}, "aksi": {"selesai"}, "teks": {"sudah ditambal"}})
	ask := citizen.waitFor("Beri nilai 1")
	if len(ask.Choices) != 6 {
		t.Fatalf("verdict buttons: %+v", ask.Choices)
	}
	citizen.mustPost(map[string]any{"choice": ask.Choices[3].ID, "label": ask.Choices[3].Label})
	citizen.waitFor("(4/5)")
	_, page := admin.get("/konsol/aduan/" + ticket)
	if !strings.Contains(page, "4/5") {
		t.Errorf("the console does not show the rating")
	}
	citizen.mustPost(map[string]any{"text": "belum beres"})
	citizen.waitFor("dibuka kembali")
	f.store.View(func(tx *store.Tx) error {
		if c, _ := tx.Complaint(ticket); c.Status != flows.StatusInProgress {
			t.Errorf("status after belum beres: %s", c.Status)
		}
		return nil
	})
}

// hapus erases the citizen's data and the web transcript; rahasia hides
// the name from office-limited console users.
func TestPrivacyOnTheWeb(t *testing.T) {
	f := mustFixture(t, mustUsers(t))
	citizen := f.browser()
	citizen.open()
	for _, step := range []struct {
		msg  map[string]any
		then string
	}{
		{map[string]any{"choice": "menu:aduan"}, "kategori"}, {map[string]any{"choice": "cat:jalan"}, "uraian"},
		{map[string]any{"text": "Jalan berlubang di depan rumah saya."}, "lokasi"}, {map[string]any{"text": "Jl. Mawar 3"}, "foto"},
	} {
		citizen.mustPost(step.msg)
		citizen.waitFor(step.then)
	}
	photo := pngBytes(t, 33, 21)
	if code, body := citizen.upload("rumah.png", photo); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	citizen.waitFor("Foto diterima")
	citizen.mustPost(map[string]any{"text": "lanjut"})
	citizen.waitFor("Kirim aduan ini?")
	citizen.mustPost(map[string]any{"choice": "ok:rahasia"})
	citizen.waitFor("tercatat")
	var hash string
	for _, e := range citizen.transcript() {
		if len(e.Photos) > 0 {
			hash = e.Photos[0]
		}
	}
	var ticket string
	f.store.View(func(tx *store.Tx) error {
		return tx.EachComplaint(true, func(c *flows.Complaint) bool {
			ticket = c.Ticket
			if !c.Confidential {
				t.Errorf("not filed as confidential")
			}
			return false
		})
	})
	sari := f.browser()
	sari.login("sari", "sandi-sari-123")
	if _, page := sari.get("/konsol/aduan/" + ticket); !strings.Contains(page, "(dirahasiakan)") {
		t.Errorf("an office user sees the confidential citizen")
	}

	citizen.mustPost(map[string]any{"text": "hapus"})
	ask := citizen.waitFor("Hapus data pribadi Anda?")
	lastSeq := ask.Seq
	citizen.mustPost(map[string]any{"choice": ask.Choices[0].ID, "label": ask.Choices[0].Label})
	// The transcript is gone with the data; only the confirmation remains.
	if !waitUntil(5*time.Second, func() bool {
		es := citizen.transcript()
		// Numbered after what the page saw, so an open page shows it.
		return len(es) == 1 && strings.Contains(es[0].Text, "sudah dihapus") && es[0].Seq > lastSeq
	}) {
		t.Fatalf("after hapus the transcript holds: %s", texts(citizen.transcript()))
	}
	f.store.View(func(tx *store.Tx) error {
		c, _ := tx.Complaint(ticket)
		if !c.Erased || strings.Contains(c.Description, "rumah saya") || c.Location.Text != "" || len(c.Photos) != 0 {
			t.Errorf("complaint after hapus: %+v", c)
		}
		return nil
	})
	// The photo's file is gone too: nothing shows it any more.
	if fh, err := f.web.media.Open(hash); err == nil {
		fh.Close()
		t.Errorf("the erased photo %s is still in data_dir", hash)
	}
}

func TestConsoleStats(t *testing.T) {
	f := mustFixture(t, mustUsers(t))
	citizen := f.browser()
	citizen.mustFileComplaint("jalan", "Jalan berlubang di depan pasar.")
	citizen.mustFileComplaint("sekolah", "Atap kelas 3 bocor saat hujan.")
	sari := f.browser()
	sari.login("sari", "sandi-sari-123")
	resp, page := sari.get("/konsol/statistik?hari=7")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Statistik 7 hari") || !strings.Contains(page, "<td>DPU-PR</td><td>1</td>") {
		t.Fatalf("stats page: %d\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, "Disdik") {
		t.Errorf("an office user sees another office's figures")
	}
}

func TestConsoleExport(t *testing.T) {
	f := mustFixture(t, mustUsers(t))
	citizen := f.browser()
	citizen.mustFileComplaint("jalan", "Jalan berlubang di depan rumah saya.")
	citizen.mustFileComplaint("sekolah", "Atap kelas 3 bocor saat hujan.")
	sari, kominfo := f.browser(), f.browser()
	sari.login("sari", "sandi-sari-123")
	kominfo.login("kominfo", "sandi-kominfo-1")
	resp, body := sari.get("/konsol/ekspor")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	rows, err := bot.ParseCSV(strings.NewReader(body))
	if err != nil || len(rows) != 1 || rows[0].Office != "dpupr" || strings.Contains(body, "rumah saya") {
		t.Errorf("sari's export: %d rows (%v):\n%s", len(rows), err, body)
	}
	if resp, _ := sari.get("/konsol/ekspor?pribadi=1"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("personal export by an office user: %d", resp.StatusCode)
	}
	resp, body = kominfo.get("/konsol/ekspor?pribadi=1&format=json")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "rumah saya") || !strings.Contains(body, `"office": "disdik"`) && !strings.Contains(body, `"office":"disdik"`) {
		t.Errorf("coordinator's personal export: %d\n%s", resp.StatusCode, body)
	}
	for _, bad := range []string{"?format=xml", "?dari=kemarin"} {
		if resp, _ := kominfo.get("/konsol/ekspor" + bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("export%s: %d", bad, resp.StatusCode)
		}
	}
}

// The constant dummy hash is a real bcrypt hash at the cost aduan
// hash-password uses, so an unknown name costs what a wrong password does.
func TestDummyHash(t *testing.T) {
	cost, err := bcrypt.Cost(dummyHash)
	if err != nil || cost != bcrypt.DefaultCost {
		t.Errorf("dummy hash cost %d, %v; want %d", cost, err, bcrypt.DefaultCost)
	}
	if bcrypt.CompareHashAndPassword(dummyHash, []byte("aduan")) != nil {
		t.Error("the dummy hash is not of \"aduan\"")
	}
}

// The open console (loopback, no users) serves only requests made on this
// computer: a request through a proxy, or to a name that is not a loopback
// one (a web page whose name was rebound to 127.0.0.1), is refused.
func TestOpenConsoleOnlyLocal(t *testing.T) {
	f := mustFixture(t, nil)
	tests := []struct {
		name   string
		header []string
		host   string
		want   int
	}{
		{"loopback address", nil, "", http.StatusOK},
		{"localhost", nil, "localhost:8080", http.StatusOK},
		{"rebound name", nil, "evil.example:8080", http.StatusForbidden},
		{"through a proxy", []string{"X-Forwarded-For", "203.0.113.9"}, "", http.StatusForbidden},
		{"through a proxy (Forwarded)", []string{"Forwarded", "for=203.0.113.9"}, "", http.StatusForbidden},
		{"through a proxy (X-Real-IP)", []string{"X-Real-IP", "203.0.113.9"}, "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, f.srv.URL+"/konsol", nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, body := f.browser().do(req)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d:\n%s", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusForbidden && !strings.Contains(body, "web.console_users") {
				t.Errorf("the refusal does not say how to open the console: %s", body)
			}
		})
	}
}

// TestConsoleListPages lists 60 complaints: pages in both orders, counts
// under each filter, and searches in descriptions, threads and the
// config's names.
func TestConsoleListPages(t *testing.T) {
	f := mustFixture(t, nil)
	at := f.clock.Now().Add(-48 * time.Hour)
	err := f.store.Update(func(tx *store.Tx) error {
		for i := 1; i <= 60; i++ {
			c := flows.Complaint{Ticket: flows.TicketNumber("ADU", 2026, uint64(i)), Citizen: flows.Chat{Channel: ChannelName, ID: fmt.Sprint("w", i)},
				CitizenName: fmt.Sprint("Warga ", i), Category: "jalan", Office: "dpupr", Status: flows.StatusNew, Created: at.Add(time.Duration(i) * time.Minute),
				Description: fmt.Sprintf("Jalan rusak nomor %d di Wedi.", i)}
			if i%3 == 0 {
				c.Category, c.Office, c.Description = "sekolah", "disdik", fmt.Sprintf("Atap sekolah bocor, kelas %d.", i)
			}
			if i%4 == 0 {
				c.Status = flows.StatusResolved
				c.Thread = []flows.Entry{{At: c.Created, Kind: flows.EntryReply, Author: "Sari", Text: fmt.Sprintf("Sudah diperbaiki (kode %d).", i)}}
			}
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := f.browser()
	tickets := regexp.MustCompile(`/konsol/aduan/(ADU-2026-\d+)`)
	list := func(query string) (count string, shown []int) {
		t.Helper()
		resp, page := admin.get("/konsol" + query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list%s: %s", query, resp.Status)
		}
		count = regexp.MustCompile(`<p class="count">([^<]*)</p>`).FindStringSubmatch(page)[1]
		for _, m := range tickets.FindAllStringSubmatch(page, -1) {
			n, _ := strconv.Atoi(strings.TrimPrefix(m[1], "ADU-2026-"))
			shown = append(shown, n)
		}
		return count, shown
	}
	seq := func(from, to int) []int { // from..to, either way
		var out []int
		for i := from; ; {
			out = append(out, i)
			if i == to {
				return out
			}
			if from < to {
				i++
			} else {
				i--
			}
		}
	}
	tests := []struct {
		query, count string
		shown        []int
	}{
		{"", "60 aduan · halaman 1 dari 3", seq(60, 36)},
		{"?hal=3", "60 aduan · halaman 3 dari 3", seq(10, 1)},
		{"?urut=lama&hal=2", "60 aduan · halaman 2 dari 3", seq(26, 50)},
		{"?dinas=disdik", "20 aduan", []int{60, 57, 54, 51, 48, 45, 42, 39, 36, 33, 30, 27, 24, 21, 18, 15, 12, 9, 6, 3}},
		{"?status=selesai&dinas=dpupr&urut=lama", "10 aduan", []int{4, 8, 16, 20, 28, 32, 40, 44, 52, 56}},
		{"?status=terbuka&hal=2", "45 aduan · halaman 2 dari 2", []int{26, 25, 23, 22, 21, 19, 18, 17, 15, 14, 13, 11, 10, 9, 7, 6, 5, 3, 2, 1}},
		{"?q=nomor+17+di", "1 aduan", []int{17}},
		{"?q=KODE+44", "1 aduan", []int{44}},                                         // in a thread
		{"?q=warga+5", "11 aduan", []int{59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 5}}, // the citizens' names
		{"?q=disdik&status=selesai", "5 aduan", []int{60, 48, 36, 24, 12}},           // an office's name, from the config
		{"?q=sekolah&urut=lama&hal=2", "20 aduan", nil},                              // past the last page
		{"?q=tidak+ada", "0 aduan", nil},
	}
	for _, tt := range tests {
		count, shown := list(tt.query)
		if count != tt.count || !slices.Equal(shown, tt.shown) {
			t.Errorf("list%s: %q, %v; want %q, %v", tt.query, count, shown, tt.count, tt.shown)
		}
	}
}

// The console merges a complaint into an older one, as /gabung does: its
// citizen is told and then hears the older complaint's answers. A user
// limited to an office merges only into that office's complaints.
func TestConsoleMerges(t *testing.T) {
	f := mustFixture(t, mustUsers(t))
	first, second := f.browser(), f.browser()
	older := first.mustFileComplaint("jalan", "Jalan berlubang di depan pasar.")
	newer := second.mustFileComplaint("jalan", "Lubang besar dekat pasar, bahaya.")
	school := first.mustFileComplaint("sekolah", "Atap kelas 3 bocor saat hujan.")

	sari := f.browser()
	sari.login("sari", "sandi-sari-123")
	_, page := sari.get("/konsol/aduan/" + newer)
	if !strings.Contains(page, `value="gabung"`) {
		t.Fatalf("no merge form on the complaint's page")
	}
	csrf := consoleCSRF(t, page)
	status := func(ticket string) flows.Status {
		var s flows.Status
		f.store.View(func(tx *store.Tx) error {
			c, _ := tx.Complaint(ticket)
			s = c.Status
			return nil
		})
		return s
	}
	// Not into another office's complaint, nor into a ticket that is not.
	for _, target := range []string{school, "ADU-2026-999999", ""} {
		resp, _ := sari.form("/konsol/aduan/"+newer, url.Values{"csrf": {csrf}, "aksi": {"gabung"}, "teks": {target}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("merge into %q: %s", target, resp.Status)
		}
		if s := status(newer); s != flows.StatusNew {
			t.Fatalf("merged into %q: status %s", target, s)
		}
	}
	resp, _ := sari.form("/konsol/aduan/"+newer, url.Values{"csrf": {csrf}, "aksi": {"gabung"}, "teks": {strings.ToLower(older)}})
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "hasil=") {
		t.Fatalf("merge: %s %q", resp.Status, loc)
	}
	if s := status(newer); s != flows.StatusMerged {
		t.Fatalf("after the merge: status %s, want %s", s, flows.StatusMerged)
	}
	second.waitFor(older) // told it is merged into the older one
	// An answer to the older complaint reaches both citizens.
	_, page = sari.get("/konsol/aduan/" + older)
	sari.form("/konsol/aduan/"+older, url.Values{"csrf": {consoleCSRF(t, page)}, "aksi": {"balas"}, "teks": {"Tim menambal besok pagi."}})
	first.waitFor("Tim menambal besok pagi.")
	second.waitFor("Tim menambal besok pagi.")
}

// The console shows each open complaint's next deadline, and marks it
// when it has passed: the rule is kept also where no admin group is.
func TestConsoleShowsDeadlines(t *testing.T) {
	f := mustFixture(t, func(fc *flows.Config, _ *Config) {
		fc.Deadlines = flows.Deadlines{FirstResponse: time.Hour, RemindBefore: 15 * time.Minute, ResolutionDays: 5, Location: time.UTC,
			WorkingDays: [7]bool{true, true, true, true, true, true, true}}
	})
	citizen := f.browser()
	ticket := citizen.mustFileComplaint("jalan", "Jalan berlubang di depan pasar.")
	admin := f.browser()
	row := func() string {
		t.Helper()
		_, page := admin.get("/konsol")
		m := regexp.MustCompile(`(?s)<tr class="([^"]*)">\s*<td><a href="/konsol/aduan/` + ticket + `".*?</tr>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no row for %s:\n%s", ticket, page)
		}
		return m[0]
	}
	if r := row(); !strings.Contains(r, "jawaban 1 jam lagi") && !strings.Contains(r, "jawaban 59 menit lagi") || strings.Contains(r, "overdue") {
		t.Errorf("a new complaint's row: %s", r)
	}
	f.clock.Add(2 * time.Hour)
	if r := row(); !strings.Contains(r, "jawaban lewat ") || !strings.Contains(r, "overdue") {
		t.Errorf("an unanswered complaint past its deadline: %s", r)
	}
	_, page := admin.get("/konsol/aduan/" + ticket)
	if !strings.Contains(page, "jawaban lewat ") {
		t.Errorf("the complaint's page does not show its deadline:\n%s", page)
	}
	admin.form("/konsol/aduan/"+ticket, url.Values{"csrf": {consoleCSRF(t, page)}, "aksi": {"balas"}, "teks": {"Kami cek besok."}})
	if r := row(); !strings.Contains(r, "selesai 4 hari 2") || strings.Contains(r, "overdue") {
		t.Errorf("after the answer, the resolution deadline: %s", r)
	}
}

// A user limited to an office finds a confidential complaint by the word
// shown in place of the name, not by the citizen's name.
func TestConsoleSearchConfidential(t *testing.T) {
	f := mustFixture(t, mustUsers(t))
	err := f.store.Update(func(tx *store.Tx) error {
		return tx.PutComplaint(flows.Complaint{Ticket: "ADU-2026-000001", Citizen: flows.Chat{Channel: ChannelName, ID: "w1"}, CitizenName: "Budi Santoso",
			Confidential: true, Category: "jalan", Office: "dpupr", Status: flows.StatusNew, Created: f.clock.Now(), Description: "Jalan rusak di Wedi."})
	})
	if err != nil {
		t.Fatal(err)
	}
	sari := f.browser()
	sari.login("sari", "sandi-sari-123")
	shown := strings.ToLower(f.cfg.Texts.ConfidentialName)
	for q, found := range map[string]bool{shown: true, "budi": false} {
		_, page := sari.get("/konsol?q=" + url.QueryEscape(q))
		if got := strings.Contains(page, "/konsol/aduan/ADU-2026-000001"); got != found {
			t.Errorf("search %q finds the confidential complaint: %v, want %v", q, got, found)
		}
	}
}
