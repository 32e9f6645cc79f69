package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"aduan/flows"
	"aduan/store"
)

func TestCitizenFilesComplaint(t *testing.T) {
	f := mustFixture(t, nil)
	b := f.browser()
	if got := b.open(); len(got) != 0 {
		t.Fatalf("a new browser has a transcript: %s", texts(got))
	}
	b.mustPost(map[string]any{"command": "start"})
	greeting := b.waitFor("Selamat datang")
	if len(greeting.Choices) != 3 {
		t.Errorf("greeting offers %d choices, want the menu's 3", len(greeting.Choices))
	}
	b.mustPost(map[string]any{"text": "bantuan"})
	help := b.waitFor("Cara membuat aduan")
	if strings.Contains(help.Text, "/batal") || !strings.Contains(help.Text, "batal – batalkan") {
		t.Errorf("web help is not phrased for typed words: %q", help.Text)
	}
	b.mustPost(map[string]any{"choice": "menu:aduan", "label": "📝 Buat aduan"})
	b.waitFor("Pilih kategori")
	b.mustPost(map[string]any{"choice": "cat:jalan", "label": "🛣️ Jalan"})
	b.waitFor("uraian")
	b.mustPost(map[string]any{"text": "Jalan berlubang besar di depan pasar."})
	ask := b.waitFor("Di mana lokasinya?")
	if ask.Keyboard != "location" || !strings.Contains(ask.Text, "Tekan tombol") {
		t.Errorf("location question: keyboard %q, text %q", ask.Keyboard, ask.Text)
	}
	b.mustPost(map[string]any{"location": true, "lat": -7.7056, "lon": 110.6063})
	b.waitFor("Kirim foto")
	photo := pngBytes(t, 40, 30)
	if code, body := b.upload("jalan.png", photo); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	b.waitFor("Foto diterima (1)")
	b.mustPost(map[string]any{"text": "lanjut"})
	b.waitFor("Kirim aduan ini?")
	b.mustPost(map[string]any{"choice": "ok:kirim", "label": "✅ Kirim"})
	e := b.waitFor("tercatat dengan nomor ADU-")
	ticket := f.cfg.TicketIn(e.Text)

	// The citizen's own lines are in the transcript too, with the photo.
	var mine []entry
	for _, e := range b.transcript() {
		if e.Mine {
			mine = append(mine, e)
		}
	}
	if len(mine) != 8 || mine[4].Location == nil || len(mine[5].Photos) != 1 || mine[1].Text != "📝 Buat aduan" {
		t.Fatalf("citizen's lines: %+v", mine)
	}
	// The photo is served to this citizen.
	resp, body := b.get("/media/" + mine[5].Photos[0])
	if resp.StatusCode != http.StatusOK || body != string(photo) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("own photo: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	// status lists the complaint.
	b.mustPost(map[string]any{"text": "status"})
	b.waitFor(ticket + " – 🛣️ Jalan – baru")

	// The same browser, back later, sees its conversation.
	again := b.open()
	if len(again) != len(b.transcript()) || !strings.Contains(texts(again), ticket) {
		t.Errorf("returning citizen sees %d entries: %s", len(again), texts(again))
	}
}

func TestCitizenRequestsRefused(t *testing.T) {
	f := mustFixture(t, nil)
	b := f.browser()
	b.open()
	json := func(body string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/kirim", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", b.csrf)
		return req
	}
	tests := []struct {
		name  string
		req   func() *http.Request
		fresh bool // from a browser without a session
		want  int
		body  string
	}{
		{"no session", func() *http.Request { return json(`{"text":"halo"}`) }, true, http.StatusUnauthorized, "Sesi"},
		{"missing CSRF token", func() *http.Request {
			r := json(`{"text":"halo"}`)
			r.Header.Del("X-CSRF-Token")
			return r
		}, false, http.StatusForbidden, "Token"},
		{"forged CSRF token", func() *http.Request {
			r := json(`{"text":"halo"}`)
			r.Header.Set("X-CSRF-Token", "forged")
			return r
		}, false, http.StatusForbidden, "Token"},
		{"cross-site origin", func() *http.Request {
			r := json(`{"text":"halo"}`)
			r.Header.Set("Origin", "https://evil.example")
			return r
		}, false, http.StatusForbidden, "situs lain"},
		{"cross-site fetch", func() *http.Request {
			r := json(`{"text":"halo"}`)
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}, false, http.StatusForbidden, "situs lain"},
		{"not JSON", func() *http.Request {
			r := json(`text=halo`)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, false, http.StatusUnsupportedMediaType, "JSON"},
		{"broken JSON", func() *http.Request { return json(`{"text":`) }, false, http.StatusBadRequest, "tidak dapat dibaca"},
		{"too large", func() *http.Request { return json(`{"text":"` + strings.Repeat("a", 70<<10) + `"}`) }, false, http.StatusRequestEntityTooLarge, "terlalu panjang"},
		{"text too long", func() *http.Request { return json(`{"text":"` + strings.Repeat("é", maxText+1) + `"}`) }, false, http.StatusBadRequest, "lebih dari 4000 karakter"},
		{"empty", func() *http.Request { return json(`{"text":"   "}`) }, false, http.StatusBadRequest, "pesan kosong"},
		{"location off the globe", func() *http.Request { return json(`{"location":true,"lat":91,"lon":10}`) }, false, http.StatusBadRequest, "lokasi di luar"},
		{"unknown command", func() *http.Request { return json(`{"command":"hapus"}`) }, false, http.StatusBadRequest, `perintah \"hapus\" tidak dikenal`},
		{"bad id", func() *http.Request { return json(`{"id":"../x","text":"halo"}`) }, false, http.StatusBadRequest, "ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := b
			if tt.fresh {
				client = f.browser()
			}
			resp, body := client.do(tt.req())
			if resp.StatusCode != tt.want || !strings.Contains(body, tt.body) {
				t.Errorf("got %d %s, want %d and %q", resp.StatusCode, body, tt.want, tt.body)
			}
		})
	}
	if got := b.transcript(); len(got) != 0 {
		t.Errorf("refused requests left a transcript: %s", texts(got))
	}
}

