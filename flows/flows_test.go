package flows

import (
	"strings"
	"testing"
	"time"
)

var (
	citizen   = Chat{Channel: "telegram", ID: "1001"}
	coordChat = Chat{Channel: "telegram", ID: "-100"}
	dpuChat   = Chat{Channel: "telegram", ID: "-200"}
	now       = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
)

func mustConfig(t testing.TB) *Config {
	t.Helper()
	cfg := testConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config invalid: %v", err)
	}
	return cfg
}

func testConfig() *Config {
	return &Config{
		TicketPrefix:     "ADU",
		Coordinator:      "diskominfo",
		CoordinatorChats: []Chat{coordChat},
		Offices: []Office{
			{ID: "dpupr", Name: "DPU-PR", Chats: []Chat{dpuChat}},
			{ID: "disdik", Name: "Disdik"},
			{ID: "diskominfo", Name: "Diskominfo"},
		},
		Categories: []Category{
			{ID: "jalan", Label: "🛣️ Jalan", Office: "dpupr", PhotoRequired: true, LocationRequired: true},
			{ID: "sekolah", Label: "🏫 Sekolah", Office: "disdik"},
		},
		DescriptionMin: 10,
		DescriptionMax: 100,
		MaxPhotos:      3,
		ThreadLimit:    100,
		Texts:          DefaultTexts(),
	}
}

func txt(s string) Input      { return Input{Kind: InputText, Text: s, Name: "Budi"} }
func choose(id string) Input  { return Input{Kind: InputChoice, Choice: id, Name: "Budi"} }
func photo(h string) Input    { return Input{Kind: InputPhoto, Photos: []string{h}} }
func other(kind string) Input { return Input{Kind: InputOther, Other: kind} }
func point(lat, lon float64) Input {
	return Input{Kind: InputLocation, Location: Location{Lat: lat, Lon: lon, HasPoint: true}}
}
func cmd(name, args string) Input { return Input{Kind: InputCommand, Command: name, Text: args} }

const goodDesc = "Jalan berlubang besar di depan pasar"

// run feeds inputs from a fresh conversation and returns the last outcome
// with every complaint stored along the way.
func run(t *testing.T, cfg *Config, inputs ...Input) (Outcome, map[string]Complaint) {
	t.Helper()
	conv := Conversation{Chat: citizen, State: StateIdle}
	stored := map[string]Complaint{}
	seq := 1
	var out Outcome
	for _, in := range inputs {
		env := Env{Now: now, NextTicket: TicketNumber("ADU", 2026, uint64(seq))}
		for _, tk := range conv.Tickets {
			env.Complaints = append(env.Complaints, stored[tk])
		}
		out = Step(cfg, conv, in, env)
		if out.TookTicket {
			seq++
		}
		for _, c := range out.Complaints {
			stored[c.Ticket] = c
		}
		conv = out.Conversation
	}
	return out, stored
}

// relayedText is the text of an outcome's last post that carries the
// complaint (the one admins answer by replying to).
func relayedText(out Outcome) string {
	var post string
	for _, m := range out.Messages {
		if m.Relay {
			post = m.Text
		}
	}
	return post
}

// toCitizen joins the texts sent to the citizen.
func toCitizen(out Outcome) string {
	var b []string
	for _, m := range out.Messages {
		if m.To == citizen {
			b = append(b, m.Text)
		}
	}
	return strings.Join(b, "\n---\n")
}

