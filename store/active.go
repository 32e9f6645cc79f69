package store

import (
	"bytes"
	"encoding/binary"
	"time"

	"aduan/flows"
)

// bucketActive lists each citizen's active complaints, keyed chat|ticket:
// open ones (empty value), and resolved ones, which the citizen may still
// rate or reopen (the resolution time, 8 bytes of Unix nanoseconds). A
// citizen's message reads these, not their whole history.
var bucketActive = []byte("active")

// metaActive records that the active lists hold every complaint.
const metaActive = "index:active"

func activeKey(chat flows.Chat, ticket string) []byte {
	return []byte(chat.String() + "|" + ticket)
}

// indexActive keeps a complaint's entry in its citizen's active list.
func (t *Tx) indexActive(c flows.Complaint) error {
	b := t.tx.Bucket(bucketActive)
	key := activeKey(c.Citizen, c.Ticket)
	switch {
	case c.Citizen.ID == flows.ErasedChat || c.Citizen.IsZero():
		return nil // no one to serve
	case c.Status.Open():
		return b.Put(key, []byte{})
	case c.Status == flows.StatusResolved:
		return b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(c.ResolvedAt.UnixNano())))
	default:
		return b.Delete(key)
	}
}

func (t *Tx) indexActives() error { return t.indexOnce(metaActive, t.indexActive) }

// ActiveTickets returns the tickets of a citizen's open complaints and of
// those resolved after since. Entries of complaints resolved before since,
// or that mine does not claim (the citizen erased their data and came
// back), are removed on the way, so the list stays as short as what is
// active.
func (t *Tx) ActiveTickets(chat flows.Chat, since time.Time, mine func(ticket string) bool) (map[string]bool, error) {
	prefix := activeKey(chat, "")
	out := map[string]bool{}
	var stale [][]byte
	c := t.tx.Bucket(bucketActive).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		ticket := string(k[len(prefix):])
		resolved := len(v) == 8 && time.Unix(0, int64(binary.BigEndian.Uint64(v))).Before(since)
		if resolved || !mine(ticket) {
			stale = append(stale, bytes.Clone(k))
			continue
		}
		out[ticket] = true
	}
	b := t.tx.Bucket(bucketActive)
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}
