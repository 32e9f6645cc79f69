package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"aduan/bot"
	"aduan/bot/whatsapp/whatsapptest"
	"aduan/flows"
	"aduan/store"
)

var _ Client = (*whatsapptest.Client)(nil)

// waitFor waits until jid got a message containing want.
func waitFor(t *testing.T, c *whatsapptest.Client, jid types.JID, want string) whatsapptest.Sent {
	t.Helper()
	s, ok := c.Wait(10*time.Second, jid, want)
	if !ok {
		var got []string
		for _, m := range c.To(jid) {
			got = append(got, m.Text)
		}
		t.Fatalf("%s never got %q; got %q", jid, want, got)
	}
	return s
}

func texts(ss []whatsapptest.Sent) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Text)
	}
	return out
}

// harness is a desk with the WhatsApp channel over a fake client.
type harness struct {
	wa    *WhatsApp
	cli   *whatsapptest.Client
	desk  *bot.Desk
	store *store.Store
	cfg   *flows.Config
}

func testFlows() *flows.Config {
	return &flows.Config{
		TicketPrefix: "ADU", Coordinator: "diskominfo",
		CoordinatorChats: []flows.Chat{MakeChat(adminGroup)},
		Offices:          []flows.Office{{ID: "dpupr", Name: "DPU-PR"}, {ID: "diskominfo", Name: "Diskominfo"}},
		Categories:       []flows.Category{{ID: "jalan", Label: "🛣️ Jalan", Office: "dpupr"}},
		Channels:         map[string]flows.Caps{ChannelName: Caps},
		DescriptionMin:   10, DescriptionMax: 500, MaxPhotos: 3, ThreadLimit: 100, Texts: flows.DefaultTexts(),
	}
}

// deskWrap lets a test break the desk's Accept or Alert.
type deskWrap struct {
	*bot.Desk
	accept func() error
	mu     sync.Mutex
	alerts []string
}

func (d *deskWrap) Accept(ctx context.Context, channel string, rs []store.Received) error {
	if d.accept != nil {
		if err := d.accept(); err != nil {
			return err
		}
	}
	return d.Desk.Accept(ctx, channel, rs)
}

func (d *deskWrap) Alert(ctx context.Context, from, reason string) error {
	d.mu.Lock()
	d.alerts = append(d.alerts, reason)
	d.mu.Unlock()
	return d.Desk.Alert(ctx, from, reason)
}

