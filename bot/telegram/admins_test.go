package telegram_test

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aduan/bot/telegram"
	"aduan/bot/telegram/telegramtest"
	"aduan/flows"
	"aduan/store"
)

// A post to an admin chat that Telegram refuses with a 400 (a closed
// topic, no right to write) waits and goes out once the chat takes it.
func TestAdminPostWaitsThrough400(t *testing.T) {
	srv := telegramtest.New(t)
	srv.Fail(telegramtest.Failure{Method: "sendPhoto", ChatID: coordID, Times: 2, Code: 400, Desc: "Bad Request: TOPIC_CLOSED"})
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	post := fileComplaint(t, h, coordID)
	if !post.Photo {
		t.Errorf("post went out without its photo: %+v", post)
	}
	if n := srv.Calls("sendPhoto"); n < 3 {
		t.Errorf("sendPhoto called %d times, want the post retried after two refusals", n)
	}
}

// A photo the admin chat refuses for good is replaced by the text with a
// note, rather than holding the post forever.
func TestAdminPhotoRefusedSendsText(t *testing.T) {
	srv := telegramtest.New(t)
	srv.Fail(telegramtest.Failure{Method: "sendPhoto", ChatID: coordID, Times: 1 << 30, Code: 400, Desc: "Bad Request: not enough rights to send photos to the chat"})
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	h.toPhotoStep(desc)
	h.submitWithPhoto()
	post := h.waitSent(coordID, "ADU-2026-000001")
	if post.Photo || !strings.Contains(post.Text, "Foto tidak dapat dikirim") || !strings.Contains(post.Text, "depan pasar") {
		t.Errorf("post = %+v, want the text with a note about the photo", post)
	}
	// It is still the complaint's post: a reply reaches the citizen.
	srv.Reply(coord, sari, post.MessageID, "Akan kami cek")
	h.waitSent(budi.ID, "Akan kami cek")
}

// Messages to admins are addressed to the office: changing the office's
// chat in the config moves what is still queued.
func TestQueuedPostFollowsConfigChange(t *testing.T) {
	srv := telegramtest.New(t)
	dir := t.TempDir()
	// The DPU-PR group does not take messages: the bot was removed.
	srv.Block(dpuID)
	h := mustStart(t, srv, dir, testConfig(true))
	h.toPhotoStep(desc)
	h.submitWithPhoto()
	h.waitSent(budi.ID, "ADU-2026-000001")
	if !srv.Wait(wait, func() bool { return srv.Calls("sendPhoto") > 0 }) {
		t.Fatal("post never tried")
	}
	h.stop()
	if h.outboxOf(dir) != 1 {
		t.Fatalf("the post to the unreachable group is not waiting in the outbox")
	}

	// The operator gives DPU-PR a new group.
	const newDPU int64 = -1003
	cfg := testConfig(true)
	cfg.Offices[0].Chats[0] = telegram.MakeChat(newDPU)
	h = mustStart(t, srv, dir, cfg)
	post := h.waitSent(newDPU, "ADU-2026-000001")
	srv.Reply(telegramtest.Group(newDPU, "DPU-PR baru"), sari, post.MessageID, "Sudah kami terima")
	h.waitSent(budi.ID, "Sudah kami terima")
}

// outboxOf counts the outbox of a stopped bot's data dir.
func (h *harness) outboxOf(dir string) int {
	h.t.Helper()
	st, _ := mustStore(h.t, dir)
	defer st.Close()
	n := 0
	_ = st.View(func(tx *store.Tx) error { n = tx.OutboxLen(); return nil })
	return n
}

// A basic group upgraded to a supergroup: the desk follows it to its new
// id for posts, replies and commands, and remembers across restarts.
func TestGroupMigration(t *testing.T) {
	srv := telegramtest.New(t)
	dir := t.TempDir()
	const newCoord int64 = -100777
	h := mustStart(t, srv, dir, testConfig(false))
	srv.Migrate(coordID, newCoord, sari)
	post := fileComplaint(t, h, newCoord)
	super := telegramtest.Group(newCoord, "Koordinator Aduan")
	reply := srv.MessageID(srv.Reply(super, sari, post.MessageID, "Segera kami tangani"))
	h.waitSent(budi.ID, "Segera kami tangani")
	srv.EditText(super, sari, reply, "Hari ini kami tangani")
	h.waitSent(budi.ID, "Koreksi dari DPU-PR untuk ADU-2026-000001:\nHari ini kami tangani")
	srv.Reply(super, sari, post.MessageID, "/proses")
	h.waitSent(newCoord, "status menjadi diproses")
	h.stop()

	// Without the service messages this time: the mapping is stored.
	h = mustStart(t, srv, dir, testConfig(false))
	srv.Text(super, sari, "/selesai ADU-2026-000001 beres")
	h.waitSent(budi.ID, "telah diselesaikan")
	for _, m := range srv.Sent(coordID) {
		t.Errorf("message sent to the old group id: %q", m.Text)
	}
}

