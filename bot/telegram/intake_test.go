package telegram_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"aduan/bot"
	"aduan/bot/telegram"
	"aduan/bot/telegram/telegramtest"
)

// Update ids may restart lower after a week without updates; the bot must
// not confirm them away with an offset from before, neither while running
// nor after a restart.
func TestUpdateIDsRestartLower(t *testing.T) {
	srv := telegramtest.New(t)
	dir := t.TempDir()
	h := mustStart(t, srv, dir, testConfig(false))
	me := telegramtest.Private(budi)
	srv.Text(me, budi, "/start")
	h.waitSent(budi.ID, "Selamat datang")

	srv.RestartIDs(10)
	srv.Text(me, budi, "/bantuan")
	h.waitSent(budi.ID, "Cara membuat aduan")

	h.stop()
	srv.RestartIDs(3)
	h = mustStart(t, srv, dir, testConfig(false))
	srv.Text(me, budi, "/status")
	h.waitSent(budi.ID, "belum memiliki aduan")
}

// An update the library cannot decode is logged, answered and confirmed;
// intake goes on with the next ones.
func TestUndecodableUpdateDoesNotStopIntake(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	bad := srv.Raw(`{"message":{"message_id":1,"date":1,"chat":{"id":5001,"type":"private"},"from":{"id":5001,"is_bot":false,"first_name":"Budi"},` +
		`"text":"diteruskan","forward_origin":{"type":"time_traveller","date":1}}}`)
	odd := srv.Raw(`{"message":{"message_id":"two","date":1,"chat":{"id":5003,"type":"private"},"text":"x"}}`)
	ani := telegramtest.User{ID: 5002, FirstName: "Ani"}
	srv.Text(telegramtest.Private(ani), ani, "/start")
	h.waitSent(ani.ID, "Selamat datang")
	// The sender of the bad update is answered rather than ignored.
	h.waitSent(budi.ID, "Silakan pilih")
	h.waitSent(5003, "Silakan pilih")
	if !srv.Wait(wait, func() bool { return srv.Offset() > max(bad, odd) && srv.Pending() == 0 }) {
		t.Errorf("bad updates not confirmed: offset %d, pending %d", srv.Offset(), srv.Pending())
	}
}

// A send that Telegram accepted (ok: true) is delivered even when its
// result cannot be decoded: it is not sent again.
func TestUnreadableSendResultCountsAsDelivered(t *testing.T) {
	srv := telegramtest.New(t)
	srv.Fail(telegramtest.Failure{Method: "sendMessage", ChatID: budi.ID, Times: 1, Garble: true})
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	srv.Text(telegramtest.Private(budi), budi, "/bantuan")
	h.waitSent(budi.ID, "Cara membuat aduan")
	srv.Text(telegramtest.Private(budi), budi, "/status")
	h.waitSent(budi.ID, "belum memiliki aduan")
	if n := h.count(budi.ID, "Cara membuat aduan"); n != 1 {
		t.Errorf("help sent %d times, want once", n)
	}
}

// A photo whose download takes long delays only its own chat.
func TestSlowDownloadHoldsOnlyItsChat(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	me := telegramtest.Private(budi)
	h.startDraft("sekolah")
	srv.SetFileDelay(wait / 2)
	srv.Photo(me, budi, mustJPEG(t, 1), "")
	// Ani writes once the photo's download has begun.
	if !srv.Wait(wait, func() bool { return srv.Calls("getFile") > 0 }) {
		t.Fatal("photo never fetched")
	}
	ani := telegramtest.User{ID: 5002, FirstName: "Ani"}
	start := time.Now()
	srv.Text(telegramtest.Private(ani), ani, "/start")
	h.waitSent(ani.ID, "Selamat datang")
	if d := time.Since(start); d > wait/4 {
		t.Errorf("another citizen waited %s behind a slow photo download", d)
	}
	// The slow photo is still taken, in its turn.
	h.waitSent(budi.ID, "Mohon balas dengan teks")
}

// An empty or undecodable photo is refused at once, not fetched again and
// again.
func TestBrokenPhotoRefusedAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{{"empty", []byte{}}, {"not an image", []byte("this is not a jpeg")}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := telegramtest.New(t)
			h := mustStart(t, srv, t.TempDir(), testConfig(false))
			h.toPhotoStep(desc)
			srv.Photo(telegramtest.Private(budi), budi, tc.data, "")
			h.waitSent(budi.ID, "Foto tidak dapat dibaca")
			if n := srv.Calls("getFile"); n != 1 {
				t.Errorf("getFile called %d times, want once", n)
			}
		})
	}
}

// getUpdates answering 409 for long stops the start with a message that
// says what to do.
func TestConflictStops(t *testing.T) {
	for _, tc := range []struct{ desc, want string }{
		{"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", "webhook"},
		{"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", "another"},
	} {
		srv := telegramtest.New(t)
		srv.Fail(telegramtest.Failure{Method: "getUpdates", Times: 1 << 30, Code: 409, Desc: tc.desc})
		st, media := mustStore(t, t.TempDir())
		desk := bot.New(st, testConfig(false), bot.Options{})
		tg, err := telegram.New(telegram.Config{Token: telegramtest.Token, APIURL: srv.URL, PollTimeout: time.Second, ConflictTimeout: 300 * time.Millisecond}, desk, media)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err = tg.Run(ctx)
		cancel()
		st.Close()
		if !errors.Is(err, telegram.ErrConflict) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run with 409 = %v, want ErrConflict saying %q", err, tc.want)
		}
	}
}

// At start the bot asks getMe: a rejected token stops it before polling.
func TestGetMeAtStart(t *testing.T) {
	srv := telegramtest.New(t)
	st, _ := mustStore(t, t.TempDir())
	defer st.Close()
	tg, err := telegram.New(telegram.Config{Token: "999:wrong", APIURL: srv.URL, PollTimeout: time.Second}, bot.New(st, testConfig(false), bot.Options{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Run(context.Background()); !errors.Is(err, telegram.ErrUnauthorized) {
		t.Errorf("Run = %v, want ErrUnauthorized", err)
	}
	if srv.Calls("getMe") != 1 || srv.Calls("getUpdates") != 0 {
		t.Errorf("getMe %d, getUpdates %d calls; want getMe first and no polling", srv.Calls("getMe"), srv.Calls("getUpdates"))
	}
}

// The channel is ready once getUpdates answers, and not while it fails:
// /readyz tells.
func TestReadyFollowsGetUpdates(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	// The desk's readiness changes without the server noticing: look at
	// it every few milliseconds, up to a deadline.
	eventually := func(d time.Duration, cond func() bool) bool {
		deadline := time.Now().Add(d)
		for !cond() {
			if time.Now().After(deadline) {
				return false
			}
			<-time.After(5 * time.Millisecond)
		}
		return true
	}
	if !eventually(wait, func() bool { return h.desk.Ready() == nil }) {
		t.Fatalf("not ready after getUpdates answered: %v", h.desk.Ready())
	}
	srv.Fail(telegramtest.Failure{Method: "getUpdates", Times: 3, Code: 502, Desc: "Bad Gateway"})
	if !eventually(wait, func() bool { err := h.desk.Ready(); return err != nil && strings.Contains(err.Error(), "telegram") }) {
		t.Fatal("still ready while getUpdates fails")
	}
	if !eventually(30*time.Second, func() bool { return h.desk.Ready() == nil }) {
		t.Errorf("not ready again after getUpdates recovered: %v", h.desk.Ready())
	}
}
