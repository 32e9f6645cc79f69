// Package store keeps aduan's state in one bbolt file: conversations,
// complaints and their threads, links from admin posts to complaints,
// inbound de-duplication, the outbox of messages still to deliver, and
// counters. Photos live beside it, by content hash (see Media).
package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"aduan/flows"
)

var (
	bucketConversations = []byte("conversations")
	bucketComplaints    = []byte("complaints")
	bucketPosts         = []byte("posts")
	bucketThreads       = []byte("threads")
	bucketSeen          = []byte("seen")
	bucketOutbox        = []byte("outbox")
	bucketCounters      = []byte("counters")
	bucketMeta          = []byte("meta")
	bucketInbox         = []byte("inbox")
	bucketDue           = []byte("due")
	allBuckets          = [][]byte{bucketConversations, bucketComplaints, bucketPosts, bucketThreads, bucketSeen, bucketOutbox, bucketCounters, bucketMeta, bucketInbox, bucketDue,
		bucketChatLog, bucketChatMedia, bucketSessions, bucketOpenPoints, bucketStats, bucketEntries, bucketRetain, bucketClosed}
)

// ErrLocked means another process holds the database open.
var ErrLocked = errors.New("database is in use by another process")

// Store is the bbolt database of one desk.
type Store struct {
	db *bolt.DB
	// writeErr is why a commit failed last (a full disk, an I/O error).
	writeErr atomic.Pointer[writeFailure]
	// damage is set once a transaction found the file damaged; it does
	// not heal.
	damage atomic.Pointer[error]
}

type writeFailure struct {
	err error
	at  time.Time
}

// writeProblemFor is how long a failed commit makes the store not ready.
// On a full disk small commits still fit in pages the file has, so one
// success does not mean the trouble is over.
const writeProblemFor = 15 * time.Second

// Options tune how the database is opened.
type Options struct {
	// LockTimeout is how long to wait for another instance to let go of the
	// file before giving up. Zero means one second.
	LockTimeout time.Duration
	// OnMigrated, when set, hears that an older store was migrated, from
	// which schema, and where the copy from before is.
	OnMigrated func(from int, backup string)
}

