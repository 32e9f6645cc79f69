package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"aduan/bot/telegram/telegramtest"
	"aduan/bot/whatsapp"
	"aduan/bot/whatsapp/whatsapptest"
)

var (
	waBot   = types.NewJID("6281100000000", types.DefaultUserServer)
	waAdmin = types.NewJID("120363000000000077", types.GroupServer)
	waBudi  = types.NewJID("123456789012345", types.HiddenUserServer)
	waSari  = types.NewJID("555555555555555", types.HiddenUserServer)
)

// fakeWhatsApp puts a fake client where serve reaches WhatsApp, and
// returns it with a way to deliver events as whatsmeow would.
func fakeWhatsApp(t *testing.T) (*whatsapptest.Client, func(evt any) bool) {
	t.Helper()
	cli := whatsapptest.New()
	handler := make(chan func(any) bool, 1)
	old := whatsAppLink
	whatsAppLink = func(context.Context, *appConfig, *slog.Logger) (*waLink, error) {
		return &waLink{client: cli, phone: waBot.User, linked: true,
			register: func(h func(any) bool) { handler <- h },
			connect:  func() error { return nil }, close: func() {}}, nil
	}
	t.Cleanup(func() { whatsAppLink = old })
	var h func(any) bool
	return cli, func(evt any) bool {
		if h == nil {
			h = <-handler
			h(&events.Connected{})
		}
		return h(evt)
	}
}

