// Package web is the web channel and the server's pages: the citizen chat
// (a browser session is a citizen), the admin console, and health checks,
// on one net/http server. The citizen chat goes through the same desk and
// store as every other channel; console actions go through the desk like a
// group command.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

// ChannelName is the web channel's name in flows.Chat.
const ChannelName = "web"

// Caps are the web chat's capabilities: buttons and a location button;
// commands are typed as words.
var Caps = flows.Caps{Buttons: true, LocationButton: true}

//go:embed assets
var assets embed.FS

// Desk is what the web needs of the desk.
type Desk interface {
	HandleWith(ctx context.Context, in bot.Inbound, keep func(tx *store.Tx) error) error
	Console(ctx context.Context, ticket, key string, in flows.ConsoleInput) (flows.ConsoleResult, error)
	Ready() error
}

// User is a console user.
type User struct {
	// Name is the login name; Display is shown to the offices.
	Name    string
	Display string
	// Hash is the password's bcrypt hash.
	Hash string
	// Offices limits the user to these offices' complaints; empty: all.
	Offices []string
}

// Config tunes the web.
type Config struct {
	// Citizen serves the citizen chat (config web.enabled); the console
	// and health checks are always served.
	Citizen bool
	// Title heads the citizen chat (default "Aduan Masyarakat").
	Title string
	// MinSample is how many complaints an office needs in a period to be
	// ranked on the public page (default 10).
	MinSample int
	// Metrics, when set, is served at /metrics; MetricsToken, when set, is
	// the bearer token a scrape must carry.
	Metrics      http.Handler
	MetricsToken string
	// Users may log in to the console. With none, the console is open,
	// which the caller allows only on a loopback address.
	Users []User
	// SecureCookies marks cookies Secure (the site is served over HTTPS).
	SecureCookies bool
	// MaxPhoto caps an uploaded photo (default 10 MB).
	MaxPhoto int64
	// CitizenSessionTTL and ConsoleSessionTTL default to 180 days and 12
	// hours.
	CitizenSessionTTL time.Duration
	ConsoleSessionTTL time.Duration
	// Location is the regency's time zone for times the console shows.
	Location *time.Location
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Web is the web channel and HTTP handler.
type Web struct {
	cfg   Config
	flows *flows.Config
	desk  Desk
	store *store.Store
	media *store.Media
	log   *slog.Logger
	users map[string]User
	hub   hub
	// public caches the public performance page.
	public *publicPage
	login  *limiter
	mux    http.Handler
}

var _ bot.Channel = (*Web)(nil)

// New makes the web channel over a desk, its store and media.
func New(cfg Config, fc *flows.Config, desk Desk, st *store.Store, media *store.Media) (*Web, error) {
	if cfg.MaxPhoto <= 0 {
		cfg.MaxPhoto = 10 << 20
	}
	if cfg.MinSample <= 0 {
		cfg.MinSample = 10
	}
	if strings.TrimSpace(cfg.Title) == "" {
		cfg.Title = "Aduan Masyarakat"
	}
	if cfg.CitizenSessionTTL <= 0 {
		cfg.CitizenSessionTTL = 180 * 24 * time.Hour
	}
	if cfg.ConsoleSessionTTL <= 0 {
		cfg.ConsoleSessionTTL = 12 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Web{cfg: cfg, flows: fc, desk: desk, store: st, media: media, log: cfg.Logger.With("channel", ChannelName),
		users: map[string]User{}, hub: hub{subs: map[string]map[chan struct{}]bool{}}, login: newLimiter()}
	for _, u := range cfg.Users {
		if _, dup := w.users[u.Name]; dup {
			return nil, fmt.Errorf("web: console user %q is listed twice", u.Name)
		}
		w.users[u.Name] = u
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	w.mux = w.routes(tmpl)
	return w, nil
}

// Name is the channel's name in flows.Chat.
func (w *Web) Name() string { return ChannelName }

// ServeHTTP serves every page of the server.
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.mux.ServeHTTP(rw, r) }

func (w *Web) routes(t *templates) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(rw, "ok")
	})
	mux.HandleFunc("GET /readyz", w.readyz)
	if w.cfg.Metrics != nil {
		mux.HandleFunc("GET /metrics", func(rw http.ResponseWriter, r *http.Request) {
			if w.cfg.MetricsToken != "" && !sameToken(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), w.cfg.MetricsToken) {
				rw.Header().Set("WWW-Authenticate", `Bearer realm="aduan"`)
				http.Error(rw, "a bearer token is required", http.StatusUnauthorized)
				return
			}
			w.cfg.Metrics.ServeHTTP(rw, r)
		})
	}
	if w.cfg.Citizen {
		w.citizenRoutes(mux)
	} else {
		mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, r *http.Request) {
			http.Redirect(rw, r, "/konsol", http.StatusSeeOther)
		})
	}
	w.consoleRoutes(mux, t)
	w.publicRoutes(mux)
	w.open311Routes(mux)
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "Permintaan dari situs lain ditolak.", http.StatusForbidden)
	}))
	return securityHeaders(protect.Handler(mux))
}

