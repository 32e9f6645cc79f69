package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Received is an inbound message as its channel got it, kept until the
// desk has handled it. Storing it is what lets a channel acknowledge the
// message to its platform at once, while the slow part (fetching a photo)
// runs later, in order per chat.
type Received struct {
	// Key identifies the message on its platform; a key seen before is not
	// stored again.
	Key string `json:"key"`
	// Queue is the chat the message came from; one chat's messages are
	// handled in order.
	Queue string `json:"-"`
	// Payload is the message in the channel's own form.
	Payload json.RawMessage `json:"payload"`
	At      time.Time       `json:"at"`
	// Seq orders the inbox; set when read back.
	Seq uint64 `json:"-"`
}

// Accept stores a received message in the inbox of its channel, unless its
// key was seen before. It reports whether it was stored.
func (t *Tx) Accept(channel string, r Received) (bool, error) {
	if err := validQueue(channel, r.Queue); err != nil {
		return false, fmt.Errorf("accept %s: %w", r.Key, err)
	}
	if r.Key != "" {
		seen, err := t.Seen(r.Key, r.At)
		if err != nil || seen {
			return false, err
		}
	}
	b := t.tx.Bucket(bucketInbox)
	seq, err := b.NextSequence()
	if err != nil {
		return false, err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return false, fmt.Errorf("encode received message: %w", err)
	}
	return true, b.Put(queueKey(channel, r.Queue, seq), data)
}

// InboxHeads returns the oldest received message of each chat of a
// channel, for up to limit chats that want accepts.
func (t *Tx) InboxHeads(channel string, limit int, want func(queue string) bool) ([]Received, error) {
	hs, err := t.heads(bucketInbox, channel, limit, want)
	if err != nil {
		return nil, err
	}
	out := make([]Received, len(hs))
	for i, h := range hs {
		if err := json.Unmarshal(h.value, &out[i]); err != nil {
			return nil, fmt.Errorf("decode inbox %d: %w", h.Seq, err)
		}
		out[i].Queue, out[i].Seq = h.Queue, h.Seq
	}
	return out, nil
}

// Handled removes a received message from the inbox.
func (t *Tx) Handled(channel, queue string, seq uint64) error {
	return t.tx.Bucket(bucketInbox).Delete(queueKey(channel, queue, seq))
}