// Open opens (or creates) the database at path.
func Open(path string, opt Options) (*Store, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	db, err := openBolt(path, &bolt.Options{Timeout: opt.LockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w (is another aduan running with the same data_dir?)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var version int
	if err := db.View(func(tx *bolt.Tx) error {
		return guarded(tx, func(tx *bolt.Tx) error {
			var err error
			version, err = schemaOf(tx)
			return err
		})
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if version > Schema {
		db.Close()
		return nil, newerSchema(path, version)
	}
	s := &Store{db: db}
	backup := ""
	if version > 0 && version < Schema {
		// An older layout: keep a copy of it before changing anything.
		backup = fmt.Sprintf("%s.schema%d.bak", path, version)
		if _, err := s.Backup(backup); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: copy before migrating: %w", path, err)
		}
	}
	if version < Schema {
		if err := db.Update(func(tx *bolt.Tx) error { return guarded(tx, migrate) }); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrate %s to schema %d: %w", path, Schema, err)
		}
	}
	if opt.OnMigrated != nil && backup != "" {
		opt.OnMigrated(version, backup)
	}
	db.MaxBatchDelay = batchDelay
	return s, nil
}

// batchDelay is how long a commit waits for more transactions to share
// its fsync. bbolt's default, 10 ms, leaves the writer idle between
// batches at a busy web chat; 5 ms measured 20% more messages/s
// (BenchmarkWebChat) at a lower latency.
const batchDelay = 5 * time.Millisecond

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Update runs fn in a write transaction. Concurrent calls are combined into
// one commit (one fsync), so fn may run more than once and must only
// depend on what it reads through tx.
func (s *Store) Update(fn func(*Tx) error) error {
	var fnErr error
	err := s.db.Batch(func(tx *bolt.Tx) error {
		fnErr = guarded(tx, func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
		return fnErr
	})
	switch {
	case errors.Is(err, ErrDamaged):
		s.damage.CompareAndSwap(nil, &err)
	case err != nil && fnErr == nil:
		// fn was content: the commit itself failed.
		s.writeErr.Store(&writeFailure{err: err, at: time.Now()})
	}
	return err
}

// Problem says what is wrong with the store, or nil: the file was found
// damaged, or a commit failed in the last quarter minute (a full disk).
// A store with a problem is not ready.
func (s *Store) Problem() error {
	if d := s.damage.Load(); d != nil {
		return *d
	}
	if f := s.writeErr.Load(); f != nil && time.Since(f.at) < writeProblemFor {
		return fmt.Errorf("cannot write (is the disk full?): %w", f.err)
	}
	return nil
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		return guarded(tx, func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
	})
	if errors.Is(err, ErrDamaged) {
		s.damage.CompareAndSwap(nil, &err)
	}
	return err
}

// Tx is one transaction on the store.
type Tx struct {
	tx *bolt.Tx
	// err carries an error out of a callback that cannot return one.
	err error
}

func (t *Tx) get(bucket []byte, key string, v any) (bool, error) {
	data := t.tx.Bucket(bucket).Get([]byte(key))
	if data == nil {
		return false, nil
	}
	data, err := decodeValue(data)
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		return false, fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return true, nil
}

func (t *Tx) put(bucket []byte, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	return t.bucket(bucket).Put([]byte(key), encodeValue(bucket, data))
}

// bucket returns a bucket, set to fill its pages whole when its keys
// come in order: complaints and what is kept per complaint are keyed by
// ticket, and tickets only grow. bbolt's default splits a page at half,
// which leaves such buckets half empty for good. The conversations (and
// the citizens' lists beside them) come in any order; split at 90%, their
// pages end up about 70% full instead of 64%, and every citizen's message
// reads one of them at a random place.
func (t *Tx) bucket(name []byte) *bolt.Bucket {
	b := t.tx.Bucket(name)
	switch {
	case bytes.Equal(name, bucketComplaints), bytes.Equal(name, bucketStats), bytes.Equal(name, bucketThreads), bytes.Equal(name, bucketEntries), bytes.Equal(name, bucketRetain),
		bytes.Equal(name, bucketClosed):
		b.FillPercent = 1.0
	case bytes.Equal(name, bucketConversations):
		b.FillPercent = 0.9
	}
	return b
}

// Seen records an inbound message key (such as "telegram:update:42") and
// reports whether it had been recorded before.
func (t *Tx) Seen(key string, now time.Time) (bool, error) {
	b := t.tx.Bucket(bucketSeen)
	if b.Get([]byte(key)) != nil {
		return true, nil
	}
	return false, b.Put([]byte(key), binary.BigEndian.AppendUint64(nil, uint64(now.Unix())))
}

// Conversation loads a citizen's conversation; a new one starts idle.
func (t *Tx) Conversation(chat flows.Chat) (flows.Conversation, error) {
	var c flows.Conversation
	ok, err := t.get(bucketConversations, chat.String(), &c)
	if err != nil || !ok {
		return flows.Conversation{Chat: chat, State: flows.StateIdle}, err
	}
	return c, nil
}

// DeleteConversation forgets a citizen's conversation, and their list of
// complaints beside it (an erasure has emptied it already; nothing named
// after the chat stays).
func (t *Tx) DeleteConversation(chat flows.Chat) error {
	b := t.tx.Bucket(bucketConversations)
	if err := b.Delete(listKey(chat)); err != nil {
		return err
	}
	return b.Delete([]byte(chat.String()))
}

// PutConversation stores a conversation.
func (t *Tx) PutConversation(c flows.Conversation) error {
	return t.put(bucketConversations, c.Chat.String(), c)
}

// Complaint loads a complaint; nil when there is none with that ticket.
func (t *Tx) Complaint(ticket string) (*flows.Complaint, error) {
	v := t.tx.Bucket(bucketComplaints).Get([]byte(ticket))
	if v == nil {
		return nil, nil
	}
	c, err := t.decodeComplaint([]byte(ticket), v)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ComplaintHead loads a complaint without its thread (Thread is empty),
// for what shows only its record; nil when there is none.
func (t *Tx) ComplaintHead(ticket string) (*flows.Complaint, error) {
	v := t.tx.Bucket(bucketComplaints).Get([]byte(ticket))
	if v == nil {
		return nil, nil
	}
	c, err := decodeComplaintHead([]byte(ticket), v)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Complaints loads the complaints with the given tickets, skipping any
// that do not exist.
func (t *Tx) Complaints(tickets []string) ([]flows.Complaint, error) {
	out := make([]flows.Complaint, 0, len(tickets))
	for _, tk := range tickets {
		c, err := t.Complaint(tk)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

// PutComplaint stores a complaint.
func (t *Tx) PutComplaint(c flows.Complaint) error {
	if c.Ticket == "" {
		return errors.New("put complaint: empty ticket")
	}
	if c.Head {
		return fmt.Errorf("put complaint %s: it was read without its thread, for a status line", c.Ticket)
	}
	if err := t.indexPoint(c); err != nil {
		return err
	}
	if err := t.putStat(c); err != nil {
		return err
	}
	return t.putComplaintRecord(c)
}

func counterKey(prefix string, year int) []byte {
	return []byte("ticket:" + prefix + ":" + strconv.Itoa(year))
}

func (t *Tx) counter(key []byte) uint64 {
	v := t.tx.Bucket(bucketCounters).Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// NextTicket returns the ticket number the next complaint of that year
// would get, without taking it.
func (t *Tx) NextTicket(prefix string, year int) string {
	return flows.TicketNumber(prefix, year, t.counter(counterKey(prefix, year))+1)
}

// TakeTicket takes the next ticket number of that year. Numbers start at 1
// each year.
func (t *Tx) TakeTicket(prefix string, year int) (string, error) {
	key := counterKey(prefix, year)
	n := t.counter(key) + 1
	if err := t.tx.Bucket(bucketCounters).Put(key, binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return "", err
	}
	return flows.TicketNumber(prefix, year, n), nil
}

func postKey(chat flows.Chat, msgID string) string { return chat.String() + "|" + msgID }

// Link is what a message in an admin chat is about.
type Link struct {
	Ticket string `json:"t"`
	// Relay is set on posts that carry the complaint or the citizen's
	// words: a reply to them reaches the citizen. A reply to any other
	// message of the bot (an acknowledgement, a note, /info) stays in the
	// group.
	Relay bool `json:"r,omitempty"`
	// Noticed is set once the admins were told that a reply to this
	// (internal) message was not sent to the citizen.
	Noticed bool `json:"n,omitempty"`
}

// LinkPost remembers that a message in an admin chat is about a complaint,
// so a reply to it reaches the complaint. The first post of a complaint in
// a chat becomes the one later messages are threaded under.
func (t *Tx) LinkPost(chat flows.Chat, msgID string, l Link) error {
	if err := t.put(bucketPosts, postKey(chat, msgID), l); err != nil {
		return err
	}
	return t.ownLink(l.Ticket, chat, linkPost, msgID, l.Relay)
}

// PostLink returns what a message in a chat is about; ok is false when it
// is not linked to a complaint.
func (t *Tx) PostLink(chat flows.Chat, msgID string) (l Link, ok bool, err error) {
	data := t.tx.Bucket(bucketPosts).Get([]byte(postKey(chat, msgID)))
	switch {
	case data == nil:
		return Link{}, false, nil
	case data[0] != '{':
		// Written before links had kinds: every linked post was relayed.
		return Link{Ticket: string(data), Relay: true}, true, nil
	}
	ok, err = t.get(bucketPosts, postKey(chat, msgID), &l)
	return l, ok, err
}

func replyKey(chat flows.Chat, msgID string) []byte {
	return []byte("reply|" + chat.String() + "|" + msgID)
}

// LinkReply remembers that an admin's message was relayed to the citizen
// of a complaint, so an edit of it can follow as a correction.
func (t *Tx) LinkReply(chat flows.Chat, msgID, ticket string) error {
	if err := t.tx.Bucket(bucketPosts).Put(replyKey(chat, msgID), []byte(ticket)); err != nil {
		return err
	}
	return t.ownLink(ticket, chat, linkReply, msgID, false)
}

// RelayedReply returns the complaint an admin's message was relayed to,
// or "".
func (t *Tx) RelayedReply(chat flows.Chat, msgID string) string {
	return string(t.tx.Bucket(bucketPosts).Get(replyKey(chat, msgID)))
}

// LinkQuote remembers a relayed post by its text: the process can die
// between the platform's answer and the commit that links the post, and
// sends it again at the next start. The first copy is then never linked,
// but an admin's reply quotes its text, which names this post.
func (t *Tx) LinkQuote(chat flows.Chat, ticket, text string) error {
	return t.bucket(bucketThreads).Put(quoteKey(chat, ticket, text), []byte{1})
}

// QuotesRelay reports whether quoted (the text of a message an admin
// replied to) is that of a relayed post of the ticket in the chat.
func (t *Tx) QuotesRelay(chat flows.Chat, ticket, quoted string) bool {
	return t.tx.Bucket(bucketThreads).Get(quoteKey(chat, ticket, quoted)) != nil
}

// quoteKey keys a post's text: its first 64 characters, trimmed (what a
// quote and the message surely share), hashed.
func quoteKey(chat flows.Chat, ticket, text string) []byte {
	r := []rune(strings.TrimSpace(text))
	sum := sha256.Sum256([]byte(string(r[:min(len(r), 64)])))
	return []byte(ticket + "|" + chat.String() + "|~" + hex.EncodeToString(sum[:8]))
}

// ThreadPost returns the message a complaint's thread hangs under in a
// chat, or "".
func (t *Tx) ThreadPost(ticket string, chat flows.Chat) string {
	post, _ := splitLinks(t.tx.Bucket(bucketThreads).Get([]byte(ticket + "|" + chat.String())))
	return string(post)
}

// MetaWithPrefix returns the stored settings whose keys start with prefix,
// keyed by the rest of the key.
func (t *Tx) MetaWithPrefix(prefix string) map[string]string {
	out := map[string]string{}
	c := t.tx.Bucket(bucketMeta).Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		out[strings.TrimPrefix(string(k), prefix)] = string(v)
	}
	return out
}

// Meta returns a stored setting, such as a channel's update offset.
func (t *Tx) Meta(key string) string {
	return string(t.tx.Bucket(bucketMeta).Get([]byte(key)))
}

// SetMeta stores a setting.
func (t *Tx) SetMeta(key, value string) error {
	return t.tx.Bucket(bucketMeta).Put([]byte(key), []byte(value))
}
