package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"aduan/flows"
)

// Outgoing is a message in the outbox, waiting to be delivered.
type Outgoing struct {
	// Seq orders the outbox; messages to one chat go out in Seq order.
	Seq     uint64
	Message flows.Message
}

// outboxKey is the channel name, a zero byte, and the sequence number, so
// each channel's sender reads only its own messages, in order.
func outboxKey(channel string, seq uint64) []byte {
	k := append([]byte(channel), 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

// Enqueue adds messages to the outbox. They are sent after the
// transaction commits.
func (t *Tx) Enqueue(msgs ...flows.Message) error {
	b := t.tx.Bucket(bucketOutbox)
	for _, m := range msgs {
		if m.To.Channel == "" || m.To.ID == "" {
			return fmt.Errorf("enqueue: message without a chat: %q", m.Text)
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		data, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode outgoing message: %w", err)
		}
		if err := b.Put(outboxKey(m.To.Channel, seq), data); err != nil {
			return err
		}
	}
	return nil
}

// Pending returns up to limit messages for a channel, oldest first.
func (t *Tx) Pending(channel string, limit int) ([]Outgoing, error) {
	prefix := append([]byte(channel), 0)
	c := t.tx.Bucket(bucketOutbox).Cursor()
	var out []Outgoing
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
		var o Outgoing
		o.Seq = binary.BigEndian.Uint64(k[len(prefix):])
		if err := json.Unmarshal(v, &o.Message); err != nil {
			return nil, fmt.Errorf("decode outbox %d: %w", o.Seq, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// Delivered removes a message from the outbox.
func (t *Tx) Delivered(channel string, seq uint64) error {
	return t.tx.Bucket(bucketOutbox).Delete(outboxKey(channel, seq))
}

// OutboxLen counts the messages waiting in the outbox.
func (t *Tx) OutboxLen() int {
	return t.tx.Bucket(bucketOutbox).Stats().KeyN
}
