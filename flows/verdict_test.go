package flows

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// resolved is a complaint the office resolved at now, with the verdict
// asked.
func resolved(t *testing.T, cfg *Config) Complaint {
	t.Helper()
	cp := mustComplaint(t, StatusInProgress)
	out := Admin(cfg, AdminInput{Chat: dpuChat, UserID: "9", Text: "/selesai sudah ditambal", ReplyTicket: cp.Ticket, ReplyRelay: true}, cp, now)
	var ask *Message
	for i, m := range out.Messages {
		if m.To == cp.Citizen {
			ask = &out.Messages[i]
		}
	}
	if ask == nil || len(ask.Choices) != 6 || !strings.Contains(ask.Text, "Beri nilai 1") || ask.Choices[5].ID != reopenPrefix+cp.Ticket {
		t.Fatalf("the citizen is not asked for a verdict: %+v", ask)
	}
	c := out.Complaints[0]
	if !c.ResolvedAt.Equal(now) || !c.RatingAskedAt.Equal(now) {
		t.Fatalf("resolved at %v, asked at %v", c.ResolvedAt, c.RatingAskedAt)
	}
	return c
}

func TestVerdict(t *testing.T) {
	cfg := deadlineConfig(t)
	cfg.Deadlines.ReopenWithin = 7 * 24 * time.Hour
	base := resolved(t, cfg)
	later := now.Add(time.Hour)
	conv := Conversation{Chat: citizen, Updated: now.Add(-time.Hour), Tickets: []string{base.Ticket}}
	tests := []struct {
		name        string
		conv        Conversation
		in          Input
		at          time.Time
		wantCitizen string
		wantOffice  string // "" for none
		check       func(t *testing.T, c *Complaint)
	}{
		{"rating pressed", conv, choose(ratePrefix + base.Ticket + ":4"), later, "Terima kasih atas penilaian Anda (4/5)", "⭐ Warga menilai ADU-2026-000007: 4/5",
			func(t *testing.T, c *Complaint) {
				if c == nil || c.Rating != 4 || c.Thread[len(c.Thread)-1].Kind != EntryRating {
					t.Errorf("rating not kept: %+v", c)
				}
			}},
		{"rating typed as a number", conv, txt("5"), later, "(5/5)", "5/5", nil},
		{"the list's last number is belum beres", conv, txt("6"), later, "dibuka kembali", "belum beres", nil},
		{"a number after the citizen wrote again is no rating", Conversation{Chat: citizen, Updated: now.Add(time.Minute), Tickets: []string{base.Ticket}}, txt("5"), later, "", "", nil},
		{"belum beres typed", conv, txt("Belum  Beres"), later, "Aduan ADU-2026-000007 dibuka kembali dan diteruskan ke DPU-PR", "🔁 Warga menyatakan ADU-2026-000007 belum beres",
			func(t *testing.T, c *Complaint) {
				if c == nil || c.Status != StatusInProgress || !c.ReopenedAt.Equal(later) || !c.AnsweredAgainAt.IsZero() || c.Alerted != 0 {
					t.Errorf("not reopened: %+v", c)
				}
			}},
		{"belum beres pressed too late", conv, choose(reopenPrefix + base.Ticket), now.Add(8 * 24 * time.Hour), "sudah ditutup", "", nil},
		{"an old rating button", conv, choose(ratePrefix + "ADU-2026-999999:3"), later, "Pilihan itu sudah tidak berlaku", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := cloneComplaint(base)
			out := Step(cfg, tt.conv, tt.in, Env{Now: tt.at, Complaints: []Complaint{cp}})
			got := toCitizen(out)
			if tt.wantCitizen != "" && !strings.Contains(got, tt.wantCitizen) {
				t.Errorf("citizen got %q, want %q", got, tt.wantCitizen)
			}
			var office []string
			for _, m := range out.Messages {
				if m.To == dpuOffice() {
					office = append(office, m.Text)
					if !m.Thread || m.Ticket != base.Ticket {
						t.Errorf("the office's message is not in the complaint's thread: %+v", m)
					}
				}
			}
			checkJoined(t, "office", office, tt.wantOffice)
			if tt.wantCitizen == "" && len(out.Complaints) > 0 {
				t.Errorf("not a verdict, yet the complaint changed: %+v", out.Complaints)
			}
			if tt.check != nil {
				var c *Complaint
				if len(out.Complaints) > 0 {
					c = &out.Complaints[0]
				}
				tt.check(t, c)
			}
		})
	}
}

