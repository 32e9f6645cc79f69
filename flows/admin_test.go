package flows

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustComplaint(t *testing.T, status Status) *Complaint {
	t.Helper()
	return &Complaint{
		Ticket: "ADU-2026-000007", Citizen: citizen, CitizenName: "Budi", Category: "jalan", Office: "dpupr",
		Description: goodDesc, Location: Location{Text: "Jl. Pemuda"}, Status: status, Created: now, Updated: now,
	}
}

func TestAdmin(t *testing.T) {
	reply := func(text string) AdminInput {
		return AdminInput{Chat: dpuChat, UserID: "9", UserName: "Sari", MessageID: "55", Text: text, ReplyTicket: "ADU-2026-000007", ReplyRelay: true, ReplyToBot: true}
	}
	// internal is a reply to one of the bot's acknowledgements or notes.
	internal := func(text string, noticed bool) AdminInput {
		return AdminInput{Chat: dpuChat, UserID: "9", UserName: "Sari", MessageID: "57", Text: text, ReplyTicket: "ADU-2026-000007", ReplyToBot: true, ReplyNoticed: noticed}
	}
	loose := func(text string) AdminInput {
		return AdminInput{Chat: dpuChat, UserID: "9", UserName: "Sari", MessageID: "56", Text: text}
	}
	tests := []struct {
		name        string
		in          AdminInput
		status      Status // of the complaint before; "" for none found
		wantStatus  Status // after; "" when unchanged or none
		wantCitizen string // substring of the message to the citizen; "" for none
		wantAdmin   string // substring of the message to the admin chat; "" for none
		wantEntry   EntryKind
	}{
		{"reply relayed", reply("Besok kami perbaiki."), StatusNew, "", "Balasan dari DPU-PR untuk ADU-2026-000007:\nBesok kami perbaiki.", "", EntryReply},
		{"reply keeps markup literal", reply("<b>x</b> _y_ *z* [a](b)."), StatusNew, "", "<b>x</b> _y_ *z* [a](b).", "", EntryReply},
		{"proses", reply("/proses"), StatusNew, StatusInProgress, "sedang diproses oleh DPU-PR", "status menjadi diproses", EntryStatus},
		{"proses twice", reply("/proses"), StatusInProgress, "", "", "sudah berstatus diproses", ""},
		{"selesai with note", reply("/selesai sudah ditambal"), StatusInProgress, StatusResolved, "Catatan: sudah ditambal", "status menjadi selesai", EntryStatus},
		{"selesai by ticket", loose("/selesai ADU-2026-000007"), StatusNew, StatusResolved, "telah diselesaikan", "status menjadi selesai", EntryStatus},
		{"selesai lower-case ticket", loose("/selesai adu-2026-000007 beres"), StatusNew, StatusResolved, "Catatan: beres", "selesai", EntryStatus},
		{"tolak needs reason", reply("/tolak"), StatusNew, "", "", "Sertakan alasan", ""},
		{"tolak", reply("/tolak bukan jalan kabupaten"), StatusNew, StatusRejected, "Alasan: bukan jalan kabupaten", "ditolak", EntryStatus},
		{"catatan internal", reply("/catatan cek anggaran"), StatusNew, "", "", "tidak dikirim ke warga", EntryNote},
		{"catatan empty", reply("/catatan"), StatusNew, "", "", "Sertakan isi catatan", ""},
		{"teruskan", reply("/teruskan disdik"), StatusNew, "", "dialihkan ke Disdik", "DITERUSKAN dari DPU-PR", EntryForward},
		{"teruskan unknown", reply("/teruskan pajak"), StatusNew, "", "", "tidak dikenal", ""},
		{"teruskan same", reply("/teruskan dpupr"), StatusNew, "", "", "sudah ditangani", ""},
		{"teruskan empty", reply("/teruskan"), StatusNew, "", "", "Sertakan dinas tujuan", ""},
		{"info", reply("/info"), StatusNew, "", "", "Riwayat", ""},
		{"command without ticket", loose("/proses"), StatusNew, "", "", "Balas pesan aduan", ""},
		{"unknown ticket", loose("/proses ADU-2026-999999"), "", "", "", "tidak ditemukan", ""},
		{"sticker reply not relayed", reply(""), StatusNew, "", "", "tidak dapat diteruskan", ""},
		{"document reply relayed", AdminInput{Chat: dpuChat, UserID: "9", UserName: "Sari", MessageID: "60", ReplyTicket: "ADU-2026-000007", ReplyRelay: true, Files: []File{{Hash: "ff", Kind: FileDocument, Name: "surat.pdf"}}}, StatusNew, "", "Balasan dari DPU-PR", "", EntryReply},
		{"chatter ignored", loose("rapat jam 2"), StatusNew, "", "", "", ""},
		{"reply to an acknowledgement stays in the group", internal("siap, nanti saya cek", false), StatusNew, "", "", "tidak dikirim ke warga", ""},
		{"said once per message", internal("oke", true), StatusNew, "", "", "", ""},
		{"command in reply to an acknowledgement acts", internal("/proses", true), StatusNew, StatusInProgress, "sedang diproses", "status menjadi diproses", EntryStatus},
		{"unmatched reply to the bot is answered", AdminInput{Chat: dpuChat, UserID: "9", MessageID: "58", Text: "ini untuk siapa?", ReplyToBot: true}, StatusNew, "", "", "tidak terkait dengan aduan", ""},
		{"reply to another admin stays silent", AdminInput{Chat: dpuChat, UserID: "9", MessageID: "59", Text: "setuju"}, StatusNew, "", "", "", ""},
		{"other bot's command ignored", loose("/poll"), StatusNew, "", "", "", ""},
		{"admin help", loose("/bantuan"), StatusNew, "", "", "/teruskan", ""},
		{"other office's chat", AdminInput{Chat: Chat{"telegram", "-999"}, UserID: "9", Text: "/proses", ReplyTicket: "ADU-2026-000007"}, StatusNew, "", "", "bukan grup ini", ""},
		{"coordinator may act", AdminInput{Chat: coordChat, UserID: "9", Text: "/proses", ReplyTicket: "ADU-2026-000007"}, StatusNew, StatusInProgress, "diproses", "diproses", EntryStatus},
	}
	cfg := mustConfig(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cp *Complaint
			if tt.status != "" {
				cp = mustComplaint(t, tt.status)
			}
			out := Admin(cfg, tt.in, cp, now)
			var toCit, toAdm []string
			for _, m := range out.Messages {
				if m.To == citizen {
					toCit = append(toCit, m.Text)
					if m.OnFail == nil || m.OnFail.To != tt.in.Chat {
						t.Errorf("message to citizen has no failure notice for the admin chat: %+v", m)
					}
				} else {
					toAdm = append(toAdm, m.Text)
				}
			}
			checkText(t, "citizen", toCit, tt.wantCitizen)
			checkText(t, "admins", toAdm, tt.wantAdmin)
			switch {
			case tt.wantEntry == "" && len(out.Complaints) > 0:
				t.Errorf("complaint changed: %+v", out.Complaints[0])
			case tt.wantEntry != "":
				if len(out.Complaints) != 1 {
					t.Fatalf("complaint not stored")
				}
				c := out.Complaints[0]
				if last := c.Thread[len(c.Thread)-1]; last.Kind != tt.wantEntry || last.Author != tt.in.UserName {
					t.Errorf("last entry = %+v, want kind %q by %q", last, tt.wantEntry, tt.in.UserName)
				}
				want := tt.wantStatus
				if want == "" {
					want = tt.status
				}
				if c.Status != want {
					t.Errorf("status = %q, want %q", c.Status, want)
				}
			}
			if cp != nil && len(cp.Thread) != 0 {
				t.Errorf("Admin changed its argument")
			}
		})
	}
}

