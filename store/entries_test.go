package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"aduan/flows"
)

func threadComplaint(n int) flows.Complaint {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	c := flows.Complaint{Ticket: "ADU-2026-000007", Office: "dpupr", Category: "jalan", Status: flows.StatusInProgress,
		Citizen: flows.Chat{Channel: "telegram", ID: "5001"}, CitizenName: "Budi", Description: "Jalan berlubang", Created: at, Updated: at}
	for i := range n {
		c.Thread = append(c.Thread, flows.Entry{At: at.Add(time.Duration(i) * time.Minute), Kind: flows.EntryCitizen, Author: "Budi", Text: fmt.Sprintf("pesan %d", i)})
	}
	return c
}

// entryText reads one stored entry's text straight from the bucket.
func entryText(t *testing.T, s *Store, ticket string, i int) string {
	t.Helper()
	var e flows.Entry
	mustView(t, s, func(tx *Tx) error {
		v := tx.tx.Bucket(bucketEntries).Get(entryKey(ticket, i))
		if v == nil {
			return fmt.Errorf("entry %d of %s missing", i, ticket)
		}
		data, err := decodeValue(v)
		if err != nil {
			return err
		}
		return json.Unmarshal(data, &e)
	})
	return e.Text
}

// setEntryText overwrites one stored entry behind the store's back, to
// tell afterwards whether a put wrote it again.
func setEntryText(t *testing.T, s *Store, ticket string, i int, text string) {
	t.Helper()
	mustUpdate(t, s, func(tx *Tx) error {
		data, _ := json.Marshal(flows.Entry{Kind: flows.EntryCitizen, Text: text})
		return tx.tx.Bucket(bucketEntries).Put(entryKey(ticket, i), data)
	})
}

// Adding an entry to a thread writes that entry; the ones stored before
// are left as they are.
func TestThreadAppendWritesOnlyTheNewEntry(t *testing.T) {
	s := mustOpenTemp(t)
	c := threadComplaint(3)
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	setEntryText(t, s, c.Ticket, 0, "ditandai")

	c.Thread = append(c.Thread, flows.Entry{At: c.Created.Add(time.Hour), Kind: flows.EntryReply, Author: "Sari", Text: "Tim berangkat."})
	c.Status = flows.StatusInProgress
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })

	if got := entryText(t, s, c.Ticket, 0); got != "ditandai" {
		t.Errorf("entry 0 was written again (%q) when only entry 3 was added", got)
	}
	if got := entryText(t, s, c.Ticket, 3); got != "Tim berangkat." {
		t.Errorf("the new entry reads %q", got)
	}
}

// A change to an entry stored before (an erasure blanks the citizen's
// words) is noticed and written; the loaded complaint is what was put.
func TestThreadChangedEntryRewritten(t *testing.T) {
	s := mustOpenTemp(t)
	c := threadComplaint(3)
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })

	c.Thread[1].Text, c.Thread[1].Author = "[dihapus]", ""
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	mustView(t, s, func(tx *Tx) error {
		got, err := tx.Complaint(c.Ticket)
		if err != nil || got == nil || !reflect.DeepEqual(got.Thread, c.Thread) {
			t.Errorf("thread %+v (%v), want %+v", got, err, c.Thread)
		}
		return nil
	})
}

// A complaint put with a shorter thread than stored has that thread, and
// the entries past it are gone from the bucket.
func TestThreadReplacedByShorter(t *testing.T) {
	s := mustOpenTemp(t)
	c := threadComplaint(5)
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	c.Thread = c.Thread[:2]
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	mustView(t, s, func(tx *Tx) error {
		got, err := tx.Complaint(c.Ticket)
		if err != nil || got == nil || !reflect.DeepEqual(got.Thread, c.Thread) {
			t.Errorf("thread %+v (%v), want %+v", got, err, c.Thread)
		}
		if n := tx.tx.Bucket(bucketEntries).Stats().KeyN; n != 2 {
			t.Errorf("%d entries stored, want 2", n)
		}
		return nil
	})
}

// Threads of neighbouring tickets stay apart, and EachComplaint loads
// each one's own, in both orders.
func TestThreadsOfManyComplaints(t *testing.T) {
	s := mustOpenTemp(t)
	var want []flows.Complaint
	mustUpdate(t, s, func(tx *Tx) error {
		for i := 1; i <= 12; i++ {
			c := threadComplaint(i % 4)
			c.Ticket = flows.TicketNumber("ADU", 2026, uint64(i))
			want = append(want, c)
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
		}
		return nil
	})
	for _, newest := range []bool{false, true} {
		mustView(t, s, func(tx *Tx) error {
			return tx.EachComplaint(newest, func(c *flows.Complaint) bool {
				var w flows.Complaint
				for _, x := range want {
					if x.Ticket == c.Ticket {
						w = x
					}
				}
				if len(c.Thread) != len(w.Thread) || (len(w.Thread) > 0 && !reflect.DeepEqual(c.Thread, w.Thread)) {
					t.Errorf("%s: thread %+v, want %+v", c.Ticket, c.Thread, w.Thread)
				}
				return true
			})
		})
		mustView(t, s, func(tx *Tx) error {
			n := 0
			err := tx.EachComplaintHead(newest, func(c *flows.Complaint) bool {
				n++
				if len(c.Thread) != 0 || c.Description != "Jalan berlubang" {
					t.Errorf("%s without its thread: %+v", c.Ticket, c)
				}
				return true
			})
			if n != len(want) {
				t.Errorf("EachComplaintHead read %d complaints, want %d", n, len(want))
			}
			return err
		})
	}
}

// A thread with an entry missing is reported, not shown short.
func TestThreadEntryMissing(t *testing.T) {
	s := mustOpenTemp(t)
	c := threadComplaint(3)
	mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	mustUpdate(t, s, func(tx *Tx) error { return tx.tx.Bucket(bucketEntries).Delete(entryKey(c.Ticket, 2)) })
	err := s.View(func(tx *Tx) error {
		_, err := tx.Complaint(c.Ticket)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "2 of 3 entries") {
		t.Errorf("loading a thread with an entry missing: %v", err)
	}
}

// verify reports a thread with an entry missing and entries whose
// complaint does not exist, and goes on past them.
func TestVerifyThreads(t *testing.T) {
	s := mustOpenTemp(t)
	c := threadComplaint(3)
	other := threadComplaint(2)
	other.Ticket = "ADU-2026-000008"
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		if err := tx.PutComplaint(other); err != nil {
			return err
		}
		b := tx.tx.Bucket(bucketEntries)
		if err := b.Delete(entryKey(c.Ticket, 1)); err != nil {
			return err
		}
		return b.Put(entryKey("ADU-2026-000005", 0), []byte(`{"kind":"warga","text":"yatim"}`))
	})
	problems, err := s.Verify(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems, "\n")
	for _, want := range []string{"complaint ADU-2026-000007: its thread has 2 of 3 entries", "thread entries of ADU-2026-000005, which does not exist"} {
		if !strings.Contains(got, want) {
			t.Errorf("verify says %q, want %q", got, want)
		}
	}
	if len(problems) != 2 {
		t.Errorf("%d problems, want 2: %q", len(problems), got)
	}
}