func TestStep(t *testing.T) {
	toDesc := []Input{cmd("aduan", ""), choose("cat:jalan")}
	toLoc := append(append([]Input{}, toDesc...), txt(goodDesc))
	toPhoto := append(append([]Input{}, toLoc...), point(-7.7, 110.6))
	toConfirm := append(append([]Input{}, toPhoto...), photo("aa"), txt("lanjut"))
	optPhoto := []Input{cmd("aduan", ""), choose("cat:sekolah"), txt(goodDesc), txt("lewati")}
	tests := []struct {
		name      string
		before    []Input
		in        Input
		wantState State
		wantText  string // a substring of what the citizen reads
		wantSaved int    // complaints stored by this input
	}{
		// Starting.
		{"start greets with menu", nil, cmd("start", ""), StateIdle, "Selamat datang", 0},
		{"first text greets", nil, txt("halo"), StateIdle, "Selamat datang", 0},
		{"menu button starts", nil, choose(choiceComplaint), StateCategory, "Pilih kategori", 0},
		{"menu number starts", []Input{cmd("start", "")}, txt("1"), StateCategory, "Pilih kategori", 0},
		{"aduan command starts", nil, cmd("aduan", ""), StateCategory, "Pilih kategori", 0},
		{"help", nil, cmd("bantuan", ""), StateIdle, "/status", 0},
		{"status none", nil, cmd("status", ""), StateIdle, "belum memiliki aduan", 0},
		{"unknown command", nil, cmd("selesai", ""), StateIdle, "tidak dikenal", 0},

		// Category.
		{"category by button", []Input{cmd("aduan", "")}, choose("cat:jalan"), StateDescription, "uraian", 0},
		{"category by number", []Input{cmd("aduan", "")}, txt("2"), StateDescription, "uraian", 0},
		{"category by label", []Input{cmd("aduan", "")}, txt("sekolah"), StateDescription, "uraian", 0},
		{"category unknown text", []Input{cmd("aduan", "")}, txt("pajak"), StateCategory, "pilih salah satu", 0},
		{"category out of range", []Input{cmd("aduan", "")}, txt("9"), StateCategory, "pilih salah satu", 0},
		{"category stale button", []Input{cmd("aduan", "")}, choose(choiceSend), StateCategory, "tidak berlaku", 0},
		{"category sticker", []Input{cmd("aduan", "")}, other(OtherSticker), StateCategory, "pilih salah satu", 0},

		// Description.
		{"description ok", toDesc, txt(goodDesc), StateLocation, "lokasi", 0},
		{"description short", toDesc, txt("rusak"), StateDescription, "terlalu singkat (5", 0},
		{"description long", toDesc, txt(strings.Repeat("a", 101)), StateDescription, "terlalu panjang (101", 0},
		{"description photo", toDesc, photo("aa"), StateDescription, "teks", 0},
		{"description voice", toDesc, other(OtherVoice), StateDescription, "teks", 0},
		{"description edited", toDesc, other(OtherEdited), StateDescription, "diubah", 0},
		{"description markup kept literally", toDesc, txt("<b>Jalan</b> _rusak_ *parah* [x]."), StateLocation, "", 0},

		// Location.
		{"location pin", toLoc, point(-7.7, 110.6), StatePhoto, "foto", 0},
		{"location typed", toLoc, txt("Jl. Pemuda depan SD 2"), StatePhoto, "foto", 0},
		{"location too short", toLoc, txt("sini"), StateLocation, "terlalu singkat", 0},
		{"location required not skippable", toLoc, txt("lewati"), StateLocation, "kirim lokasi", 0},
		{"location sticker", toLoc, other(OtherSticker), StateLocation, "lokasi", 0},
		{"location optional skipped", []Input{cmd("aduan", ""), choose("cat:sekolah"), txt(goodDesc)}, txt("lewati"), StatePhoto, "lewati", 0},

		// Photo.
		{"photo received", toPhoto, photo("aa"), StatePhoto, "Foto diterima (1)", 0},
		{"photo required not skippable", toPhoto, txt("lewati"), StatePhoto, "memerlukan foto", 0},
		{"photo text", toPhoto, txt("nanti"), StatePhoto, "kirim foto", 0},
		{"photo too large", toPhoto, other(OtherTooLarge), StatePhoto, "terlalu besar", 0},
		{"photo then lanjut", append(append([]Input{}, toPhoto...), photo("aa")), txt("lanjut"), StateConfirm, "Periksa aduan", 0},
		{"photo limit", append(append([]Input{}, toPhoto...), photo("a1"), photo("a2"), photo("a3")), photo("a4"), StatePhoto, "Paling banyak 3", 0},
		{"photo optional skipped", []Input{cmd("aduan", ""), choose("cat:sekolah"), txt(goodDesc), txt("lewati")}, txt("lewati"), StateConfirm, "Periksa aduan", 0},

		// Confirm.
		{"confirm send", toConfirm, choose(choiceSend), StateIdle, "ADU-2026-000001", 1},
		{"confirm send by word", toConfirm, txt("kirim"), StateIdle, "ADU-2026-000001", 1},
		{"confirm edit", toConfirm, choose(choiceEdit), StateEdit, "Bagian mana", 0},
		{"confirm cancel", toConfirm, choose(choiceCancel), StateIdle, "dibatalkan", 0},
		{"confirm cancel by number", toConfirm, txt("3"), StateIdle, "dibatalkan", 0},
		{"confirm garbage", toConfirm, txt("hmm"), StateConfirm, "pilih salah satu", 0},
		{"edit description returns to summary", append(append([]Input{}, toConfirm...), choose(choiceEdit), choose(choiceEditDesc)), txt("Jalan amblas di dekat jembatan"), StateConfirm, "amblas", 0},
		{"edit category to one needing more", append(append([]Input{}, optPhoto...), txt("lewati"), choose(choiceEdit), choose(choiceEditCat)), choose("cat:jalan"), StateLocation, "lokasi", 0},

		// Anywhere.
		{"batal mid draft", toLoc, txt("batal"), StateIdle, "dibatalkan", 0},
		{"/batal mid draft", toPhoto, cmd("batal", ""), StateIdle, "dibatalkan", 0},
		{"batal with nothing", nil, cmd("batal", ""), StateIdle, "Tidak ada aduan", 0},
		{"start mid draft keeps it", toLoc, cmd("start", ""), StateLocation, "sedang mengisi", 0},
		{"help mid draft re-asks", toDesc, cmd("bantuan", ""), StateDescription, "uraian", 0},

		// After submitting.
		{"status lists", append(append([]Input{}, toConfirm...), choose(choiceSend)), cmd("status", ""), StateIdle, "ADU-2026-000001 – 🛣️ Jalan – baru", 0},
		{"text joins open complaint", append(append([]Input{}, toConfirm...), choose(choiceSend)), txt("Tolong segera ya"), StateIdle, "ditambahkan ke aduan ADU-2026-000001", 1},
		{"admin command from citizen does nothing", append(append([]Input{}, toConfirm...), choose(choiceSend)), cmd("selesai", "ADU-2026-000001"), StateIdle, "tidak dikenal", 0},
	}
	cfg := mustConfig(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := run(t, cfg, append(append([]Input{}, tt.before...), tt.in)...)
			if got := out.Conversation.State; got != tt.wantState {
				t.Errorf("state = %q, want %q (replies: %q)", got, tt.wantState, toCitizen(out))
			}
			if got := toCitizen(out); !strings.Contains(strings.ToLower(got), strings.ToLower(tt.wantText)) {
				t.Errorf("citizen reads %q, want it to contain %q", got, tt.wantText)
			}
			if got := len(out.Complaints); got != tt.wantSaved {
				t.Errorf("stored %d complaints, want %d", got, tt.wantSaved)
			}
			if len(out.Messages) == 0 {
				t.Errorf("no reply at all")
			}
		})
	}
}

