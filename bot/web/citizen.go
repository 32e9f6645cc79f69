package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

// Cookie names. The cookie holds a random token; the store keeps only
// its hash, so a copy of the database opens no session.
const (
	citizenCookie = "aduan_warga"
	consoleCookie = "aduan_konsol"
)

// maxBody caps a JSON request: a message is at most a few KB of text.
const maxBody = 64 << 10

// lookerTTL is how long a citizen session lasts before its first message.
const lookerTTL = 24 * time.Hour

// maxEntries caps the transcript entries one response carries.
const maxEntries = 200

func (w *Web) citizenRoutes(mux *http.ServeMux) {
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	page := template.Must(template.ParseFS(assets, "assets/chat.html"))
	mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Header().Set("Cache-Control", "no-cache")
		if err := page.Execute(rw, struct{ Title string }{w.cfg.Title}); err != nil {
			w.log.Error("render chat page", "err", err)
		}
	})
	mux.HandleFunc("GET /api/obrolan", w.transcript)
	mux.HandleFunc("POST /api/kirim", w.send)
	mux.HandleFunc("POST /api/foto", w.photo)
	mux.HandleFunc("GET /api/peristiwa", w.events)
	mux.HandleFunc("GET /media/{hash}", w.citizenMedia)
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d.Seconds())))
		h.ServeHTTP(rw, r)
	})
}

// newToken returns a random token for a cookie or a CSRF field.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionKey is the store key of a session: its kind and the token's hash.
func sessionKey(kind, token string) string {
	sum := sha256.Sum256([]byte(token))
	return kind + ":" + hex.EncodeToString(sum[:])
}

func (w *Web) setCookie(rw http.ResponseWriter, name, value, path string, ttl time.Duration) {
	http.SetCookie(rw, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: w.cfg.SecureCookies})
}

// session returns the session a request's cookie names, if it is live.
func (w *Web) session(r *http.Request, cookie, kind string) (store.Session, string, bool) {
	c, err := r.Cookie(cookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return store.Session{}, "", false
	}
	key := sessionKey(kind, c.Value)
	var s store.Session
	err = w.store.View(func(tx *store.Tx) error {
		var err error
		s, err = tx.Session(key, w.cfg.Now())
		return err
	})
	if err != nil {
		if !errors.Is(err, store.ErrNoSession) {
			w.log.Error("read session", "err", err)
		}
		return store.Session{}, "", false
	}
	return s, key, true
}

// newSession stores a new session for subject and sets its cookie.
func (w *Web) newSession(rw http.ResponseWriter, cookie, kind, path, subject string, ttl time.Duration) (store.Session, error) {
	token := newToken()
	now := w.cfg.Now()
	s := store.Session{Subject: subject, CSRF: newToken(), Created: now, Expires: now.Add(ttl)}
	err := w.store.Update(func(tx *store.Tx) error { return tx.PutSession(sessionKey(kind, token), s) })
	if err != nil {
		return store.Session{}, err
	}
	w.setCookie(rw, cookie, token, path, ttl)
	return s, nil
}

func citizenChat(s store.Session) flows.Chat { return flows.Chat{Channel: ChannelName, ID: s.Subject} }

// citizen returns the request's citizen session, checking its CSRF token
// on a state-changing request. It answers the request itself when there
// is none.
func (w *Web) citizen(rw http.ResponseWriter, r *http.Request) (citizenSession, bool) {
	s, key, ok := w.session(r, citizenCookie, "warga")
	if !ok {
		jsonError(rw, http.StatusUnauthorized, "Sesi tidak ditemukan atau sudah berakhir. Muat ulang halaman.")
		return citizenSession{}, false
	}
	if r.Method != http.MethodGet && !sameToken(r.Header.Get("X-CSRF-Token"), s.CSRF) {
		jsonError(rw, http.StatusForbidden, "Token keamanan tidak cocok. Muat ulang halaman.")
		return citizenSession{}, false
	}
	return citizenSession{Session: s, key: key}, true
}

// citizenSession is a web citizen's session with its store key.
type citizenSession struct {
	store.Session
	key string
}

func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func jsonError(rw http.ResponseWriter, status int, msg string) {
	writeJSON(rw, status, map[string]string{"error": msg})
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(v)
}

