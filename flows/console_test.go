package flows

import (
	"strings"
	"testing"
)

func TestPhrasedByCapabilities(t *testing.T) {
	cfg := testConfig()
	cfg.Channels = map[string]Caps{
		"web":      {Buttons: true, LocationButton: true},
		"whatsapp": {},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		channel       string
		input         Input
		want, notWant string
	}{
		{"telegram", cmd("bantuan", ""), "/batal – batalkan", "{/batal}"},
		{"web", cmd("bantuan", ""), "\nbatal – batalkan", "/batal"},
		{"whatsapp", cmd("bantuan", ""), "\nstatus – lihat", "/status"},
		{"telegram", txt("apa ini"), "pilih salah satu tombol", "{cara_pilih}"},
		{"whatsapp", txt("apa ini"), "balas dengan angka pilihan Anda", "tombol"},
		{"web", txt("apa ini"), "pilih salah satu tombol", "angka pilihan"},
	}
	for _, tt := range tests {
		conv := Conversation{Chat: Chat{Channel: tt.channel, ID: "1"}, Updated: now, State: StateCategory}
		out := Step(cfg, conv, tt.input, Env{Now: now})
		got := textsTo(out, conv.Chat)
		if !strings.Contains(got, tt.want) || strings.Contains(got, tt.notWant) {
			t.Errorf("%s %v: got %q, want %q and not %q", tt.channel, tt.input, got, tt.want, tt.notWant)
		}
	}
	// The location question follows the location button.
	loc := func(channel string) string {
		conv := Conversation{Chat: Chat{Channel: channel, ID: "1"}, Updated: now, State: StateDescription, Draft: Draft{Category: "jalan"}}
		return textsTo(Step(cfg, conv, txt(goodDesc), Env{Now: now}), conv.Chat)
	}
	if got := loc("whatsapp"); !strings.Contains(got, "Bagikan lokasi") || strings.Contains(got, "Tekan tombol") {
		t.Errorf("whatsapp location question = %q", got)
	}
	if got := loc("web"); !strings.Contains(got, "Tekan tombol") {
		t.Errorf("web location question = %q", got)
	}
	// An operator's text is phrased the same way.
	if err := cfg.Texts.Set("choose_numbers", "ketik nomornya"); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	conv := Conversation{Chat: Chat{Channel: "whatsapp", ID: "1"}, Updated: now, State: StateCategory}
	if got := textsTo(Step(cfg, conv, txt("apa ini"), Env{Now: now}), conv.Chat); !strings.Contains(got, "Mohon ketik nomornya.") {
		t.Errorf("overridden phrase not used: %q", got)
	}
}

func TestAdminUsersPerChannel(t *testing.T) {
	cfg := mustConfig(t)
	cfg.AdminUsers = map[string]bool{"telegram:1": true}
	tests := []struct {
		channel, user string
		want          bool
	}{
		{"telegram", "1", true},
		{"telegram", "2", false},
		{"whatsapp", "2", true}, // no list for WhatsApp: its admin chats decide
	}
	for _, tt := range tests {
		if got := cfg.AdminAllowed(tt.channel, tt.user); got != tt.want {
			t.Errorf("AdminAllowed(%s, %s) = %v, want %v", tt.channel, tt.user, got, tt.want)
		}
	}
}

