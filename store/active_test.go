package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"aduan/flows"
)

// A citizen's list holds their open complaints, the recently resolved
// ones and the newest flows.StatusShown; entries resolved long ago and
// older than those, or of complaints the citizen no longer claims, go on
// the first read.
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
	put("A-01", chat, flows.StatusResolved, at.Add(-40*24*time.Hour)) // old, and past the newest ten
	put("A-02", chat, flows.StatusRejected, time.Time{})              // past the newest ten
	put("A-03", chat, flows.StatusNew, time.Time{})
	for i := 4; i <= 9; i++ {
		put(fmt.Sprintf("A-%02d", i), chat, flows.StatusResolved, at.Add(-40*24*time.Hour)) // old, among the newest
	}
	put("A-10", chat, flows.StatusResolved, at.Add(-time.Hour))
	put("A-11", chat, flows.StatusRejected, time.Time{})
	put("A-12", chat, flows.StatusInProgress, time.Time{})
	put("A-13", other, flows.StatusNew, time.Time{})
	put("A-14", chat, flows.StatusNew, time.Time{})
	put("A-14", chat, flows.StatusRejected, time.Time{}) // closed since
	claimed := func(t string) bool { return t != "A-12" }
	read := func() (active, listed []string) {
		mustUpdate(t, s, func(tx *Tx) error {
			got, heads, err := tx.ActiveTickets(chat, at.Add(-30*24*time.Hour), claimed)
			active, listed = slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(heads))
			return err
		})
		return active, listed
	}
	wantListed := []string{"A-03", "A-04", "A-05", "A-06", "A-07", "A-08", "A-09", "A-10", "A-11", "A-14"}
	active, listed := read()
	if !slices.Equal(active, []string{"A-03", "A-10"}) || !slices.Equal(listed, wantListed) {
		t.Errorf("active %v, listed %v; want [A-03 A-10] and %v", active, listed, wantListed)
	}
	// What was dropped is gone from the list, not only filtered.
	claimed = func(string) bool { return true }
	if _, listed := read(); !slices.Equal(listed, wantListed) {
		t.Errorf("after pruning: %v, want %v", listed, wantListed)
	}
	if got := storedList(t, s, chat); !slices.Equal(got, wantListed) {
		t.Errorf("stored list %v, want %v", got, wantListed)
	}
	if got := storedList(t, s, other); !slices.Equal(got, []string{"A-13"}) {
		t.Errorf("the other citizen's list %v, want [A-13]", got)
	}
}

// storedList reads the tickets of a citizen's list as stored.
func storedList(t *testing.T, s *Store, chat flows.Chat) []string {
	t.Helper()
	var tickets []string
	mustView(t, s, func(tx *Tx) error {
		list, err := decodeList(tx.tx.Bucket(bucketConversations).Get(listKey(chat)))
		for _, e := range list {
			tickets = append(tickets, e.ticket)
		}
		return err
	})
	return tickets
}

