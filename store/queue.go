package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// The inbox and the outbox are queues per chat: a key is the channel, a
// zero byte, the chat's queue id, a zero byte and a big-endian sequence
// number, so each chat's entries sit together in order, and the oldest
// entry of every chat is found by seeking, without reading the rest.

func queuePrefix(channel, queue string) []byte {
	return []byte(channel + "\x00" + queue + "\x00")
}

func queueKey(channel, queue string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(queuePrefix(channel, queue), seq)
}

func validQueue(channel, queue string) error {
	if channel == "" || queue == "" || strings.ContainsRune(channel, 0) || strings.ContainsRune(queue, 0) {
		return fmt.Errorf("invalid queue %q/%q", channel, queue)
	}
	return nil
}

// Head is the oldest entry of one chat's queue.
type Head struct {
	Queue string
	Seq   uint64
	value []byte
}

// heads walks the oldest entry of each queue of a channel in a bucket,
// for up to limit queues that want accepts (nil accepts all).
func (t *Tx) heads(bucket []byte, channel string, limit int, want func(queue string) bool) ([]Head, error) {
	prefix := []byte(channel + "\x00")
	c := t.tx.Bucket(bucket).Cursor()
	var out []Head
	var next []byte // reused: one seek key per queue
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; {
		if len(k) < len(prefix)+10 {
			return nil, fmt.Errorf("%s: malformed key %q", bucket, k)
		}
		end := len(k) - 8 // the zero byte after the queue id is at end-1
		queue := string(k[len(prefix) : end-1])
		if want == nil || want(queue) {
			out = append(out, Head{Queue: queue, Seq: binary.BigEndian.Uint64(k[end:]), value: v})
		}
		// Skip the rest of this queue: its keys sort below queue id + 0x01.
		next = append(append(next[:0], k[:end-1]...), 1)
		k, v = c.Seek(next)
	}
	return out, nil
}
