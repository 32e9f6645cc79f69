package telegram_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"aduan/bot/telegram"
	"aduan/bot/telegram/telegramtest"
)

// A Bot API that hangs (every call, for as long as it likes): aduan gives
// up on each call after its timeout, says it is not connected, loses
// nothing, and once the API answers again delivers what waited, the
// citizen's message and the admin's answer alike, once each.
func TestBotAPIHangs(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStartWith(t, srv, t.TempDir(), testConfig(false), func(c *telegram.Config) {
		c.HTTPClient = &http.Client{Timeout: 2 * time.Second}
	})
	post := fileComplaint(t, h, coordID)

	for _, m := range []string{"getUpdates", "sendMessage", "sendPhoto", "getMe"} {
		srv.SetDelay(m, time.Hour)
	}
	me := telegramtest.Private(budi)
	srv.Text(me, budi, "/status")
	srv.Reply(coord, sari, post.MessageID, "Tim menuju lokasi.")
	if !eventually(func() bool { return h.tg.Ready() != nil }) {
		t.Fatal("still ready while the Bot API hangs")
	}
	if err := h.desk.Ready(); err == nil || !strings.Contains(err.Error(), "telegram") {
		t.Errorf("the desk's readiness does not name telegram: %v", err)
	}
	sentBefore := len(srv.Sent(0))

	for _, m := range []string{"getUpdates", "sendMessage", "sendPhoto", "getMe"} {
		srv.SetDelay(m, 0)
	}
	h.waitSent(budi.ID, "Tim menuju lokasi.")
	h.waitSent(budi.ID, "• ADU-2026-000001") // the answer to /status
	if !eventually(func() bool { return h.tg.Ready() == nil }) {
		t.Errorf("not ready after the Bot API came back: %v", h.tg.Ready())
	}
	// The answer to /status may quote the last answer ("Jawaban
	// terakhir: …") when the admin's reply was handled first; only the
	// relayed messages count.
	relayed := 0
	for _, m := range srv.Sent(budi.ID) {
		if strings.Contains(m.Text, "Tim menuju lokasi.") && !strings.Contains(m.Text, "• ADU-") {
			relayed++
		}
	}
	if relayed != 1 {
		t.Errorf("the answer reached the citizen %d times, want once", relayed)
	}
	if len(srv.Sent(0)) <= sentBefore {
		t.Error("nothing was sent after the Bot API came back")
	}
}

// A storm of 429s on every send: each message waits the retry_after it
// is told, none is lost, none is sent twice, and each chat's messages
// keep their order.
func TestTooManyRequestsStorm(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	srv.Fail(telegramtest.Failure{Method: "sendMessage", Times: 40, Code: 429, Desc: "Too Many Requests: retry after 1", RetryAfter: 1})
	citizens := make([]telegramtest.User, 8)
	for i := range citizens {
		citizens[i] = telegramtest.User{ID: int64(5101 + i), FirstName: "Warga"}
		srv.Text(telegramtest.Private(citizens[i]), citizens[i], "/start")
		srv.Text(telegramtest.Private(citizens[i]), citizens[i], "/bantuan")
	}
	for _, u := range citizens {
		got := h.waitCount(u.ID, 2)
		if !strings.Contains(got[0].Text, "Selamat datang") {
			t.Errorf("citizen %d: first %q, want the greeting first", u.ID, got[0].Text)
		}
	}
	if !eventually(func() bool { return h.outbox() == 0 }) {
		t.Fatalf("%d messages still waiting after the storm", h.outbox())
	}
	for _, u := range citizens {
		if n := len(srv.Sent(u.ID)); n != 2 {
			t.Errorf("citizen %d got %d messages, want 2 (none lost, none twice)", u.ID, n)
		}
	}
}