// transcript answers the citizen's transcript after ?after=N (the newest
// entries when absent), starting a session for a new browser.
func (w *Web) transcript(rw http.ResponseWriter, r *http.Request) {
	s, _, ok := w.session(r, citizenCookie, "warga")
	if !ok {
		var err error
		// A browser that only looks gets a day; its first message makes
		// the session last (see handle), so crawlers leave little behind.
		if s, err = w.newSession(rw, citizenCookie, "warga", "/", newToken()[:22], min(lookerTTL, w.cfg.CitizenSessionTTL)); err != nil {
			w.log.Error("start citizen session", "err", err)
			jsonError(rw, http.StatusServiceUnavailable, "Layanan sedang sibuk. Coba lagi sebentar lagi.")
			return
		}
	}
	chat := citizenChat(s)
	var after uint64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			jsonError(rw, http.StatusBadRequest, "Parameter after harus berupa angka.")
			return
		}
		after = n
	}
	var entries []entry
	err := w.store.View(func(tx *store.Tx) error {
		if r.URL.Query().Get("after") == "" {
			after = tx.ChatLogTail(chat, maxEntries)
		}
		var err error
		entries, err = readEntries(tx, chat, after, maxEntries)
		return err
	})
	if err != nil {
		w.log.Error("read transcript", "err", err)
		jsonError(rw, http.StatusInternalServerError, "Percakapan tidak dapat dibaca. Coba lagi.")
		return
	}
	writeJSON(rw, http.StatusOK, struct {
		CSRF    string  `json:"csrf"`
		Entries []entry `json:"entries"`
	}{s.CSRF, entries})
}

func readEntries(tx *store.Tx, chat flows.Chat, after uint64, limit int) ([]entry, error) {
	seqs, raw := tx.ChatLog(chat, after, limit)
	out := make([]entry, 0, len(raw))
	for i, data := range raw {
		var e entry
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("decode transcript %s/%d: %w", chat, seqs[i], err)
		}
		e.Seq = seqs[i]
		out = append(out, e)
	}
	return out, nil
}

