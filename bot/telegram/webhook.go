package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	tg "github.com/go-telegram/bot"
)

// WebhookPath is the path of a webhook URL, where aduan's HTTP server
// takes the updates; the URL must be absolute and have a path of its own
// (the root is the citizens' chat).
func WebhookPath(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("telegram: webhook URL %q: want an absolute http(s) URL such as https://aduan.example.go.id/telegram/webhook", raw)
	}
	if u.Path == "" || u.Path == "/" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("telegram: webhook URL %q: give it a path of its own, such as /telegram/webhook, and no query", raw)
	}
	return u.Path, nil
}

func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// maxUpdateBytes bounds one pushed update; Telegram's are a few KB.
const maxUpdateBytes = 1 << 20

// webhookConnections is setWebhook's max_connections. One connection
// delivers updates one after another, in order, as getUpdates does;
// several could hand two messages of one chat over in either order.
const webhookConnections = 1

// WebhookHandler takes the updates Telegram pushes to the webhook. It
// checks the secret token (401 when it does not match), answers 200 only
// once the update is stored in the desk's inbox, and 500 when it cannot
// be, so Telegram delivers it again.
func (t *Telegram) WebhookHandler() http.Handler {
	secret := []byte(t.cfg.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if len(secret) == 0 || subtle.ConstantTimeCompare(got, secret) != 1 {
			http.Error(w, "wrong secret token", http.StatusUnauthorized)
			return
		}
		if t.self().ID == 0 {
			// Before getMe: commands cannot be told from another bot's.
			w.Header().Set("Retry-After", "1")
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdateBytes+1))
		switch {
		case err != nil:
			http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
			return
		case len(body) > maxUpdateBytes:
			http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
			return
		case !json.Valid(body):
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		rs, callbacks, _ := t.receive([]json.RawMessage{body})
		if len(rs) > 0 {
			if err := t.desk.Accept(r.Context(), ChannelName, rs); err != nil {
				t.log.Error("store pushed update; Telegram will push it again", "err", err)
				http.Error(w, "cannot store the update now", http.StatusInternalServerError)
				return
			}
		}
		for _, id := range callbacks {
			select {
			case t.answers <- id:
			default: // a flood of button presses: the spinners time out
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}

// runWebhook sets the webhook, retrying until Telegram takes it, then
// watches it: Telegram's record of the last failed push is logged, so an
// operator learns when the public URL does not reach aduan.
func (t *Telegram) runWebhook(ctx context.Context) error {
	for failures := 1; ctx.Err() == nil; failures++ {
		err := t.do(ctx, func(ctx context.Context) error {
			_, err := t.api.SetWebhook(ctx, &tg.SetWebhookParams{
				URL: t.cfg.WebhookURL, SecretToken: t.cfg.WebhookSecret, MaxConnections: webhookConnections,
				AllowedUpdates: []string{"message", "edited_message", "callback_query"},
			})
			return err
		})
		if err == nil {
			break
		}
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return ErrUnauthorized
		}
		err = fmt.Errorf("setWebhook %s: %w", t.cfg.WebhookURL, redact(err, t.cfg.Token))
		t.setDown(err)
		t.log.Error("webhook not set, will retry", "err", err)
		sleep(ctx, pollBackoff(failures))
	}
	if ctx.Err() != nil {
		return nil
	}
	t.setDown(nil)
	t.log.Info("webhook set; Telegram pushes updates", "url", t.cfg.WebhookURL)
	var reported int
	check := webhookCheck
	tick := time.NewTicker(check)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// The webhook stays set: Telegram keeps the updates until
			// aduan is back.
			return nil
		case <-tick.C:
		}
		info, err := t.webhookInfo(ctx)
		if err != nil {
			t.log.Warn("getWebhookInfo", "err", redact(err, t.cfg.Token))
			continue
		}
		if info.URL != t.cfg.WebhookURL {
			t.setDown(fmt.Errorf("the webhook is %q, not %q: another program changed it", info.URL, t.cfg.WebhookURL))
			t.log.Error("the bot's webhook was changed by someone else; restart aduan to set it again", "now", info.URL)
			continue
		}
		failedAt := time.Unix(int64(info.LastErrorDate), 0)
		if info.LastErrorDate == 0 || info.PendingUpdateCount == 0 || time.Since(failedAt) > 2*check {
			t.setDown(nil)
			continue
		}
		// Updates wait at Telegram because the URL does not reach aduan:
		// as good as disconnected.
		t.setDown(fmt.Errorf("Telegram cannot push updates to %s: %s (%d waiting)", info.URL, info.LastErrorMessage, info.PendingUpdateCount))
		if info.LastErrorDate != reported {
			reported = info.LastErrorDate
			t.log.Error("Telegram cannot push updates to the webhook; check that the URL reaches aduan",
				"url", info.URL, "error", info.LastErrorMessage, "at", failedAt, "waiting", info.PendingUpdateCount)
		}
	}
}

// webhookCheck is how often the webhook's state is asked.
var webhookCheck = time.Minute

func (t *Telegram) webhookInfo(ctx context.Context) (info webhookState, err error) {
	err = t.do(ctx, func(ctx context.Context) error {
		i, err := t.api.GetWebhookInfo(ctx)
		if err == nil {
			info = webhookState{URL: i.URL, PendingUpdateCount: i.PendingUpdateCount, LastErrorDate: i.LastErrorDate, LastErrorMessage: i.LastErrorMessage}
		}
		return err
	})
	return info, err
}

type webhookState struct {
	URL                string
	PendingUpdateCount int
	LastErrorDate      int
	LastErrorMessage   string
}

// leaveWebhook deletes a webhook left from a run in webhook mode, so
// polling works; the updates Telegram kept are then fetched by polling.
func (t *Telegram) leaveWebhook(ctx context.Context) error {
	for failures := 1; ctx.Err() == nil; failures++ {
		info, err := t.webhookInfo(ctx)
		if err == nil && info.URL == "" {
			return nil
		}
		if err == nil {
			err = t.do(ctx, func(ctx context.Context) error {
				_, err := t.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{DropPendingUpdates: false})
				return err
			})
			if err == nil {
				t.log.Info("webhook deleted; polling for updates", "was", info.URL, "waiting", info.PendingUpdateCount)
				return nil
			}
		}
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return ErrUnauthorized
		}
		t.log.Error("cannot check or delete the webhook, will retry", "err", redact(err, t.cfg.Token))
		sleep(ctx, pollBackoff(failures))
	}
	return nil
}