func TestSubmitPostsToOffice(t *testing.T) {
	cfg := mustConfig(t)
	desc := "<b>Jalan</b> _rusak_ *parah* [x]. Mohon diperbaiki"
	out, stored := run(t, cfg, cmd("aduan", ""), choose("cat:jalan"), txt(desc), point(-7.7, 110.6), photo("aa"), photo("bb"), txt("lanjut"), choose(choiceSend))
	c, ok := stored["ADU-2026-000001"]
	if !ok {
		t.Fatalf("complaint not stored: %v", stored)
	}
	if c.Office != "dpupr" || c.Category != "jalan" || c.Description != desc || len(c.Photos) != 2 || !c.Location.HasPoint || c.Status != StatusNew || c.CitizenName != "Budi" {
		t.Errorf("complaint = %+v", c)
	}
	if !out.TookTicket {
		t.Errorf("TookTicket not set")
	}
	var post *Message
	for i, m := range out.Messages {
		to, _ := cfg.Resolve(m.To)
		if to == dpuChat {
			post = &out.Messages[i]
		}
		if to == coordChat {
			t.Errorf("posted to coordinator although the office has its own chat")
		}
	}
	if post == nil {
		t.Fatalf("no post to the office chat: %+v", out.Messages)
	}
	for _, want := range []string{"ADU-2026-000001", "Jalan", "DPU-PR", "Budi", desc, "maps.google.com/?q=-7.700000,110.600000"} {
		if !strings.Contains(post.Text, want) {
			t.Errorf("post %q lacks %q", post.Text, want)
		}
	}
	if post.To != OfficeChat("telegram", "dpupr") {
		t.Errorf("post addressed to %s, want the office (resolved when sent)", post.To)
	}
	if post.Ticket != "ADU-2026-000001" || len(post.Photos) != 2 || !post.Relay {
		t.Errorf("post ticket %q photos %d", post.Ticket, len(post.Photos))
	}
}