func mustHarness(t *testing.T, wrap *deskWrap) *harness {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "aduan.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	media, err := store.OpenMedia(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testFlows()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := bot.New(st, cfg, bot.Options{Logger: log, MinBackoff: 20 * time.Millisecond})
	wrap.Desk = d
	cli := whatsapptest.New()
	wa, err := New(Config{Phone: botPhone.User, LID: botLID.User, PerChat: time.Millisecond, PerMinute: 60000, TellAfter: tellAfter, Logger: log},
		cli, wrap, cfg, st, media)
	if err != nil {
		t.Fatal(err)
	}
	d.AddChannel(wa)
	wa.HandleEvent(&events.Connected{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return &harness{wa: wa, cli: cli, desk: d, store: st, cfg: cfg}
}

func pngData(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCitizenComplaintOnWhatsApp runs a whole complaint: numbered menus
// answered by number or name, a photo fetched and posted to the admin
// group, an admin's quote of the post answering the citizen.
func TestCitizenComplaintOnWhatsApp(t *testing.T) {
	h := mustHarness(t, &deskWrap{})
	photo := pngData(t)
	h.cli.Serve("/v/t62/abc", photo)
	say := func(id string, m *waE2E.Message) {
		t.Helper()
		if !h.wa.HandleEvent(private(id, m)) {
			t.Fatalf("message %s not taken", id)
		}
	}
	say("M1", text("halo"))
	menu := waitFor(t, h.cli, budiLID, "Silakan pilih:")
	if !strings.Contains(menu.Text, "\n1. 📝 Buat aduan\n2. 📋 Aduan saya\n3. ❓ Bantuan") {
		t.Errorf("menu is not a numbered list: %q", menu.Text)
	}
	say("M2", text("1"))
	cats := waitFor(t, h.cli, budiLID, "Pilih kategori")
	if !strings.Contains(cats.Text, "1. 🛣️ Jalan") {
		t.Errorf("categories: %q", cats.Text)
	}
	say("M3", text("bantuan"))
	help := waitFor(t, h.cli, budiLID, "Cara membuat aduan")
	if strings.Contains(help.Text, "/batal") || !strings.Contains(help.Text, "\nbatal – ") {
		t.Errorf("help is not phrased for WhatsApp: %q", help.Text)
	}
	say("M4", text("jalan")) // the name works as well as the number
	waitFor(t, h.cli, budiLID, "uraian")
	say("M5", text("Jalan berlubang di depan Pasar Klaten."))
	loc := waitFor(t, h.cli, budiLID, "Di mana lokasinya?")
	if !strings.Contains(loc.Text, "Bagikan lokasi") {
		t.Errorf("location question for WhatsApp: %q", loc.Text)
	}
	say("M6", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(-7.7), DegreesLongitude: proto.Float64(110.6)}})
	waitFor(t, h.cli, budiLID, "Kirim foto")
	say("M7", imageMsg(""))
	waitFor(t, h.cli, budiLID, "Foto diterima (1)")
	say("M8", text("lanjut"))
	waitFor(t, h.cli, budiLID, "Kirim aduan ini?")
	say("M9", text("1"))
	done := waitFor(t, h.cli, budiLID, "tercatat dengan nomor")
	ticket := h.cfg.TicketIn(done.Text)

	// The post: the photo, then the text, in the admin group.
	post := waitFor(t, h.cli, adminGroup, "📢 ADUAN "+ticket)
	if strings.Contains(post.Text, budiPhone.User) {
		t.Errorf("the admins see the citizen's phone number: %q", post.Text)
	}
	var gotPhoto bool
	for _, s := range h.cli.To(adminGroup) {
		gotPhoto = gotPhoto || s.Msg.GetImageMessage() != nil
	}
	if !gotPhoto {
		t.Errorf("the photo was not posted")
	}
	// Sari quotes the post: the citizen gets the answer.
	if !h.wa.HandleEvent(inGroup(adminGroup, "G1", quote("Besok kami tambal.", string(post.ID), botPhone, post.Text))) {
		t.Fatal("admin reply not taken")
	}
	waitFor(t, h.cli, budiLID, "Balasan dari DPU-PR untuk "+ticket+":\nBesok kami tambal.")
	// An admin command quoting the post.
	h.wa.HandleEvent(inGroup(adminGroup, "G2", quote("/proses", string(post.ID), botLID, post.Text)))
	waitFor(t, h.cli, budiLID, "sedang diproses")
	ack := waitFor(t, h.cli, adminGroup, "status menjadi diproses")
	if ack.Msg.GetExtendedTextMessage().GetContextInfo().GetStanzaID() != "G2" {
		t.Errorf("the acknowledgement does not quote the command: %+v", ack.Msg)
	}
	if ack.Msg.GetExtendedTextMessage().GetContextInfo().GetParticipant() != sariLID.String() {
		t.Errorf("the quote does not name the admin: %q", ack.Msg.GetExtendedTextMessage().GetContextInfo().GetParticipant())
	}
}

// A message is acknowledged to WhatsApp only once it is stored; when the
// store fails, the handler says so and the redelivery is taken once.
func TestInboundDurable(t *testing.T) {
	wrap := &deskWrap{}
	h := mustHarness(t, wrap)
	wrap.accept = func() error { return errors.New("disk full") }
	if h.wa.HandleEvent(private("D1", text("halo"))) {
		t.Fatal("a message that was not stored was acknowledged")
	}
	wrap.accept = nil
	for range 3 { // WhatsApp delivers it again, maybe more than once
		if !h.wa.HandleEvent(private("D1", text("halo"))) {
			t.Fatal("redelivered message not taken")
		}
	}
	waitFor(t, h.cli, budiLID, "Silakan pilih:")
	h.wa.HandleEvent(private("D2", text("bantuan"))) // a later message: the greeting had time to repeat
	waitFor(t, h.cli, budiLID, "Cara membuat")
	if n := len(h.cli.To(budiLID)); n != 2 {
		t.Errorf("citizen got %d messages, want 2: %q", n, texts(h.cli.To(budiLID)))
	}
	// A panic in the handler becomes false, not a crash.
	wrap.accept = func() error { panic("boom") }
	if h.wa.HandleEvent(private("D3", text("halo lagi"))) {
		t.Error("a panicking handler acknowledged the message")
	}
}

// A send that timed out is retried with the same message id; WhatsApp's
// 463 is not retried and the admins hear of it.
func TestSendRetriesWithTheSameID(t *testing.T) {
	h := mustHarness(t, &deskWrap{})
	var calls int
	h.cli.Fail = func(to types.JID, id types.MessageID) error {
		if to != budiLID {
			return nil
		}
		calls++
		if calls == 1 {
			return whatsmeow.ErrMessageTimedOut
		}
		return nil
	}
	h.wa.HandleEvent(private("R1", text("halo")))
	got := waitFor(t, h.cli, budiLID, "Silakan pilih:")
	tries := h.cli.Tries()
	if len(tries) != 2 || tries[0] != tries[1] || tries[1] != got.ID {
		t.Errorf("tries %v, want the same id twice", tries)
	}
	if !strings.HasPrefix(string(got.ID), whatsmeow.WebMessageIDPrefix) || len(got.ID) != 22 {
		t.Errorf("message id %q is not in WhatsApp's form", got.ID)
	}
}

func TestNoRecentChatRefusedNotRetried(t *testing.T) {
	h := mustHarness(t, &deskWrap{})
	ticket := fileQuickly(t, h)
	post := waitFor(t, h.cli, adminGroup, "📢 ADUAN "+ticket)
	tries := 0
	h.cli.Fail = func(to types.JID, id types.MessageID) error {
		if to == budiLID {
			tries++
			return fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 463)
		}
		return nil
	}
	h.wa.HandleEvent(inGroup(adminGroup, "G9", quote("Sudah kami cek.", string(post.ID), botPhone, post.Text)))
	waitFor(t, h.cli, adminGroup, "tidak terkirim: WhatsApp menolak karena warga belum")
	if tries != 1 {
		t.Errorf("a 463 was tried %d times", tries)
	}
}

