package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"aduan/flows"
)

var (
	// bucketChatLog holds one sub-bucket per web chat: seq → entry, the
	// transcript a returning citizen sees.
	bucketChatLog = []byte("chatlog")
	// bucketChatMedia holds one sub-bucket per web chat: the media hashes
	// that chat may fetch.
	bucketChatMedia = []byte("chatmedia")
	bucketSessions  = []byte("sessions")
)

// AppendChat adds an entry (the channel's own encoding) to a chat's
// transcript and returns its number, counting from 1. media are the hashes
// the entry shows; the chat may fetch them from now on.
func (t *Tx) AppendChat(chat flows.Chat, entry []byte, media ...string) (uint64, error) {
	b, err := t.tx.Bucket(bucketChatLog).CreateBucketIfNotExists([]byte(chat.String()))
	if err != nil {
		return 0, fmt.Errorf("chat log %s: %w", chat, err)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	if err := b.Put(seqKey(seq), entry); err != nil {
		return 0, err
	}
	return seq, t.grantMedia(chat, media)
}

func (t *Tx) grantMedia(chat flows.Chat, media []string) error {
	if len(media) == 0 {
		return nil
	}
	b, err := t.tx.Bucket(bucketChatMedia).CreateBucketIfNotExists([]byte(chat.String()))
	if err != nil {
		return fmt.Errorf("chat media %s: %w", chat, err)
	}
	for _, h := range media {
		if err := b.Put([]byte(h), nil); err != nil {
			return err
		}
	}
	return nil
}

// ChatLog returns up to limit entries of a chat's transcript after entry
// number after, oldest first, with their numbers.
func (t *Tx) ChatLog(chat flows.Chat, after uint64, limit int) (seqs []uint64, entries [][]byte) {
	b := t.tx.Bucket(bucketChatLog).Bucket([]byte(chat.String()))
	if b == nil {
		return nil, nil
	}
	c := b.Cursor()
	for k, v := c.Seek(seqKey(after + 1)); k != nil && len(seqs) < limit; k, v = c.Next() {
		seqs = append(seqs, binary.BigEndian.Uint64(k))
		entries = append(entries, bytes.Clone(v))
	}
	return seqs, entries
}

// ChatLogTail returns the number of a chat's newest transcript entry minus
// n (at least 0): where to read from to get its last n entries.
func (t *Tx) ChatLogTail(chat flows.Chat, n int) uint64 {
	b := t.tx.Bucket(bucketChatLog).Bucket([]byte(chat.String()))
	if b == nil {
		return 0
	}
	k, _ := b.Cursor().Last()
	if k == nil {
		return 0
	}
	last := binary.BigEndian.Uint64(k)
	if last <= uint64(n) {
		return 0
	}
	return last - uint64(n)
}

// DeleteChat forgets a chat's transcript and the media it was shown. The
// transcript's numbering goes on, so an open page that knows the old
// numbers still gets what comes next.
func (t *Tx) DeleteChat(chat flows.Chat) error {
	if b := t.tx.Bucket(bucketChatLog).Bucket([]byte(chat.String())); b != nil {
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return fmt.Errorf("delete chat %s: %w", chat, err)
			}
		}
	}
	err := t.tx.Bucket(bucketChatMedia).DeleteBucket([]byte(chat.String()))
	if err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
		return fmt.Errorf("delete chat %s: %w", chat, err)
	}
	return nil
}

// MediaGranted reports whether a chat was shown a media file.
func (t *Tx) MediaGranted(chat flows.Chat, hash string) bool {
	b := t.tx.Bucket(bucketChatMedia).Bucket([]byte(chat.String()))
	return b != nil && b.Get([]byte(hash)) != nil
}