// outMessage is what the page sends: exactly one of text, choice,
// location or command.
type outMessage struct {
	// ID is the page's id for the message; a repeated id is ignored, so the
	// page may resend after a lost answer.
	ID      string  `json:"id"`
	Text    string  `json:"text"`
	Choice  string  `json:"choice"`
	Label   string  `json:"label"`
	Command string  `json:"command"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	HasLoc  bool    `json:"location"`
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// maxText caps a typed message, well above the longest description.
const maxText = 4000

// input turns what the page sent into a citizen's input and the line the
// transcript shows.
func (m outMessage) input() (flows.Input, entry, error) {
	var in flows.Input
	e := entry{Mine: true}
	text := strings.TrimSpace(m.Text)
	switch {
	case m.HasLoc:
		if math.IsNaN(m.Lat) || math.IsNaN(m.Lon) || m.Lat < -90 || m.Lat > 90 || m.Lon < -180 || m.Lon > 180 || (m.Lat == 0 && m.Lon == 0) {
			return in, e, fmt.Errorf("%w: lokasi di luar jangkauan", errBadRequest)
		}
		loc := flows.Location{Lat: m.Lat, Lon: m.Lon, HasPoint: true}
		in = flows.Input{Kind: flows.InputLocation, Location: loc}
		e.Location = &loc
	case m.Choice != "":
		if len(m.Choice) > 64 {
			return in, e, fmt.Errorf("%w: pilihan terlalu panjang", errBadRequest)
		}
		in = flows.Input{Kind: flows.InputChoice, Choice: m.Choice}
		e.Text = truncate(strings.TrimSpace(m.Label), 200)
		if e.Text == "" {
			e.Text = m.Choice // the page sends the label; a bare client may not
		}
	case m.Command != "":
		if m.Command != "start" {
			return in, e, fmt.Errorf("%w: perintah %q tidak dikenal", errBadRequest, m.Command)
		}
		in = flows.Input{Kind: flows.InputCommand, Command: "start"}
	case text != "":
		if len([]rune(text)) > maxText {
			return in, e, fmt.Errorf("%w: lebih dari %d karakter", errBadRequest, maxText)
		}
		in = flows.Input{Kind: flows.InputText, Text: text}
		if name, args, ok := flows.ParseCommand(text); ok {
			in = flows.Input{Kind: flows.InputCommand, Command: name, Text: args}
		}
		e.Text = text
	default:
		return in, e, fmt.Errorf("%w: pesan kosong", errBadRequest)
	}
	return in, e, nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// send takes one message from the citizen's page. It answers only after
// the message and everything it leads to are stored; the desk's answer
// reaches the page through /api/peristiwa.
func (w *Web) send(rw http.ResponseWriter, r *http.Request) {
	s, ok := w.citizen(rw, r)
	if !ok {
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		jsonError(rw, http.StatusUnsupportedMediaType, "Kirim pesan sebagai JSON.")
		return
	}
	var m outMessage
	dec := json.NewDecoder(http.MaxBytesReader(rw, r.Body, maxBody))
	if err := dec.Decode(&m); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			jsonError(rw, http.StatusRequestEntityTooLarge, "Pesan terlalu panjang.")
			return
		}
		jsonError(rw, http.StatusBadRequest, "Pesan tidak dapat dibaca.")
		return
	}
	in, e, err := m.input()
	if err != nil {
		jsonError(rw, http.StatusBadRequest, "Pesan tidak dapat diproses: "+strings.TrimPrefix(err.Error(), errBadRequest.Error()+": "))
		return
	}
	w.handle(rw, r, s, m.ID, in, e)
}

// handle passes one citizen input to the desk, with its transcript line
// in the same transaction.
func (w *Web) handle(rw http.ResponseWriter, r *http.Request, s citizenSession, id string, in flows.Input, e entry) {
	if id == "" {
		id = newToken()[:16]
	} else if !idPattern.MatchString(id) {
		jsonError(rw, http.StatusBadRequest, "ID pesan tidak sah.")
		return
	}
	chat := citizenChat(s.Session)
	now := w.cfg.Now()
	e.At = now
	data, err := json.Marshal(e)
	if err != nil {
		jsonError(rw, http.StatusInternalServerError, "Pesan tidak dapat disimpan.")
		return
	}
	inbound := bot.Inbound{Key: "web:" + chat.ID + ":" + id, Chat: chat, Private: true, UserID: chat.ID, MessageID: id,
		RawText: in.Text, Input: in}
	// The session lasts its full time once the citizen writes; it is
	// renewed when half of it is gone.
	renew := s.Expires.Sub(now) < w.cfg.CitizenSessionTTL/2
	shown := e.Text != "" || e.Location != nil || len(e.Photos) > 0 // opening the page shows no line
	keep := func(tx *store.Tx) error {
		if renew {
			renewed := s.Session
			renewed.Expires = now.Add(w.cfg.CitizenSessionTTL)
			if err := tx.PutSession(s.key, renewed); err != nil {
				return err
			}
		}
		if !shown {
			return nil
		}
		_, err := tx.AppendChat(chat, data, e.Photos...)
		return err
	}
	err = w.desk.HandleWith(r.Context(), inbound, keep)
	if err != nil {
		w.log.Error("store citizen message", "err", err)
		jsonError(rw, http.StatusServiceUnavailable, "Pesan belum tersimpan. Coba kirim lagi.")
		return
	}
	if c, err := r.Cookie(citizenCookie); renew && err == nil {
		w.setCookie(rw, citizenCookie, c.Value, "/", w.cfg.CitizenSessionTTL)
	}
	w.hub.notify(chat.ID)
	writeJSON(rw, http.StatusOK, map[string]bool{"ok": true})
}

// photo takes a photo upload (multipart field "foto", optional "id" and
// "caption"), checks its size and that it is an image, and passes it on
// like a photo on any channel.
func (w *Web) photo(rw http.ResponseWriter, r *http.Request) {
	s, ok := w.citizen(rw, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(rw, r.Body, w.cfg.MaxPhoto+maxBody)
	mr, err := r.MultipartReader()
	if err != nil {
		jsonError(rw, http.StatusBadRequest, "Kirim foto sebagai formulir (multipart/form-data).")
		return
	}
	var id, caption, hash string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.uploadError(rw, err)
			return
		}
		switch part.FormName() {
		case "id", "caption":
			v, err := io.ReadAll(io.LimitReader(part, maxText*4))
			if err != nil {
				w.uploadError(rw, err)
				return
			}
			if part.FormName() == "id" {
				id = string(v)
			} else {
				caption = strings.TrimSpace(string(v))
			}
		case "foto":
			if hash != "" {
				jsonError(rw, http.StatusBadRequest, "Kirim satu foto per permintaan.")
				return
			}
			if hash, err = w.media.PutImage(part, w.cfg.MaxPhoto); err != nil {
				w.uploadError(rw, err)
				return
			}
		}
		part.Close()
	}
	if hash == "" {
		jsonError(rw, http.StatusBadRequest, "Tidak ada foto dalam kiriman.")
		return
	}
	in := flows.Input{Kind: flows.InputPhoto, Photos: []string{hash}, Text: truncate(caption, maxText)}
	w.handle(rw, r, s, id, in, entry{Mine: true, Photos: []string{hash}, Text: in.Text})
}

func (w *Web) uploadError(rw http.ResponseWriter, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, store.ErrTooLarge) || errors.As(err, &tooBig):
		jsonError(rw, http.StatusRequestEntityTooLarge, fmt.Sprintf("Foto terlalu besar. Paling besar %d MB.", w.cfg.MaxPhoto>>20))
	case errors.Is(err, store.ErrNotImage):
		jsonError(rw, http.StatusUnsupportedMediaType, w.flows.Texts.PhotoInvalid)
	default:
		w.log.Error("photo upload", "err", err)
		jsonError(rw, http.StatusBadRequest, "Foto tidak dapat diterima. Coba kirim lagi.")
	}
}

// events streams the citizen's new transcript entries as server-sent
// events, from Last-Event-ID (or ?after=N) on.
func (w *Web) events(rw http.ResponseWriter, r *http.Request) {
	s, ok := w.citizen(rw, r)
	if !ok {
		return
	}
	after, _ := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64)
	if v := r.URL.Query().Get("after"); v != "" && after == 0 {
		after, _ = strconv.ParseUint(v, 10, 64)
	}
	flusher, ok := rw.(http.Flusher)
	if !ok {
		jsonError(rw, http.StatusInternalServerError, "Streaming tidak didukung.")
		return
	}
	chat := citizenChat(s.Session)
	wake, stop := w.hub.subscribe(chat.ID)
	defer stop()
	h := rw.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not hold events back
	rw.WriteHeader(http.StatusOK)
	fmt.Fprint(rw, "retry: 2000\n\n")
	flusher.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		var entries []entry
		err := w.store.View(func(tx *store.Tx) error {
			var err error
			entries, err = readEntries(tx, chat, after, maxEntries)
			return err
		})
		if err != nil {
			w.log.Error("read transcript", "err", err)
			return
		}
		for _, e := range entries {
			data, _ := json.Marshal(e)
			fmt.Fprintf(rw, "id: %d\ndata: %s\n\n", e.Seq, data)
			after = e.Seq
		}
		if len(entries) > 0 {
			flusher.Flush()
		}
		if len(entries) == maxEntries {
			continue
		}
		select {
		case <-r.Context().Done():
			return
		case <-wake:
		case <-ping.C:
			fmt.Fprint(rw, ": ping\n\n")
			flusher.Flush()
		}
	}
}

// citizenMedia serves a photo or file the citizen was shown or sent.
func (w *Web) citizenMedia(rw http.ResponseWriter, r *http.Request) {
	s, ok := w.citizen(rw, r)
	if !ok {
		return
	}
	hash := r.PathValue("hash")
	var granted bool
	w.store.View(func(tx *store.Tx) error {
		granted = tx.MediaGranted(citizenChat(s.Session), hash)
		return nil
	})
	if !granted {
		http.NotFound(rw, r)
		return
	}
	w.serveMedia(rw, r, hash)
}

func (w *Web) serveMedia(rw http.ResponseWriter, r *http.Request, hash string) {
	f, err := w.media.Open(hash)
	if err != nil {
		http.NotFound(rw, r)
		return
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		http.Error(rw, "media", http.StatusInternalServerError)
		return
	}
	// Only media a browser shows safely is shown inline; anything else (an
	// admin's document could be HTML) is a download.
	ct := http.DetectContentType(head[:n])
	h := rw.Header()
	switch {
	case strings.HasPrefix(ct, "image/") && ct != "image/svg+xml", strings.HasPrefix(ct, "video/"), strings.HasPrefix(ct, "audio/"), ct == "application/pdf":
		h.Set("Content-Type", ct)
		h.Set("Content-Disposition", "inline")
	default:
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", "attachment")
	}
	h.Set("Cache-Control", "private, max-age=86400")
	http.ServeContent(rw, r, "", time.Time{}, f)
}
