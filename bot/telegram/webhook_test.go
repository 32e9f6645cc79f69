package telegram_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aduan/bot/telegram"
	"aduan/bot/telegram/telegramtest"
	"aduan/flows"
	"aduan/store"
)

// hookServer serves a Telegram adapter's webhook handler once it exists,
// so the URL can be given to the adapter before it is made.
type hookServer struct {
	*httptest.Server
	h atomic.Pointer[http.Handler]
}

func newHookServer(t *testing.T) *hookServer {
	hs := &hookServer{}
	hs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := hs.h.Load()
		if h == nil || r.URL.Path != "/telegram/webhook" {
			http.NotFound(w, r)
			return
		}
		(*h).ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs
}

func (hs *hookServer) serve(tg *telegram.Telegram) {
	h := tg.WebhookHandler()
	hs.h.Store(&h)
}

// In webhook mode the whole loop works with updates pushed by Telegram:
// the webhook is set at start with a secret, nothing polls, and a
// complaint is filed and answered.
func TestWebhookMode(t *testing.T) {
	srv := telegramtest.New(t)
	hook := newHookServer(t)
	h := mustStartWith(t, srv, t.TempDir(), testConfig(false), func(c *telegram.Config) {
		c.WebhookURL = hook.URL + "/telegram/webhook"
	})
	hook.serve(h.tg)
	if !srv.Wait(wait, func() bool { u, _ := srv.Webhook(); return u != "" }) {
		t.Fatal("setWebhook was never called")
	}
	url, secret := srv.Webhook()
	if url != hook.URL+"/telegram/webhook" || secret == "" {
		t.Errorf("webhook %q with secret %q; want the configured URL and a secret", url, secret)
	}
	post := fileComplaint(t, h, coordID)
	srv.Reply(coord, sari, post.MessageID, "Besok ditambal.")
	h.waitSent(budi.ID, "Besok ditambal.")
	if n := srv.Calls("getUpdates"); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
	if srv.Pushed() == 0 {
		t.Error("no update went through the webhook")
	}
}