// Session is a logged-in browser: a web citizen or a console user.
type Session struct {
	// Subject is who the session is: a web chat's id or a console user.
	Subject string    `json:"subject"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// ErrNoSession means a session key is unknown or expired.
var ErrNoSession = errors.New("no such session")

// PutSession stores a session under a key derived from its cookie (never
// the cookie itself).
func (t *Tx) PutSession(key string, s Session) error {
	return t.put(bucketSessions, key, s)
}

// Session loads a session that has not expired at now.
func (t *Tx) Session(key string, now time.Time) (Session, error) {
	var s Session
	ok, err := t.get(bucketSessions, key, &s)
	switch {
	case err != nil:
		return Session{}, err
	case !ok || !now.Before(s.Expires):
		return Session{}, ErrNoSession
	}
	return s, nil
}

// DeleteSession ends a session.
func (t *Tx) DeleteSession(key string) error {
	return t.tx.Bucket(bucketSessions).Delete([]byte(key))
}

// PruneSessions deletes up to limit sessions that expired before now.
func (t *Tx) PruneSessions(now time.Time, limit int) (int, error) {
	b := t.tx.Bucket(bucketSessions)
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var s Session
		if err := json.Unmarshal(v, &s); err != nil || !now.Before(s.Expires) {
			if len(old) < limit {
				old = append(old, bytes.Clone(k))
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}

// EachComplaint calls fn with each complaint, oldest ticket first (newest
// first when newest is set), until fn returns false.
func (t *Tx) EachComplaint(newest bool, fn func(c *flows.Complaint) bool) error {
	return t.eachComplaint(newest, true, fn)
}

// EachComplaintAfter is EachComplaint, oldest first, from the ticket
// after the given one ("": from the first), so a long scan can go on in
// a later transaction where it stopped.
func (t *Tx) EachComplaintAfter(after string, fn func(c *flows.Complaint) bool) error {
	c := t.tx.Bucket(bucketComplaints).Cursor()
	k, v := c.First()
	if after != "" {
		if k, v = c.Seek([]byte(after)); k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	for ; k != nil; k, v = c.Next() {
		cp, err := t.decodeComplaint(k, v)
		if err != nil {
			return err
		}
		if !fn(&cp) {
			return nil
		}
	}
	return nil
}

// OpenReads is how many read transactions are open now.
func (s *Store) OpenReads() int { return s.db.Stats().OpenTxN }

// EachComplaintHead is EachComplaint without the threads (Thread is
// empty), for scans that do not need them: it reads half as much.
func (t *Tx) EachComplaintHead(newest bool, fn func(c *flows.Complaint) bool) error {
	return t.eachComplaint(newest, false, fn)
}

func (t *Tx) eachComplaint(newest, threads bool, fn func(c *flows.Complaint) bool) error {
	c := t.tx.Bucket(bucketComplaints).Cursor()
	first, next := c.First, c.Next
	if newest {
		first, next = c.Last, c.Prev
	}
	decode := t.decodeComplaint
	if !threads {
		decode = decodeComplaintHead
	}
	for k, v := first(); k != nil; k, v = next() {
		cp, err := decode(k, v)
		if err != nil {
			return err
		}
		if !fn(&cp) {
			return nil
		}
	}
	return nil
}

// Sieve tells the complaints whose stored texts may contain a search's
// needle from those that cannot, from their stored bytes, without decoding
// them: the first step of a text search. It reuses its buffers, so it
// belongs to one goroutine and the transaction it came from.
type Sieve struct {
	complaints *bolt.Bucket
	entries    *bolt.Cursor
	needle     []byte
	all        bool
	raw, lower []byte
}

// Sieve returns a sieve for needle, which must be in lower case. A needle
// the stored form would escape (<, >, &, a quote, a backslash, a control
// character) cannot be sieved for: every complaint may contain it.
func (t *Tx) Sieve(needle string) *Sieve {
	all := needle == "" || !utf8.ValidString(needle) || strings.ContainsFunc(needle, func(r rune) bool {
		return r < 0x20 || strings.ContainsRune("<>&\"\\\u2028\u2029", r)
	})
	return &Sieve{complaints: t.tx.Bucket(bucketComplaints), entries: t.tx.Bucket(bucketEntries).Cursor(), needle: []byte(needle), all: all}
}

// MayContain reports whether the complaint's stored record or one of its
// thread entries contains the needle in lower case. It may say yes for a
// complaint that does not show the needle (in a field's name, an id), so
// a search still checks what it shows; it never says no for one that does.
func (s *Sieve) MayContain(ticket string) (bool, error) {
	v := s.complaints.Get([]byte(ticket))
	if v == nil || s.all {
		return v != nil, nil
	}
	if found, err := s.contains(v); found || err != nil {
		return found, err
	}
	prefix := entryKey(ticket, 0)[:len(ticket)+1]
	for k, v := s.entries.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = s.entries.Next() {
		if found, err := s.contains(v); found || err != nil {
			return found, err
		}
	}
	return false, nil
}

// contains reports whether a stored value holds the needle.
func (s *Sieve) contains(v []byte) (bool, error) {
	data, err := decodeValueTo(s.raw[:cap(s.raw)], v)
	if err != nil {
		return false, err
	}
	if wasCompressed(v) && cap(data) > cap(s.raw) {
		s.raw = data // a new buffer, never the database's own bytes
	}
	s.lower = appendLower(s.lower[:0], data)
	return bytes.Contains(s.lower, s.needle), nil
}

// appendLower appends s in lower case, rune by rune as strings.ToLower
// does, without a string for each value.
func appendLower(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			dst = append(dst, b)
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// MediaShown returns which of the given media hashes a complaint or a web
// chat still shows; the others may be deleted.
func (t *Tx) MediaShown(hashes map[string]bool) (map[string]bool, error) {
	shown := map[string]bool{}
	mark := func(h string) {
		if hashes[h] {
			shown[h] = true
		}
	}
	err := t.EachComplaint(false, func(c *flows.Complaint) bool {
		for _, h := range c.Photos {
			mark(h)
		}
		for _, e := range c.Thread {
			for _, h := range e.Photos {
				mark(h)
			}
			for _, f := range e.Files {
				mark(f.Hash)
			}
		}
		return len(shown) < len(hashes)
	})
	if err != nil {
		return nil, err
	}
	err = t.tx.Bucket(bucketChatMedia).ForEachBucket(func(chat []byte) error {
		b := t.tx.Bucket(bucketChatMedia).Bucket(chat)
		for h := range hashes {
			if b.Get([]byte(h)) != nil {
				shown[h] = true
			}
		}
		return nil
	})
	return shown, err
}