func TestConsole(t *testing.T) {
	cfg := mustConfig(t)
	tests := []struct {
		name        string
		in          ConsoleInput
		status      Status
		wantStatus  Status // "" when unchanged
		wantResult  string
		wantCitizen string // "" for none
		wantGroup   string // notice to the office's chat; "" for none
		wantEntry   EntryKind
	}{
		{"reply", ConsoleInput{User: "sari", Action: ConsoleReply, Text: "Besok diperbaiki."}, StatusNew, "",
			"dikirim ke warga", "Balasan dari DPU-PR untuk ADU-2026-000007:\nBesok diperbaiki.", "sari lewat konsol:\n💬 Balasan untuk ADU-2026-000007 dikirim ke warga:\nBesok diperbaiki.", EntryReply},
		{"reply that looks like a command", ConsoleInput{User: "sari", Action: ConsoleReply, Text: "/selesai? belum"}, StatusNew, "",
			"dikirim ke warga", "/selesai? belum", "lewat konsol", EntryReply},
		{"proses", ConsoleInput{User: "sari", Name: "Sari (DPU)", Action: ConsoleProcess}, StatusNew, StatusInProgress,
			"status menjadi diproses", "sedang diproses", "Sari (DPU) lewat konsol:\n✅ ADU-2026-000007: status menjadi diproses.", EntryStatus},
		{"proses twice", ConsoleInput{User: "sari", Action: ConsoleProcess}, StatusInProgress, "", "sudah berstatus", "", "", ""},
		{"tolak needs reason", ConsoleInput{User: "sari", Action: ConsoleReject}, StatusNew, "", "Sertakan alasan", "", "", ""},
		{"tolak", ConsoleInput{User: "sari", Action: ConsoleReject, Text: "bukan wewenang"}, StatusNew, StatusRejected, "ditolak", "Alasan: bukan wewenang", "ditolak", EntryStatus},
		{"selesai note naming another ticket", ConsoleInput{User: "sari", Action: ConsoleResolve, Text: "lihat ADU-2026-000001"}, StatusNew, StatusResolved,
			"selesai", "ADU-2026-000007 telah diselesaikan", "selesai", EntryStatus},
		{"catatan", ConsoleInput{User: "sari", Action: ConsoleNote, Text: "cek anggaran"}, StatusNew, "", "Catatan disimpan", "", "Catatan disimpan", EntryNote},
		{"teruskan", ConsoleInput{User: "sari", Action: ConsoleForward, Text: "disdik"}, StatusNew, "", "diteruskan ke Disdik", "dialihkan ke Disdik", "diteruskan ke Disdik", EntryForward},
		{"other office's user", ConsoleInput{User: "budi", Offices: []string{"disdik"}, Action: ConsoleProcess}, StatusNew, "", "ditangani DPU-PR", "", "", ""},
		{"unknown action", ConsoleInput{User: "sari", Action: "hapus"}, StatusNew, "", "/proses", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := mustComplaint(t, tt.status)
			out, res := Console(cfg, tt.in, cp, now)
			if !strings.Contains(res.Text, tt.wantResult) {
				t.Errorf("result = %q, want %q", res.Text, tt.wantResult)
			}
			var citizenText, groupText []string
			for _, m := range out.Messages {
				switch {
				case m.To == cp.Citizen:
					citizenText = append(citizenText, m.Text)
					if m.OnFail == nil || m.OnFail.To != dpuOffice() {
						t.Errorf("a failed delivery is not told to the office's chat: %+v", m.OnFail)
					}
				case m.To == dpuOffice():
					groupText = append(groupText, m.Text)
				case m.To.Channel == ConsoleChannel:
					t.Errorf("message addressed to the console: %+v", m)
				}
			}
			checkJoined(t, "citizen", citizenText, tt.wantCitizen)
			checkJoined(t, "group", groupText, tt.wantGroup)
			if res.Changed != (tt.wantEntry != "") {
				t.Errorf("changed = %v, want %v", res.Changed, tt.wantEntry != "")
			}
			if tt.wantEntry == "" {
				return
			}
			c := out.Complaints[0]
			if e := c.Thread[len(c.Thread)-1]; e.Kind != tt.wantEntry {
				t.Errorf("last entry %q, want %q", e.Kind, tt.wantEntry)
			}
			if tt.wantStatus != "" && c.Status != tt.wantStatus {
				t.Errorf("status %q, want %q", c.Status, tt.wantStatus)
			}
		})
	}
}

func textsTo(out Outcome, chat Chat) string {
	var b []string
	for _, m := range out.Messages {
		if m.To == chat {
			b = append(b, m.Text)
		}
	}
	return strings.Join(b, "\n---\n")
}

func dpuOffice() Chat { return OfficeChat(dpuChat.Channel, "dpupr") }

func checkJoined(t *testing.T, who string, got []string, want string) {
	t.Helper()
	all := strings.Join(got, "\n---\n")
	if want == "" && all != "" || !strings.Contains(all, want) {
		t.Errorf("to %s: %q, want %q", who, all, want)
	}
}

// A validated config phrases its texts once: a message on a channel it
// does not name does not phrase them again (that cost a third of the
// desk's throughput once).
func TestTextsPhrasedOnce(t *testing.T) {
	cfg := mustConfig(t) // Channels not set: every channel has DefaultCaps
	for _, channel := range []string{"telegram", "other"} {
		if n := testing.AllocsPerRun(10, func() { cfg.texts(channel) }); n != 0 {
			t.Errorf("texts(%q) allocates %v times per call", channel, n)
		}
	}
	cfg.Channels = map[string]Caps{"web": {Buttons: true}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(10, func() { cfg.texts("web") }); n != 0 {
		t.Errorf("texts(web) allocates %v times per call", n)
	}
	if got := cfg.texts("telegram").Help; !strings.Contains(got, "/batal") {
		t.Errorf("a channel the config does not name lost the default phrasing: %q", got)
	}
}
