package store

import (
	"encoding/json"
	"strings"
	"testing"

	"aduan/flows"
)

// Complaints are stored compressed and read back whole; one written
// before compression (plain JSON) is still read.
func TestCompressedValues(t *testing.T) {
	s := mustOpenTemp(t)
	c := flows.Complaint{Ticket: "ADU-2026-000001", Status: flows.StatusNew, Description: strings.Repeat("Atap kelas bocor. ", 30)}
	old := flows.Complaint{Ticket: "ADU-2026-000002", Status: flows.StatusNew, Description: strings.Repeat("Jalan rusak. ", 30)}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		if err := tx.PutComplaint(old); err != nil {
			return err
		}
		raw, _ := json.Marshal(old)
		return tx.tx.Bucket(bucketComplaints).Put([]byte(old.Ticket), raw)
	})
	mustView(t, s, func(tx *Tx) error {
		v := tx.tx.Bucket(bucketComplaints).Get([]byte(c.Ticket))
		if v[0] != s2Mark || len(v) > 300 {
			t.Errorf("stored as %d bytes starting %q; want compressed", len(v), v[0])
		}
		for _, want := range []flows.Complaint{c, old} {
			got, err := tx.Complaint(want.Ticket)
			if err != nil || got == nil || got.Description != want.Description {
				t.Errorf("%s read back as %+v, %v", want.Ticket, got, err)
			}
		}
		n := 0
		if err := tx.EachComplaint(false, func(*flows.Complaint) bool { n++; return true }); err != nil || n != 2 {
			t.Errorf("EachComplaint read %d, %v", n, err)
		}
		return nil
	})
	// A value that says it is compressed but is not is an error, not a
	// crash.
	mustUpdate(t, s, func(tx *Tx) error {
		return tx.tx.Bucket(bucketComplaints).Put([]byte("ADU-2026-000003"), []byte{s2Mark, 0xff, 0xff, 0xff})
	})
	mustView(t, s, func(tx *Tx) error {
		if _, err := tx.Complaint("ADU-2026-000003"); err == nil {
			t.Error("a broken compressed value was read without error")
		}
		return nil
	})
}
