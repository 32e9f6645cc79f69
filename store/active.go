package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"aduan/flows"
)

// bucketActive lists, for each citizen, the complaints a message of theirs
// may read, keyed chat|ticket: the active ones (open, or resolved and
// still open to a rating or reopening) and the newest flows.StatusShown.
// The value is the complaint's status line (activeLine), so status shows
// those it only shows without reading them: the list of one citizen sits
// together, where their complaints lie all over the store. A citizen's
// message reads this list, not their whole history.
var bucketActive = []byte("active")

// metaActiveLines records that the lists hold every complaint, each
// entry with its status line (schema 3 recorded index:active, for lists
// without lines).
const metaActiveLines = "index:active-lines"

// activeLine is what a status line shows of a complaint that is not
// open (an open one is read whole). Entries written before schema 6 hold
// none: empty while open, 8 bytes of the resolution time once resolved.
type activeLine struct {
	Status           flows.Status
	Category, Office string
	ResolvedAt       time.Time
	Answer           string
}

// lineMark starts an entry's value that holds a line: then the status,
// category and office, each its length (uvarint) and bytes, the
// resolution time (varint Unix seconds), and the answer to the end. No
// 8-byte value of before starts with it (that is a Unix nanosecond time
// after the year 2240).
const lineMark = '~'

func activeKey(chat flows.Chat, ticket string) []byte {
	return []byte(chat.String() + "|" + ticket)
}

func lineOf(c *flows.Complaint) activeLine {
	return activeLine{Status: c.Status, Category: c.Category, Office: c.Office, ResolvedAt: c.ResolvedAt, Answer: flows.LastAnswer(c)}
}

func (l activeLine) encode() []byte {
	b := []byte{lineMark}
	for _, f := range []string{string(l.Status), l.Category, l.Office} {
		b = append(binary.AppendUvarint(b, uint64(len(f))), f...)
	}
	var resolved int64
	if !l.ResolvedAt.IsZero() {
		resolved = l.ResolvedAt.Unix()
	}
	b = binary.AppendVarint(b, resolved)
	return append(b, l.Answer...)
}

// decodeLine reads an entry's value; ok is false for one without a line
// (or a damaged one: the complaint is then read whole).
func decodeLine(v []byte) (l activeLine, ok bool) {
	if len(v) == 0 || v[0] != lineMark {
		return activeLine{}, false
	}
	v = v[1:]
	var fields [3]string
	for i := range fields {
		n, k := binary.Uvarint(v)
		if k <= 0 || uint64(len(v)-k) < n {
			return activeLine{}, false
		}
		fields[i], v = string(v[k:k+int(n)]), v[k+int(n):]
	}
	resolved, k := binary.Varint(v)
	if k <= 0 {
		return activeLine{}, false
	}
	l = activeLine{Status: flows.Status(fields[0]), Category: fields[1], Office: fields[2], Answer: string(v[k:])}
	if resolved != 0 {
		l.ResolvedAt = time.Unix(resolved, 0).UTC()
	}
	return l, true
}

// activeSince reports whether an entry's complaint is active: open, or
// resolved after since; old is set for one resolved before. Either form of
// the value is read.
func activeSince(v []byte, since time.Time) (active, old bool) {
	if l, ok := decodeLine(v); ok {
		resolved := l.Status == flows.StatusResolved
		old = resolved && l.ResolvedAt.Before(since)
		return l.Status.Open() || resolved && !old, old
	}
	if len(v) == 8 {
		old = time.Unix(0, int64(binary.BigEndian.Uint64(v))).Before(since)
		return !old, old
	}
	return true, false // empty: open
}

// indexActive keeps a complaint's entry in its citizen's list: its line
// is written, and moves when the complaint's citizen changed (an erasure
// takes it from the list, answer and all).
func (t *Tx) indexActive(old, c *flows.Complaint) error {
	b := t.tx.Bucket(bucketActive)
	if old != nil && old.Citizen != c.Citizen && !old.Citizen.IsZero() {
		if err := b.Delete(activeKey(old.Citizen, c.Ticket)); err != nil {
			return err
		}
	}
	if c.Citizen.ID == flows.ErasedChat || c.Citizen.IsZero() {
		return nil // no one to serve
	}
	key, line := activeKey(c.Citizen, c.Ticket), lineOf(c).encode()
	if bytes.Equal(b.Get(key), line) {
		return nil // most changes leave the line as it was: no page to write
	}
	if err := b.Put(key, line); err != nil {
		return err
	}
	if old == nil || !(c.Status.Open() || c.Status == flows.StatusResolved) {
		return trimActive(b, c.Citizen)
	}
	return nil
}