func TestPhotoUploadChecked(t *testing.T) {
	f := mustFixture(t, nil)
	b := f.browser()
	b.open()
	big := append(pngBytes(t, 10, 10), bytes.Repeat([]byte{0}, 1<<20)...)
	tests := []struct {
		name    string
		content []byte
		want    int
		body    string
	}{
		{"not an image", []byte("%PDF-1.4 surat"), http.StatusUnsupportedMediaType, "Foto tidak dapat dibaca"},
		{"empty", nil, http.StatusUnsupportedMediaType, "Foto tidak dapat dibaca"},
		{"too large", big, http.StatusRequestEntityTooLarge, "terlalu besar"},
	}
	for _, tt := range tests {
		if code, body := b.upload("x.png", tt.content); code != tt.want || !strings.Contains(body, tt.body) {
			t.Errorf("%s: %d %s, want %d and %q", tt.name, code, body, tt.want, tt.body)
		}
	}
	// A request without the file part, and one that is not multipart.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/foto", strings.NewReader("x"))
	req.Header.Set("X-CSRF-Token", b.csrf)
	if resp, _ := b.do(req); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("not multipart: %d", resp.StatusCode)
	}
	if got := b.transcript(); len(got) != 0 {
		t.Errorf("refused uploads left a transcript: %s", texts(got))
	}
}

func TestRepeatedMessageIDTakenOnce(t *testing.T) {
	f := mustFixture(t, nil)
	b := f.browser()
	b.open()
	for range 3 {
		b.mustPost(map[string]any{"id": "same-1", "command": "start"})
	}
	b.waitFor("Selamat datang")
	b.mustPost(map[string]any{"text": "bantuan"}) // a later message: everything before it is out
	b.waitFor("Cara membuat")
	n := 0
	for _, e := range b.transcript() {
		if strings.Contains(e.Text, "Selamat datang") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("a resent message was answered %d times", n)
	}
}

