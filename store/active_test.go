package store

import (
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
	n := 0
	mustView(t, s, func(tx *Tx) error {
		return tx.tx.Bucket(bucketActive).ForEach(func(k, v []byte) error { n++; return nil })
	})
	if n != len(wantListed)+1 { // and the other citizen's A-13
		t.Errorf("%d entries left in the index, want %d", n, len(wantListed)+1)
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
	mustUpdate(t, s, func(tx *Tx) error { return tx.tx.Bucket(bucketActive).Put(activeKey(chat, c.Ticket), stale.encode()) })
	if problems, err := s.Verify(nil); err != nil || len(problems) != 1 || !strings.Contains(problems[0], "A-1: its status line in its citizen's list is out of date") {
		t.Errorf("verify of a stale line: %q %v", problems, err)
	}
	c.Citizen, c.Thread = flows.Chat{Channel: "telegram", ID: flows.ErasedChat}, nil
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	mustView(t, s, func(tx *Tx) error {
		if n := tx.tx.Bucket(bucketActive).Stats().KeyN; n != 0 {
			t.Errorf("%d entries left after the erasure, want none", n)
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
