package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"aduan/flows"
)

// Outgoing is a message in the outbox, waiting to be delivered.
type Outgoing struct {
	// Seq orders the outbox; messages of one queue go out in Seq order.
	Seq uint64
	// Queue is where the message was addressed: a chat, or an office's
	// admin chat on a channel (flows.OfficeChat), resolved when sent.
	Queue   flows.Chat
	Message flows.Message
	// Parts holds the platform ids of each part already sent, so a retry
	// goes on with the next part instead of sending one twice.
	Parts [][]string
	// At is when the message was queued (zero for entries from before).
	At time.Time
}

// outgoing is how an outbox entry is stored.
type outgoing struct {
	Message *flows.Message `json:"m"`
	Parts   [][]string     `json:"p,omitempty"`
	// At is when it was queued, in Unix milliseconds.
	At int64 `json:"t,omitempty"`
}

func decodeOutgoing(data []byte) (outgoing, error) {
	var o outgoing
	if err := json.Unmarshal(data, &o); err != nil {
		return o, err
	}
	if o.Message == nil {
		// An entry written before parts were recorded: the message alone.
		var m flows.Message
		err := json.Unmarshal(data, &m)
		return outgoing{Message: &m}, err
	}
	return o, nil
}

func (t *Tx) putOutgoing(o Outgoing) error {
	at := int64(0)
	if !o.At.IsZero() {
		at = o.At.UnixMilli()
	}
	data, err := json.Marshal(outgoing{Message: &o.Message, Parts: o.Parts, At: at})
	if err != nil {
		return fmt.Errorf("encode outgoing message: %w", err)
	}
	return t.tx.Bucket(bucketOutbox).Put(queueKey(o.Queue.Channel, o.Queue.ID, o.Seq), data)
}

// Enqueue adds messages to the outbox, each to the queue of its To. They
// are sent after the transaction commits.
func (t *Tx) Enqueue(msgs ...flows.Message) error {
	b := t.tx.Bucket(bucketOutbox)
	for _, m := range msgs {
		if err := validQueue(m.To.Channel, m.To.ID); err != nil {
			return fmt.Errorf("enqueue %q: %w", m.Text, err)
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := t.putOutgoing(Outgoing{Seq: seq, Queue: m.To, Message: m, At: time.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// OutboxHeads returns the oldest message of each queue of a channel,
// without decoding them: the sender decodes only those it sends now.
func (t *Tx) OutboxHeads(channel string) ([]Head, error) {
	return t.heads(bucketOutbox, channel, int(^uint(0)>>1), nil)
}

// Outgoing loads one outbox entry; nil when it is gone.
func (t *Tx) Outgoing(queue flows.Chat, seq uint64) (*Outgoing, error) {
	data := t.tx.Bucket(bucketOutbox).Get(queueKey(queue.Channel, queue.ID, seq))
	if data == nil {
		return nil, nil
	}
	o, err := decodeOutgoing(data)
	if err != nil {
		return nil, fmt.Errorf("decode outbox %s/%d: %w", queue, seq, err)
	}
	out := &Outgoing{Seq: seq, Queue: queue, Message: *o.Message, Parts: o.Parts}
	if o.At != 0 {
		out.At = time.UnixMilli(o.At)
	}
	return out, nil
}

// QueueHead loads the oldest message of one queue; nil when it is empty.
func (t *Tx) QueueHead(queue flows.Chat) (*Outgoing, error) {
	prefix := queuePrefix(queue.Channel, queue.ID)
	k, _ := t.tx.Bucket(bucketOutbox).Cursor().Seek(prefix)
	if len(k) != len(prefix)+8 || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return t.Outgoing(queue, binary.BigEndian.Uint64(k[len(prefix):]))
}

// UpdateOutgoing stores a changed outbox entry: parts sent, or a message rewritten
// (a photo that cannot be sent replaced by a note).
func (t *Tx) UpdateOutgoing(o Outgoing) error {
	if t.tx.Bucket(bucketOutbox).Get(queueKey(o.Queue.Channel, o.Queue.ID, o.Seq)) == nil {
		return fmt.Errorf("update outbox %s/%d: no such entry", o.Queue, o.Seq)
	}
	return t.putOutgoing(o)
}

// Delivered removes a message from the outbox.
func (t *Tx) Delivered(queue flows.Chat, seq uint64) error {
	return t.tx.Bucket(bucketOutbox).Delete(queueKey(queue.Channel, queue.ID, seq))
}

// OutboxSeq is the sequence number the newest queued message got; a
// message queued later gets a higher one.
func (t *Tx) OutboxSeq() uint64 {
	return t.tx.Bucket(bucketOutbox).Sequence()
}

// OutboxWaiting reports whether any message waits in the outbox.
func (t *Tx) OutboxWaiting() bool {
	k, _ := t.tx.Bucket(bucketOutbox).Cursor().First()
	return k != nil
}

// OutboxLen counts the messages waiting in the outbox (a walk of it).
func (t *Tx) OutboxLen() int {
	return t.tx.Bucket(bucketOutbox).Stats().KeyN
}

// OutboxState is one channel's outbox: how many messages wait, and since
// when the oldest.
type OutboxState struct {
	Messages int
	Oldest   time.Time
}

// OutboxByChannel tells each channel's outbox.
func (t *Tx) OutboxByChannel() map[string]OutboxState {
	out := map[string]OutboxState{}
	c := t.tx.Bucket(bucketOutbox).Cursor()
	var queue []byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		channel, _, ok := strings.Cut(string(k), "\x00")
		if !ok || len(k) < 8 {
			continue
		}
		st := out[channel]
		st.Messages++
		// A queue's head is its oldest: decode only heads.
		if q := k[:len(k)-8]; !bytes.Equal(q, queue) {
			queue = append(queue[:0], q...)
			if o, err := decodeOutgoing(v); err == nil && o.At != 0 {
				if at := time.UnixMilli(o.At); st.Oldest.IsZero() || at.Before(st.Oldest) {
					st.Oldest = at
				}
			}
		}
		out[channel] = st
	}
	return out
}
