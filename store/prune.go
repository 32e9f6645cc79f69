package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"time"

	"aduan/flows"
)

// Pruning walks a bucket in small transactions: each call looks at up to
// limit keys after from, and returns where the next call goes on ("" when
// the walk is done), so a large store never holds the writer long.

// PruneSeen forgets inbound keys recorded before the given time: a
// platform does not deliver them again after so long.
func (t *Tx) PruneSeen(before time.Time, from string, limit int) (next string, n int, err error) {
	return t.pruneWalk(bucketSeen, from, limit, func(k, v []byte) (bool, error) {
		return len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < before.Unix(), nil
	})
}

// PrunePostLinks forgets the admin posts of complaints closed (resolved
// or rejected) before the given time: the links from posts and relayed
// replies, and the thread and quote entries of those complaints. A reply
// to such an old post then gets the answer for an unknown post.
func (t *Tx) PrunePostLinks(before time.Time, from string, limit int) (next string, n int, err error) {
	closed := map[string]bool{}
	next, n, err = t.pruneWalk(bucketPosts, from, limit, func(k, v []byte) (bool, error) {
		ticket := string(v)
		if len(v) > 0 && v[0] == '{' {
			var l Link
			if json.Unmarshal(v, &l) != nil {
				return false, nil // verify reports it
			}
			ticket = l.Ticket
		}
		done, seen := closed[ticket]
		if !seen {
			done = t.closedBefore(ticket, before)
			closed[ticket] = done
		}
		return done, nil
	})
	if err != nil {
		return next, n, err
	}
	threads := t.tx.Bucket(bucketThreads)
	for ticket, done := range closed {
		if !done {
			continue
		}
		prefix := []byte(ticket + "|")
		var keys [][]byte
		c := threads.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := threads.Delete(k); err != nil {
				return next, n, err
			}
		}
	}
	return next, n, nil
}

// closedBefore reports whether a complaint was closed before the given
// time, by its statistics record: resolved then, or rejected and filed
// then. A complaint with no record (gone) counts as closed.
func (t *Tx) closedBefore(ticket string, before time.Time) bool {
	data := t.tx.Bucket(bucketStats).Get([]byte(ticket))
	if data == nil {
		return t.tx.Bucket(bucketComplaints).Get([]byte(ticket)) == nil
	}
	r, err := decodeStat(ticket, data, nil)
	if err != nil {
		return false
	}
	switch r.Status {
	case flows.StatusResolved:
		return !r.ResolvedAt.IsZero() && r.ResolvedAt.Before(before)
	case flows.StatusRejected:
		return r.Created.Before(before)
	}
	return false
}

// pruneWalk deletes, among up to limit keys of a bucket after from, those
// drop says to.
func (t *Tx) pruneWalk(bucket []byte, from string, limit int, drop func(k, v []byte) (bool, error)) (next string, n int, err error) {
	b := t.tx.Bucket(bucket)
	c := b.Cursor()
	var k, v []byte
	if from == "" {
		k, v = c.First()
	} else {
		k, v = c.Seek([]byte(from))
	}
	var doomed [][]byte
	for seen := 0; k != nil && seen < limit; k, v = c.Next() {
		seen++
		yes, err := drop(k, v)
		if err != nil {
			return "", 0, err
		}
		if yes {
			doomed = append(doomed, bytes.Clone(k))
		}
	}
	if k != nil {
		next = string(k)
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return "", 0, err
		}
	}
	return next, len(doomed), nil
}
