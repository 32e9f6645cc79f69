package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"aduan/bot"
	"aduan/bot/telegram"
	"aduan/bot/telegram/telegramtest"
	"aduan/flows"
	"aduan/store"
)

const (
	coordID int64 = -1001
	dpuID   int64 = -1002
	wait          = 10 * time.Second
)

var (
	budi   = telegramtest.User{ID: 5001, FirstName: "Budi", LastName: "Santoso"}
	sari   = telegramtest.User{ID: 7001, FirstName: "Sari"}
	coord  = telegramtest.Group(coordID, "Koordinator Aduan")
	dpu    = telegramtest.Group(dpuID, "Admin DPU-PR")
	clock  = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	photo1 = jpegOf(1)
)

func testConfig(officeChats bool) *flows.Config {
	cfg := &flows.Config{
		TicketPrefix: "ADU", Coordinator: "diskominfo",
		CoordinatorChats: []flows.Chat{telegram.MakeChat(coordID)},
		Offices: []flows.Office{
			{ID: "dpupr", Name: "DPU-PR"},
			{ID: "disdik", Name: "Disdik"},
			{ID: "diskominfo", Name: "Diskominfo"},
		},
		Categories: []flows.Category{
			{ID: "jalan", Label: "Jalan dan jembatan", Office: "dpupr", PhotoRequired: true, LocationRequired: true},
			{ID: "sekolah", Label: "Sekolah", Office: "disdik"},
		},
		DescriptionMin: 10, DescriptionMax: 2000, MaxPhotos: 5, ThreadLimit: 100, Texts: flows.DefaultTexts(),
	}
	if officeChats {
		cfg.Offices[0].Chats = []flows.Chat{telegram.MakeChat(dpuID)}
	}
	return cfg
}

// mustStore opens the database and media store in dir; the caller closes
// the database.
func mustStore(t testing.TB, dir string) (*store.Store, *store.Media) {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "aduan.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	media, err := store.OpenMedia(filepath.Join(dir, "media"))
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return st, media
}

// harness runs the whole bot (store, desk, Telegram adapter) against the
// fake Bot API.
type harness struct {
	t      *testing.T
	srv    *telegramtest.Server
	st     *store.Store
	desk   *bot.Desk
	tg     *telegram.Telegram
	cancel context.CancelFunc
	done   sync.WaitGroup
	runErr error
}

func mustStart(t *testing.T, srv *telegramtest.Server, dir string, cfg *flows.Config) *harness {
	t.Helper()
	return mustStartWith(t, srv, dir, cfg, nil)
}

// mustStartWith is mustStart with a change to the adapter's config.
func mustStartWith(t *testing.T, srv *telegramtest.Server, dir string, cfg *flows.Config, change func(*telegram.Config)) *harness {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st, media := mustStore(t, dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	desk := bot.New(st, cfg, bot.Options{Now: func() time.Time { return clock }, Location: time.UTC, Logger: log})
	fast := telegram.Limits{Global: 1000, GlobalBurst: 100, ChatRate: 1000, ChatBurst: 100, GroupRate: 1000, GroupBurst: 100}
	tc := telegram.Config{Token: telegramtest.Token, APIURL: srv.URL, PollTimeout: time.Second, Limits: fast, Logger: log}
	if change != nil {
		change(&tc)
	}
	tg, err := telegram.New(tc, desk, media)
	if err != nil {
		t.Fatal(err)
	}
	desk.AddChannel(tg)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, srv: srv, st: st, desk: desk, tg: tg, cancel: cancel}
	h.done.Add(2)
	go func() { defer h.done.Done(); desk.Run(ctx) }()
	go func() { defer h.done.Done(); h.runErr = tg.Run(ctx) }()
	t.Cleanup(h.stop)
	return h
}

// stop shuts the bot down as SIGTERM does and closes the store.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.done.Wait()
	h.cancel = nil
	if err := h.st.Close(); err != nil {
		h.t.Errorf("close store: %v", err)
	}
}

