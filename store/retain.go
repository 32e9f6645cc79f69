package store

import (
	"bytes"
	"encoding/binary"
	"time"

	"aduan/flows"
)

// bucketRetain lists the closed complaints whose personal data is still
// kept, by when they last changed: the key is that time (8 bytes of Unix
// nanoseconds) and the ticket. Retention reads the front of it, what is
// due, instead of every complaint.
var bucketRetain = []byte("retain")

// metaRetain records that the retention list holds every complaint.
const metaRetain = "index:retain"

// retainKey is a complaint's key in bucketRetain; nil when it is not
// listed (open, or already erased).
func retainKey(c *flows.Complaint) []byte {
	if c == nil || c.Ticket == "" || c.Erased || c.Status.Open() {
		return nil
	}
	return append(binary.BigEndian.AppendUint64(nil, uint64(c.Updated.UnixNano())), c.Ticket...)
}

// indexRetain moves a complaint's entry in the retention list from where
// its stored version (old, nil for a new complaint) had it.
func (t *Tx) indexRetain(old, c *flows.Complaint) error {
	b := t.bucket(bucketRetain) // keys mostly come in time order
	oldKey, key := retainKey(old), retainKey(c)
	if oldKey != nil && !bytes.Equal(oldKey, key) {
		if err := b.Delete(oldKey); err != nil {
			return err
		}
	}
	if key == nil {
		return nil
	}
	return b.Put(key, nil)
}

func (t *Tx) indexRetains() error {
	return t.indexOnce(metaRetain, func(c flows.Complaint) error { return t.indexRetain(nil, &c) })
}

// RetainDue returns up to limit tickets of closed complaints, not erased,
// that last changed before before, the oldest first. An entry that no
// longer matches its complaint (it should not happen: PutComplaint keeps
// the list) is dropped on the way, so it cannot hold retention up.
func (t *Tx) RetainDue(before time.Time, limit int) ([]string, error) {
	var out []string
	var stale [][]byte
	complaints := t.tx.Bucket(bucketComplaints)
	c := t.tx.Bucket(bucketRetain).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		if len(k) < 8 || int64(binary.BigEndian.Uint64(k[:8])) >= before.UnixNano() {
			break
		}
		ticket := k[8:]
		v := complaints.Get(ticket)
		if v == nil {
			stale = append(stale, bytes.Clone(k))
			continue
		}
		cp, err := decodeComplaintHead(ticket, v)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(retainKey(&cp), k) {
			stale = append(stale, bytes.Clone(k))
			continue
		}
		out = append(out, string(ticket))
	}
	if t.tx.Writable() {
		for _, k := range stale {
			if err := t.tx.Bucket(bucketRetain).Delete(k); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