// fileQuickly files a complaint by typing numbers and words.
func fileQuickly(t *testing.T, h *harness) string {
	t.Helper()
	steps := []struct{ say, then string }{
		{"halo", "Silakan pilih:"}, {"1", "Pilih kategori"}, {"1", "uraian"}, {"Jalan berlubang di depan pasar.", "lokasi"},
		{"Jl. Pemuda 1, Klaten", "foto"}, {"lewati", "Kirim aduan ini?"}, {"kirim", "tercatat dengan nomor"},
	}
	var last whatsapptest.Sent
	for i, s := range steps {
		h.wa.HandleEvent(private(fmt.Sprintf("Q%d", i), text(s.say)))
		last = waitFor(t, h.cli, budiLID, s.then)
	}
	return h.cfg.TicketIn(last.Text)
}

// Nothing is ever sent to a number that has not written.
func TestNeverWritesFirst(t *testing.T) {
	h := mustHarness(t, &deskWrap{})
	stranger := flows.Chat{Channel: ChannelName, ID: budiLID.String()}
	err := h.wa.Send(context.Background(), &bot.Delivery{Message: flows.Message{To: stranger, Text: "Promo!"}, Chat: stranger, Key: "x/1", Sent: func([]string) {}})
	var perm *bot.PermanentError
	if !errors.As(err, &perm) || perm.Reason != bot.ReasonNoChat {
		t.Errorf("send to a stranger: %v, want a permanent refusal", err)
	}
	if len(h.cli.To(budiLID)) != 0 {
		t.Errorf("the stranger got a message")
	}
}