// A citizen's list sits right after their conversation, also when another
// chat's name starts with theirs, and conversations read as before.
func TestListBesideConversation(t *testing.T) {
	s := mustOpenTemp(t)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	chats := []flows.Chat{{Channel: "telegram", ID: "5001"}, {Channel: "telegram", ID: "50011"}, {Channel: "telegram", ID: "500"}}
	mustUpdate(t, s, func(tx *Tx) error {
		for i, chat := range chats {
			if err := tx.PutConversation(flows.Conversation{Chat: chat, State: flows.StateIdle, Tickets: []string{fmt.Sprint("A-", i)}}); err != nil {
				return err
			}
			if err := tx.PutComplaint(flows.Complaint{Ticket: fmt.Sprint("A-", i), Citizen: chat, Status: flows.StatusNew, Created: at}); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, s, func(tx *Tx) error {
		c := tx.tx.Bucket(bucketConversations).Cursor()
		for _, chat := range chats {
			if k, _ := c.Seek([]byte(chat.String())); string(k) != chat.String() {
				t.Errorf("conversation of %s: found %q", chat, k)
			}
			if k, _ := c.Next(); !bytes.Equal(k, listKey(chat)) {
				t.Errorf("after the conversation of %s comes %q, not its list", chat, k)
			}
			conv, err := tx.Conversation(chat)
			if err != nil || !slices.Equal(conv.Tickets, []string{fmt.Sprint("A-", slices.Index(chats, chat))}) {
				t.Errorf("conversation of %s: %+v %v", chat, conv, err)
			}
		}
		return nil
	})
	if problems, err := s.Verify(nil); err != nil || len(problems) > 0 {
		t.Errorf("verify: %q %v", problems, err)
	}
}

// A list that does not read is made again from the complaints the
// citizen's conversation names: their message and an admin's answer go
// on, and verify names the damage until the list is written again.
func TestListDamaged(t *testing.T) {
	s := mustOpenTemp(t)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	chat := flows.Chat{Channel: "telegram", ID: "5001"}
	damage := func() {
		mustUpdate(t, s, func(tx *Tx) error { return tx.tx.Bucket(bucketConversations).Put(listKey(chat), []byte{5, 'A', '-'}) })
		if problems, err := s.Verify(nil); err != nil || len(problems) != 1 || !strings.Contains(problems[0], "the list of telegram:5001's complaints: damaged list") {
			t.Errorf("verify of a damaged list: %q %v", problems, err)
		}
	}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutConversation(flows.Conversation{Chat: chat, State: flows.StateIdle, Tickets: []string{"A-2", "A-1", "A-3"}}); err != nil {
			return err
		}
		for _, c := range []flows.Complaint{
			{Ticket: "A-1", Citizen: chat, Status: flows.StatusRejected, Created: at},
			{Ticket: "A-2", Citizen: chat, Status: flows.StatusInProgress, Created: at},
			{Ticket: "A-3", Citizen: flows.Chat{Channel: "telegram", ID: flows.ErasedChat}, Status: flows.StatusNew, Created: at}, // no longer theirs
		} {
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
		}
		return nil
	})
	damage()
	mustUpdate(t, s, func(tx *Tx) error {
		active, heads, err := tx.ActiveTickets(chat, at, func(string) bool { return true })
		if err != nil || !slices.Equal(slices.Sorted(maps.Keys(active)), []string{"A-2"}) || !slices.Equal(slices.Sorted(maps.Keys(heads)), []string{"A-1", "A-2"}) {
			t.Errorf("a damaged list read as active %v, heads %v (%v)", active, heads, err)
		}
		return nil
	})
	if got := storedList(t, s, chat); !slices.Equal(got, []string{"A-1", "A-2"}) {
		t.Errorf("the list written again: %v", got)
	}
	if problems, err := s.Verify(nil); err != nil || len(problems) > 0 {
		t.Errorf("verify after the list was written again: %q %v", problems, err)
	}
	damage()
	mustUpdate(t, s, func(tx *Tx) error {
		return tx.PutComplaint(flows.Complaint{Ticket: "A-2", Citizen: chat, Status: flows.StatusResolved, Created: at, ResolvedAt: at})
	})
	if got := storedList(t, s, chat); !slices.Equal(got, []string{"A-1", "A-2"}) {
		t.Errorf("the list after a change on a damaged one: %v", got)
	}
	if problems, err := s.Verify(nil); err != nil || len(problems) > 0 {
		t.Errorf("verify after a change on a damaged list: %q %v", problems, err)
	}
}

// A list reads back as written; a value cut inside an entry, or with its
// tickets out of order, is refused.
func TestListEncoding(t *testing.T) {
	list := []listEntry{{ticket: "A-1", line: activeLine{Status: flows.StatusNew}.encode()}, {ticket: "A-2", line: []byte("~x")}, {ticket: "A-3", line: nil}}
	enc := encodeList(list)
	got, err := decodeList(enc)
	if err != nil || len(got) != len(list) {
		t.Fatalf("decoded %+v %v", got, err)
	}
	for i := range list {
		if got[i].ticket != list[i].ticket || !bytes.Equal(got[i].line, list[i].line) {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], list[i])
		}
	}
	ends := map[int]bool{0: true}
	for i := range list {
		ends[len(encodeList(list[:i+1]))] = true
	}
	for i := range len(enc) {
		if _, err := decodeList(enc[:i]); (err == nil) != ends[i] {
			t.Errorf("a list cut at %d: %v", i, err)
		}
	}
	if _, err := decodeList(encodeList([]listEntry{list[1], list[0]})); err == nil {
		t.Error("a list out of order was read")
	}
}