// waitSent waits for a message to a chat whose text contains want, and
// returns it.
func (h *harness) waitSent(chatID int64, want string) telegramtest.Sent {
	h.t.Helper()
	var found telegramtest.Sent
	ok := h.srv.Wait(wait, func() bool {
		for _, m := range h.srv.Sent(chatID) {
			if strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	})
	if !ok {
		var texts []string
		for _, m := range h.srv.Sent(chatID) {
			texts = append(texts, m.Text)
		}
		h.t.Fatalf("chat %d never got %q; it got:\n%s", chatID, want, strings.Join(texts, "\n---\n"))
	}
	return found
}

// waitCount waits until a chat got n messages.
func (h *harness) waitCount(chatID int64, n int) []telegramtest.Sent {
	h.t.Helper()
	if !h.srv.Wait(wait, func() bool { return len(h.srv.Sent(chatID)) >= n }) {
		h.t.Fatalf("chat %d got %d messages, want %d", chatID, len(h.srv.Sent(chatID)), n)
	}
	return h.srv.Sent(chatID)
}

// count counts the messages to a chat whose text contains want.
func (h *harness) count(chatID int64, want string) int {
	n := 0
	for _, m := range h.srv.Sent(chatID) {
		if strings.Contains(m.Text, want) {
			n++
		}
	}
	return n
}

// lastWithButton finds the newest message to a chat with an inline button
// carrying data.
func (h *harness) lastWithButton(chatID int64, data string) telegramtest.Sent {
	h.t.Helper()
	return h.newestWith(chatID, "button "+data, func(m *telegramtest.Markup) bool {
		for _, row := range m.Inline {
			for _, b := range row {
				if b.CallbackData == data {
					return true
				}
			}
		}
		return false
	})
}

// withKey waits for the newest message to a chat with a reply keyboard
// button labelled label.
func (h *harness) withKey(chatID int64, label string) telegramtest.Sent {
	h.t.Helper()
	return h.newestWith(chatID, "key "+label, func(m *telegramtest.Markup) bool {
		for _, row := range m.Keyboard {
			for _, b := range row {
				if b.Text == label {
					return true
				}
			}
		}
		return false
	})
}

// newestWith waits for a message to a chat whose markup has what has looks
// for, and returns the newest such message.
func (h *harness) newestWith(chatID int64, what string, has func(*telegramtest.Markup) bool) telegramtest.Sent {
	h.t.Helper()
	var found telegramtest.Sent
	ok := h.srv.Wait(wait, func() bool {
		sent := h.srv.Sent(chatID)
		for i := len(sent) - 1; i >= 0; i-- {
			if m := sent[i].Markup; m != nil && has(m) {
				found = sent[i]
				return true
			}
		}
		return false
	})
	if !ok {
		h.t.Fatalf("chat %d has no message with %s", chatID, what)
	}
	return found
}

// pressKey waits for a reply keyboard button and presses it: the client
// sends its label as text.
func (h *harness) pressKey(u telegramtest.User, label string) {
	h.t.Helper()
	h.withKey(u.ID, label)
	h.srv.Text(telegramtest.Private(u), u, label)
}

// toPhotoStep takes the citizen through a road complaint with the given
// description up to the photo step.
func (h *harness) toPhotoStep(description string) {
	h.t.Helper()
	me := telegramtest.Private(budi)
	h.startDraft("jalan")
	h.srv.Text(me, budi, description)
	h.waitSent(budi.ID, "Kirim lokasi")
	h.srv.Location(me, budi, -7.7, 110.6)
	h.waitSent(budi.ID, "Kirim foto")
}

// submitWithPhoto sends a photo at the photo step and sends the complaint
// off.
func (h *harness) submitWithPhoto() {
	h.t.Helper()
	me := telegramtest.Private(budi)
	h.srv.Photo(me, budi, photo1, "")
	h.waitSent(budi.ID, "Foto diterima")
	h.srv.Text(me, budi, "lanjut")
	h.pressKey(budi, "✅ Kirim")
}

// startDraft has the citizen start a complaint in a category.
func (h *harness) startDraft(category string) {
	h.t.Helper()
	me := telegramtest.Private(budi)
	h.srv.Text(me, budi, "/aduan")
	cats := h.lastWithButton(budi.ID, "cat:"+category)
	h.srv.Press(me, budi, cats.MessageID, "cat:"+category)
	h.waitSent(budi.ID, "uraian")
}

func (h *harness) complaint(ticket string) *flows.Complaint {
	h.t.Helper()
	var c *flows.Complaint
	err := h.st.View(func(tx *store.Tx) error {
		var err error
		c, err = tx.Complaint(ticket)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

const desc = "<b>Jalan</b> _rusak_ *parah* [x]. Lubang besar di depan pasar."

// fileComplaint walks a citizen through a whole complaint and returns the
// post in the admin chat.
func fileComplaint(t *testing.T, h *harness, adminChat int64) telegramtest.Sent {
	t.Helper()
	srv := h.srv
	me := telegramtest.Private(budi)
	srv.Text(me, budi, "/start")
	menu := h.lastWithButton(budi.ID, "menu:aduan")
	q := srv.Press(me, budi, menu.MessageID, "menu:aduan")
	cats := h.lastWithButton(budi.ID, "cat:jalan")
	if !srv.Wait(wait, func() bool { return srv.Answered(q) }) {
		t.Errorf("callback query %s not answered", q)
	}
	srv.Press(me, budi, cats.MessageID, "cat:jalan")
	h.waitSent(budi.ID, "uraian")
	srv.Text(me, budi, desc)
	ask := h.waitSent(budi.ID, "Kirim lokasi")
	if ask.Markup == nil || len(ask.Markup.Keyboard) == 0 || !ask.Markup.Keyboard[0][0].RequestLocation {
		t.Errorf("location is not asked with a request_location button: %+v", ask.Markup)
	}
	srv.Location(me, budi, -7.705, 110.606)
	h.waitSent(budi.ID, "Kirim foto")
	srv.Photo(me, budi, photo1, "")
	h.waitSent(budi.ID, "Foto diterima (1)")
	srv.Text(me, budi, "lanjut")
	// One message: the summary, its choices replacing the photo step's
	// keyboard.
	summary := h.withKey(budi.ID, "✅ Kirim")
	if !strings.Contains(summary.Text, desc) {
		t.Errorf("summary %q lacks the description as typed", summary.Text)
	}
	srv.Text(me, budi, "✅ Kirim")
	h.waitSent(budi.ID, "ADU-2026-000001")
	return h.waitSent(adminChat, "ADU-2026-000001")
}

func TestCitizenToAdminAndBack(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	post := fileComplaint(t, h, coordID)

	if !post.Photo || string(post.PhotoData) != string(photo1) {
		t.Errorf("admin post is not the citizen's photo: %+v", post)
	}
	for _, want := range []string{"Jalan dan jembatan", "DPU-PR", "Budi Santoso", desc, "https://maps.google.com/?q=-7.705000,110.606000"} {
		if !strings.Contains(post.Text, want) {
			t.Errorf("admin post lacks %q:\n%s", want, post.Text)
		}
	}
	for _, m := range srv.Sent(0) {
		if m.ParseMode != "" {
			t.Errorf("message sent with parse_mode %q: user text could be mangled", m.ParseMode)
		}
	}
	if strings.Contains(post.Text, "5001") {
		t.Errorf("admin post shows the citizen's id")
	}

	// An admin answers by replying to the post.
	srv.Reply(coord, sari, post.MessageID, "Besok <b>kami</b> tambal_ya*.")
	got := h.waitSent(budi.ID, "Balasan dari DPU-PR untuk ADU-2026-000001")
	if !strings.Contains(got.Text, "Besok <b>kami</b> tambal_ya*.") || strings.Contains(got.Text, "Sari") {
		t.Errorf("citizen got %q", got.Text)
	}

	// The citizen writes again: it reaches the admins under the post.
	srv.Text(telegramtest.Private(budi), budi, "Terima kasih, ditunggu")
	follow := h.waitSent(coordID, "Terima kasih, ditunggu")
	if follow.ReplyTo != post.MessageID {
		t.Errorf("citizen's follow-up replies to %d, want the post %d", follow.ReplyTo, post.MessageID)
	}

	// A reply to the follow-up post works too; then /selesai closes it.
	srv.Reply(coord, sari, follow.MessageID, "/selesai sudah ditambal")
	h.waitSent(budi.ID, "telah diselesaikan oleh DPU-PR")
	h.waitSent(coordID, "status menjadi selesai")
	if c := h.complaint("ADU-2026-000001"); c.Status != flows.StatusResolved || len(c.Thread) != 3 {
		t.Errorf("complaint after /selesai: status %q, %d entries", c.Status, len(c.Thread))
	}
}

func TestAdminCommandsAndForward(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(true))
	post := fileComplaint(t, h, dpuID)
	if n := len(srv.Sent(coordID)); n != 0 {
		t.Errorf("coordinator got %d messages for an office with its own chat", n)
	}
	srv.Reply(dpu, sari, post.MessageID, "/proses")
	h.waitSent(budi.ID, "sedang diproses")
	srv.Text(dpu, sari, "/catatan@aduan_test_bot ADU-2026-000001 cek anggaran")
	h.waitSent(dpuID, "Catatan disimpan")
	srv.Text(dpu, sari, "/info ADU-2026-000001")
	info := h.waitSent(dpuID, "Riwayat")
	if !strings.Contains(info.Text, "cek anggaran") {
		t.Errorf("/info lacks the note: %s", info.Text)
	}
	srv.Reply(dpu, sari, post.MessageID, "/teruskan disdik")
	h.waitSent(budi.ID, "dialihkan ke Disdik")
	h.waitSent(coordID, "DITERUSKAN dari DPU-PR")
	if c := h.complaint("ADU-2026-000001"); c.Office != "disdik" {
		t.Errorf("office after /teruskan = %q", c.Office)
	}
	// The note never reached the citizen.
	for _, m := range srv.Sent(budi.ID) {
		if strings.Contains(m.Text, "cek anggaran") {
			t.Errorf("internal note sent to the citizen: %q", m.Text)
		}
	}
}

func TestCitizenCannotActAsAdmin(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	fileComplaint(t, h, coordID)
	me := telegramtest.Private(budi)
	srv.Text(me, budi, "/selesai ADU-2026-000001")
	h.waitSent(budi.ID, "tidak dikenal")
	// A group that is not an admin chat cannot act either.
	other := telegramtest.Group(-999, "Grup lain")
	srv.Text(other, budi, "/selesai ADU-2026-000001")
	srv.Text(me, budi, "/status")
	h.waitSent(budi.ID, "ADU-2026-000001 – Jalan dan jembatan – baru")
	if c := h.complaint("ADU-2026-000001"); c.Status != flows.StatusNew {
		t.Errorf("status = %q after a citizen's /selesai", c.Status)
	}
	if n := len(srv.Sent(-999)); n != 0 {
		t.Errorf("bot answered in a foreign group %d times", n)
	}
}

func TestOutOfPlaceInputKeepsDraft(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	me := telegramtest.Private(budi)
	h.startDraft("sekolah")
	n := len(srv.Sent(budi.ID))
	srv.Sticker(me, budi)
	h.waitCount(budi.ID, n+1)
	srv.Edit(me, budi, "ubah")
	h.waitSent(budi.ID, "diubah")
	srv.Photo(me, budi, photo1, "")
	h.waitCount(budi.ID, n+3)
	srv.Text(me, budi, strings.Repeat("panjang ", 300))
	h.waitSent(budi.ID, "terlalu panjang")
	// The draft is still there: a good description moves on.
	srv.Text(me, budi, "Atap kelas 3 SD Negeri 1 bocor")
	h.waitSent(budi.ID, "Di mana lokasinya")
}

func TestRestartBetweenPostAndReply(t *testing.T) {
	srv := telegramtest.New(t)
	dir := t.TempDir()
	h := mustStart(t, srv, dir, testConfig(false))
	post := fileComplaint(t, h, coordID)
	h.stop()

	h = mustStart(t, srv, dir, testConfig(false))
	srv.Reply(coord, sari, post.MessageID, "Sudah kami jadwalkan")
	h.waitSent(budi.ID, "Balasan dari DPU-PR untuk ADU-2026-000001:\nSudah kami jadwalkan")
	// The ticket counter survived too.
	srv.Text(telegramtest.Private(budi), budi, "/status")
	h.waitSent(budi.ID, "ADU-2026-000001")
}

func TestRestartResumesHalfFinishedConversation(t *testing.T) {
	srv := telegramtest.New(t)
	dir := t.TempDir()
	h := mustStart(t, srv, dir, testConfig(false))
	me := telegramtest.Private(budi)
	h.startDraft("sekolah")
	h.stop()
	h = mustStart(t, srv, dir, testConfig(false))
	srv.Text(me, budi, "Atap kelas 3 SD Negeri 1 bocor")
	h.waitSent(budi.ID, "Di mana lokasinya")
}

func TestRateLimitedThenDelivered(t *testing.T) {
	srv := telegramtest.New(t)
	srv.Fail(telegramtest.Failure{Method: "sendMessage", ChatID: budi.ID, Times: 1, Code: 429, Desc: "Too Many Requests: retry after 1", RetryAfter: 1})
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	start := time.Now()
	srv.Text(telegramtest.Private(budi), budi, "/start")
	got := h.waitSent(budi.ID, "Selamat datang")
	if d := got.At.Sub(start); d < time.Second {
		t.Errorf("message resent after %s, before retry_after (1s)", d)
	}
	h.waitSent(budi.ID, "Silakan pilih")
	sent := srv.Sent(budi.ID)
	if sent[0].Text != got.Text {
		t.Errorf("order broken after 429: first delivered %q", sent[0].Text)
	}
}

func TestBlockedCitizenReportedToAdmins(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	post := fileComplaint(t, h, coordID)
	srv.Block(budi.ID)
	srv.Reply(coord, sari, post.MessageID, "Mohon info tambahan")
	notice := h.waitSent(coordID, "tidak terkirim")
	if !strings.Contains(notice.Text, "memblokir") || !strings.Contains(notice.Text, "ADU-2026-000001") {
		t.Errorf("notice = %q", notice.Text)
	}
	// The desk keeps working for others.
	other := telegramtest.User{ID: 5002, FirstName: "Ani"}
	srv.Text(telegramtest.Private(other), other, "/start")
	h.waitSent(other.ID, "Selamat datang")
	h.waitSent(other.ID, "Silakan pilih")
	if !eventually(func() bool { return h.outbox() == 0 }) {
		t.Errorf("outbox still holds %d messages", h.outbox())
	}
}

func (h *harness) outbox() int {
	var n int
	if err := h.st.View(func(tx *store.Tx) error { n = tx.OutboxLen(); return nil }); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// eventually checks cond on a short tick until it holds or the wait ends;
// for state the fake server does not see, such as the store.
func eventually(cond func() bool) bool {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(wait)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			return cond()
		}
	}
	return true
}

func TestUpdatesConfirmedOnlyAfterStored(t *testing.T) {
	srv := telegramtest.New(t)
	// The photo cannot be fetched at first: the update must stay
	// unconfirmed until it is, and be handled once.
	srv.Fail(telegramtest.Failure{Method: "getFile", Times: 2, Code: 500, Desc: "Internal Server Error"})
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	me := telegramtest.Private(budi)
	h.toPhotoStep(desc)
	id := srv.Photo(me, budi, photo1, "")
	h.waitSent(budi.ID, "Foto diterima (1)")
	if !srv.Wait(wait, func() bool { return srv.Offset() > id }) {
		t.Fatalf("update %d never confirmed (offset %d)", id, srv.Offset())
	}
	// Telegram sends it again (say our confirmation was lost): ignored.
	srv.Redeliver(id)
	if !srv.Wait(wait, func() bool { return srv.Offset() > id && srv.Pending() == 0 }) {
		t.Fatalf("redelivered update not confirmed")
	}
	srv.Text(me, budi, "lanjut")
	h.withKey(budi.ID, "✅ Kirim")
	if n := h.count(budi.ID, "Foto diterima"); n != 1 {
		t.Errorf("photo acknowledged %d times, want once", n)
	}
}

func TestLongPostSplitsCaption(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	long := strings.Repeat("Jalan rusak parah sekali. ", 70) // ~1800 characters
	h.toPhotoStep(long)
	h.submitWithPhoto()
	sent := h.waitCount(coordID, 2)
	if !sent[0].Photo || !strings.Contains(sent[0].Text, "ADU-2026-000001") {
		t.Errorf("first part is not the photo with the ticket: %+v", sent[0])
	}
	if sent[1].ReplyTo != sent[0].MessageID {
		t.Errorf("rest of the post does not reply to the photo")
	}
	joined := sent[0].Text + " " + sent[1].Text
	if strings.Count(joined, "Jalan rusak parah sekali.") != 70 {
		t.Errorf("description lost in the split")
	}
	// A reply to the second part reaches the complaint too.
	srv.Reply(coord, sari, sent[1].MessageID, "Siap")
	h.waitSent(budi.ID, "Balasan dari DPU-PR untuk ADU-2026-000001:\nSiap")
}

func TestBadTokenStops(t *testing.T) {
	srv := telegramtest.New(t)
	st, _ := mustStore(t, t.TempDir())
	defer st.Close()
	desk := bot.New(st, testConfig(false), bot.Options{})
	tg, err := telegram.New(telegram.Config{Token: "999:wrong", APIURL: srv.URL, PollTimeout: time.Second}, desk, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := tg.Run(ctx); err != telegram.ErrUnauthorized {
		t.Errorf("Run with a wrong token = %v, want ErrUnauthorized", err)
	}
}

func TestAlbumAndPhotoReplies(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	me := telegramtest.Private(budi)
	h.startDraft("sekolah")
	srv.Text(me, budi, "Atap kelas 3 SD Negeri 1 bocor")
	h.waitSent(budi.ID, "lokasinya")
	srv.Text(me, budi, "lewati")
	h.waitSent(budi.ID, "Kirim foto")
	srv.Photo(me, budi, jpegOf(11), "")
	srv.Photo(me, budi, jpegOf(12), "")
	h.waitSent(budi.ID, "Foto diterima (2)")
	srv.Text(me, budi, "lanjut")
	h.pressKey(budi, "✅ Kirim")
	album := h.waitCount(coordID, 2)
	if album[0].Method != "sendMediaGroup" || album[1].Method != "sendMediaGroup" {
		t.Fatalf("two photos not sent as one album: %s, %s", album[0].Method, album[1].Method)
	}
	if !strings.Contains(album[0].Text, "ADU-2026-000001") || !bytes.Equal(album[1].PhotoData, jpegOf(12)) {
		t.Errorf("album: caption %q, second photo %q", album[0].Text, album[1].PhotoData)
	}
	// A reply to the album's second photo reaches the complaint, and an
	// admin's photo goes to the citizen as a photo.
	srv.ReplyPhoto(coord, sari, album[1].MessageID, jpegOf(13), "Sudah diperbaiki")
	got := h.waitSent(budi.ID, "Balasan dari Disdik untuk ADU-2026-000001:\nSudah diperbaiki")
	if !got.Photo || !bytes.Equal(got.PhotoData, jpegOf(13)) {
		t.Errorf("citizen got %+v, want the admin's photo", got)
	}
}

func TestGroupRateLimit(t *testing.T) {
	srv := telegramtest.New(t)
	st, _ := mustStore(t, t.TempDir())
	defer st.Close()
	limits := telegram.Limits{Global: 1000, GlobalBurst: 100, ChatRate: 1000, ChatBurst: 100, GroupRate: 20, GroupBurst: 1}
	tg, err := telegram.New(telegram.Config{Token: telegramtest.Token, APIURL: srv.URL, Limits: limits}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := sendNow(tg, flows.Message{To: telegram.MakeChat(coordID), Text: "pesan " + string(rune('1'+i))}, nil); err != nil {
			t.Fatal(err)
		}
	}
	sent := srv.Sent(coordID)
	if d := sent[4].At.Sub(sent[0].At); d < 190*time.Millisecond {
		t.Errorf("5 group messages at 20/s burst 1 went out in %s, want at least 200ms", d)
	}
}

func TestChatIDInUnknownGroup(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	newGroup := telegramtest.Group(-4242, "Admin Dinkes")
	srv.Text(newGroup, sari, "/chatid@aduan_test_bot")
	h.waitSent(-4242, "-4242")
	srv.Text(newGroup, sari, "halo semua")
	srv.Text(newGroup, sari, "/chatid")
	// Messages to one chat go out in order, so had "halo semua" been
	// answered, that answer would be the second message.
	for _, m := range h.waitCount(-4242, 2)[:2] {
		if !strings.Contains(m.Text, "-4242") {
			t.Errorf("bot answered ordinary chatter in a foreign group: %q", m.Text)
		}
	}
}

func TestAlbumLargerThanBurst(t *testing.T) {
	srv := telegramtest.New(t)
	st, media := mustStore(t, t.TempDir())
	defer st.Close()
	var photos []string
	for i := range 5 {
		h, err := media.Put(strings.NewReader("photo "+string(rune('a'+i))), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		photos = append(photos, h)
	}
	limits := telegram.Limits{Global: 1000, GlobalBurst: 100, ChatRate: 1000, ChatBurst: 100, GroupRate: 1000, GroupBurst: 2}
	tg, err := telegram.New(telegram.Config{Token: telegramtest.Token, APIURL: srv.URL, Limits: limits}, nil, media)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := sendNow(tg, flows.Message{To: telegram.MakeChat(coordID), Text: "📢 ADU-2026-000009", Photos: photos}, nil)
	if ids := parts[0]; err != nil || len(parts) != 1 || len(ids) != 5 {
		t.Fatalf("album of 5 with a burst of 2: parts %v, err %v", parts, err)
	}
}

func TestRestartResumesOutbox(t *testing.T) {
	srv := telegramtest.New(t)
	dir := t.TempDir()
	// Telegram is down for this chat: the greeting cannot go out.
	srv.Fail(telegramtest.Failure{Method: "sendMessage", ChatID: budi.ID, Times: 1 << 30, Code: 502, Desc: "Bad Gateway"})
	h := mustStart(t, srv, dir, testConfig(false))
	id := srv.Text(telegramtest.Private(budi), budi, "/start")
	if !srv.Wait(wait, func() bool { return srv.Offset() > id && srv.Calls("sendMessage") > 0 }) {
		t.Fatal("update not handled")
	}
	h.stop()
	if n := len(srv.Sent(budi.ID)); n != 0 {
		t.Fatalf("%d messages got through a failing API", n)
	}
	srv.ClearFailures()
	h = mustStart(t, srv, dir, testConfig(false))
	h.waitSent(budi.ID, "Selamat datang")
	h.waitSent(budi.ID, "Silakan pilih")
}

func TestSplitPostNotDuplicatedBy429(t *testing.T) {
	srv := telegramtest.New(t)
	st, media := mustStore(t, t.TempDir())
	defer st.Close()
	hash, err := media.Put(strings.NewReader("pothole"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	fast := telegram.Limits{Global: 1000, GlobalBurst: 100, ChatRate: 1000, ChatBurst: 100, GroupRate: 1000, GroupBurst: 100}
	tg, err := telegram.New(telegram.Config{Token: telegramtest.Token, APIURL: srv.URL, Limits: fast}, nil, media)
	if err != nil {
		t.Fatal(err)
	}
	// The photo goes out; the rest of the long text hits a 429 once. The
	// retry goes on from the part that failed.
	srv.Fail(telegramtest.Failure{Method: "sendMessage", ChatID: coordID, Times: 1, Code: 429, Desc: "Too Many Requests: retry after 1", RetryAfter: 1})
	long := "📢 ADU-2026-000002\n" + strings.Repeat("Jalan rusak parah. ", 100)
	m := flows.Message{To: telegram.MakeChat(coordID), Text: long, Photos: []string{hash}}
	parts, err := sendNow(tg, m, nil)
	var retry *bot.RetryAfterError
	if !errors.As(err, &retry) || len(parts) != 1 {
		t.Fatalf("first try: parts %v, err %v; want the photo sent and a 429", parts, err)
	}
	rest, err := sendNow(tg, m, parts)
	if err != nil || len(rest) != 1 {
		t.Fatalf("retry: parts %v, err %v; want the text part", rest, err)
	}
	if n := srv.Calls("sendPhoto"); n != 1 {
		t.Errorf("photo sent %d times, want once", n)
	}
	if sent := srv.Sent(coordID); len(sent) != 2 || sent[1].ReplyTo != sent[0].MessageID {
		t.Errorf("the rest does not hang under the photo: %+v", sent)
	}
}

// mustJPEG makes a small real JPEG; n makes it distinct.
func mustJPEG(t testing.TB, n int) []byte {
	t.Helper()
	return jpegOf(n)
}

func jpegOf(n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for i := range img.Pix {
		img.Pix[i] = byte(n * 37)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// sendNow sends a message directly through the channel, as the desk's
// sender does, with the parts already done; it returns the parts sent.
func sendNow(tg *telegram.Telegram, m flows.Message, done [][]string) ([][]string, error) {
	var parts [][]string
	err := tg.Send(context.Background(), &bot.Delivery{Message: m, Chat: m.To, Done: done, Sent: func(ids []string) { parts = append(parts, ids) }})
	return parts, err
}