// A group that migrates while a post waits: Telegram answers 400 with
// migrate_to_chat_id, and the post goes to the new id.
func TestMigrationFoundBySend(t *testing.T) {
	srv := telegramtest.New(t)
	const newCoord int64 = -100888
	srv.SetMigrated(coordID, newCoord)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	post := fileComplaint(t, h, newCoord)
	srv.Reply(telegramtest.Group(newCoord, "Koordinator"), sari, post.MessageID, "/info")
	h.waitSent(newCoord, "Riwayat")
}

// A reply to the bot's acknowledgement stays in the group, with one word
// on how to answer the citizen; a reply to the complaint's post is sent.
func TestReplyToAcknowledgementStaysInGroup(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	post := fileComplaint(t, h, coordID)
	srv.Reply(coord, sari, post.MessageID, "/catatan warga ini sering lapor")
	ack := h.waitSent(coordID, "Catatan disimpan")
	srv.Reply(coord, sari, ack.MessageID, "ok, catat juga nomor rumahnya")
	h.waitSent(coordID, "pesan internal")
	n := len(srv.Sent(coordID))
	srv.Reply(coord, sari, ack.MessageID, "siap")
	srv.Reply(coord, sari, post.MessageID, "Terima kasih laporannya")
	h.waitSent(budi.ID, "Terima kasih laporannya")
	if got := len(srv.Sent(coordID)); got != n {
		t.Errorf("the group was told again (%d messages, want %d)", got, n)
	}
	for _, m := range srv.Sent(budi.ID) {
		if strings.Contains(m.Text, "nomor rumah") || strings.Contains(m.Text, "siap") || strings.Contains(m.Text, "sering lapor") {
			t.Errorf("admins' internal words reached the citizen: %q", m.Text)
		}
	}
}

// A reply to a message of the bot that belongs to no complaint gets an
// answer instead of silence; a reply to a fellow admin stays silent.
func TestUnmatchedReplyToBotAnswered(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	srv.Text(coord, sari, "/bantuan")
	help := h.waitSent(coordID, "/teruskan")
	srv.ReplyToBot(coord, sari, help.MessageID, help.Text, "ini maksudnya bagaimana?")
	h.waitSent(coordID, "tidak terkait dengan aduan")
}

// A later part of a split post that fails is sent on retry without the
// first part going out again, and every part is linked.
func TestSplitPostContinuesFromFailedPart(t *testing.T) {
	srv := telegramtest.New(t)
	srv.Fail(telegramtest.Failure{Method: "sendMessage", ChatID: coordID, Times: 2, Code: 502, Desc: "Bad Gateway"})
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	h.toPhotoStep(strings.Repeat("Jalan rusak parah sekali. ", 70))
	h.submitWithPhoto()
	sent := h.waitCount(coordID, 2)
	if n := srv.Calls("sendPhoto"); n != 1 {
		t.Errorf("photo part sent %d times, want once", n)
	}
	srv.Reply(coord, sari, sent[1].MessageID, "Siap")
	h.waitSent(budi.ID, "Balasan dari DPU-PR untuk ADU-2026-000001:\nSiap")
}

// An admin who edits a reply that went to the citizen has the correction
// sent too; an edit of anything else changes nothing.
func TestEditedReplyRelayedAsCorrection(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	post := fileComplaint(t, h, coordID)
	reply := srv.MessageID(srv.Reply(coord, sari, post.MessageID, "Besok kami tambal"))
	h.waitSent(budi.ID, "Besok kami tambal")
	chatter := srv.MessageID(srv.Text(coord, sari, "rapat jam 2"))
	srv.EditText(coord, sari, chatter, "rapat jam 3")
	srv.EditText(coord, sari, reply, "Lusa kami tambal")
	got := h.waitSent(budi.ID, "Koreksi dari DPU-PR untuk ADU-2026-000001:\nLusa kami tambal")
	for _, m := range srv.Sent(budi.ID) {
		if strings.Contains(m.Text, "rapat") {
			t.Errorf("an edit of admins' chatter reached the citizen: %q", m.Text)
		}
	}
	if c := h.complaint("ADU-2026-000001"); !strings.Contains(c.Thread[len(c.Thread)-1].Text, "Lusa") {
		t.Errorf("correction not in the thread: %+v (sent %q)", c.Thread, got.Text)
	}
}

// An admin's document, video, voice note or audio in reply to a complaint
// reaches the citizen as that file; a sticker is refused with a word.
func TestAdminFilesRelayed(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	post := fileComplaint(t, h, coordID)
	for _, kind := range []string{"document", "video", "voice", "audio"} {
		data := []byte("isi " + kind)
		srv.ReplyFile(coord, sari, post.MessageID, kind, data, kind+".bin", "Lampiran "+kind)
		got := h.waitSent(budi.ID, "Lampiran "+kind)
		if got.File != kind || !bytes.Equal(got.FileData, data) || !strings.Contains(got.Text, "Balasan dari DPU-PR untuk ADU-2026-000001") {
			t.Errorf("%s: citizen got %+v", kind, got)
		}
	}
	if c := h.complaint("ADU-2026-000001"); len(c.Thread[len(c.Thread)-1].Files) != 1 {
		t.Errorf("the file is not in the thread: %+v", c.Thread[len(c.Thread)-1])
	}
	srv.ReplySticker(coord, sari, post.MessageID)
	h.waitSent(coordID, "tidak dapat diteruskan")
}