func waMessage(chat, sender types.JID, id string, m *waE2E.Message) *events.Message {
	return (&events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: chat, Sender: sender, IsGroup: chat.Server == types.GroupServer},
		ID:            id, PushName: "Warga", Timestamp: time.Now(),
	}, RawMessage: m}).UnwrapRaw()
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 12, 9))
	img.Pix[0] = 200
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWhatsAppAcrossChannels: a WhatsApp citizen's complaint lands in the
// Telegram coordinators' group and the answer there reaches WhatsApp; a
// Telegram citizen's lands in an office's WhatsApp group and the quote
// there reaches Telegram; photos go both ways from the stored copies.
func TestWhatsAppAcrossChannels(t *testing.T) {
	cli, deliver := fakeWhatsApp(t)
	srv := telegramtest.New(t)
	setTelegramEnv(t, srv)
	t.Setenv("ADUAN_WHATSAPP_ENABLED", "true")
	t.Setenv("ADUAN_WHATSAPP_PER_CHAT", "500ms")
	t.Setenv("ADUAN_WHATSAPP_PER_MINUTE", "60")
	t.Setenv("ADUAN_WHATSAPP_JITTER", "0s")
	content := strings.Replace(shipped(t), "  - id: disdik\n    name: Disdik (Dinas Pendidikan)\n",
		"  - id: disdik\n    name: Disdik (Dinas Pendidikan)\n    whatsapp_group: \""+waAdmin.String()+"\"\n", 1)
	cfg, err := loadConfig(mustWrite(t, content))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := mustServe(t, cfg, io.Discard)

	// A WhatsApp citizen, a road complaint with a photo: DPU-PR has no
	// chat of its own, so it goes to the coordinators on Telegram.
	photo := pngImage(t)
	cli.Serve("/v/t62/road", photo)
	waSays := func(id string, m *waE2E.Message, then string) whatsapptest.Sent {
		t.Helper()
		if !deliver(waMessage(waBudi, waBudi, id, m)) {
			t.Fatalf("message %s not taken", id)
		}
		s, ok := cli.Wait(wait, waBudi, then)
		if !ok {
			t.Fatalf("whatsapp citizen never got %q", then)
		}
		return s
	}
	text := func(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }
	waSays("W1", text("halo"), "Silakan pilih:")
	waSays("W2", text("1"), "Pilih kategori")
	waSays("W3", text("1"), "uraian")
	waSays("W4", text("Jalan berlubang besar di depan Pasar Klaten."), "lokasi")
	waSays("W5", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(-7.7), DegreesLongitude: proto.Float64(110.6)}}, "Kirim foto")
	waSays("W6", &waE2E.Message{ImageMessage: &waE2E.ImageMessage{DirectPath: proto.String("/v/t62/road"), Mimetype: proto.String("image/png"), MediaKey: []byte{1}}}, "Foto diterima (1)")
	waSays("W7", text("lanjut"), "Kirim aduan ini?")
	waTicket := ticketIn(t, waSays("W8", text("kirim"), "tercatat dengan nomor").Text)
	var post telegramtest.Sent
	if !srv.Wait(wait, func() bool {
		for _, m := range srv.Sent(-1001) {
			if strings.Contains(m.Text, "📢 ADUAN "+waTicket) {
				post = m
				return true
			}
		}
		return false
	}) {
		t.Fatalf("the WhatsApp complaint never reached the Telegram group: %+v", srv.Sent(-1001))
	}
	if !post.Photo || !bytes.Equal(post.PhotoData, photo) {
		t.Errorf("the Telegram post does not carry the citizen's photo")
	}
	if strings.Contains(post.Text, waBudi.User) {
		t.Errorf("the admins see the citizen's WhatsApp id")
	}
	sari := telegramtest.User{ID: 7001, FirstName: "Sari"}
	srv.Reply(telegramtest.Group(-1001, "Koordinator"), sari, post.MessageID, "Besok kami tambal.")
	if _, ok := cli.Wait(wait, waBudi, "Balasan dari DPU-PR (Dinas Pekerjaan Umum dan Penataan Ruang) untuk "+waTicket+":\nBesok kami tambal."); !ok {
		t.Fatalf("the Telegram answer never reached WhatsApp: %q", textsOf(cli.To(waBudi)))
	}
	// The console answers the WhatsApp citizen too.
	console := newClient(t, base)
	csrf := field(t, console.get("/konsol/aduan/"+waTicket), "csrf")
	console.postForm("/konsol/aduan/"+waTicket, url.Values{"csrf": {csrf}, "aksi": {"proses"}})
	if _, ok := cli.Wait(wait, waBudi, "Aduan "+waTicket+" sedang diproses"); !ok {
		t.Fatalf("the console's action never reached WhatsApp: %q", textsOf(cli.To(waBudi)))
	}

	// A web citizen, answered from Disdik's WhatsApp group.
	web := newClient(t, base)
	webTicket := fileWebSchool(t, web)
	webPost, ok := cli.Wait(wait, waAdmin, "📢 ADUAN "+webTicket)
	if !ok {
		t.Fatalf("the web complaint never reached the WhatsApp group: %q", textsOf(cli.To(waAdmin)))
	}
	webQuote := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("Pagar diperbaiki minggu ini."),
		ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(string(webPost.ID)), Participant: proto.String(waBot.String())}}}
	deliver(waMessage(waAdmin, waSari, "G0", webQuote))
	if !waitFor(func() bool {
		return strings.Contains(web.get("/api/obrolan?after=0"), "Balasan dari Disdik (Dinas Pendidikan) untuk "+webTicket+`:\nPagar diperbaiki minggu ini.`)
	}) {
		t.Fatalf("the WhatsApp group's answer never reached the web citizen")
	}

	// A Telegram citizen, a school complaint with a photo: Disdik's group
	// is on WhatsApp.
	budi := telegramtest.User{ID: 5001, FirstName: "Budi"}
	me := telegramtest.Private(budi)
	said := func(want string) {
		t.Helper()
		if !srv.Wait(wait, func() bool {
			for _, m := range srv.Sent(budi.ID) {
				if strings.Contains(m.Text, want) {
					return true
				}
			}
			return false
		}) {
			t.Fatalf("telegram citizen never got %q", want)
		}
	}
	srv.Text(me, budi, "/aduan")
	said("Pilih kategori")
	srv.Text(me, budi, "2")
	said("uraian")
	srv.Text(me, budi, "Atap kelas 3 SD Karanganom bocor saat hujan.")
	said("Di mana lokasinya?")
	srv.Text(me, budi, "SD Karanganom 1")
	said("Kirim foto")
	srv.Photo(me, budi, photo, "")
	said("Foto diterima (1)")
	srv.Text(me, budi, "lanjut")
	said("Kirim aduan ini?")
	srv.Text(me, budi, "kirim")
	said("tercatat dengan nomor")
	var tgTicket string
	for _, m := range srv.Sent(budi.ID) {
		if strings.Contains(m.Text, "tercatat dengan nomor") {
			tgTicket = ticketIn(t, m.Text)
		}
	}
	waPost, ok := cli.Wait(wait, waAdmin, "📢 ADUAN "+tgTicket)
	if !ok {
		t.Fatalf("the Telegram complaint never reached the WhatsApp group: %q", textsOf(cli.To(waAdmin)))
	}
	var photoUp []byte
	for _, s := range cli.To(waAdmin) {
		if img := s.Msg.GetImageMessage(); img != nil {
			photoUp = cli.Uploaded(img.GetDirectPath())
		}
	}
	if !bytes.Equal(photoUp, photo) {
		t.Errorf("the WhatsApp group did not get the citizen's photo")
	}
	quote := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("Besok tukang datang."),
		ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(string(waPost.ID)), Participant: proto.String(waBot.String()),
			QuotedMessage: &waE2E.Message{Conversation: proto.String(waPost.Text)}}}}
	if !deliver(waMessage(waAdmin, waSari, "G1", quote)) {
		t.Fatal("admin's quote not taken")
	}
	said("Balasan dari Disdik (Dinas Pendidikan) untuk " + tgTicket + ":\nBesok tukang datang.")
}