// Nothing in a URL lets one citizen see another's complaint.
func TestCitizensApart(t *testing.T) {
	f := mustFixture(t, nil)
	ani, budi := f.browser(), f.browser()
	ani.open()
	ani.mustPost(map[string]any{"choice": "menu:aduan"})
	ani.waitFor("kategori")
	ani.mustPost(map[string]any{"choice": "cat:jalan"})
	ani.waitFor("uraian")
	ani.mustPost(map[string]any{"text": "Rahasia Ani: lampu jalan mati."})
	ani.waitFor("lokasi")
	ani.mustPost(map[string]any{"text": "Jl. Merdeka 1"})
	ani.waitFor("foto")
	if code, body := ani.upload("a.png", pngBytes(t, 20, 20)); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	ani.waitFor("Foto diterima")
	var hash string
	for _, e := range ani.transcript() {
		if len(e.Photos) > 0 {
			hash = e.Photos[0]
		}
	}

	budi.open()
	if got := budi.transcript(); len(got) != 0 {
		t.Errorf("budi sees: %s", texts(got))
	}
	if resp, _ := budi.get("/media/" + hash); resp.StatusCode != http.StatusNotFound {
		t.Errorf("budi fetched ani's photo: %d", resp.StatusCode)
	}
	if resp, _ := f.browser().get("/media/" + hash); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a browser without session fetched ani's photo: %d", resp.StatusCode)
	}
	// Budi's event stream carries nothing of Ani's.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/api/peristiwa?after=0", nil)
	resp, err := budi.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	stream.ReadFrom(resp.Body)
	resp.Body.Close()
	if strings.Contains(stream.String(), "Rahasia") || strings.Contains(stream.String(), "data:") {
		t.Errorf("budi's stream: %q", stream.String())
	}
}

// The desk's answer reaches an open page at once, as a server-sent event.
func TestEventsStreamAnswersLive(t *testing.T) {
	f := mustFixture(t, nil)
	b := f.browser()
	b.open()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/api/peristiwa", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan entry, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e entry
				json.Unmarshal([]byte(data), &e)
				events <- e
			}
		}
		close(events)
	}()
	b.mustPost(map[string]any{"command": "start"})
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("stream ended")
			}
			if !e.Mine && strings.Contains(e.Text, "Selamat datang") {
				if e.Seq == 0 {
					t.Errorf("event without its number")
				}
				return
			}
		case <-timeout:
			t.Fatal("no greeting on the event stream")
		}
	}
}

func TestCitizenSessionExpires(t *testing.T) {
	f := mustFixture(t, func(_ *flows.Config, wc *Config) { wc.CitizenSessionTTL = time.Hour })
	b := f.browser()
	b.open()
	b.mustPost(map[string]any{"command": "start"})
	b.waitFor("Selamat datang")
	f.clock.Add(2 * time.Hour)
	if code, _ := b.post(map[string]any{"text": "halo"}); code != http.StatusUnauthorized {
		t.Errorf("expired session: %d, want 401", code)
	}
	if got := b.open(); len(got) != 0 {
		t.Errorf("an expired session's transcript is shown to the new session: %s", texts(got))
	}
}

// A browser that only opens the page keeps its session a day; one that
// writes keeps it for CitizenSessionTTL.
func TestLookerSessionShort(t *testing.T) {
	f := mustFixture(t, nil)
	looker, writer := f.browser(), f.browser()
	looker.open()
	writer.open()
	writer.mustPost(map[string]any{"command": "start"})
	writer.waitFor("Selamat datang")
	f.clock.Add(25 * time.Hour)
	if code, _ := looker.post(map[string]any{"text": "halo"}); code != http.StatusUnauthorized {
		t.Errorf("a looker's session after a day: %d, want 401", code)
	}
	if code, body := writer.post(map[string]any{"text": "bantuan"}); code != http.StatusOK {
		t.Errorf("a writer's session after a day: %d %s", code, body)
	}
	n := 0
	err := f.store.Update(func(tx *store.Tx) error {
		var err error
		n, err = tx.PruneSessions(f.clock.Now(), 10)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d sessions expired, want the looker's", n)
	}
}
