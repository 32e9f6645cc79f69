package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"aduan/flows"
)

// Each citizen has a list of the complaints a message of theirs may read:
// the active ones (open, or resolved and still open to a rating or
// reopening) and the newest flows.StatusShown, each with its status line
// (activeLine), so status shows those it only shows without reading
// them. A citizen's message reads this list, not their whole history.
//
// The list is one value, kept in the conversations bucket under the
// conversation's key and a zero byte (listKey): no key sorts between the
// two, so a citizen's conversation and list share a page, and a message
// reads one place of the file, where the citizen's complaints lie all
// over it. The value holds, oldest ticket first, each ticket's length
// (uvarint) and bytes, then its line's.

// bucketActive held the lists of schema 3 to 6, an entry per complaint
// keyed chat|ticket; the migration to schema 7 removes it.
var bucketActive = []byte("active")

// metaLists records that the lists are kept beside the conversations
// (schema 7); metaActiveLines is schema 6's flag, removed with its bucket.
const (
	metaLists       = "index:lists"
	metaActiveLines = "index:active-lines"
)

// listKey is where a citizen's list is kept in the conversations bucket.
func listKey(chat flows.Chat) []byte { return append([]byte(chat.String()), 0) }

// isListKey tells a list's key from a conversation's (no chat's name ends
// in a zero byte).
func isListKey(k []byte) bool { return len(k) > 0 && k[len(k)-1] == 0 }

// listEntry is one complaint in a citizen's list.
type listEntry struct {
	ticket string
	line   []byte // activeLine.encode
}

func encodeList(list []listEntry) []byte {
	var b []byte
	for _, e := range list {
		b = append(binary.AppendUvarint(b, uint64(len(e.ticket))), e.ticket...)
		b = append(binary.AppendUvarint(b, uint64(len(e.line))), e.line...)
	}
	return b
}

// errListDamaged means a list's value does not read as one.
var errListDamaged = errors.New("damaged list")

// decodeList reads a list's value. Its lines are copies: the value is
// bbolt's, valid only while nothing is written.
func decodeList(v []byte) ([]listEntry, error) {
	var list []listEntry
	for len(v) > 0 {
		var field [2][]byte
		for i := range field {
			n, k := binary.Uvarint(v)
			if k <= 0 || uint64(len(v)-k) < n {
				return nil, errListDamaged
			}
			field[i], v = v[k:k+int(n)], v[k+int(n):]
		}
		if len(list) > 0 && string(field[0]) <= list[len(list)-1].ticket {
			return nil, errListDamaged // out of order: Put would misplace entries
		}
		list = append(list, listEntry{ticket: string(field[0]), line: bytes.Clone(field[1])})
	}
	return list, nil
}

// readList reads a citizen's list from the conversations bucket. One
// that does not read is made again from the complaints their conversation
// names (damaged is set): the list only repeats what those hold, and
// neither a citizen's message nor an admin's answer may fail over it.
// aduan verify reports such a list until it is written again.
func (t *Tx) readList(chat flows.Chat) (list []listEntry, damaged bool, err error) {
	list, err = decodeList(t.tx.Bucket(bucketConversations).Get(listKey(chat)))
	if err == nil {
		return list, false, nil
	}
	conv, err := t.Conversation(chat)
	if err != nil {
		return nil, true, err
	}
	var all []listEntry
	for _, ticket := range slices.Compact(slices.Sorted(slices.Values(conv.Tickets))) {
		c, err := t.Complaint(ticket)
		if err != nil {
			return nil, true, err
		}
		if c != nil && c.Citizen == chat {
			all = append(all, entryOf(c))
		}
	}
	return trimmed(all), true, nil
}

// entryOf is a complaint's entry in its citizen's list.
func entryOf(c *flows.Complaint) listEntry {
	return listEntry{ticket: c.Ticket, line: lineOf(c).encode()}
}

// writeList stores a citizen's list; an empty one is removed.
func writeList(b *bolt.Bucket, chat flows.Chat, list []listEntry) error {
	if len(list) == 0 {
		return b.Delete(listKey(chat))
	}
	return b.Put(listKey(chat), encodeList(list))
}

// findEntry returns where ticket is or belongs in a list.
func findEntry(list []listEntry, ticket string) (int, bool) {
	return slices.BinarySearchFunc(list, ticket, func(e listEntry, t string) int { return strings.Compare(e.ticket, t) })
}

// activeLine is what a status line shows of a complaint that is not
// open (an open one is read whole).
type activeLine struct {
	Status           flows.Status
	Category, Office string
	ResolvedAt       time.Time
	Answer           string
}

// lineMark starts a line: then the status, category and office, each its
// length (uvarint) and bytes, the resolution time (varint Unix seconds),
// and the answer to the end. (Schema 3 to 5 kept no line: no value of
// theirs starts with it.)
const lineMark = '~'

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
// resolved after since; old is set for one resolved before. An entry
// whose line does not read is taken as active: its complaint is read
// whole.
func activeSince(line []byte, since time.Time) (active, old bool) {
	l, ok := decodeLine(line)
	if !ok {
		return true, false
	}
	resolved := l.Status == flows.StatusResolved
	old = resolved && l.ResolvedAt.Before(since)
	return l.Status.Open() || resolved && !old, old
}