// trimActive drops from a citizen's list the entries past the newest
// flows.StatusShown that neither are open nor were resolved: nothing reads
// them. Resolved ones stay until ActiveTickets finds them too old.
func trimActive(b *bolt.Bucket, chat flows.Chat) error {
	prefix := activeKey(chat, "")
	var doomed [][]byte
	c := b.Cursor()
	k, v := c.Seek(append(bytes.Clone(prefix), 0xff))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for n := 0; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		if n++; n <= flows.StatusShown {
			continue
		}
		l, ok := decodeLine(v)
		if ok && !l.Status.Open() && l.Status != flows.StatusResolved {
			doomed = append(doomed, bytes.Clone(k))
		}
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// indexActives builds the lists, lines and all, for a store from before
// them: each complaint is read whole, once, and the entries are written in
// key order (bbolt inserts into one growing node otherwise, moving it at
// every insert: minutes for 100,000 complaints).
func (t *Tx) indexActives() error {
	if t.Meta(metaActiveLines) != "" {
		return nil
	}
	if err := t.tx.DeleteBucket(bucketActive); err != nil {
		return err
	}
	b, err := t.tx.CreateBucket(bucketActive)
	if err != nil {
		return err
	}
	type entry struct {
		key, line []byte
		keep      bool
	}
	var entries []entry
	lists := map[flows.Chat][]int{} // each citizen's entries, oldest first
	err = t.EachComplaint(false, func(c *flows.Complaint) bool {
		if c.Citizen.ID == flows.ErasedChat || c.Citizen.IsZero() {
			return true
		}
		lists[c.Citizen] = append(lists[c.Citizen], len(entries))
		entries = append(entries, entry{key: activeKey(c.Citizen, c.Ticket), line: lineOf(c).encode(), keep: c.Status.Open() || c.Status == flows.StatusResolved})
		return true
	})
	if err != nil {
		return err
	}
	for _, list := range lists {
		for _, i := range list[max(0, len(list)-flows.StatusShown):] {
			entries[i].keep = true // among the newest (as trimActive keeps)
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
	b.FillPercent = 0.9 // written in order now; later inserts come in any order
	for _, e := range entries {
		if e.keep {
			if err := b.Put(e.key, e.line); err != nil {
				return err
			}
		}
	}
	return t.SetMeta(metaActiveLines, "1")
}

// ActiveTickets reads a citizen's list: it returns the tickets of their
// open complaints and of those resolved after since (active), and for
// each listed complaint whose entry has a line, a head for its status
// line (flows.Complaint with Head set). Entries of complaints resolved
// before since and past the newest flows.StatusShown, or that mine does
// not claim (the citizen erased their data and came back), are removed on
// the way, so the list stays as short as what a message reads.
func (t *Tx) ActiveTickets(chat flows.Chat, since time.Time, mine func(ticket string) bool) (active map[string]bool, heads map[string]flows.Complaint, err error) {
	prefix := activeKey(chat, "")
	active, heads = map[string]bool{}, map[string]flows.Complaint{}
	type entry struct {
		key, value []byte
	}
	var entries []entry
	b := t.tx.Bucket(bucketActive)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		entries = append(entries, entry{k, v})
	}
	var stale [][]byte
	for i, e := range entries {
		ticket := string(e.key[len(prefix):])
		isActive, old := activeSince(e.value, since)
		if !mine(ticket) || old && i < len(entries)-flows.StatusShown {
			stale = append(stale, bytes.Clone(e.key))
			continue
		}
		if isActive {
			active[ticket] = true
		}
		if l, ok := decodeLine(e.value); ok {
			heads[ticket] = flows.Complaint{Ticket: ticket, Citizen: chat, Status: l.Status, Category: l.Category, Office: l.Office,
				ResolvedAt: l.ResolvedAt, Head: true, Answer: l.Answer}
		}
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return nil, nil, err
		}
	}
	return active, heads, nil
}
