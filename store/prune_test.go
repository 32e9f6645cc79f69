package store

import (
	"testing"
	"time"

	"aduan/flows"
)

// Post links of complaints closed long ago go, with their thread and
// quote entries; links of open and recently closed complaints stay.
func TestPrunePostLinks(t *testing.T) {
	s := mustOpenTemp(t)
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	group := flows.Chat{Channel: "telegram", ID: "-1001"}
	complaints := []flows.Complaint{
		{Ticket: "T-old", Status: flows.StatusResolved, Created: now.AddDate(-2, 0, 0), ResolvedAt: now.AddDate(-2, 0, 1)},
		{Ticket: "T-rejected", Status: flows.StatusRejected, Created: now.AddDate(-2, 0, 0)},
		{Ticket: "T-recent", Status: flows.StatusResolved, Created: now.AddDate(0, -1, 0), ResolvedAt: now.AddDate(0, 0, -20)},
		{Ticket: "T-open", Status: flows.StatusInProgress, Created: now.AddDate(-2, 0, 0)},
	}
	mustUpdate(t, s, func(tx *Tx) error {
		for i, c := range complaints {
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
			for j := range 3 {
				id := string(rune('a'+i)) + string(rune('0'+j))
				if err := tx.LinkPost(group, id, Link{Ticket: c.Ticket, Relay: true}); err != nil {
					return err
				}
			}
			if err := tx.LinkReply(group, "r"+c.Ticket, c.Ticket); err != nil {
				return err
			}
			if err := tx.LinkQuote(group, c.Ticket, "📢 ADUAN "+c.Ticket); err != nil {
				return err
			}
		}
		return nil
	})
	from, total := "", 0
	for {
		mustUpdate(t, s, func(tx *Tx) error {
			next, n, err := tx.PrunePostLinks(now.AddDate(-1, 0, 0), from, 3)
			from, total = next, total+n
			return err
		})
		if from == "" {
			break
		}
	}
	if total != 8 { // three posts and a reply link of each old complaint
		t.Errorf("pruned %d links, want 8", total)
	}
	mustView(t, s, func(tx *Tx) error {
		for i, c := range complaints {
			keep := c.Ticket == "T-recent" || c.Ticket == "T-open"
			for j := range 3 {
				if _, ok, _ := tx.PostLink(group, string(rune('a'+i))+string(rune('0'+j))); ok != keep {
					t.Errorf("%s: post link kept %v, want %v", c.Ticket, ok, keep)
				}
			}
			if got := tx.ThreadPost(c.Ticket, group) != ""; got != keep {
				t.Errorf("%s: thread post kept %v, want %v", c.Ticket, got, keep)
			}
			if got := tx.RelayedReply(group, "r"+c.Ticket) != ""; got != keep {
				t.Errorf("%s: reply link kept %v, want %v", c.Ticket, got, keep)
			}
			if got := tx.QuotesRelay(group, c.Ticket, "📢 ADUAN "+c.Ticket); got != keep {
				t.Errorf("%s: quote kept %v, want %v", c.Ticket, got, keep)
			}
		}
		return nil
	})
}