func checkText(t *testing.T, who string, got []string, want string) {
	t.Helper()
	all := strings.Join(got, "\n---\n")
	if want == "" {
		if len(got) > 0 {
			t.Errorf("%s got %q, want nothing", who, all)
		}
		return
	}
	if !strings.Contains(all, want) {
		t.Errorf("%s got %q, want it to contain %q", who, all, want)
	}
}

func TestAdminAllowList(t *testing.T) {
	cfg := mustConfig(t)
	cfg.AdminUsers = map[string]bool{"telegram:1": true}
	cp := mustComplaint(t, StatusNew)
	out := Admin(cfg, AdminInput{Chat: dpuChat, UserID: "2", Text: "/selesai", ReplyTicket: cp.Ticket}, cp, now)
	if len(out.Complaints) != 0 {
		t.Errorf("user off the allow-list changed the complaint")
	}
	checkText(t, "admins", []string{out.Messages[0].Text}, "tidak terdaftar")
	out = Admin(cfg, AdminInput{Chat: dpuChat, UserID: "1", Text: "/selesai", ReplyTicket: cp.Ticket}, cp, now)
	if len(out.Complaints) != 1 || out.Complaints[0].Status != StatusResolved {
		t.Errorf("allowed user could not act: %+v", out)
	}
}

