package bot

import (
	"context"
	"time"

	"aduan/flows"
	"aduan/store"
)

// maxConverting caps how many chats' inbound messages are converted at
// once per channel. A slow one (a photo download) holds only its chat.
const maxConverting = 64

// maxConvertBackoff caps the wait before converting a message again.
const maxConvertBackoff = 30 * time.Second

// inbox hands a channel's received messages back to it for conversion,
// per chat in order, many chats at once, and handles what they become.
type inbox struct {
	d    *Desk
	rc   Receiver
	wake chan struct{}
}

func (d *Desk) wakeInbox(channel string) {
	d.mu.Lock()
	ib := d.inboxes[channel]
	d.mu.Unlock()
	if ib != nil {
		select {
		case ib.wake <- struct{}{}:
		default:
		}
	}
}

type converted struct {
	queue string
	err   error
}

func (ib *inbox) run(ctx context.Context) {
	name := ib.rc.Name()
	log := ib.d.log.With("channel", name)
	inflight := map[string]bool{}
	notBefore := map[string]time.Time{}
	// attempts counts the tries of each chat's head; dropped once handled.
	attempts := map[string]int{}
	done := make(chan converted)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wakeAt := expire(notBefore, time.Now())
		if free := maxConverting - len(inflight); free > 0 && ctx.Err() == nil {
			var heads []store.Received
			err := ib.d.store.View(func(tx *store.Tx) error {
				var err error
				heads, err = tx.InboxHeads(name, free, func(q string) bool {
					_, waiting := notBefore[q]
					return !inflight[q] && !waiting
				})
				return err
			})
			if err != nil {
				log.Error("read inbox", "err", err)
			}
			for _, r := range heads {
				inflight[r.Queue] = true
				attempts[r.Queue]++
				go func(r store.Received, attempt int) {
					done <- converted{queue: r.Queue, err: ib.process(ctx, r, attempt)}
				}(r, attempts[r.Queue])
			}
		}
		if ctx.Err() != nil && len(inflight) == 0 {
			return
		}
		timer.Reset(time.Until(wakeAt))
		select {
		case r := <-done:
			delete(inflight, r.queue)
			if r.err == nil {
				delete(attempts, r.queue)
				break
			}
			if ctx.Err() == nil {
				log.Warn("inbound message not handled yet, will retry", "chat", ib.d.LogChat(flows.Chat{Channel: name, ID: r.queue}), "attempt", attempts[r.queue], "err", r.err)
			}
			notBefore[r.queue] = time.Now().Add(min(time.Second<<min(attempts[r.queue]-1, 10), maxConvertBackoff))
		case <-ib.wake:
		case <-timer.C:
		case <-ctx.Done():
			for len(inflight) > 0 {
				r := <-done
				delete(inflight, r.queue)
			}
			return
		}
	}
}

// process converts one received message and handles it; the inbox entry
// goes in the same transaction.
func (ib *inbox) process(ctx context.Context, r store.Received, attempt int) error {
	in, err := ib.rc.Convert(ctx, r.Payload, attempt)
	if err != nil {
		return err
	}
	if in == nil {
		in = &Inbound{}
	}
	in.Chat.Channel = ib.rc.Name()
	if in.Chat.ID == "" {
		in.Chat.ID = r.Queue
	}
	return ib.d.handle(ctx, *in, &r, nil)
}
