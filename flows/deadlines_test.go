package flows

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var jakarta = time.FixedZone("WIB", 7*3600)

func deadlineConfig(t *testing.T) *Config {
	t.Helper()
	cfg := testConfig()
	cfg.Deadlines = Deadlines{FirstResponse: 24 * time.Hour, RemindBefore: 2 * time.Hour, ResolutionDays: 5,
		WorkingDays: [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true},
		Holidays:    map[string]bool{"2026-12-25": true}, Location: jakarta}
	cfg.Categories[1].FirstResponse = time.Hour // sekolah: an hour
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, jakarta)
	if err != nil {
		panic(err)
	}
	return t
}

func TestResolutionDue(t *testing.T) {
	cfg := deadlineConfig(t)
	tests := []struct {
		created, want string
	}{
		{"2026-11-30 10:00", "2026-12-07 10:00"}, // Monday: five working days on
		{"2026-11-27 16:00", "2026-12-04 16:00"}, // Friday: the weekend does not count
		{"2026-11-28 09:00", "2026-12-04 09:00"}, // Saturday: counted from Monday
		{"2026-12-22 08:00", "2026-12-30 08:00"}, // Christmas is a holiday
	}
	for _, tt := range tests {
		cp := &Complaint{Created: at(tt.created), Category: "jalan"}
		if got := cfg.ResolutionDue(cp); !got.Equal(at(tt.want)) {
			t.Errorf("created %s: resolution due %s, want %s", tt.created, got.In(jakarta).Format("2006-01-02 15:04 Mon"), tt.want)
		}
	}
}

func TestNextDeadline(t *testing.T) {
	cfg := deadlineConfig(t)
	created := at("2026-11-30 10:00")
	tests := []struct {
		name string
		cp   Complaint
		want string // "" for none
	}{
		{"new: the first reminder", Complaint{Category: "jalan", Status: StatusNew, Created: created}, "2026-12-01 08:00"},
		{"category's own deadline", Complaint{Category: "sekolah", Status: StatusNew, Created: created}, "2026-11-30 10:00"},
		{"reminded: the escalation", Complaint{Category: "jalan", Status: StatusNew, Created: created, Alerted: stageRemindFirst}, "2026-12-01 10:00"},
		{"answered: the resolution reminder", Complaint{Category: "jalan", Status: StatusInProgress, Created: created, FirstResponseAt: created.Add(time.Hour)}, "2026-12-07 08:00"},
		{"resolved: none", Complaint{Category: "jalan", Status: StatusResolved, Created: created}, ""},
		{"all done: none", Complaint{Category: "jalan", Status: StatusNew, Created: created, Alerted: 15}, ""},
	}
	for _, tt := range tests {
		got, ok := cfg.NextDeadline(&tt.cp)
		switch {
		case tt.want == "" && ok:
			t.Errorf("%s: next %s, want none", tt.name, got)
		case tt.want != "" && (!ok || !got.Equal(at(tt.want))):
			t.Errorf("%s: next %s (%v), want %s", tt.name, got.In(jakarta), ok, tt.want)
		}
	}
}

func TestCheckDeadlines(t *testing.T) {
	cfg := deadlineConfig(t)
	created := at("2026-11-30 10:00")
	road := func(ticket string) *Complaint {
		return &Complaint{Ticket: ticket, Category: "jalan", Office: "dpupr", Status: StatusNew, Created: created}
	}
	school := &Complaint{Ticket: "ADU-2026-000009", Category: "sekolah", Office: "disdik", Status: StatusNew, Created: created}
	dpu, coord := OfficeChat("telegram", "dpupr"), OfficeChat("telegram", "diskominfo")
	tests := []struct {
		name    string
		cps     []*Complaint
		now     string
		want    map[Chat][]string // chat → substrings, one message each
		alerted map[string]int
	}{
		{"nothing due yet", []*Complaint{road("ADU-2026-000001")}, "2026-12-01 07:59", map[Chat][]string{}, map[string]int{}},
		{"reminder to the office", []*Complaint{road("ADU-2026-000001"), road("ADU-2026-000002")}, "2026-12-01 08:00",
			map[Chat][]string{dpu: {"⏰ Pengingat: 2 aduan belum mendapat jawaban pertama", "ADU-2026-000001", "ADU-2026-000002", "batas 2 jam lagi"}},
			map[string]int{"ADU-2026-000001": stageRemindFirst, "ADU-2026-000002": stageRemindFirst}},
		{"escalation after a restart: no late reminder", []*Complaint{road("ADU-2026-000001")}, "2026-12-01 13:00",
			map[Chat][]string{coord: {"🚨 1 aduan lewat batas jawaban pertama", "ADU-2026-000001", "lewat 3 jam"}},
			map[string]int{"ADU-2026-000001": stageRemindFirst | stageEscalateFirst}},
		{"a category's own deadline", []*Complaint{school}, "2026-11-30 11:30",
			map[Chat][]string{coord: {"🚨 1 aduan lewat batas jawaban pertama", "ADU-2026-000009"}},
			map[string]int{"ADU-2026-000009": stageRemindFirst | stageEscalateFirst}},
		{"the bot down for a week", []*Complaint{road("ADU-2026-000001")}, "2026-12-08 10:00",
			map[Chat][]string{coord: {"lewat batas jawaban pertama", "lewat batas penyelesaian"}},
			map[string]int{"ADU-2026-000001": 15}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := CheckDeadlines(cfg, tt.cps, at(tt.now))
			got := map[Chat][]string{}
			for _, m := range out.Messages {
				got[m.To] = append(got[m.To], m.Text)
			}
			for chat, wants := range tt.want {
				all := strings.Join(got[chat], "\n---\n")
				for _, w := range wants {
					if !strings.Contains(all, w) {
						t.Errorf("to %s: %q lacks %q", chat, all, w)
					}
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("messages to %d chats, want %d: %v", len(got), len(tt.want), got)
			}
			alerted := map[string]int{}
			for _, c := range out.Complaints {
				alerted[c.Ticket] = c.Alerted
			}
			if fmt.Sprint(alerted) != fmt.Sprint(tt.alerted) {
				t.Errorf("alerted %v, want %v", alerted, tt.alerted)
			}
			// Acting again on what it returned does nothing.
			var again []*Complaint
			for i := range out.Complaints {
				again = append(again, &out.Complaints[i])
			}
			if out2 := CheckDeadlines(cfg, again, at(tt.now)); len(out2.Messages) > 0 {
				t.Errorf("a stage was acted on twice: %v", out2.Messages)
			}
		})
	}
}

