package store

import (
	"maps"
	"slices"
	"testing"
	"time"

	"aduan/flows"
)

// A citizen's active list holds their open complaints and the recently
// resolved ones; entries resolved long ago, or of complaints the citizen
// no longer claims, go on the first read.
func TestActiveTickets(t *testing.T) {
	s := mustOpenTemp(t)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	chat := flows.Chat{Channel: "telegram", ID: "5001"}
	other := flows.Chat{Channel: "telegram", ID: "5002"}
	put := func(ticket string, who flows.Chat, st flows.Status, resolved time.Time) {
		mustUpdate(t, s, func(tx *Tx) error {
			return tx.PutComplaint(flows.Complaint{Ticket: ticket, Citizen: who, Status: st, ResolvedAt: resolved, Created: at})
		})
	}
	put("A-1", chat, flows.StatusNew, time.Time{})
	put("A-2", chat, flows.StatusResolved, at.Add(-40*24*time.Hour))
	put("A-3", chat, flows.StatusResolved, at.Add(-time.Hour))
	put("A-4", chat, flows.StatusRejected, time.Time{})
	put("A-5", chat, flows.StatusInProgress, time.Time{})
	put("A-6", other, flows.StatusNew, time.Time{})
	put("A-7", chat, flows.StatusNew, time.Time{})
	put("A-7", chat, flows.StatusRejected, time.Time{}) // closed since
	claimed := func(t string) bool { return t != "A-5" }
	read := func() []string {
		var got map[string]bool
		mustUpdate(t, s, func(tx *Tx) error {
			var err error
			got, err = tx.ActiveTickets(chat, at.Add(-30*24*time.Hour), claimed)
			return err
		})
		return slices.Sorted(maps.Keys(got))
	}
	if got := read(); !slices.Equal(got, []string{"A-1", "A-3"}) {
		t.Errorf("active %v, want [A-1 A-3]", got)
	}
	// What was dropped is gone from the list, not only filtered.
	claimed = func(string) bool { return true }
	if got := read(); !slices.Equal(got, []string{"A-1", "A-3"}) {
		t.Errorf("after pruning: %v, want [A-1 A-3]", got)
	}
	n := 0
	mustView(t, s, func(tx *Tx) error {
		return tx.tx.Bucket(bucketActive).ForEach(func(k, v []byte) error { n++; return nil })
	})
	if n != 3 { // and the other citizen's A-6
		t.Errorf("%d entries left in the index, want 3", n)
	}
}

// OutboxWaiting tells an empty outbox from one with a message.
func TestOutboxWaiting(t *testing.T) {
	s := mustOpenTemp(t)
	mustView(t, s, func(tx *Tx) error {
		if tx.OutboxWaiting() {
			t.Error("a new outbox is waiting")
		}
		return nil
	})
	mustUpdate(t, s, func(tx *Tx) error {
		return tx.Enqueue(flows.Message{To: flows.Chat{Channel: "telegram", ID: "5001"}, Text: "halo"})
	})
	mustView(t, s, func(tx *Tx) error {
		if !tx.OutboxWaiting() {
			t.Error("an outbox with a message is not waiting")
		}
		return nil
	})
}
