package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aduan/flows"
	"aduan/store"
)

// BenchmarkCitizenHistory handles an ordinary message and a status
// request of a citizen with 1, 30 and 300 complaints filed over the
// years (all but the newest two resolved and rated): issue 10 wants the
// cost not to grow with the history.
//
//	go test -run XXX -bench BenchmarkCitizenHistory ./bot
func BenchmarkCitizenHistory(b *testing.B) {
	for _, n := range []int{1, 30, 300} {
		for _, text := range []string{"halo", "status"} {
			b.Run(fmt.Sprintf("complaints=%d/%s", n, text), func(b *testing.B) {
				clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
				d := deadlineDesk(b, filepath.Join(b.TempDir(), "aduan.db"), clock)
				chat := fillHistory(b, d, n, clock.now)
				b.ResetTimer()
				for i := range b.N {
					err := d.Handle(context.Background(), Inbound{Key: fmt.Sprint("k", i), Chat: chat, Private: true,
						Input: flows.Input{Kind: flows.InputText, Text: text}})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// fillHistory gives one citizen n complaints over the last years, each
// with a short thread; the newest two are open.
func fillHistory(b testing.TB, d *Desk, n int, now time.Time) flows.Chat {
	b.Helper()
	chat := flows.Chat{Channel: "fake", ID: "6281234"}
	conv := flows.Conversation{Chat: chat, Name: "Warga", State: flows.StateIdle, Updated: now.Add(-time.Hour)}
	err := d.store.Update(func(tx *store.Tx) error {
		for i := range n {
			created := now.Add(-time.Duration(n-i) * 72 * time.Hour)
			c := flows.Complaint{Ticket: flows.TicketNumber("ADU", 2026, uint64(i+1)), Category: "jalan", Office: "dpupr", Citizen: chat,
				CitizenName: "Warga", Description: strings.Repeat("Jalan berlubang besar di depan pasar. ", 4), Status: flows.StatusResolved, Created: created}
			c.FirstResponseAt, c.ResolvedAt, c.Rating = created.Add(3*time.Hour), created.Add(50*time.Hour), 4
			c.Thread = []flows.Entry{{At: created.Add(3 * time.Hour), Kind: flows.EntryReply, Text: "Sudah kami cek, tim berangkat besok."},
				{At: created.Add(5 * time.Hour), Kind: flows.EntryCitizen, Text: "Terima kasih."},
				{At: created.Add(50 * time.Hour), Kind: flows.EntryStatus, Text: "selesai"}}
			if i >= n-2 {
				c.Status, c.ResolvedAt, c.Rating = flows.StatusInProgress, time.Time{}, 0
			}
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
			conv.Tickets = append(conv.Tickets, c.Ticket)
		}
		return tx.PutConversation(conv)
	})
	if err != nil {
		b.Fatal(err)
	}
	return chat
}

// A citizen with a long history: status lists what is active and the
// newest, and counts the rest; an old complaint's rating button still
// works; erasure reaches every complaint, not only those a message reads.
func TestLongHistory(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	chat := fillHistory(t, d, 300, clock.now)
	say := func(key string, in flows.Input) string {
		t.Helper()
		if err := d.Handle(context.Background(), Inbound{Key: key, Chat: chat, Private: true, Input: in}); err != nil {
			t.Fatal(err)
		}
		texts := outbox(t, d, chat)
		return texts[len(texts)-1]
	}
	status := say("k1", flows.Input{Kind: flows.InputText, Text: "status"})
	for _, want := range []string{"ADU-2026-000300", "ADU-2026-000299", "ADU-2026-000291", "…dan 290 aduan lama"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	if strings.Contains(status, "ADU-2026-000290") {
		t.Errorf("status lists an old closed complaint:\n%s", status)
	}
	rated := say("k2", flows.Input{Kind: flows.InputChoice, Choice: "rate:ADU-2026-000001:5"})
	if !strings.Contains(rated, "5/5") {
		t.Errorf("rating an old complaint: %q", rated)
	}
	say("k3", flows.Input{Kind: flows.InputText, Text: "hapus"})
	say("k4", flows.Input{Kind: flows.InputChoice, Choice: "hapus:ya"})
	err := d.store.View(func(tx *store.Tx) error {
		return tx.EachComplaint(false, func(c *flows.Complaint) bool {
			if c.Citizen.ID != flows.ErasedChat || c.CitizenName != "" {
				t.Errorf("%s kept its citizen after erasure: %+v", c.Ticket, c.Citizen)
				return false
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The desk prunes post links in small transactions until none is due:
// the post links of a long-closed complaint go, those of an open one stay.
func TestPrunePostLinksRounds(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	group := flows.Chat{Channel: "fake", ID: "-2"}
	err := d.store.Update(func(tx *store.Tx) error {
		for i := range 2500 {
			c := flows.Complaint{Ticket: flows.TicketNumber("ADU", 2024, uint64(i+1)), Status: flows.StatusResolved,
				Created: clock.now.AddDate(-2, 0, 0), ResolvedAt: clock.now.AddDate(-2, 0, 1)}
			if i == 0 {
				c.Status, c.ResolvedAt = flows.StatusInProgress, time.Time{}
			}
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
			if err := tx.LinkPost(group, fmt.Sprint(i), store.Link{Ticket: c.Ticket, Relay: true}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.prunePostLinks(context.Background(), 365*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	d.store.View(func(tx *store.Tx) error {
		if _, ok, _ := tx.PostLink(group, "0"); !ok {
			t.Error("the open complaint's post link was pruned")
		}
		for _, id := range []string{"1", "1000", "2499"} {
			if _, ok, _ := tx.PostLink(group, id); ok {
				t.Errorf("post %s of a complaint closed two years ago was kept", id)
			}
		}
		return nil
	})
}

// Status shows the last answer of complaints closed long ago, which it
// takes from the citizen's list instead of reading them, and changes none
// of them.
func TestStatusOfOldComplaints(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	chat := fillHistory(t, d, 300, clock.now.AddDate(-1, 0, 0))
	var before []byte
	d.store.View(func(tx *store.Tx) error {
		c, err := tx.Complaint("ADU-2026-000295")
		before = fmt.Appendf(nil, "%+v %v", c, err)
		return nil
	})
	if err := d.Handle(context.Background(), Inbound{Key: "k1", Chat: chat, Private: true, Input: flows.Input{Kind: flows.InputText, Text: "status"}}); err != nil {
		t.Fatal(err)
	}
	texts := outbox(t, d, chat)
	status := texts[len(texts)-1]
	if n := strings.Count(status, "Jawaban terakhir: Sudah kami cek, tim berangkat besok."); n != flows.StatusShown {
		t.Errorf("status shows the last answer %d times, want %d:\n%s", n, flows.StatusShown, status)
	}
	d.store.View(func(tx *store.Tx) error {
		c, err := tx.Complaint("ADU-2026-000295")
		if after := fmt.Appendf(nil, "%+v %v", c, err); string(after) != string(before) {
			t.Errorf("status changed a complaint:\n%s\n%s", before, after)
		}
		return nil
	})
}
