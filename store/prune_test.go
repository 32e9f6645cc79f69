package store

import (
	"strings"
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
	total, rounds := 0, 0
	for more := true; more; rounds++ {
		mustUpdate(t, s, func(tx *Tx) error {
			n, m, err := tx.PrunePostLinks(now.AddDate(-1, 0, 0), 1)
			total, more = total+n, m
			return err
		})
	}
	if total != 8 || rounds != 2 { // three posts and a reply link of each old complaint
		t.Errorf("pruned %d links in %d rounds, want 8 in 2", total, rounds)
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

// Pruning reads the closed list: a complaint reopened after it was listed
// keeps its links, one closed again long ago loses them, and one whose
// links are gone is not listed again when it changes later (erasure).
func TestPrunePostLinksFollowsTheComplaint(t *testing.T) {
	s := mustOpenTemp(t)
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	group := flows.Chat{Channel: "telegram", ID: "-1001"}
	old := flows.Complaint{Ticket: "T-1", Status: flows.StatusResolved, Created: now.AddDate(-2, 0, 0), ResolvedAt: now.AddDate(-2, 0, 1)}
	reopened := old
	reopened.Ticket = "T-2"
	mustUpdate(t, s, func(tx *Tx) error {
		for _, c := range []flows.Complaint{old, reopened} {
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
			if err := tx.LinkPost(group, "p"+c.Ticket, Link{Ticket: c.Ticket, Relay: true}); err != nil {
				return err
			}
		}
		reopened.Status, reopened.ResolvedAt = flows.StatusInProgress, time.Time{}
		return tx.PutComplaint(reopened)
	})
	prune := func() (n int) {
		mustUpdate(t, s, func(tx *Tx) error {
			var err error
			n, _, err = tx.PrunePostLinks(now.AddDate(-1, 0, 0), 10)
			return err
		})
		return n
	}
	if n := prune(); n != 1 {
		t.Errorf("pruned %d links, want the one of %s", n, old.Ticket)
	}
	mustView(t, s, func(tx *Tx) error {
		if _, ok, _ := tx.PostLink(group, "pT-2"); !ok {
			t.Error("the reopened complaint lost its post link")
		}
		if n := tx.tx.Bucket(bucketClosed).Stats().KeyN; n != 0 {
			t.Errorf("%d complaints still listed as closed, want none", n)
		}
		return nil
	})
	// Erased later, with the same close time: not listed again.
	old.CitizenName, old.Erased = "", true
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(old) })
	mustView(t, s, func(tx *Tx) error {
		if n := tx.tx.Bucket(bucketClosed).Stats().KeyN; n != 0 {
			t.Errorf("%d complaints listed as closed after an erasure, want none", n)
		}
		return nil
	})
	// Closed again, two years ago as the clock stood then.
	reopened.Status, reopened.ResolvedAt = flows.StatusResolved, now.AddDate(-2, 1, 0)
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(reopened) })
	if n := prune(); n != 1 {
		t.Errorf("pruned %d links after the second close, want 1", n)
	}
}

// verify reports a closed complaint missing from the retention list and a
// post link missing from its complaint's entries: either would be kept
// for ever. A store kept by PutComplaint and LinkPost has neither.
func TestVerifyPruneLists(t *testing.T) {
	s := mustOpenTemp(t)
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	group := flows.Chat{Channel: "telegram", ID: "-1001"}
	c := flows.Complaint{Ticket: "T-1", Status: flows.StatusResolved, Created: now, Updated: now, ResolvedAt: now}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		if err := tx.LinkPost(group, "1", Link{Ticket: c.Ticket, Relay: true}); err != nil {
			return err
		}
		return tx.LinkReply(group, "2", c.Ticket)
	})
	if problems, err := s.Verify(nil); err != nil || len(problems) > 0 {
		t.Fatalf("verify of a sound store: %q %v", problems, err)
	}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.tx.Bucket(bucketRetain).Delete(retainKey(&c)); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketThreads).Delete([]byte(c.Ticket + "|" + group.String()))
	})
	problems, err := s.Verify(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems, "\n")
	for _, want := range []string{"complaint T-1 is closed but not in the retention list", "post link telegram:-1001|1 is not listed under T-1",
		"post link reply|telegram:-1001|2 is not listed under T-1"} {
		if !strings.Contains(got, want) {
			t.Errorf("verify says %q, want %q", got, want)
		}
	}
	if len(problems) != 3 {
		t.Errorf("%d problems, want 3: %q", len(problems), got)
	}
}

// A complaint's key for a chat lists its links there once each; the first
// relayed post stays the one its thread hangs under, also when other links
// came before it.
func TestLinksListedUnderComplaint(t *testing.T) {
	s := mustOpenTemp(t)
	group := flows.Chat{Channel: "whatsapp", ID: "120363@g.us"}
	mustUpdate(t, s, func(tx *Tx) error {
		for _, step := range []struct {
			id    string
			relay bool
		}{{"ack1", false}, {"post1", true}, {"post2", true}, {"ack1", false}, {"post1", true}} {
			if err := tx.LinkPost(group, step.id, Link{Ticket: "T-1", Relay: step.relay}); err != nil {
				return err
			}
		}
		if err := tx.LinkReply(group, "rep1", "T-1"); err != nil {
			return err
		}
		return tx.LinkReply(group, "rep1", "T-1")
	})
	mustView(t, s, func(tx *Tx) error {
		if got := tx.ThreadPost("T-1", group); got != "post1" {
			t.Errorf("thread post %q, want post1", got)
		}
		post, links := splitLinks(tx.tx.Bucket(bucketThreads).Get([]byte("T-1|" + group.String())))
		got := string(post)
		for _, l := range links {
			got += " " + string(l)
		}
		if want := "post1 pack1 ppost2 rrep1"; got != want {
			t.Errorf("links listed %q, want %q", got, want)
		}
		return nil
	})
	mustUpdate(t, s, func(tx *Tx) error {
		n, err := tx.forgetLinks("T-1")
		if n != 4 {
			t.Errorf("forgot %d links, want 4", n)
		}
		return err
	})
	if problems, err := s.Verify(nil); err != nil || len(problems) > 0 {
		t.Errorf("verify after forgetting: %q %v", problems, err)
	}
}