func textsOf(ss []whatsapptest.Sent) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Text)
	}
	return out
}

// A linked device in the session store, as pairing leaves it.
func mustLinkedStore(t *testing.T, dataDir string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	devices, err := whatsapp.OpenDevices(context.Background(), filepath.Join(dataDir, "whatsapp.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer devices.Close()
	d, err := devices.GetFirstDevice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	jid := waBot
	jid.Device = 7
	d.ID = &jid
	d.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64),
		AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := devices.PutDevice(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// The whatsapp commands, as far as they go without the network.
func TestWhatsAppCommands(t *testing.T) {
	path := mustWrite(t, shipped(t))
	empty, linked := t.TempDir(), t.TempDir()
	mustLinkedStore(t, linked)
	tests := []struct {
		name    string
		args    []string
		dataDir string
		code    int
		want    string
	}{
		{"no command", []string{"whatsapp"}, empty, exitConfig, "whatsapp login"},
		{"unknown command", []string{"whatsapp", "link"}, empty, exitConfig, `unknown whatsapp command "link"`},
		{"stray argument", []string{"whatsapp", "groups", "semua"}, empty, exitConfig, `unexpected argument "semua"`},
		{"phone with logout", []string{"whatsapp", "logout", "--phone", "6281234567890"}, empty, exitConfig, "--phone goes with whatsapp login"},
		{"bad phone", []string{"whatsapp", "login", "--phone", "0812-345"}, empty, exitConfig, "international form"},
		{"groups without a link", []string{"whatsapp", "groups"}, empty, exitConfig, "no number is linked; run `aduan whatsapp login` first"},
		{"logout without a link", []string{"whatsapp", "logout"}, empty, 0, "nothing to unlink"},
		{"login when linked", []string{"whatsapp", "login"}, linked, 0, "Already linked to +6281100000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ADUAN_DATA_DIR", tt.dataDir)
			var out bytes.Buffer
			args := append([]string{"-config", path}, tt.args...)
			if code := run(args, os.Stdin, &out, &out); code != tt.code || !strings.Contains(out.String(), tt.want) {
				t.Errorf("run(%v) = %d, %q; want %d and %q", tt.args, code, out.String(), tt.code, tt.want)
			}
		})
	}
	if fi, err := os.Stat(filepath.Join(empty, "whatsapp.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("whatsapp.db: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
}

// Enabled but not linked: aduan says what to run, /readyz names it, and
// the web chat serves all the same.
func TestWhatsAppNotLinked(t *testing.T) {
	t.Setenv("ADUAN_DATA_DIR", t.TempDir())
	t.Setenv("ADUAN_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("ADUAN_WHATSAPP_ENABLED", "true")
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	base, stop := mustServe(t, cfg, &syncWriter{w: &logs})
	c := newClient(t, base)
	if page := c.get("/"); !strings.Contains(page, "<html") {
		t.Errorf("the web chat does not serve")
	}
	if code, body := c.ready(); code != 503 || !strings.Contains(body, "aduan whatsapp login") {
		t.Errorf("/readyz: %d %q", code, body)
	}
	stop() // the log is complete
	if !strings.Contains(logs.String(), "run `aduan whatsapp login`") {
		t.Errorf("the log does not say what to run:\n%s", logs.String())
	}
}

// syncWriter lets a log be written from many goroutines and read by a test.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// A linked number whose connection is refused for good at start: the
// coordinators are told on Telegram, /readyz says why, and the other
// channels serve.
func TestWhatsAppCannotConnect(t *testing.T) {
	old := whatsAppLink
	whatsAppLink = func(context.Context, *appConfig, *slog.Logger) (*waLink, error) {
		return &waLink{client: whatsapptest.New(), phone: waBot.User, linked: true, register: func(func(any) bool) {},
			connect: func() error { return errors.New("websocket: bad handshake (403)") }, close: func() {}}, nil
	}
	t.Cleanup(func() { whatsAppLink = old })
	srv := telegramtest.New(t)
	setTelegramEnv(t, srv)
	t.Setenv("ADUAN_WHATSAPP_ENABLED", "true")
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := mustServe(t, cfg, io.Discard)
	if !srv.Wait(wait, func() bool {
		for _, m := range srv.Sent(-1001) {
			if strings.Contains(m.Text, "websocket: bad handshake (403)") {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("the coordinators were not told; the group got %+v", srv.Sent(-1001))
	}
	c := newClient(t, base)
	if code, body := c.ready(); code != 503 || !strings.Contains(body, "cannot connect") {
		t.Errorf("/readyz: %d %q", code, body)
	}
	if page := c.get("/"); !strings.Contains(page, "<html") {
		t.Errorf("the web chat does not serve")
	}
}