// The handler takes only POSTs with the secret token, answers 200 only
// after the update is stored and 500 when it cannot be stored, so
// Telegram pushes it again.
func TestWebhookHandler(t *testing.T) {
	srv := telegramtest.New(t)
	desk := &gateDesk{fail: 1, gate: make(chan struct{})}
	_, media := mustStore(t, t.TempDir())
	tg, err := telegram.New(telegram.Config{Token: telegramtest.Token, APIURL: srv.URL, WebhookURL: "https://aduan.example.go.id/telegram/webhook",
		WebhookSecret: "rahasia_123", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, desk, media)
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(tg.WebhookHandler())
	defer hook.Close()
	post := func(secret, body string) int {
		req, _ := http.NewRequest(http.MethodPost, hook.URL, strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	update := `{"update_id":5,"message":{"message_id":1,"date":0,"chat":{"id":5001,"type":"private"},"from":{"id":5001,"is_bot":false,"first_name":"Budi"},"text":"halo"}}`
	if code := post("rahasia_123", update); code != http.StatusServiceUnavailable {
		t.Errorf("before getMe: %d, want 503", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if !srv.Wait(wait, func() bool { u, _ := srv.Webhook(); return u != "" }) {
		t.Fatal("setWebhook was never called")
	}
	if _, secret := srv.Webhook(); secret != "rahasia_123" {
		t.Errorf("webhook set with secret %q, want the configured one", secret)
	}
	for _, c := range []struct {
		name, secret, body string
		want               int
	}{
		{"no secret", "", update, http.StatusUnauthorized},
		{"wrong secret", "rahasia_124", update, http.StatusUnauthorized},
		{"longer secret", "rahasia_1234", update, http.StatusUnauthorized},
		{"not JSON", "rahasia_123", "update_id=5", http.StatusBadRequest},
	} {
		if code := post(c.secret, c.body); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
	if resp, err := http.Get(hook.URL); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v, want 405", resp, err)
	}
	if n := desk.count(); n != 0 {
		t.Fatalf("refused requests reached the desk %d times", n)
	}
	// The store fails: 500, and Telegram will push it again.
	close(desk.gate)
	if code := post("rahasia_123", update); code != http.StatusInternalServerError {
		t.Errorf("store failing: %d, want 500", code)
	}
	// The answer waits for the store.
	desk.mu.Lock()
	desk.gate = make(chan struct{})
	desk.mu.Unlock()
	answered := make(chan int, 1)
	go func() { answered <- post("rahasia_123", update) }()
	select {
	case code := <-answered:
		t.Fatalf("answered %d before the update was stored", code)
	case <-time.After(100 * time.Millisecond):
	}
	desk.mu.Lock()
	close(desk.gate)
	desk.mu.Unlock()
	if code := <-answered; code != http.StatusOK {
		t.Errorf("stored: %d, want 200", code)
	}
	if n := desk.count(); n != 1 {
		t.Errorf("the update was stored %d times, want once", n)
	}
}

// gateDesk stores pushed updates after its gate opens, failing the first
// fail of them.
type gateDesk struct {
	mu     sync.Mutex
	fail   int
	gate   chan struct{}
	stored []store.Received
}

func (d *gateDesk) Accept(ctx context.Context, channel string, rs []store.Received) error {
	d.mu.Lock()
	gate := d.gate
	d.mu.Unlock()
	<-gate
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail > 0 {
		d.fail--
		return errors.New("disk full")
	}
	d.stored = append(d.stored, rs...)
	return nil
}

func (d *gateDesk) LogChat(c flows.Chat) string { return c.Channel + ":~" }

func (d *gateDesk) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.stored)
}

// Switching back to polling deletes the webhook at start, and the updates
// Telegram kept meanwhile arrive by polling.
func TestWebhookThenPolling(t *testing.T) {
	srv := telegramtest.New(t)
	hook := newHookServer(t)
	dir := t.TempDir()
	h := mustStartWith(t, srv, dir, testConfig(false), func(c *telegram.Config) {
		c.WebhookURL = hook.URL + "/telegram/webhook"
	})
	hook.serve(h.tg)
	me := telegramtest.Private(budi)
	srv.Text(me, budi, "/start")
	h.waitSent(budi.ID, "Selamat datang")
	h.stop()
	// While aduan is down the URL answers nothing; Telegram keeps the
	// update and notes the failure.
	hook.h.Store(nil)
	srv.Text(me, budi, "/aduan")
	h = mustStart(t, srv, dir, testConfig(false))
	if !srv.Wait(wait, func() bool { u, _ := srv.Webhook(); return u == "" }) {
		t.Fatal("the webhook was not deleted when polling started")
	}
	h.waitSent(budi.ID, "Pilih kategori")
}

// When Telegram cannot reach the webhook and updates wait, the channel
// reports itself not ready (so /readyz says why), and ready again once
// the pushes go through.
func TestWebhookUnreachableNotReady(t *testing.T) {
	t.Cleanup(telegram.SetWebhookCheck(20 * time.Millisecond)) // undone after the bot stops
	srv := telegramtest.New(t)
	hook := newHookServer(t)
	h := mustStartWith(t, srv, t.TempDir(), testConfig(false), func(c *telegram.Config) {
		c.WebhookURL = hook.URL + "/telegram/webhook"
	})
	// The handler is not served yet: pushes get 404.
	srv.Text(telegramtest.Private(budi), budi, "/start")
	if !srv.Wait(wait, func() bool { err := h.tg.Ready(); return err != nil && strings.Contains(err.Error(), "404") }) {
		t.Fatalf("not reported while pushes fail: %v", h.tg.Ready())
	}
	hook.serve(h.tg)
	h.waitSent(budi.ID, "Selamat datang")
	if !eventually(func() bool { return h.tg.Ready() == nil }) {
		t.Errorf("still not ready after the pushes went through: %v", h.tg.Ready())
	}
}