// An entry carries the complaint's status line, its last answer included;
// such a head is never stored back; an erasure takes the entry away.
func TestActiveLines(t *testing.T) {
	s := mustOpenTemp(t)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	chat := flows.Chat{Channel: "telegram", ID: "5001"}
	c := flows.Complaint{Ticket: "A-1", Citizen: chat, Category: "jalan", Office: "dpupr", Status: flows.StatusResolved, Created: at, ResolvedAt: at.Add(time.Hour),
		Thread: []flows.Entry{{At: at, Kind: flows.EntryReply, Text: "Tim   kami\nsudah berangkat."}, {At: at, Kind: flows.EntryCitizen, Text: "Terima kasih."}}}
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	var head flows.Complaint
	mustUpdate(t, s, func(tx *Tx) error {
		_, heads, err := tx.ActiveTickets(chat, at, func(string) bool { return true })
		head = heads["A-1"]
		return err
	})
	want := flows.Complaint{Ticket: "A-1", Citizen: chat, Category: "jalan", Office: "dpupr", Status: flows.StatusResolved, ResolvedAt: at.Add(time.Hour),
		Head: true, Answer: "Tim kami sudah berangkat."}
	if !reflect.DeepEqual(head, want) {
		t.Errorf("head %+v\nwant %+v", head, want)
	}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(head); err == nil || !strings.Contains(err.Error(), "without its thread") {
			t.Errorf("storing a head: %v, want it refused", err)
		}
		return nil
	})
	mustView(t, s, func(tx *Tx) error {
		if got, err := tx.Complaint("A-1"); err != nil || got == nil || len(got.Thread) != 2 {
			t.Errorf("after the refused put: %+v %v", got, err)
		}
		return nil
	})
	if problems, err := s.Verify(nil); err != nil || len(problems) > 0 {
		t.Errorf("verify of a sound list: %q %v", problems, err)
	}
	stale := lineOf(&c)
	stale.Answer = "Jawaban lama"
	mustUpdate(t, s, func(tx *Tx) error {
		return writeList(tx.tx.Bucket(bucketConversations), chat, []listEntry{{ticket: c.Ticket, line: stale.encode()}})
	})
	if problems, err := s.Verify(nil); err != nil || len(problems) != 1 || !strings.Contains(problems[0], "A-1: its status line in its citizen's list is out of date") {
		t.Errorf("verify of a stale line: %q %v", problems, err)
	}
	c.Citizen, c.Thread = flows.Chat{Channel: "telegram", ID: flows.ErasedChat}, nil
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	mustView(t, s, func(tx *Tx) error {
		if v := tx.tx.Bucket(bucketConversations).Get(listKey(chat)); v != nil {
			t.Errorf("the list %q outlived the erasure", v)
		}
		return nil
	})
}

// A line reads back as written, every cut of it is refused without a
// panic, and the values from before lines are no lines.
func TestActiveLineEncoding(t *testing.T) {
	l := activeLine{Status: flows.StatusRejected, Category: "jalan", Office: "dpupr", ResolvedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Answer: "Bukan wewenang kami 🙏"}
	enc := l.encode()
	if got, ok := decodeLine(enc); !ok || got != l {
		t.Errorf("decoded %+v %v, want %+v", got, ok, l)
	}
	for i := range len(enc) - len(l.Answer) {
		if got, ok := decodeLine(enc[:i]); ok {
			t.Errorf("a line cut at %d read as %+v", i, got)
		}
	}
	for _, old := range [][]byte{nil, {}, binary.BigEndian.AppendUint64(nil, uint64(l.ResolvedAt.UnixNano()))} {
		if _, ok := decodeLine(old); ok {
			t.Errorf("value %x from before lines read as a line", old)
		}
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

// Forgetting a conversation forgets the list beside it: an erased citizen
// leaves no key named after their chat.
func TestDeleteConversationTakesTheList(t *testing.T) {
	s := mustOpenTemp(t)
	chat := flows.Chat{Channel: "whatsapp", ID: "6281234567890@s.whatsapp.net"}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutConversation(flows.Conversation{Chat: chat, State: flows.StateIdle, Tickets: []string{"A-1"}}); err != nil {
			return err
		}
		return tx.PutComplaint(flows.Complaint{Ticket: "A-1", Citizen: chat, Status: flows.StatusNew, Created: time.Now()})
	})
	mustUpdate(t, s, func(tx *Tx) error { return tx.DeleteConversation(chat) })
	mustView(t, s, func(tx *Tx) error {
		return tx.tx.Bucket(bucketConversations).ForEach(func(k, _ []byte) error {
			t.Errorf("key %q left after the conversation was deleted", k)
			return nil
		})
	})
}