func TestAlbumAcknowledgedOnce(t *testing.T) {
	cfg := mustConfig(t)
	in := func(h string) Input { return Input{Kind: InputPhoto, Photos: []string{h}, Group: "album1"} }
	out, _ := run(t, cfg, cmd("aduan", ""), choose("cat:jalan"), txt(goodDesc), point(1, 2), in("a"), in("b"))
	if len(out.Messages) != 0 {
		t.Errorf("second photo of an album got %d replies, want 0", len(out.Messages))
	}
	if got := len(out.Conversation.Draft.Photos); got != 2 {
		t.Errorf("draft has %d photos, want 2", got)
	}
}

func TestCoordinatorGetsOfficesWithoutChat(t *testing.T) {
	cfg := mustConfig(t)
	out, _ := run(t, cfg, cmd("aduan", ""), choose("cat:sekolah"), txt(goodDesc), txt("lewati"), txt("lewati"), choose(choiceSend))
	found := false
	for _, m := range out.Messages {
		if to, _ := cfg.Resolve(m.To); to == coordChat && strings.Contains(m.Text, "Disdik") {
			found = true
		}
	}
	if !found {
		t.Errorf("complaint of an office without chat not posted to coordinator: %+v", out.Messages)
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in         string
		name, args string
		ok         bool
	}{
		{"/start", "start", "", true},
		{"/Selesai@aduan_bot sudah diperbaiki", "selesai", "sudah diperbaiki", true},
		{"/tolak\nbukan wewenang", "tolak", "bukan wewenang", true},
		{"  /info ADU-2026-000001 ", "info", "ADU-2026-000001", true},
		{"halo /start", "", "", false},
		{"/", "", "", false},
		{"/ spasi", "", "", false},
		{"/😀", "", "", false},
		{"//x", "", "", false},
	}
	for _, tt := range tests {
		name, args, ok := ParseCommand(tt.in)
		if name != tt.name || args != tt.args || ok != tt.ok {
			t.Errorf("ParseCommand(%q) = %q, %q, %v; want %q, %q, %v", tt.in, name, args, ok, tt.name, tt.args, tt.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantKey string
	}{
		{"ok", func(*Config) {}, ""},
		{"bad prefix", func(c *Config) { c.TicketPrefix = "adu" }, "ticket_prefix"},
		{"unknown coordinator", func(c *Config) { c.Coordinator = "x" }, "coordinator"},
		{"category office unknown", func(c *Config) { c.Categories[0].Office = "x" }, "categories[0].office"},
		{"duplicate office", func(c *Config) { c.Offices[1].ID = "dpupr" }, "offices[1].id"},
		{"bad category id", func(c *Config) { c.Categories[1].ID = "Sekolah Dasar" }, "categories[1].id"},
		{"empty label", func(c *Config) { c.Categories[1].Label = " " }, "categories[1].label"},
		{"description bounds", func(c *Config) { c.DescriptionMax = 5 }, "description"},
		{"photos", func(c *Config) { c.MaxPhotos = 11 }, "max_photos"},
		{"empty text", func(c *Config) { c.Texts.Greeting = "" }, "texts.greeting"},
		{"no categories", func(c *Config) { c.Categories = nil }, "categories"},
	}
	for _, tt := range tests {
		cfg := testConfig()
		tt.mutate(cfg)
		err := cfg.Validate()
		switch {
		case tt.wantKey == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.wantKey != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantKey)):
			t.Errorf("%s: error %v, want one naming %q", tt.name, err, tt.wantKey)
		}
	}
}

