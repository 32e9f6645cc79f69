package store

import (
	"slices"
	"testing"
	"time"

	"aduan/flows"
)

// The retention list follows each put: a closed complaint is listed by
// when it last changed, a later change moves it, reopening or erasing
// takes it off.
func TestRetainList(t *testing.T) {
	s := mustOpenTemp(t)
	at := time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)
	c := threadComplaint(1)
	c.Status, c.Updated = flows.StatusResolved, at
	open := threadComplaint(1)
	open.Ticket, open.Updated = "ADU-2026-000009", at
	due := func(before time.Time) []string {
		t.Helper()
		var out []string
		mustUpdate(t, s, func(tx *Tx) error {
			var err error
			out, err = tx.RetainDue(before, 10)
			return err
		})
		return out
	}
	put := func(cs ...flows.Complaint) {
		t.Helper()
		mustUpdate(t, s, func(tx *Tx) error {
			for _, x := range cs {
				if err := tx.PutComplaint(x); err != nil {
					return err
				}
			}
			return nil
		})
	}
	put(c, open)
	if got := due(at.Add(time.Second)); !slices.Equal(got, []string{c.Ticket}) {
		t.Errorf("due just after it closed: %v, want only the closed one", got)
	}
	if got := due(at); len(got) != 0 {
		t.Errorf("due at the moment it closed: %v, want none", got)
	}
	c.Updated = at.Add(24 * time.Hour) // rated a day later
	put(c)
	if got := due(at.Add(time.Hour)); len(got) != 0 {
		t.Errorf("still due by its old time: %v", got)
	}
	if got := due(at.Add(25 * time.Hour)); !slices.Equal(got, []string{c.Ticket}) {
		t.Errorf("due by its new time: %v", got)
	}
	c.Status = flows.StatusInProgress // reopened
	put(c)
	if got := due(at.Add(1000 * time.Hour)); len(got) != 0 {
		t.Errorf("a reopened complaint is due: %v", got)
	}
	c.Status, c.Erased = flows.StatusResolved, true
	put(c)
	if got := due(at.Add(1000 * time.Hour)); len(got) != 0 {
		t.Errorf("an erased complaint is due: %v", got)
	}
}

// An entry that matches no complaint is dropped, not returned, and does
// not hold up the ones behind it.
func TestRetainListStaleEntries(t *testing.T) {
	s := mustOpenTemp(t)
	at := time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)
	c := threadComplaint(0)
	c.Status, c.Updated = flows.StatusResolved, at
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		b := tx.tx.Bucket(bucketRetain)
		gone := flows.Complaint{Ticket: "ADU-2026-000001", Status: flows.StatusResolved, Updated: at.Add(-time.Hour)}
		moved := c
		moved.Updated = at.Add(-2 * time.Hour)
		if err := b.Put(retainKey(&gone), nil); err != nil {
			return err
		}
		return b.Put(retainKey(&moved), nil)
	})
	var got []string
	mustUpdate(t, s, func(tx *Tx) error {
		var err error
		got, err = tx.RetainDue(at.Add(time.Hour), 1)
		return err
	})
	if !slices.Equal(got, []string{c.Ticket}) {
		t.Errorf("due %v, want only %s", got, c.Ticket)
	}
	mustView(t, s, func(tx *Tx) error {
		if n := tx.tx.Bucket(bucketRetain).Stats().KeyN; n != 1 {
			t.Errorf("%d entries left in the list, want 1", n)
		}
		return nil
	})
}

// A store from before the list gets it built at migration.
func TestRetainListBuilt(t *testing.T) {
	s := mustOpenTemp(t)
	c := threadComplaint(2)
	c.Status, c.Updated = flows.StatusRejected, time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		if err := tx.tx.DeleteBucket(bucketRetain); err != nil {
			return err
		}
		if _, err := tx.tx.CreateBucket(bucketRetain); err != nil {
			return err
		}
		if err := tx.tx.Bucket(bucketMeta).Delete([]byte(metaRetain)); err != nil {
			return err
		}
		return tx.indexRetains()
	})
	mustView(t, s, func(tx *Tx) error {
		got, err := tx.RetainDue(c.Updated.Add(time.Second), 10)
		if err != nil || !slices.Equal(got, []string{c.Ticket}) {
			t.Errorf("after building the list: %v %v", got, err)
		}
		return nil
	})
}
