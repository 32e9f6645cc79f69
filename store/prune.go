package store

import (
	"bytes"
	"encoding/binary"
	"time"
)

// Pruning runs in small transactions, so a large store never holds the
// writer long. PruneSeen walks its bucket: each call looks at up to limit
// keys after from, and returns where the next call goes on ("" when the
// walk is done). PrunePostLinks reads only what is due.

// PruneSeen forgets inbound keys recorded before the given time: a
// platform does not deliver them again after so long.
func (t *Tx) PruneSeen(before time.Time, from string, limit int) (next string, n int, err error) {
	return t.pruneWalk(bucketSeen, from, limit, func(k, v []byte) (bool, error) {
		return len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < before.Unix(), nil
	})
}

// PrunePostLinks forgets the admin posts of up to limit complaints
// closed (resolved or rejected) before the given time, the longest closed
// first: the links from posts and relayed replies, and the thread and
// quote entries of those complaints. A reply to such an old post then
// gets the answer for an unknown post. It reads the closed list
// (bucketClosed) and each complaint's own entries, not every link, and
// returns how many links it forgot and whether complaints are left due.
func (t *Tx) PrunePostLinks(before time.Time, limit int) (n int, more bool, err error) {
	closed := t.tx.Bucket(bucketClosed)
	var due, stale [][]byte
	c := closed.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) < 8 || int64(binary.BigEndian.Uint64(k[:8])) >= before.UnixNano() {
			break
		}
		if len(due)+len(stale) == limit {
			more = true
			break
		}
		// An entry that no longer matches its complaint (it should not
		// happen: PutComplaint keeps the list) is dropped; a complaint
		// that is gone has its links dropped too.
		ticket := k[8:]
		if v := t.tx.Bucket(bucketComplaints).Get(ticket); v != nil {
			cp, err := decodeComplaintHead(ticket, v)
			if err != nil {
				return n, false, err
			}
			if !bytes.Equal(closedKey(&cp), k) {
				stale = append(stale, bytes.Clone(k))
				continue
			}
		}
		due = append(due, bytes.Clone(k))
	}
	for _, k := range due {
		forgot, err := t.forgetLinks(string(k[8:]))
		if err != nil {
			return n, false, err
		}
		n += forgot
	}
	for _, k := range append(due, stale...) {
		if err := closed.Delete(k); err != nil {
			return n, false, err
		}
	}
	return n, more, nil
}

// forgetLinks deletes a complaint's post links (as its keys per chat in
// bucketThreads list them) and its thread and quote entries, and returns
// how many links it deleted.
func (t *Tx) forgetLinks(ticket string) (int, error) {
	threads, posts := t.tx.Bucket(bucketThreads), t.tx.Bucket(bucketPosts)
	prefix := []byte(ticket + "|")
	var keys, doomed [][]byte
	c := threads.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		keys = append(keys, bytes.Clone(k))
		chat := k[len(prefix):]
		if bytes.Contains(chat, []byte("|~")) {
			continue // a quote's entry
		}
		post, links := splitLinks(v)
		if len(post) > 0 {
			doomed = append(doomed, linkKey(chat, linkPost, post))
		}
		for _, l := range links {
			doomed = append(doomed, linkKey(chat, l[0], l[1:]))
		}
	}
	n := 0
	for _, k := range doomed {
		if posts.Get(k) == nil {
			continue
		}
		if err := posts.Delete(k); err != nil {
			return n, err
		}
		n++
	}
	for _, k := range keys {
		if err := threads.Delete(k); err != nil {
			return n, err
		}
	}
	return n, nil
}

// linkKey is the key in bucketPosts of a link listed under a complaint.
func linkKey(chat []byte, kind byte, msgID []byte) []byte {
	k := append(append(bytes.Clone(chat), '|'), msgID...)
	if kind == linkReply {
		k = append([]byte("reply|"), k...)
	}
	return k
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
