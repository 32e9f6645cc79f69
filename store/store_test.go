package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aduan/flows"
)

var chat = flows.Chat{Channel: "telegram", ID: "42"}

func mustOpen(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func mustUpdate(t *testing.T, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func TestRoundTripAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	conv := flows.Conversation{Chat: chat, Name: "Budi", State: flows.StateLocation,
		Draft: flows.Draft{Category: "jalan", Description: "Jalan <b>rusak</b> _parah_"}, Tickets: []string{"ADU-2026-000001"}}
	cp := flows.Complaint{Ticket: "ADU-2026-000001", Citizen: chat, Category: "jalan", Office: "dpupr",
		Description: "x", Status: flows.StatusNew, Thread: []flows.Entry{{Kind: flows.EntryReply, Text: "ok"}}}
	admin := flows.Chat{Channel: "telegram", ID: "-100"}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutConversation(conv); err != nil {
			return err
		}
		if err := tx.PutComplaint(cp); err != nil {
			return err
		}
		if err := tx.LinkPost(admin, "77", Link{Ticket: cp.Ticket, Relay: true}); err != nil {
			return err
		}
		if err := tx.LinkPost(admin, "78", Link{Ticket: cp.Ticket}); err != nil {
			return err
		}
		if err := tx.SetMeta("telegram.offset", "1234"); err != nil {
			return err
		}
		return tx.Enqueue(flows.Message{To: chat, Text: "satu"}, flows.Message{To: admin, Text: "dua"}, flows.Message{To: chat, Text: "tiga"})
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, path)
	defer s.Close()
	err := s.View(func(tx *Tx) error {
		got, err := tx.Conversation(chat)
		if err != nil {
			return err
		}
		if got.State != conv.State || got.Draft.Description != conv.Draft.Description || got.Name != "Budi" || len(got.Tickets) != 1 {
			t.Errorf("conversation = %+v", got)
		}
		c, err := tx.Complaint(cp.Ticket)
		if err != nil || c == nil || c.Office != "dpupr" || len(c.Thread) != 1 {
			t.Errorf("complaint = %+v, %v", c, err)
		}
		if none, _ := tx.Complaint("ADU-2026-999999"); none != nil {
			t.Errorf("found a complaint that does not exist")
		}
		if got, ok, _ := tx.PostLink(admin, "77"); !ok || got.Ticket != cp.Ticket || !got.Relay {
			t.Errorf("PostLink(77) = %+v, %v", got, ok)
		}
		if got, ok, _ := tx.PostLink(admin, "78"); !ok || got.Ticket != cp.Ticket || got.Relay {
			t.Errorf("PostLink(78) = %+v, %v; want an internal link", got, ok)
		}
		if got, ok, _ := tx.PostLink(chat, "78"); ok {
			t.Errorf("PostLink in another chat = %+v", got)
		}
		if got := tx.ThreadPost(cp.Ticket, admin); got != "77" {
			t.Errorf("ThreadPost = %q, want the first post 77", got)
		}
		if got := tx.Meta("telegram.offset"); got != "1234" {
			t.Errorf("offset = %q", got)
		}
		heads, err := tx.OutboxHeads("telegram")
		if err != nil {
			return err
		}
		var texts []string
		for _, h := range heads {
			o, err := tx.Outgoing(flows.Chat{Channel: "telegram", ID: h.Queue}, h.Seq)
			if err != nil {
				return err
			}
			texts = append(texts, h.Queue+":"+o.Message.Text)
		}
		// One head per chat; the admin chat's id sorts first.
		if strings.Join(texts, ",") != "-100:dua,42:satu" {
			t.Errorf("outbox heads = %v", texts)
		}
		if other, _ := tx.OutboxHeads("whatsapp"); len(other) != 0 {
			t.Errorf("another channel sees %d messages", len(other))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Delivering a chat's head makes its next message the head.
	var order []string
	for range 3 {
		var head *Outgoing
		_ = s.View(func(tx *Tx) error {
			if head, _ = tx.QueueHead(chat); head == nil {
				head, _ = tx.QueueHead(admin)
			}
			return nil
		})
		order = append(order, head.Message.Text)
		mustUpdate(t, s, func(tx *Tx) error { return tx.Delivered(head.Queue, head.Seq) })
	}
	if strings.Join(order, ",") != "satu,tiga,dua" {
		t.Errorf("delivery order = %v, want the citizen's messages in order first", order)
	}
	_ = s.View(func(tx *Tx) error {
		if n := tx.OutboxLen(); n != 0 {
			t.Errorf("outbox has %d after all deliveries", n)
		}
		return nil
	})
}

func TestHeadsSkipsLongQueues(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "aduan.db"))
	defer s.Close()
	group := flows.Chat{Channel: "telegram", ID: "-1"}
	mustUpdate(t, s, func(tx *Tx) error {
		for range 500 {
			if err := tx.Enqueue(flows.Message{To: group, Text: "post"}); err != nil {
				return err
			}
		}
		// Chat ids that share a prefix must not hide each other.
		for _, id := range []string{"1", "10", "-10"} {
			if err := tx.Enqueue(flows.Message{To: flows.Chat{Channel: "telegram", ID: id}, Text: "hi " + id}); err != nil {
				return err
			}
		}
		return nil
	})
	_ = s.View(func(tx *Tx) error {
		heads, err := tx.OutboxHeads("telegram")
		var queues []string
		for _, h := range heads {
			queues = append(queues, h.Queue)
		}
		if err != nil || strings.Join(queues, ",") != "-1,-10,1,10" {
			t.Errorf("heads = %v (%v), want one per chat behind a long queue", queues, err)
		}
		return nil
	})
}

// A message records the parts that went out, and survives a restart with
// them; entries written before parts existed still read.
func TestOutgoingParts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	admin := flows.Chat{Channel: "telegram", ID: "-100"}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.Enqueue(flows.Message{To: admin, Text: "post", Photos: []string{"aa"}}); err != nil {
			return err
		}
		o, err := tx.QueueHead(admin)
		if err != nil || o == nil {
			return fmt.Errorf("head: %v", err)
		}
		o.Parts = [][]string{{"10"}}
		return tx.UpdateOutgoing(*o)
	})
	s.Close()
	s = mustOpen(t, path)
	defer s.Close()
	_ = s.View(func(tx *Tx) error {
		o, err := tx.QueueHead(admin)
		if err != nil || o == nil || len(o.Parts) != 1 || o.Parts[0][0] != "10" || o.Message.Text != "post" {
			t.Errorf("after restart: %+v, %v", o, err)
		}
		return nil
	})
	// An old entry: the message alone.
	mustUpdate(t, s, func(tx *Tx) error {
		data, _ := json.Marshal(flows.Message{To: chat, Text: "lama"})
		return tx.tx.Bucket(bucketOutbox).Put(queueKey(chat.Channel, chat.ID, 999), data)
	})
	_ = s.View(func(tx *Tx) error {
		o, err := tx.QueueHead(chat)
		if err != nil || o == nil || o.Message.Text != "lama" {
			t.Errorf("old entry = %+v, %v", o, err)
		}
		return nil
	})
}

