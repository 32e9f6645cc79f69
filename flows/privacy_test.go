package flows

import (
	"strings"
	"testing"
	"time"
)

func TestPrivacyWord(t *testing.T) {
	cfg := mustConfig(t)
	out := Step(cfg, Conversation{Chat: citizen, Updated: now}, txt("privasi"), Env{Now: now})
	if got := toCitizen(out); !strings.Contains(got, "UU 27/2022") || !strings.Contains(got, "/hapus") {
		t.Errorf("privasi: %q", got)
	}
	greet := Step(cfg, Conversation{Chat: citizen}, cmd("start", ""), Env{Now: now})
	if !strings.Contains(toCitizen(greet), "/privasi") {
		t.Errorf("the greeting does not point to privasi: %q", toCitizen(greet))
	}
}

// Filed as rahasia: an office's own group sees no name, the coordinators
// do; /info likewise.
func TestConfidential(t *testing.T) {
	cfg := mustConfig(t)
	submit := func(category string) Outcome {
		conv := Conversation{Chat: citizen, Name: "Budi Santoso", Updated: now, State: StateConfirm,
			Draft:   Draft{Category: category, Description: goodDesc, Location: &Location{Text: "Jl. Pemuda"}, PhotosDone: true, Photos: []string{"p1"}},
			Offered: []Choice{{ID: choiceSend, Label: "✅ Kirim"}, {ID: choiceConfidential, Label: cfg.Texts.ConfirmConfidential}}}
		return Step(cfg, conv, choose(choiceConfidential), Env{Now: now, NextTicket: "ADU-2026-000001"})
	}
	out := submit("jalan") // DPU-PR has its own group
	if len(out.Complaints) != 1 || !out.Complaints[0].Confidential {
		t.Fatalf("not filed as confidential: %+v", out.Complaints)
	}
	for _, m := range out.Messages {
		if m.Relay && (strings.Contains(m.Text, "Budi") || !strings.Contains(m.Text, "(dirahasiakan)")) {
			t.Errorf("the office's group sees the name: %q", m.Text)
		}
	}
	out = submit("sekolah") // Disdik has none: the coordinators get it
	for _, m := range out.Messages {
		if m.Relay && !strings.Contains(m.Text, "Pelapor: Budi") {
			t.Errorf("the coordinators do not see the name: %q", m.Text)
		}
	}
	cp := out.Complaints[0]
	cp.Office = "dpupr"
	cp.Thread = []Entry{{At: now, Kind: EntryCitizen, Author: "Budi Santoso", Text: "tambahan"}}
	info := func(chat Chat) string {
		o := Admin(cfg, AdminInput{Chat: chat, UserID: "9", Text: "/info", ReplyTicket: cp.Ticket, ReplyRelay: true}, &cp, now)
		return o.Messages[0].Text
	}
	if got := info(dpuChat); strings.Contains(got, "Budi") {
		t.Errorf("/info in the office's group shows the name: %q", got)
	}
	if got := info(coordChat); !strings.Contains(got, "Budi Santoso") {
		t.Errorf("/info for the coordinators hides the name: %q", got)
	}
}

func TestErase(t *testing.T) {
	cfg := mustConfig(t)
	cp := *mustComplaint(t, StatusInProgress)
	cp.Photos = []string{"p1"}
	cp.Thread = []Entry{{Kind: EntryCitizen, Author: "Budi", Text: "rumah saya di Jl. Mawar 3", Photos: []string{"p2"}}, {Kind: EntryReply, Author: "Sari", Text: "Kami cek."}}
	conv := Conversation{Chat: citizen, Name: "Budi", Updated: now, Tickets: []string{cp.Ticket}}
	ask := Step(cfg, conv, txt("hapus"), Env{Now: now, Complaints: []Complaint{cp}})
	if ask.Conversation.State != StateErase || len(ask.Complaints) != 0 {
		t.Fatalf("hapus erased without asking: %+v", ask)
	}
	no := Step(cfg, ask.Conversation, txt("2"), Env{Now: now, Complaints: []Complaint{cp}})
	if len(no.Complaints) != 0 || no.Forget || !strings.Contains(toCitizen(no), "tidak dihapus") {
		t.Errorf("declined, yet erased: %+v", no)
	}
	yes := Step(cfg, ask.Conversation, txt("1"), Env{Now: now, Complaints: []Complaint{cp}})
	if !yes.Forget || len(yes.Complaints) != 1 || yes.Conversation.Name != "" || len(yes.Conversation.Tickets) != 0 {
		t.Fatalf("erase: %+v", yes)
	}
	c := yes.Complaints[0]
	// Field by field: what is personal is gone, what the office did stays.
	switch {
	case c.CitizenName != "" || c.Citizen.ID != ErasedChat || c.Citizen.Channel != "telegram":
		t.Errorf("identity kept: %q %v", c.CitizenName, c.Citizen)
	case c.Description != cfg.Texts.ErasedText || !c.Location.IsZero() || len(c.Photos) != 0:
		t.Errorf("the citizen's words kept: %q %v %v", c.Description, c.Location, c.Photos)
	case c.Thread[0].Text != cfg.Texts.ErasedText || c.Thread[0].Author != "" || len(c.Thread[0].Photos) != 0:
		t.Errorf("the citizen's thread entry kept: %+v", c.Thread[0])
	case c.Thread[1].Text != "Kami cek." || c.Ticket != cp.Ticket || c.Status != StatusInProgress || c.Office != "dpupr" || !c.Created.Equal(cp.Created):
		t.Errorf("the record for statistics lost: %+v", c)
	case !c.Erased:
		t.Errorf("not marked erased")
	}
}

func TestRetention(t *testing.T) {
	cfg := mustConfig(t)
	cfg.Retention = 30 * 24 * time.Hour
	old := *mustComplaint(t, StatusResolved)
	old.Updated = now.Add(-31 * 24 * time.Hour)
	openOld := old
	openOld.Ticket, openOld.Status = "ADU-2026-000008", StatusInProgress
	recent := old
	recent.Ticket, recent.Updated = "ADU-2026-000009", now.Add(-time.Hour)
	done := EraseComplaint(cfg, old, now.Add(-time.Hour))
	done.Ticket, done.Updated = "ADU-2026-000010", now.Add(-40*24*time.Hour)
	got := Retain(cfg, []Complaint{old, openOld, recent, done}, now)
	if len(got) != 1 || got[0].Ticket != old.Ticket || !got[0].Erased {
		t.Errorf("retention erased %+v; want only the old closed one", got)
	}
}