// A broken link is logged and told to the coordinators on the other
// channels, once; the channel says it is not ready until it is back.
func TestLinkTrouble(t *testing.T) {
	wrap := &deskWrap{}
	h := mustHarness(t, wrap)
	if err := h.wa.Ready(); err != nil {
		t.Fatalf("connected channel not ready: %v", err)
	}
	h.wa.HandleEvent(&events.LoggedOut{Reason: events.ConnectFailureLoggedOut})
	h.wa.HandleEvent(&events.LoggedOut{Reason: events.ConnectFailureLoggedOut})
	if err := h.wa.Ready(); err == nil || !strings.Contains(err.Error(), "aduan whatsapp login") {
		t.Errorf("after logout: %v", err)
	}
	wrap.waitAlerts(t, 1)
	h.wa.HandleEvent(&events.TemporaryBan{Code: events.TempBanBlockedByUsers, Expire: time.Hour})
	if err := h.wa.Ready(); err == nil || !strings.Contains(err.Error(), "102") {
		t.Errorf("after a ban: %v", err)
	}
	h.wa.HandleEvent(&events.NotifyAccountReachoutTimelock{IsActive: true, EnforcementType: "REACHOUT"})
	if err := h.wa.Ready(); err == nil || !strings.Contains(err.Error(), "new contacts") {
		t.Errorf("under a reach-out timelock: %v", err)
	}
	h.wa.HandleEvent(&events.Connected{})
	if err := h.wa.Ready(); err != nil {
		t.Errorf("reconnected: %v", err)
	}
}

// tellAfter is how long a test's disconnection lasts before the
// coordinators are told.
const tellAfter = 50 * time.Millisecond