// securityHeaders are sent with every page: no framing by other sites, no
// content sniffing, no referrer leaking a ticket in the console's URLs.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h := rw.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		next.ServeHTTP(rw, r)
	})
}

func (w *Web) readyz(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := w.desk.Ready(); err != nil {
		rw.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(rw, "not ready: %v\n", err)
		return
	}
	fmt.Fprintln(rw, "ready")
}

// entry is one line of a citizen's transcript, as stored and as the page
// reads it.
type entry struct {
	Seq  uint64    `json:"seq"`
	At   time.Time `json:"at"`
	Mine bool      `json:"mine,omitempty"`
	Text string    `json:"text,omitempty"`
	// Photos are media hashes, served at /media/<hash>.
	Photos  []string       `json:"photos,omitempty"`
	Files   []flows.File   `json:"files,omitempty"`
	Choices []flows.Choice `json:"choices,omitempty"`
	// Keyboard is "location", "quick" or "clear" for the input area.
	Keyboard string          `json:"keyboard,omitempty"`
	Quick    []string        `json:"quick,omitempty"`
	Location *flows.Location `json:"location,omitempty"`
	Ticket   string          `json:"ticket,omitempty"`
}

func keyboardName(k flows.Keyboard) string {
	switch k {
	case flows.KeyboardLocation:
		return "location"
	case flows.KeyboardQuick:
		return "quick"
	case flows.KeyboardClear:
		return "clear"
	}
	return ""
}

var _ bot.Journal = (*Web)(nil)

// Record delivers a message to a web citizen inside the transaction that
// produced it: it joins the citizen's transcript, and the photos and
// files it shows may be fetched from then on.
func (w *Web) Record(tx *store.Tx, m flows.Message) error {
	_, err := w.record(tx, m.To, m)
	return err
}

func (w *Web) record(tx *store.Tx, chat flows.Chat, m flows.Message) (uint64, error) {
	e := entry{At: w.cfg.Now(), Text: m.Text, Photos: m.Photos, Files: m.Files, Choices: m.Choices,
		Keyboard: keyboardName(m.Keyboard), Quick: m.Quick, Ticket: m.Ticket}
	data, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("web: encode message: %w", err)
	}
	media := append([]string(nil), m.Photos...)
	for _, f := range m.Files {
		media = append(media, f.Hash)
	}
	return tx.AppendChat(chat, data, media...)
}

var _ bot.Forgetter = (*Web)(nil)

// Forget deletes a citizen's transcript and what it showed, when they had
// their personal data erased.
func (w *Web) Forget(tx *store.Tx, chat flows.Chat) error { return tx.DeleteChat(chat) }

// Notify tells a citizen's open pages, after commit, that their
// transcript grew.
func (w *Web) Notify(chat flows.Chat) { w.hub.notify(chat.ID) }

// Send delivers a message that waited in the outbox (the desk records web
// messages directly, see Record; this serves what was queued otherwise).
// The transcript entry's number is the message's platform id.
func (w *Web) Send(ctx context.Context, d *bot.Delivery) error {
	if len(d.Done) > 0 {
		return nil // the one part went out before a restart
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var seq uint64
	err := w.store.Update(func(tx *store.Tx) error {
		var err error
		seq, err = w.record(tx, d.Chat, d.Message)
		return err
	})
	if err != nil {
		return fmt.Errorf("web: store message: %w", err)
	}
	d.Sent([]string{strconv.FormatUint(seq, 10)})
	w.Notify(d.Chat)
	return nil
}

// hub tells a citizen's open pages that their transcript grew.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]bool
}

func (h *hub) subscribe(chat string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[chat] == nil {
		h.subs[chat] = map[chan struct{}]bool{}
	}
	h.subs[chat][ch] = true
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[chat], ch)
		if len(h.subs[chat]) == 0 {
			delete(h.subs, chat)
		}
		h.mu.Unlock()
	}
}

func (h *hub) notify(chat string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[chat] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// errBadRequest is a request the client must change.
var errBadRequest = errors.New("bad request")
