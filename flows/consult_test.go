package flows

import (
	"strings"
	"testing"
	"time"
)

// A consultation: a question without place or photo, then a conversation
// with the staff in the thread, signed as the staff, until /selesai.
func TestConsultation(t *testing.T) {
	cfg := testConfig()
	cfg.FollowUpInterval = 5 * time.Minute
	cfg.Categories = append(cfg.Categories, Category{ID: "tanya", Label: "🩺 Tanya dokter", Office: "dpupr", Kind: KindConsultation, Staff: "Dokter jaga", FirstResponse: time.Hour})
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	conv := Conversation{Chat: citizen, Updated: now, State: StateCategory, Offered: []Choice{{ID: "cat:tanya", Label: "🩺 Tanya dokter"}}}
	out := Step(cfg, conv, choose("cat:tanya"), Env{Now: now})
	if got := toCitizen(out); !strings.Contains(got, "Tuliskan pertanyaan Anda") {
		t.Errorf("asked for the question as %q", got)
	}
	out = Step(cfg, out.Conversation, txt("Anak saya demam 39 derajat sejak semalam."), Env{Now: now})
	if out.Conversation.State != StateConfirm {
		t.Fatalf("after the question: state %s, want the summary (no location, no photo)", out.Conversation.State)
	}
	if got := toCitizen(out); !strings.Contains(got, "Pertanyaan: Anak saya demam") || strings.Contains(got, "Lokasi") || strings.Contains(got, "aduan") {
		t.Errorf("summary of a question: %q", got)
	}
	if e := Step(cfg, out.Conversation, choose(choiceEdit), Env{Now: now}); len(e.Messages) == 0 || len(e.Messages[0].Choices) != 2 {
		t.Errorf("a question's edit menu offers %+v, want the category and the question", e.Messages)
	}
	out = Step(cfg, out.Conversation, choose(choiceSend), Env{Now: now, NextTicket: "ADU-2026-000001"})
	if !strings.Contains(toCitizen(out), "Pertanyaan Anda tercatat dengan nomor ADU-2026-000001") {
		t.Errorf("submitted: %q", toCitizen(out))
	}
	cp := out.Complaints[0]
	var post Message
	for _, m := range out.Messages {
		if m.Relay {
			post = m
		}
	}
	if !strings.HasPrefix(post.Text, "🩺 KONSULTASI ADU-2026-000001") {
		t.Errorf("post: %q", post.Text)
	}
	// Two messages in a row: each goes at once, as a reply in the thread,
	// with no receipt to the citizen.
	conv = out.Conversation
	for i, text := range []string{"Sudah minum parasetamol.", "Apakah perlu ke IGD?"} {
		o := Step(cfg, conv, txt(text), Env{Now: now.Add(time.Duration(i+1) * time.Minute), Complaints: []Complaint{cp}})
		var passed bool
		for _, m := range o.Messages {
			passed = passed || m.To == dpuOffice() && m.Thread && strings.Contains(m.Text, text)
		}
		if !passed || len(o.Due) != 0 || toCitizen(o) != "" {
			t.Errorf("message %d: passed %v, held %v, receipt %q", i, passed, len(o.Due) > 0, toCitizen(o))
		}
		cp, conv = o.Complaints[0], o.Conversation
	}
	// The staff answer, signed as the staff, not by name.
	a := Admin(cfg, AdminInput{Chat: dpuChat, UserID: "9", UserName: "dr. Sari", Text: "Bila demam tidak turun dalam 2 jam, ke IGD.", ReplyTicket: cp.Ticket, ReplyRelay: true}, &cp, now.Add(3*time.Minute))
	if got := toCitizen(a); !strings.HasPrefix(got, "Dokter jaga (ADU-2026-000001):\nBila demam") || strings.Contains(got, "Sari") {
		t.Errorf("staff answer: %q", got)
	}
	// /selesai ends it and asks for the rating.
	cp = a.Complaints[0]
	a = Admin(cfg, AdminInput{Chat: dpuChat, UserID: "9", Text: "/selesai", ReplyTicket: cp.Ticket, ReplyRelay: true}, &cp, now.Add(4*time.Minute))
	if got := toCitizen(a); !strings.Contains(got, "Beri nilai 1") || !strings.Contains(got, "Konsultasi ADU-2026-000001 telah diakhiri") {
		t.Errorf("the end of the consultation: %q", got)
	}
	// Its own first-response deadline.
	if due := cfg.FirstResponseDue(&cp); !due.Equal(cp.Created.Add(time.Hour)) {
		t.Errorf("first response due %s", due)
	}
}

// A consultation welcomes a photo before the question.
func TestConsultationPhoto(t *testing.T) {
	cfg := testConfig()
	cfg.Categories = append(cfg.Categories, Category{ID: "tanya", Label: "Tanya dokter", Office: "dpupr", Kind: KindConsultation})
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	conv := Conversation{Chat: citizen, Updated: now, State: StateDescription, Draft: Draft{Category: "tanya", Location: &Location{}, PhotosDone: true}}
	out := Step(cfg, conv, photo("ruam"), Env{Now: now})
	if out.Conversation.State != StateDescription || len(out.Conversation.Draft.Photos) != 1 {
		t.Fatalf("photo before the question: %+v", out.Conversation)
	}
	out = Step(cfg, out.Conversation, txt("Ruam merah di lengan sejak kemarin."), Env{Now: now})
	if out.Conversation.State != StateConfirm || len(out.Conversation.Draft.Photos) != 1 {
		t.Errorf("after the question: %+v", out.Conversation)
	}
}