func TestCitizenMessageToThread(t *testing.T) {
	cfg := mustConfig(t)
	_, stored := run(t, cfg, cmd("aduan", ""), choose("cat:jalan"), txt(goodDesc), point(1, 2), photo("aa"), txt("lanjut"), choose(choiceSend))
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: []string{"ADU-2026-000001"}, Updated: now}
	out := Step(cfg, conv, txt("Sudah seminggu belum ada perbaikan"), Env{Now: now, Complaints: []Complaint{stored["ADU-2026-000001"]}})
	var post *Message
	for i := range out.Messages {
		if to, _ := cfg.Resolve(out.Messages[i].To); to == dpuChat {
			post = &out.Messages[i]
		}
	}
	if post == nil || !post.Thread || !post.Relay || post.Ticket != "ADU-2026-000001" || !strings.Contains(post.Text, "Sudah seminggu") {
		t.Fatalf("thread post = %+v", post)
	}
	// A closed complaint takes no more messages; the citizen sees the menu.
	closed := stored["ADU-2026-000001"]
	closed.Status = StatusResolved
	out = Step(cfg, conv, txt("halo lagi"), Env{Now: now, Complaints: []Complaint{closed}})
	if len(out.Complaints) != 0 {
		t.Errorf("message added to a closed complaint")
	}
}

// A short reply such as "2" is a menu choice only right after the menu;
// otherwise a citizen with an open complaint adds it to the thread.
func TestShortReplyAfterThreadJoinsThread(t *testing.T) {
	cfg := mustConfig(t)
	_, stored := run(t, cfg, cmd("aduan", ""), choose("cat:jalan"), txt(goodDesc), point(1, 2), photo("aa"), txt("lanjut"), choose(choiceSend))
	env := Env{Now: now, Complaints: []Complaint{stored["ADU-2026-000001"]}}
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: []string{"ADU-2026-000001"}, Updated: now}
	out := Step(cfg, conv, cmd("start", ""), env) // the menu is offered
	out = Step(cfg, out.Conversation, txt("Lubangnya makin lebar"), env)
	env.Complaints = out.Complaints
	out = Step(cfg, out.Conversation, txt("2"), env)
	if len(out.Complaints) != 1 || out.Complaints[0].Thread[len(out.Complaints[0].Thread)-1].Text != "2" {
		t.Errorf("\"2\" after a follow-up was not added to the thread: %+v", out.Messages)
	}
	// Right after the menu, it is the menu's second choice.
	out = Step(cfg, out.Conversation, cmd("menu", ""), env)
	out = Step(cfg, out.Conversation, txt("2"), env)
	if len(out.Complaints) != 0 || !strings.Contains(out.Messages[0].Text, "Aduan Anda:") {
		t.Errorf("\"2\" right after the menu was not the status choice: %+v", out.Messages)
	}
}