func TestTextsSet(t *testing.T) {
	tx := DefaultTexts()
	if err := tx.Set("ask_category", "Pilih:"); err != nil || tx.AskCategory != "Pilih:" {
		t.Errorf("Set ask_category: %v, %q", err, tx.AskCategory)
	}
	if err := tx.Set("nope", "x"); err == nil || !strings.Contains(err.Error(), "texts.nope") {
		t.Errorf("Set of unknown key: %v", err)
	}
	if n := len(TextKeys()); n < 60 {
		t.Errorf("TextKeys lists %d keys", n)
	}
}

// Each step answers the citizen with one message, so the per-chat send
// limit never makes a citizen wait for the next question.
func TestOneMessagePerStep(t *testing.T) {
	cfg := mustConfig(t)
	steps := []Input{cmd("start", ""), choose(choiceComplaint), choose("cat:jalan"), txt("pendek"), txt(goodDesc),
		point(1, 2), photo("aa"), photo("bb"), txt("lanjut"), choose(choiceEdit), choose(choiceEditLoc), txt("Jl. Pemuda 12"),
		choose(choiceSend), txt("status"), txt("bantuan"), cmd("aduan", ""), txt("batal"), cmd("batal", ""), other(OtherSticker)}
	conv := Conversation{Chat: citizen, State: StateIdle}
	var stored []Complaint
	for i, in := range steps {
		out := Step(cfg, conv, in, Env{Now: now, NextTicket: TicketNumber("ADU", 2026, 1), Complaints: stored})
		n := 0
		for _, m := range out.Messages {
			if m.To == citizen {
				n++
			}
		}
		if n != 1 {
			t.Errorf("step %d (%+v in %s) answered with %d messages, want 1", i, in, conv.State, n)
		}
		stored = append(stored, out.Complaints...)
		conv = out.Conversation
	}
}

// Every text named in the placeholder rules exists, and the defaults
// keep the rules.
func TestRequiredPlaceholders(t *testing.T) {
	texts := DefaultTexts()
	fields := texts.fields()
	for k := range required {
		if _, ok := fields[k]; !ok {
			t.Errorf("required names unknown text %q", k)
		}
	}
	if err := texts.validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if err := texts.Set("submitted", "Terima kasih, aduan Anda tercatat."); err != nil {
		t.Fatal(err)
	}
	if err := texts.validate(); err == nil || !strings.Contains(err.Error(), "texts.submitted: must contain {tiket}") {
		t.Errorf("submitted without {tiket}: %v", err)
	}
}

// An office's address resolves by the config of the moment: its own chat,
// else the coordinators', so changing either moves what is queued.
func TestResolveFollowsConfig(t *testing.T) {
	cfg := mustConfig(t)
	disdik, dpu := OfficeChat("telegram", "disdik"), OfficeChat("telegram", "dpupr")
	if got, ok := cfg.Resolve(disdik); !ok || got != coordChat {
		t.Errorf("office without a chat resolves to %v, %v; want the coordinators' chat", got, ok)
	}
	newCoord := Chat{Channel: "telegram", ID: "-300"}
	cfg.CoordinatorChats = []Chat{newCoord}
	if got, _ := cfg.Resolve(disdik); got != newCoord {
		t.Errorf("after admin_chat_id changed: %v, want %v", got, newCoord)
	}
	if got, _ := cfg.Resolve(dpu); got != dpuChat {
		t.Errorf("office with its own chat resolves to %v", got)
	}
	if _, ok := cfg.Resolve(OfficeChat("whatsapp", "dpupr")); ok {
		t.Errorf("resolved to a channel with no admin chat")
	}
	if got, ok := cfg.Resolve(citizen); !ok || got != citizen {
		t.Errorf("a plain chat resolves to %v", got)
	}
}