// indexActive keeps a complaint's entry in its citizen's list: its line
// is written, and moves when the complaint's citizen changed (an erasure
// takes it from the list, answer and all).
func (t *Tx) indexActive(old, c *flows.Complaint) error {
	b := t.bucket(bucketConversations)
	if old != nil && old.Citizen != c.Citizen && !old.Citizen.IsZero() {
		list, damaged, err := t.readList(old.Citizen)
		if err != nil {
			return err
		}
		if i, found := findEntry(list, c.Ticket); found || damaged {
			if found {
				list = slices.Delete(list, i, i+1)
			}
			if err := writeList(b, old.Citizen, list); err != nil {
				return err
			}
		}
	}
	if c.Citizen.ID == flows.ErasedChat || c.Citizen.IsZero() {
		return nil // no one to serve
	}
	list, damaged, err := t.readList(c.Citizen)
	if err != nil {
		return err
	}
	e := entryOf(c)
	i, found := findEntry(list, c.Ticket)
	switch {
	case found && bytes.Equal(list[i].line, e.line) && !damaged:
		return nil // most changes leave the line as it was: no page to write
	case found:
		list[i] = e
	default:
		list = slices.Insert(list, i, e)
	}
	if old == nil || !(c.Status.Open() || c.Status == flows.StatusResolved) {
		list = trimmed(list)
	}
	return writeList(b, c.Citizen, list)
}

// trimmed drops from a list the entries past the newest flows.StatusShown
// that neither are open nor were resolved: nothing reads them. Resolved
// ones stay until ActiveTickets finds them too old.
func trimmed(list []listEntry) []listEntry {
	cut := len(list) - flows.StatusShown
	var kept []listEntry
	for i, e := range list {
		if l, ok := decodeLine(e.line); i < cut && ok && !l.Status.Open() && l.Status != flows.StatusResolved {
			continue
		}
		kept = append(kept, e)
	}
	return kept
}

// indexActives builds the lists, lines and all, for a store from before
// schema 7: each complaint is read whole, once; the lists are written in
// key order (bbolt inserts into one growing node otherwise, moving it at
// every insert: minutes for 100,000 complaints). Schema 3 to 6's bucket
// of lists goes.
func (t *Tx) indexActives() error {
	if t.Meta(metaLists) != "" {
		return nil
	}
	if t.tx.Bucket(bucketActive) != nil {
		if err := t.tx.DeleteBucket(bucketActive); err != nil {
			return err
		}
	}
	if err := t.tx.Bucket(bucketMeta).Delete([]byte(metaActiveLines)); err != nil {
		return err
	}
	lists := map[flows.Chat][]listEntry{} // in ticket order, as complaints are read
	err := t.EachComplaint(false, func(c *flows.Complaint) bool {
		if c.Citizen.ID == flows.ErasedChat || c.Citizen.IsZero() {
			return true
		}
		lists[c.Citizen] = append(lists[c.Citizen], entryOf(c))
		return true
	})
	if err != nil {
		return err
	}
	chats := slices.SortedFunc(maps.Keys(lists), func(a, b flows.Chat) int { return bytes.Compare(listKey(a), listKey(b)) })
	b := t.bucket(bucketConversations)
	for _, chat := range chats {
		if err := writeList(b, chat, trimmed(lists[chat])); err != nil {
			return err
		}
	}
	return t.SetMeta(metaLists, "1")
}

// ActiveTickets reads a citizen's list: it returns the tickets of their
// open complaints and of those resolved after since (active), and for
// each listed complaint whose line reads, a head for its status line
// (flows.Complaint with Head set). Entries of complaints resolved before
// since and past the newest flows.StatusShown, or that mine does not
// claim (the citizen erased their data and came back), are removed on the
// way in a write transaction, so the list stays as short as what a message
// reads.
func (t *Tx) ActiveTickets(chat flows.Chat, since time.Time, mine func(ticket string) bool) (active map[string]bool, heads map[string]flows.Complaint, err error) {
	list, damaged, err := t.readList(chat)
	if err != nil {
		return nil, nil, err
	}
	active, heads = map[string]bool{}, map[string]flows.Complaint{}
	var kept []listEntry
	for i, e := range list {
		isActive, old := activeSince(e.line, since)
		if !mine(e.ticket) || old && i < len(list)-flows.StatusShown {
			continue
		}
		kept = append(kept, e)
		if isActive {
			active[e.ticket] = true
		}
		if l, ok := decodeLine(e.line); ok {
			heads[e.ticket] = flows.Complaint{Ticket: e.ticket, Citizen: chat, Status: l.Status, Category: l.Category, Office: l.Office,
				ResolvedAt: l.ResolvedAt, Head: true, Answer: l.Answer}
		}
	}
	if (len(kept) < len(list) || damaged) && t.tx.Writable() {
		if err := writeList(t.bucket(bucketConversations), chat, kept); err != nil {
			return nil, nil, err
		}
	}
	return active, heads, nil
}