// Follow-ups that come while an earlier one was posted a moment ago wait,
// and go out together in one post when the interval has passed.
func TestFollowUpsMergedAndPaced(t *testing.T) {
	cfg := mustConfig(t)
	cfg.FollowUpInterval = 5 * time.Minute
	_, stored := run(t, cfg, cmd("aduan", ""), choose("cat:jalan"), txt(goodDesc), point(1, 2), photo("aa"), txt("lanjut"), choose(choiceSend))
	cp := stored["ADU-2026-000001"]
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: []string{cp.Ticket}, Updated: now}
	posts := func(out Outcome) []Message {
		var ps []Message
		for _, m := range out.Messages {
			if m.To != citizen {
				ps = append(ps, m)
			}
		}
		return ps
	}
	step := func(at time.Time, in Input) Outcome {
		t.Helper()
		out := Step(cfg, conv, in, Env{Now: at, Complaints: []Complaint{cp}})
		conv = out.Conversation
		if len(out.Complaints) == 1 {
			cp = out.Complaints[0]
		}
		return out
	}
	if out := step(now, txt("Sudah seminggu")); len(posts(out)) != 1 || len(out.Due) != 0 {
		t.Fatalf("first follow-up: %d posts, due %v; want it posted at once", len(posts(out)), out.Due)
	}
	out := step(now.Add(time.Minute), txt("Tadi ada motor jatuh"))
	if len(posts(out)) != 0 || len(out.Due) != 1 || !out.Due[0].At.Equal(now.Add(5*time.Minute)) {
		t.Fatalf("second follow-up: %d posts, due %v; want it held until the interval ends", len(posts(out)), out.Due)
	}
	step(now.Add(2*time.Minute), photo("cc"))
	if got := FlushFollowUps(cfg, &cp, now.Add(3*time.Minute)); len(got.Messages) != 0 || len(got.Due) != 1 {
		t.Errorf("flushed before the interval: %+v", got)
	}
	got := FlushFollowUps(cfg, &cp, now.Add(5*time.Minute))
	ps := posts(got)
	if len(ps) != 1 || !strings.Contains(ps[0].Text, "Tadi ada motor jatuh") || strings.Contains(ps[0].Text, "Sudah seminggu") || len(ps[0].Photos) != 1 || !ps[0].Relay || !ps[0].Thread {
		t.Fatalf("merged post = %+v", ps)
	}
	if c := got.Complaints[0]; c.Pending != 0 || !c.FollowUpAt.Equal(now.Add(5*time.Minute)) {
		t.Errorf("after the flush: pending %d, posted at %s", c.Pending, c.FollowUpAt)
	}
	if again := FlushFollowUps(cfg, &got.Complaints[0], now.Add(time.Hour)); len(again.Messages) != 0 {
		t.Errorf("flushed twice: %+v", again.Messages)
	}
}

// A thread past its limit takes no more from the citizen, who is asked to
// wait; nothing stored is lost.
func TestThreadLimit(t *testing.T) {
	cfg := mustConfig(t)
	cfg.ThreadLimit = 10
	cp := *mustComplaint(t, StatusNew)
	for i := range 10 {
		cp.Thread = append(cp.Thread, Entry{At: now, Kind: EntryCitizen, Text: strconv.Itoa(i)})
	}
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: []string{cp.Ticket}, Updated: now}
	out := Step(cfg, conv, txt("halo lagi"), Env{Now: now, Complaints: []Complaint{cp}})
	if len(out.Complaints) != 0 || len(out.Messages) != 1 || !strings.Contains(out.Messages[0].Text, "Mohon tunggu") {
		t.Errorf("full thread: %+v", out)
	}
}

// /info on a long thread shows the newest entries within two messages and
// says how many it left out.
func TestInfoOnLongThread(t *testing.T) {
	cfg := mustConfig(t)
	cp := mustComplaint(t, StatusInProgress)
	for i := range 400 {
		cp.Thread = append(cp.Thread, Entry{At: now, Kind: EntryCitizen, Author: "Budi", Text: fmt.Sprintf("pesan nomor %d %s", i, strings.Repeat("x", 40))})
	}
	out := Admin(cfg, AdminInput{Chat: dpuChat, UserID: "9", Text: "/info " + cp.Ticket}, cp, now)
	text := out.Messages[0].Text
	if n := runeLen(text); n > 2*4096 {
		t.Errorf("/info is %d characters, more than two messages", n)
	}
	if !strings.Contains(text, "pesan nomor 399") || strings.Contains(text, "pesan nomor 0 ") || !regexp.MustCompile(`… \d+ entri lebih lama`).MatchString(text) {
		t.Errorf("/info does not keep the newest and count the rest:\n%s", text[:300])
	}
}