// A backlog of overdue complaints is one message per chat, however long.
func TestDeadlineBacklogBatched(t *testing.T) {
	cfg := deadlineConfig(t)
	var cps []*Complaint
	for i := range 500 {
		cps = append(cps, &Complaint{Ticket: TicketNumber("ADU", 2026, uint64(i+1)), Category: "jalan", Office: "dpupr", Status: StatusNew, Created: at("2026-11-30 10:00")})
	}
	out := CheckDeadlines(cfg, cps, at("2026-12-01 11:00"))
	if len(out.Messages) != 1 || strings.Count(out.Messages[0].Text, "\n• ") != 500 {
		t.Errorf("%d messages for 500 overdue complaints", len(out.Messages))
	}
}

// An admin's reply or a status change the citizen hears of is an answer;
// its delivery (the desk calls Answered) is the first response.
func TestFirstResponse(t *testing.T) {
	cfg := deadlineConfig(t)
	tests := []struct {
		text string
		want bool
	}{
		{"Besok kami tambal.", true},
		{"/proses", true},
		{"/catatan cek dulu", false},
		{"/info", false},
	}
	for _, tt := range tests {
		cp := mustComplaint(t, StatusNew)
		in := AdminInput{Chat: dpuChat, UserID: "9", Text: tt.text, ReplyTicket: cp.Ticket, ReplyRelay: true}
		out := Admin(cfg, in, cp, now)
		got := false
		for _, m := range out.Messages {
			got = got || m.To == cp.Citizen && m.Answer
		}
		if got != tt.want {
			t.Errorf("%q: an answer %v, want %v", tt.text, got, tt.want)
		}
	}
	c, changed := Answered(*mustComplaint(t, StatusNew), now)
	if !changed || !c.FirstResponseAt.Equal(now) {
		t.Errorf("first answer not recorded: %+v", c)
	}
	if _, changed := Answered(c, now.Add(time.Hour)); changed {
		t.Errorf("a later answer moved the first response")
	}
	if got := Since(26*time.Hour + 10*time.Minute); got != "1 hari 2 jam" {
		t.Errorf("Since = %q", got)
	}
}

// status shows each complaint's office, how long an open one has waited,
// and the last answer.
func TestStatusShowsWaitAndAnswer(t *testing.T) {
	cfg := deadlineConfig(t)
	open := Complaint{Ticket: "ADU-2026-000001", Category: "jalan", Office: "dpupr", Status: StatusInProgress, Created: now.Add(-26 * time.Hour),
		Thread: []Entry{{Kind: EntryReply, Text: "Sedang\nkami cek."}, {Kind: EntryNote, Text: "internal"}}}
	done := Complaint{Ticket: "ADU-2026-000002", Category: "sekolah", Office: "disdik", Status: StatusResolved, Created: now.Add(-100 * time.Hour)}
	out := Step(cfg, Conversation{Chat: citizen, Updated: now}, txt("status"), Env{Now: now, Complaints: []Complaint{open, done}})
	got := toCitizen(out)
	for _, want := range []string{"ADU-2026-000001 – 🛣️ Jalan – diproses – DPU-PR\n  sudah 1 hari 2 jam sejak masuk\n  Jawaban terakhir: Sedang kami cek.",
		"ADU-2026-000002 – 🏫 Sekolah – selesai – Disdik\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("status lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "internal") {
		t.Errorf("status shows an internal note")
	}
}