// waitAlerts waits until the coordinators were told n times, and returns
// what they were told.
func (d *deskWrap) waitAlerts(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d.mu.Lock()
		got := append([]string(nil), d.alerts...)
		d.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("coordinators told %d times (%q), want %d", len(got), got, n)
			}
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A disconnection that lasts is told to the coordinators; one that
// recovers at once is not. A first connection that fails for good is
// told at once.
func TestLongDisconnectionTold(t *testing.T) {
	wrap := &deskWrap{}
	h := mustHarness(t, wrap)
	h.wa.HandleEvent(&events.Disconnected{})
	h.wa.HandleEvent(&events.Connected{})
	time.Sleep(4 * tellAfter) // long enough for a wrong alert to come
	wrap.waitAlerts(t, 0)

	h.wa.HandleEvent(&events.Disconnected{})
	if err := h.wa.Ready(); err == nil {
		t.Errorf("disconnected channel ready")
	}
	got := wrap.waitAlerts(t, 1)
	if !strings.Contains(got[0], "disconnected for") {
		t.Errorf("told %q", got[0])
	}
	h.wa.HandleEvent(&events.Disconnected{}) // still the same trouble: told once
	time.Sleep(4 * tellAfter)
	wrap.waitAlerts(t, 1)

	h.wa.HandleEvent(&events.Connected{})
	h.wa.ConnectFailed(errors.New("websocket: 401"))
	got = wrap.waitAlerts(t, 2)
	if !strings.Contains(got[1], "websocket: 401") || h.wa.Ready() == nil {
		t.Errorf("failed first connection: told %q, ready %v", got[1], h.wa.Ready())
	}

	// A channel that never connected (the network was down at start, and
	// whatsmeow retries in the background) is told of too.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fresh, err := New(Config{TellAfter: tellAfter, Logger: log}, whatsapptest.New(), wrap, h.cfg, h.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh.HandleEvent(&events.Disconnected{})
	got = wrap.waitAlerts(t, 3)
	if !strings.Contains(got[2], "disconnected for") {
		t.Errorf("never connected: told %q", got[2])
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		m    flows.Message
		want []string // kind: text
	}{
		{"text", flows.Message{Text: "Halo"}, []string{"text: Halo"}},
		{"choices numbered", flows.Message{Text: "Silakan pilih:", Choices: []flows.Choice{{ID: "a", Label: "Satu"}, {ID: "b", Label: "Dua"}}},
			[]string{"text: Silakan pilih:\n\n1. Satu\n2. Dua"}},
		{"one photo with its caption", flows.Message{Text: "Aduan", Photos: []string{"h1"}}, []string{"photo: Aduan"}},
		{"photos first", flows.Message{Text: "Aduan", Photos: []string{"h1", "h2"}}, []string{"photo: ", "photo: ", "text: Aduan"}},
		{"a long text after its photo", flows.Message{Text: strings.Repeat("a", maxCaption+1), Photos: []string{"h1"}}, []string{"photo: ", "text: " + strings.Repeat("a", maxCaption+1)}},
		{"admin's file", flows.Message{Text: "Balasan", Files: []flows.File{{Hash: "h", Kind: flows.FileDocument}}}, []string{"document: ", "text: Balasan"}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range render(tt.m) {
			got = append(got, p.kind+": "+p.text)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if a, b := messageID("q/1", 0, "text"), messageID("q/1", 0, "text"); a != b {
		t.Errorf("message ids differ between tries: %s %s", a, b)
	}
	if a, b := messageID("q/1", 0, "text"), messageID("q/2", 0, "text"); a == b {
		t.Errorf("two messages share an id")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 463), "permanent 3"},
		{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 403), "permanent 0"},
		{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 429), "retry after"},
		{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 500), "retry"},
		{whatsmeow.ErrNotConnected, "retry"},
		{whatsmeow.ErrMessageTimedOut, "retry"},
	}
	for _, tt := range tests {
		got := "retry"
		var perm *bot.PermanentError
		var after *bot.RetryAfterError
		switch err := classify(tt.err); {
		case errors.As(err, &perm):
			got = fmt.Sprintf("permanent %d", perm.Reason)
		case errors.As(err, &after):
			got = "retry after"
		}
		if got != tt.want {
			t.Errorf("classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// The real client's event dispatch reaches the channel, and a message the
// desk could not store comes back as failed, so whatsmeow does not
// acknowledge it.
func TestRealClientDispatch(t *testing.T) {
	wrap := &deskWrap{}
	h := mustHarness(t, wrap)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	devices, err := OpenDevices(context.Background(), filepath.Join(t.TempDir(), "whatsapp.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer devices.Close()
	device, err := devices.GetFirstDevice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	real := NewClient(device, log)
	if !real.SynchronousAck || !real.EnableDecryptedEventBuffer {
		t.Errorf("the client acknowledges before the handlers return")
	}
	real.AddEventHandlerWithSuccessStatus(h.wa.HandleEvent)
	info := private("RD1", nil).Info
	if failed := real.DangerousInternals().HandleDecryptedMessage(context.Background(), &info, text("halo"), 0); failed {
		t.Fatal("a stored message was reported as failed")
	}
	waitFor(t, h.cli, budiLID, "Silakan pilih:")
	wrap.accept = func() error { return errors.New("disk full") }
	info.ID = "RD2"
	if failed := real.DangerousInternals().HandleDecryptedMessage(context.Background(), &info, text("bantuan"), 0); !failed {
		t.Error("a message the desk could not store was acknowledged")
	}
}

// The desk's messages as WhatsApp messages: text, a quoted reply, an image
// with its caption.
func TestBuild(t *testing.T) {
	h := mustHarness(t, &deskWrap{})
	photo := pngData(t)
	hash, err := h.wa.media.PutImage(bytes.NewReader(photo), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	h.wa.senders.Add("ADMIN1", sariLID.String())
	group := MakeChat(adminGroup)
	tests := []struct {
		name  string
		m     flows.Message
		reply string
		check func(t *testing.T, msgs []*waE2E.Message)
	}{
		{"text", flows.Message{Text: "Halo"}, "", func(t *testing.T, msgs []*waE2E.Message) {
			if len(msgs) != 1 || msgs[0].GetConversation() != "Halo" {
				t.Errorf("%v", msgs)
			}
		}},
		{"quoted reply", flows.Message{Text: "✅ status menjadi diproses"}, "ADMIN1", func(t *testing.T, msgs []*waE2E.Message) {
			ci := msgs[0].GetExtendedTextMessage().GetContextInfo()
			if msgs[0].GetExtendedTextMessage().GetText() != "✅ status menjadi diproses" || ci.GetStanzaID() != "ADMIN1" || ci.GetParticipant() != sariLID.String() || ci.GetQuotedMessage() == nil {
				t.Errorf("%v", msgs[0])
			}
		}},
		{"image with caption", flows.Message{Text: "📢 ADUAN ADU-2026-000001", Photos: []string{hash}}, "", func(t *testing.T, msgs []*waE2E.Message) {
			img := msgs[0].GetImageMessage()
			if len(msgs) != 1 || img.GetCaption() != "📢 ADUAN ADU-2026-000001" || img.GetMimetype() != "image/png" || !bytes.Equal(h.cli.Uploaded(img.GetDirectPath()), photo) {
				t.Errorf("%v", msgs)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &bot.Delivery{Message: tt.m, Chat: group, ReplyTo: tt.reply, Key: "k/" + tt.name}
			var msgs []*waE2E.Message
			for _, p := range render(tt.m) {
				msg, err := h.wa.build(context.Background(), p, d, adminGroup)
				if err != nil {
					t.Fatal(err)
				}
				msgs = append(msgs, msg)
			}
			tt.check(t, msgs)
		})
	}
	// A photo missing from data_dir cannot be sent: the text goes without.
	_, err = h.wa.build(context.Background(), part{kind: "photo", hash: strings.Repeat("ab", 32)}, &bot.Delivery{Chat: group}, adminGroup)
	var perm *bot.PermanentError
	if !errors.As(err, &perm) || perm.Reason != bot.ReasonMedia {
		t.Errorf("missing photo: %v", err)
	}
}

// The backlog after a reconnect: old messages get one apology per chat;
// what is fresh is answered as usual.
func TestBacklogApologizesOnce(t *testing.T) {
	h := mustHarness(t, &deskWrap{})
	h.wa.HandleEvent(&events.OfflineSyncPreview{Messages: 3})
	for i, s := range []string{"halo", "halo?", "kok tidak dijawab"} {
		e := private(fmt.Sprintf("B%d", i), text(s))
		e.Info.Timestamp = time.Now().Add(-2 * time.Hour)
		if !h.wa.HandleEvent(e) {
			t.Fatal("backlog message not taken")
		}
	}
	h.wa.HandleEvent(&events.OfflineSyncCompleted{Count: 3})
	h.wa.HandleEvent(private("B9", text("bantuan")))
	waitFor(t, h.cli, budiLID, "Cara membuat")
	var apologies int
	for _, s := range h.cli.To(budiLID) {
		if strings.Contains(s.Text, "baru kami terima") {
			apologies++
		}
	}
	if apologies != 1 || len(h.cli.To(budiLID)) != 2 {
		t.Errorf("after a backlog of 3: %d apologies, %d messages (%q); want 1 and 2", apologies, len(h.cli.To(budiLID)), texts(h.cli.To(budiLID)))
	}
}

// On WhatsApp the verdict is a numbered list: numbers rate, the last
// reopens; the office's group sees both.
func TestVerdictOnWhatsApp(t *testing.T) {
	h := mustHarness(t, &deskWrap{})
	h.cfg.Deadlines.ReopenWithin = time.Hour
	ticket := fileQuickly(t, h)
	post := waitFor(t, h.cli, adminGroup, "📢 ADUAN "+ticket)
	h.wa.HandleEvent(inGroup(adminGroup, "S1", quote("/selesai", string(post.ID), botPhone, post.Text)))
	ask := waitFor(t, h.cli, budiLID, "Beri nilai 1")
	if !strings.Contains(ask.Text, "\n5. ⭐⭐⭐⭐⭐\n6. 🔁 Belum beres") {
		t.Errorf("the verdict is not a numbered list: %q", ask.Text)
	}
	h.wa.HandleEvent(private("V1", text("5")))
	waitFor(t, h.cli, adminGroup, "⭐ Warga menilai "+ticket+": 5/5")
	// The thanks shows the menu again, so numbers are the menu's now; the
	// words still reopen.
	h.wa.HandleEvent(private("V2", text("belum beres")))
	waitFor(t, h.cli, budiLID, "dibuka kembali")
	waitFor(t, h.cli, adminGroup, "🔁 Warga menyatakan "+ticket+" belum beres")
}
