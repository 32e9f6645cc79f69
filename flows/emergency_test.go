package flows

import (
	"strings"
	"testing"
	"time"
)

func emergencyConfig(t *testing.T) *Config {
	t.Helper()
	cfg := testConfig()
	cfg.Emergency = Emergency{Words: []string{"darurat", "kebakaran", "sesak napas"}, Numbers: []string{"112 (darurat)", "119 (ambulans)"}}
	cfg.FollowUpInterval = 5 * time.Minute
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestEmergencyWords(t *testing.T) {
	e := Emergency{Words: []string{"darurat", "sesak napas"}}
	tests := []struct {
		text string
		want bool
	}{
		{"DARURAT! rumah roboh", true},
		{"ibu saya sesak   napas", true},
		{"Sesak-napas sejak pagi", true},
		{"kedaruratan", false}, // whole words only
		{"napas sesak", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := e.IsEmergency(tt.text); got != tt.want {
			t.Errorf("IsEmergency(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// An emergency word gets the numbers at once, before the usual answer, in
// any state; the complaint is posted as urgent.
func TestEmergencyAnsweredFirst(t *testing.T) {
	cfg := emergencyConfig(t)
	conv := Conversation{Chat: citizen, Updated: now, State: StateDescription, Draft: Draft{Category: "sekolah"}}
	out := Step(cfg, conv, txt("Kebakaran di ruang kelas 3, asap tebal!"), Env{Now: now})
	var toCit []string
	for _, m := range out.Messages {
		if m.To == citizen {
			toCit = append(toCit, m.Text)
		}
	}
	if len(toCit) != 2 || !strings.Contains(toCit[0], "112 (darurat)\n• 119 (ambulans)") || !strings.Contains(toCit[1], "lokasi") {
		t.Fatalf("citizen got %q; want the numbers, then the next question", toCit)
	}
	if !out.Conversation.Draft.Urgent {
		t.Fatal("the draft is not marked urgent")
	}
	// Submitted, it is posted as urgent.
	conv = out.Conversation
	conv.State, conv.Draft.Location, conv.Draft.PhotosDone = StateConfirm, &Location{Text: "SD 1"}, true
	conv.Offered = []Choice{{ID: choiceSend, Label: "✅ Kirim"}}
	out = Step(cfg, conv, choose(choiceSend), Env{Now: now, NextTicket: "ADU-2026-000001"})
	if len(out.Complaints) != 1 || !out.Complaints[0].Urgent {
		t.Fatalf("complaint not urgent: %+v", out.Complaints)
	}
	if post := relayedText(out); !strings.HasPrefix(post, "🚨 MENDESAK") {
		t.Errorf("post is not marked urgent: %q", post)
	}
}

// On an open complaint, an emergency goes to the admins at once, marked.
func TestEmergencyFollowUpNotHeld(t *testing.T) {
	cfg := emergencyConfig(t)
	cp := *mustComplaint(t, StatusNew)
	cp.FollowUpAt = now.Add(-time.Minute) // a follow-up went a minute ago: the next would wait
	conv := Conversation{Chat: citizen, Updated: now, Tickets: []string{cp.Ticket}}
	out := Step(cfg, conv, txt("Darurat, jalannya ambles, ada motor jatuh"), Env{Now: now, Complaints: []Complaint{cp}})
	var posted bool
	for _, m := range out.Messages {
		posted = posted || m.Relay && strings.HasPrefix(m.Text, "🚨 MENDESAK")
	}
	if !posted || len(out.Due) != 0 || !out.Complaints[0].Urgent {
		t.Errorf("emergency follow-up: posted %v, held %v, urgent %v", posted, len(out.Due) > 0, out.Complaints[0].Urgent)
	}
}
