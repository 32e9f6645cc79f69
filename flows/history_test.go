package flows

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Relevant picks the active complaints and the ones an input names, the
// newest StatusShown only for status; erasure takes them all.
func TestRelevant(t *testing.T) {
	cfg := testConfig()
	var tickets []string
	for i := 1; i <= 25; i++ {
		tickets = append(tickets, fmt.Sprintf("ADU-2026-%06d", i))
	}
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: tickets}
	active := func(t string) bool { return t == tickets[2] }
	newest := tickets[25-StatusShown:]
	menu := conv
	menu.Offered = []Choice{{ID: choiceComplaint, Label: "Buat aduan"}, {ID: choiceStatus, Label: "Status aduan"}}
	rating := conv
	rating.Offered = []Choice{{ID: ratePrefix + tickets[0] + ":1", Label: "1"}, {ID: ratePrefix + tickets[0] + ":2", Label: "2"}}
	// shown: what status only shows, which may be read without threads;
	// never the active complaint or one the input names.
	tests := []struct {
		name        string
		conv        Conversation
		in          Input
		want, shown []string
	}{
		{"a message", conv, txt("halo"), []string{tickets[2]}, nil},
		{"status typed", conv, txt(" Status "), append([]string{tickets[2]}, newest...), newest},
		{"the status command", conv, cmd("status", ""), append([]string{tickets[2]}, newest...), newest},
		{"the status button", conv, choose(choiceStatus), append([]string{tickets[2]}, newest...), newest},
		{"the status menu item by its number", menu, txt("2"), append([]string{tickets[2]}, newest...), newest},
		{"another menu item by its number", menu, txt("1"), []string{tickets[2]}, nil},
		{"an old rating button", conv, choose(ratePrefix + tickets[0] + ":4"), []string{tickets[0], tickets[2]}, nil},
		{"a rating by its number", rating, txt("2"), []string{tickets[0], tickets[2]}, nil},
		{"an old reopen button", conv, choose(reopenPrefix + tickets[1]), []string{tickets[1], tickets[2]}, nil},
		{"a ticket typed", conv, txt("bagaimana " + tickets[4] + "?"), []string{tickets[2], tickets[4]}, nil},
		{"confirming erasure", Conversation{Chat: citizen, State: StateErase, Tickets: tickets}, choose(choiceEraseYes), tickets, nil},
		{"a short history, status", Conversation{Chat: citizen, Tickets: tickets[:3]}, txt("status"), tickets[:3], tickets[:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, shown := Relevant(cfg, tt.conv, tt.in, active)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
			if got := slices.Sorted(maps.Keys(shown)); !slices.Equal(got, tt.shown) {
				t.Errorf("shown only %v\nwant %v", got, tt.shown)
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

// Asking to erase with only long-closed complaints (none of them loaded)
// still asks for the confirmation: there is something to erase.
func TestEraseAskedWithOnlyOldComplaints(t *testing.T) {
	cfg := testConfig()
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: []string{"ADU-2026-000001"}}
	out := Step(cfg, conv, Input{Kind: InputText, Text: "hapus"}, Env{Now: now})
	if out.Conversation.State != StateErase || strings.Contains(toCitizen(out), cfg.Texts.EraseNothing) {
		t.Errorf("state %q, said %q; want the erasure asked", out.Conversation.State, toCitizen(out))
	}
}

// A complaint read without its thread shows the answer stored with it.
func TestStatusOfHead(t *testing.T) {
	cfg := testConfig()
	cp := mustComplaint(t, StatusResolved)
	cp.Thread = nil
	cp.Head, cp.Answer = true, "Lampu sudah diganti kemarin."
	conv := Conversation{Chat: citizen, State: StateIdle, Tickets: []string{cp.Ticket}}
	out := Step(cfg, conv, txt("status"), Env{Now: now, Complaints: []Complaint{*cp}})
	if got := toCitizen(out); !strings.Contains(got, "Lampu sudah diganti kemarin.") {
		t.Errorf("status of a complaint read without its thread: %q", got)
	}
	if len(out.Complaints) != 0 {
		t.Errorf("status stored %d complaints, want none", len(out.Complaints))
	}
}
