package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	"aduan/flows"
)

// bucketClosed lists the closed complaints whose admin post links are
// still kept, by when they closed: the key is that time (8 bytes of Unix
// nanoseconds) and the ticket. Pruning post links reads the front of it,
// what is due, instead of every link.
var bucketClosed = []byte("closed")

// metaClosed records that the closed list holds every complaint, and
// metaLinkOwners that every post link has its owner entry.
const (
	metaClosed     = "index:closed"
	metaLinkOwners = "index:linkowners"
)

// closedKey is a complaint's key in bucketClosed; nil while it is open.
// A resolved complaint closed when it was resolved; a rejected one counts
// from when it was filed (statistics keep no time of rejection).
func closedKey(c *flows.Complaint) []byte {
	if c == nil || c.Ticket == "" {
		return nil
	}
	var at time.Time
	switch c.Status {
	case flows.StatusResolved:
		at = c.ResolvedAt
		if at.IsZero() {
			at = c.Updated
		}
	case flows.StatusRejected:
		at = c.Created
	default:
		return nil
	}
	return append(binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano())), c.Ticket...)
}

// indexClosed moves a complaint's entry in the closed list from where its
// stored version (old, nil for a new complaint) had it.
func (t *Tx) indexClosed(old, c *flows.Complaint) error {
	b := t.bucket(bucketClosed)
	oldKey, key := closedKey(old), closedKey(c)
	if bytes.Equal(oldKey, key) {
		return nil // listed already, or its links were pruned
	}
	if oldKey != nil {
		if err := b.Delete(oldKey); err != nil {
			return err
		}
	}
	if key == nil {
		return nil
	}
	return b.Put(key, nil)
}

func (t *Tx) indexClosedAll() error {
	return t.indexOnce(metaClosed, func(c flows.Complaint) error { return t.indexClosed(nil, &c) })
}

// A complaint's key for a chat in bucketThreads (ticket|chat) lists its
// links in that chat, so that pruning finds them without reading every
// link: the value is the post the complaint's thread hangs under there
// (empty while there is none), then for each other link a zero byte, 'p'
// for a post or 'r' for a relayed reply, and the message's id. A chat
// holds a few per complaint; a value from before schema 5 is the post
// alone.
const (
	linkPost  = 'p'
	linkReply = 'r'
)

// splitLinks parses a chat's value: the thread's post and the other links,
// each its kind and message id.
func splitLinks(v []byte) (post []byte, links [][]byte) {
	parts := bytes.Split(v, []byte{0})
	for _, l := range parts[1:] {
		if len(l) > 1 {
			links = append(links, l)
		}
	}
	return parts[0], links
}

// ownLink lists a link under its complaint's key for the chat; thread
// makes a post the one the complaint's thread hangs under when there is
// none yet.
func (t *Tx) ownLink(ticket string, chat flows.Chat, kind byte, msgID string, thread bool) error {
	threads := t.bucket(bucketThreads)
	key := []byte(ticket + "|" + chat.String())
	v := threads.Get(key)
	if listed(v, kind, msgID) {
		return nil
	}
	var out []byte
	if post, _ := splitLinks(v); len(post) == 0 && kind == linkPost && thread {
		out = append([]byte(msgID), v...)
	} else {
		out = append(append(bytes.Clone(v), 0, kind), msgID...)
	}
	return threads.Put(key, out)
}

// listed reports whether a chat's value lists a link.
func listed(v []byte, kind byte, msgID string) bool {
	post, links := splitLinks(v)
	if kind == linkPost && string(post) == msgID {
		return true
	}
	for _, l := range links {
		if l[0] == kind && string(l[1:]) == msgID {
			return true
		}
	}
	return false
}

// linkTicket is the ticket a value of bucketPosts names: a reply link's
// value is the ticket, a post link's a Link (or, before links had kinds,
// the ticket).
func linkTicket(v []byte) (string, bool) {
	if len(v) > 0 && v[0] == '{' {
		var l Link
		if json.Unmarshal(v, &l) != nil {
			return "", false
		}
		return l.Ticket, true
	}
	return string(v), len(v) > 0
}

// parseLinkKey splits a key of bucketPosts into its kind, chat and message
// id (keys are chat|id and reply|chat|id).
func parseLinkKey(k []byte) (kind byte, chat flows.Chat, msgID string, ok bool) {
	kind = linkPost
	if rest, isReply := bytes.CutPrefix(k, []byte("reply|")); isReply {
		kind, k = linkReply, rest
	}
	i := bytes.LastIndexByte(k, '|')
	if i < 0 {
		return 0, flows.Chat{}, "", false
	}
	channel, id, found := strings.Cut(string(k[:i]), ":")
	if !found {
		return 0, flows.Chat{}, "", false
	}
	return kind, flows.Chat{Channel: channel, ID: id}, string(k[i+1:]), true
}

// linkOwned reports whether a link of bucketPosts is listed under its
// complaint.
func (t *Tx) linkOwned(ticket string, k []byte) bool {
	kind, chat, msgID, ok := parseLinkKey(k)
	if !ok {
		return false
	}
	return listed(t.tx.Bucket(bucketThreads).Get([]byte(ticket+"|"+chat.String())), kind, msgID)
}

// indexLinkOwners lists every link of a store from before schema 5 under
// its complaint, once.
func (t *Tx) indexLinkOwners() error {
	if t.Meta(metaLinkOwners) != "" {
		return nil
	}
	type link struct {
		ticket string
		chat   flows.Chat
		kind   byte
		msgID  string
	}
	var links []link // ownLink writes to another bucket; ForEach must not see it change
	err := t.tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		ticket, ok := linkTicket(v)
		kind, chat, msgID, kok := parseLinkKey(k)
		if ok && kok {
			links = append(links, link{ticket, chat, kind, msgID})
		}
		return nil // unreadable: verify reports it
	})
	if err != nil {
		return err
	}
	for _, l := range links {
		if err := t.ownLink(l.ticket, l.chat, l.kind, l.msgID, false); err != nil {
			return err
		}
	}
	return t.SetMeta(metaLinkOwners, "1")
}