// A comment follows the rating; the office hears it; the next message
// after that is no comment.
func TestRatingComment(t *testing.T) {
	cfg := deadlineConfig(t)
	base := resolved(t, cfg)
	conv := Conversation{Chat: citizen, Updated: now.Add(-time.Hour), Tickets: []string{base.Ticket}}
	out := Step(cfg, conv, txt("4"), Env{Now: now.Add(time.Minute), Complaints: []Complaint{base}})
	rated := out.Complaints[0]
	out = Step(cfg, out.Conversation, txt("Cepat ditangani, terima kasih!"), Env{Now: now.Add(2 * time.Minute), Complaints: []Complaint{rated}})
	if len(out.Complaints) != 1 || out.Complaints[0].RatingComment != "Cepat ditangani, terima kasih!" {
		t.Fatalf("comment not kept: %+v", out.Complaints)
	}
	var told bool
	for _, m := range out.Messages {
		told = told || m.To == dpuOffice() && strings.Contains(m.Text, "Cepat ditangani")
	}
	if !told || !strings.Contains(toCitizen(out), "komentar Anda") {
		t.Errorf("comment not passed on: %+v", out.Messages)
	}
	out = Step(cfg, out.Conversation, txt("aduan"), Env{Now: now.Add(3 * time.Minute), Complaints: out.Complaints})
	if out.Conversation.State != StateCategory {
		t.Errorf("after the comment, \"aduan\" starts a complaint: state %s", out.Conversation.State)
	}
}

// A reopened complaint's deadlines count from the reopening.
func TestReopenRestartsDeadlines(t *testing.T) {
	cfg := deadlineConfig(t)
	c := Complaint{Category: "jalan", Status: StatusInProgress, Created: at("2026-11-02 10:00"), ReopenedAt: at("2026-11-30 10:00")}
	if got, _ := cfg.NextDeadline(&c); !got.Equal(at("2026-12-01 08:00")) {
		t.Errorf("next deadline %s, want the reminder a day after the reopening", got.In(jakarta))
	}
}

// Right after a rating, "aduan" or a menu choice is no comment.
func TestNoCommentForAMenuAnswer(t *testing.T) {
	cfg := deadlineConfig(t)
	base := resolved(t, cfg)
	conv := Conversation{Chat: citizen, Updated: now.Add(-time.Hour), Tickets: []string{base.Ticket}}
	for _, text := range []string{"aduan", "Buat aduan"} {
		out := Step(cfg, conv, txt("4"), Env{Now: now.Add(time.Minute), Complaints: []Complaint{base}})
		rated := out.Complaints[0]
		out = Step(cfg, out.Conversation, txt(text), Env{Now: now.Add(2 * time.Minute), Complaints: []Complaint{rated}})
		if len(out.Complaints) != 0 || out.Conversation.State != StateCategory {
			t.Errorf("%q after a rating: complaints %+v, state %s; want a new complaint started", text, out.Complaints, out.Conversation.State)
		}
	}
}

// A reopened complaint keeps its first response: the statistics still
// count the answer it had in time. The first-response deadline starts
// again from the reopening, and the next answer that reaches the citizen
// ends it.
func TestReopenKeepsFirstResponse(t *testing.T) {
	cfg := deadlineConfig(t)
	cfg.Deadlines.ReopenWithin = 7 * 24 * time.Hour
	base := resolved(t, cfg)
	answered := base.Created.Add(time.Hour)
	base.FirstResponseAt = answered
	reopenedAt := now.Add(time.Hour)
	out := Step(cfg, Conversation{Chat: citizen, Updated: now.Add(-time.Hour), Tickets: []string{base.Ticket}}, txt("belum beres"),
		Env{Now: reopenedAt, Complaints: []Complaint{base}})
	if len(out.Complaints) != 1 || out.Complaints[0].Status != StatusInProgress {
		t.Fatalf("not reopened: %+v", out.Complaints)
	}
	c := out.Complaints[0]
	if !c.FirstResponseAt.Equal(answered) {
		t.Errorf("first response %v after the reopening, want the first answer's %v", c.FirstResponseAt, answered)
	}
	stats := Stats(cfg, slices.Values([]StatRecord{c.StatRecord()}), []string{c.Office}, c.Created.Add(-time.Hour), reopenedAt)
	if st := stats[0]; st.Answered != 1 || st.FirstResponse.Median != time.Hour || st.InTime != 1 {
		t.Errorf("statistics after the reopening: answered %d, first response %s, in time %d; want 1, 1h, 1", st.Answered, st.FirstResponse.Median, st.InTime)
	}
	if _, waiting := cfg.stages(&c)[stageRemindFirst]; !waiting {
		t.Errorf("the first-response deadline does not start again: %v", cfg.stages(&c))
	}
	again, changed := Answered(c, reopenedAt.Add(time.Hour))
	if !changed || !again.FirstResponseAt.Equal(answered) {
		t.Fatalf("the answer after the reopening: changed %v, first response %v", changed, again.FirstResponseAt)
	}
	st := cfg.stages(&again)
	if _, waiting := st[stageRemindFirst]; waiting {
		t.Errorf("the answer did not end the deadline that started again: %v", st)
	}
	if _, changed := Answered(again, reopenedAt.Add(2*time.Hour)); changed {
		t.Errorf("a later answer changed the complaint")
	}
}