// A post whose photo file is missing from data_dir goes as text with a
// note instead of waiting forever.
func TestMissingPhotoFileSendsText(t *testing.T) {
	srv := telegramtest.New(t)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	missing := strings.Repeat("ab", 32)
	err := h.st.Update(func(tx *store.Tx) error {
		return tx.Enqueue(flows.Message{To: flows.OfficeChat("telegram", "dpupr"), Text: "📢 ADUAN ADU-2026-000042", Photos: []string{missing}, Ticket: "ADU-2026-000042", Relay: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	ani := telegramtest.User{ID: 5002, FirstName: "Ani"}
	srv.Text(telegramtest.Private(ani), ani, "/start") // wakes the sender
	post := h.waitSent(coordID, "ADU-2026-000042")
	if post.Photo || !strings.Contains(post.Text, "Foto tidak dapat dikirim") {
		t.Errorf("post = %+v", post)
	}
}

// Forty citizens file complaints at once and an admin answers each post
// the moment it appears, before the bot has even heard back that it was
// sent: every answer reaches its citizen.
func TestRepliesRightAfterPosts(t *testing.T) {
	srv := telegramtest.New(t)
	srv.SetLateAnswer("sendMessage", coordID, 100*time.Millisecond)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	const citizens = 40
	stop := make(chan struct{})
	defer close(stop)
	go func() { // the admin: replies to every post as soon as it is there
		answered := map[int]bool{}
		for {
			srv.Wait(wait, func() bool {
				for _, m := range srv.Sent(coordID) {
					if strings.Contains(m.Text, "📢 ADUAN") && !answered[m.MessageID] {
						return true
					}
				}
				return false
			})
			select {
			case <-stop:
				return
			default:
			}
			for _, m := range srv.Sent(coordID) {
				if strings.Contains(m.Text, "📢 ADUAN") && !answered[m.MessageID] {
					answered[m.MessageID] = true
					srv.ReplyToBot(coord, sari, m.MessageID, m.Text, "Jawaban untuk pos "+strconv.Itoa(m.MessageID))
				}
			}
		}
	}()
	script := []string{"/aduan", "2", "Atap kelas 3 SD Negeri 1 bocor saat hujan", "lewati", "lewati", "✅ Kirim"}
	var wg sync.WaitGroup
	for c := range citizens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := telegramtest.User{ID: int64(30000 + c), FirstName: "Warga"}
			for i, text := range script {
				srv.Text(telegramtest.Private(u), u, text)
				if !srv.Wait(wait, func() bool { return len(srv.Sent(u.ID)) > i }) {
					t.Errorf("citizen %d: no answer to %q", c, text)
					return
				}
			}
		}()
	}
	wg.Wait()
	for c := range citizens {
		h.waitSent(int64(30000+c), "Jawaban untuk pos")
	}
}

// A button press whose answerCallbackQuery takes long holds up nobody.
func TestSlowCallbackAnswerHoldsNobody(t *testing.T) {
	srv := telegramtest.New(t)
	srv.SetDelay("answerCallbackQuery", wait/2)
	h := mustStart(t, srv, t.TempDir(), testConfig(false))
	me := telegramtest.Private(budi)
	srv.Text(me, budi, "/start")
	menu := h.lastWithButton(budi.ID, "menu:aduan")
	start := time.Now()
	srv.Press(me, budi, menu.MessageID, "menu:aduan")
	h.lastWithButton(budi.ID, "cat:jalan")
	srv.Press(me, budi, h.lastWithButton(budi.ID, "cat:jalan").MessageID, "cat:jalan")
	h.waitSent(budi.ID, "uraian")
	if d := time.Since(start); d > wait/4 {
		t.Errorf("two presses took %s behind slow answers", d)
	}
}

// On Telegram the verdict is inline buttons: a press rates, and the group
// sees it in the complaint's thread.
func TestVerdictOnTelegram(t *testing.T) {
	srv := telegramtest.New(t)
	cfg := testConfig(false)
	cfg.Deadlines.ReopenWithin = time.Hour
	h := mustStart(t, srv, t.TempDir(), cfg)
	post := fileComplaint(t, h, coordID)
	srv.Reply(coord, sari, post.MessageID, "/selesai sudah ditambal")
	ask := h.lastWithButton(budi.ID, "rate:ADU-2026-000001:5")
	if !strings.Contains(ask.Text, "Beri nilai 1") {
		t.Errorf("verdict question: %q", ask.Text)
	}
	srv.Press(telegramtest.Private(budi), budi, ask.MessageID, "rate:ADU-2026-000001:5")
	h.waitSent(coordID, "⭐ Warga menilai ADU-2026-000001: 5/5")
	h.waitSent(budi.ID, "Terima kasih atas penilaian Anda (5/5)")
	srv.Press(telegramtest.Private(budi), budi, ask.MessageID, "reopen:ADU-2026-000001")
	h.waitSent(budi.ID, "dibuka kembali")
	h.waitSent(coordID, "belum beres")
}
