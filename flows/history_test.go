package flows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Relevant picks the active complaints, the newest StatusShown, and the
// ones an input names; erasure takes them all.
func TestRelevant(t *testing.T) {
	cfg := testConfig()
	var tickets []string
	for i := 1; i <= 25; i++ {
		tickets = append(tickets, fmt.Sprintf("ADU-2026-%06d", i))
	}
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: tickets}
	active := func(t string) bool { return t == tickets[2] }
	newest := tickets[25-StatusShown:]
	tests := []struct {
		name string
		conv Conversation
		in   Input
		want []string
	}{
		{"a message", conv, txt("halo"), append([]string{tickets[2]}, newest...)},
		{"an old rating button", conv, choose(ratePrefix + tickets[0] + ":4"), append([]string{tickets[0], tickets[2]}, newest...)},
		{"an old reopen button", conv, choose(reopenPrefix + tickets[1]), append([]string{tickets[1], tickets[2]}, newest...)},
		{"a ticket typed", conv, txt("bagaimana " + tickets[4] + "?"), append([]string{tickets[2], tickets[4]}, newest...)},
		{"confirming erasure", Conversation{Chat: citizen, State: StateErase, Tickets: tickets}, choose(choiceEraseYes), tickets},
		{"a short history", Conversation{Chat: citizen, Tickets: tickets[:3]}, txt("halo"), tickets[:3]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Relevant(cfg, tt.conv, tt.in, active); !slices.Equal(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// status says how many older complaints it leaves out.
func TestStatusCountsOlder(t *testing.T) {
	cfg := testConfig()
	cp := mustComplaint(t, StatusInProgress)
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: []string{cp.Ticket}}
	out := Step(cfg, conv, txt("status"), Env{Now: now, Complaints: []Complaint{*cp}, Older: 288})
	got := toCitizen(out)
	if !strings.Contains(got, cp.Ticket) || !strings.Contains(got, "…dan 288 aduan lama") {
		t.Errorf("status: %q", got)
	}
	out = Step(cfg, conv, txt("status"), Env{Now: now, Complaints: []Complaint{*cp}})
	if strings.Contains(toCitizen(out), "aduan lama") {
		t.Errorf("status without older complaints mentions them: %q", toCitizen(out))
	}
}
