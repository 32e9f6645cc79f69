package store

import (
	"encoding/binary"
	"time"

	"aduan/flows"
)

// The schedule: complaints the desk must come back to at a time (pending
// follow-ups now). Kept in the store, so what falls due while the desk is
// down is done once at start, and no goroutine waits per complaint.

func dueKey(d flows.Due) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(d.At.UnixNano())), d.Ticket...)
}

// AddDue schedules a complaint; the same ticket and time once.
func (t *Tx) AddDue(d flows.Due) error {
	return t.tx.Bucket(bucketDue).Put(dueKey(d), nil)
}

// DueBy returns up to limit scheduled complaints due by now, earliest
// first.
func (t *Tx) DueBy(now time.Time, limit int) []flows.Due {
	var out []flows.Due
	c := t.tx.Bucket(bucketDue).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		d := decodeDue(k)
		if d.At.After(now) {
			break
		}
		out = append(out, d)
	}
	return out
}

// NextDue returns the time of the earliest scheduled complaint; ok is
// false when nothing is scheduled.
func (t *Tx) NextDue() (at time.Time, ok bool) {
	k, _ := t.tx.Bucket(bucketDue).Cursor().First()
	if k == nil {
		return time.Time{}, false
	}
	return decodeDue(k).At, true
}

// DoneDue removes a scheduled complaint.
func (t *Tx) DoneDue(d flows.Due) error {
	return t.tx.Bucket(bucketDue).Delete(dueKey(d))
}

func decodeDue(k []byte) flows.Due {
	if len(k) < 8 {
		return flows.Due{}
	}
	return flows.Due{At: time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), Ticket: string(k[8:])}
}