func TestTicketNumbering(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	var got []string
	take := func(year int) {
		mustUpdate(t, s, func(tx *Tx) error {
			peek := tx.NextTicket("ADU", year)
			tk, err := tx.TakeTicket("ADU", year)
			if peek != tk {
				t.Errorf("NextTicket %q != TakeTicket %q", peek, tk)
			}
			got = append(got, tk)
			return err
		})
	}
	take(2026)
	take(2026)
	s.Close()
	s = mustOpen(t, path) // numbering survives a restart
	take(2026)
	take(2027) // a new year starts at 1
	take(2027)
	s.Close()
	want := "ADU-2026-000001,ADU-2026-000002,ADU-2026-000003,ADU-2027-000001,ADU-2027-000002"
	if strings.Join(got, ",") != want {
		t.Errorf("tickets = %v, want %s", got, want)
	}
}

func TestSeenAndPrune(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "aduan.db"))
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, want := range []bool{false, true} {
		mustUpdate(t, s, func(tx *Tx) error {
			seen, err := tx.Seen("telegram:update:1", t0)
			if seen != want {
				t.Errorf("round %d: seen = %v, want %v", i, seen, want)
			}
			return err
		})
	}
	mustUpdate(t, s, func(tx *Tx) error {
		_, err := tx.Seen("telegram:update:2", t0.Add(48*time.Hour))
		return err
	})
	for i := range 5 {
		mustUpdate(t, s, func(tx *Tx) error {
			_, err := tx.Seen(fmt.Sprintf("web:%d", i), t0)
			return err
		})
	}
	// Two keys a transaction: old keys go, across several walks.
	from, total := "", 0
	for walks := 1; ; walks++ {
		mustUpdate(t, s, func(tx *Tx) error {
			next, n, err := tx.PruneSeen(t0.Add(time.Hour), from, 2)
			from, total = next, total+n
			return err
		})
		if from == "" {
			if walks != 4 {
				t.Errorf("%d walks of 2 keys over 7 keys, want 4", walks)
			}
			break
		}
	}
	if total != 6 {
		t.Errorf("pruned %d, want 6", total)
	}
	mustUpdate(t, s, func(tx *Tx) error {
		if seen, _ := tx.Seen("telegram:update:2", t0); !seen {
			t.Errorf("recent key was pruned")
		}
		return nil
	})
}

func TestSecondInstanceFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	defer s.Close()
	start := time.Now()
	_, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "data_dir") {
		t.Errorf("error %q does not tell the operator what to check", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second open took %s", d)
	}
}

func TestEnqueueRejectsMessageWithoutChat(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "aduan.db"))
	defer s.Close()
	err := s.Update(func(tx *Tx) error { return tx.Enqueue(flows.Message{Text: "x"}) })
	if err == nil {
		t.Fatal("message without chat was queued")
	}
}

func TestMedia(t *testing.T) {
	m, err := OpenMedia(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("\xff\xd8\xff fake jpeg")
	h1, err := m.Put(bytes.NewReader(data), 100)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := m.Put(bytes.NewReader(data), 100)
	if err != nil || h1 != h2 || len(h1) != 64 {
		t.Errorf("same content gave %q and %q (%v)", h1, h2, err)
	}
	f, err := m.Open(h1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) {
		t.Errorf("read back %q", got)
	}
	if _, err := m.Put(bytes.NewReader(make([]byte, 101)), 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized put: %v", err)
	}
	if _, err := m.Open("../../etc/passwd"); err == nil {
		t.Errorf("opened a path outside the media dir")
	}
}
