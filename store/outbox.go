package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"aduan/flows"
)

// Outgoing is a message in the outbox, waiting to be delivered.
type Outgoing struct {
	// Seq orders the outbox; messages to one chat go out in Seq order.
	Seq     uint64
	Message flows.Message
}

// chatPrefix is the start of every outbox key of one chat: the channel,
// a zero byte, the chat id, a zero byte. Neither may hold a zero byte.
func chatPrefix(chat flows.Chat) []byte {
	return []byte(chat.Channel + "\x00" + chat.ID + "\x00")
}

// outboxKey is the chat's prefix and the sequence number, so each chat's
// messages sit together in order, and a sender finds the oldest message of
// every chat without reading the rest.
func outboxKey(chat flows.Chat, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(chatPrefix(chat), seq)
}

// Enqueue adds messages to the outbox. They are sent after the
// transaction commits.
func (t *Tx) Enqueue(msgs ...flows.Message) error {
	b := t.tx.Bucket(bucketOutbox)
	for _, m := range msgs {
		if m.To.Channel == "" || m.To.ID == "" || strings.ContainsRune(m.To.String(), 0) {
			return fmt.Errorf("enqueue: message without a valid chat: %q", m.Text)
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		data, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode outgoing message: %w", err)
		}
		if err := b.Put(outboxKey(m.To, seq), data); err != nil {
			return err
		}
	}
	return nil
}

// Heads returns the oldest waiting message of each chat of a channel, for
// up to limit chats that want accepts (nil accepts all). Only heads may be
// sent: a chat's next message waits until its head is delivered. Chats
// are found by seeking, and only accepted heads are decoded, so a long
// queue in one chat or many busy chats cost little.
func (t *Tx) Heads(channel string, limit int, want func(flows.Chat) bool) ([]Outgoing, error) {
	prefix := []byte(channel + "\x00")
	c := t.tx.Bucket(bucketOutbox).Cursor()
	var out []Outgoing
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; {
		if len(k) < len(prefix)+9 {
			return nil, fmt.Errorf("outbox: malformed key %q", k)
		}
		chatEnd := len(k) - 8 // the zero byte after the chat id
		chat := flows.Chat{Channel: channel, ID: string(k[len(prefix) : chatEnd-1])}
		if want == nil || want(chat) {
			o := Outgoing{Seq: binary.BigEndian.Uint64(k[chatEnd:])}
			if err := json.Unmarshal(v, &o.Message); err != nil {
				return nil, fmt.Errorf("decode outbox %d: %w", o.Seq, err)
			}
			out = append(out, o)
		}
		// Skip the rest of this chat: its keys sort below chat id + 0x01.
		next := append(append([]byte(nil), k[:chatEnd-1]...), 1)
		k, v = c.Seek(next)
	}
	return out, nil
}

// Delivered removes a message from the outbox.
func (t *Tx) Delivered(chat flows.Chat, seq uint64) error {
	return t.tx.Bucket(bucketOutbox).Delete(outboxKey(chat, seq))
}

// OutboxLen counts the messages waiting in the outbox.
func (t *Tx) OutboxLen() int {
	return t.tx.Bucket(bucketOutbox).Stats().KeyN
}
