package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"aduan/flows"
	"aduan/store"
)

// maxBackoff caps the wait between retries of a failing chat. Messages are
// never dropped for temporary failures.
const maxBackoff = 5 * time.Minute

// sender drains one channel's outbox: per chat in order, one message per
// chat in flight, many chats at once.
type sender struct {
	d    *Desk
	ch   Channel
	wake chan struct{}
}

// AddChannel registers a channel to deliver through. Call before Run.
func (d *Desk) AddChannel(ch Channel) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.senders[ch.Name()] = &sender{d: d, ch: ch, wake: make(chan struct{}, 1)}
}

func (d *Desk) wake(channel string) {
	d.mu.Lock()
	s := d.senders[channel]
	d.mu.Unlock()
	if s == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers the outbox until ctx ends, then waits for the sends in
// flight to finish. Messages left in the outbox go out on the next Run.
func (d *Desk) Run(ctx context.Context) error {
	d.mu.Lock()
	senders := make([]*sender, 0, len(d.senders))
	for _, s := range d.senders {
		senders = append(senders, s)
	}
	d.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(ctx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.pruneLoop(ctx)
	}()
	wg.Wait()
	return nil
}

// pruneLoop forgets inbound keys too old to be delivered again.
func (d *Desk) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		err := d.store.Update(func(tx *store.Tx) error {
			_, err := tx.PruneSeen(d.now().Add(-72 * time.Hour))
			return err
		})
		if err != nil {
			d.log.Error("prune inbound keys", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type result struct {
	chat  string
	retry time.Duration
	fail  bool
}

func (s *sender) run(ctx context.Context) {
	log := s.d.log.With("channel", s.ch.Name())
	inflight := map[string]bool{}
	notBefore := map[string]time.Time{}
	failures := map[string]int{}
	done := make(chan result)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		wakeAt := now.Add(time.Minute)
		for chat, t := range notBefore {
			if !now.Before(t) {
				delete(notBefore, chat)
			} else if t.Before(wakeAt) {
				wakeAt = t
			}
		}
		if free := s.d.opt.MaxInFlight - len(inflight); free > 0 && ctx.Err() == nil {
			var ready []store.Outgoing
			err := s.d.store.View(func(tx *store.Tx) error {
				var err error
				ready, err = tx.Heads(s.ch.Name(), free, func(c flows.Chat) bool {
					_, waiting := notBefore[c.ID]
					return !inflight[c.ID] && !waiting
				})
				return err
			})
			if err != nil {
				log.Error("read outbox", "err", err)
			}
			for _, o := range ready {
				inflight[o.Message.To.ID] = true
				go func(o store.Outgoing) { done <- s.deliver(ctx, log, o) }(o)
			}
		}
		if ctx.Err() != nil && len(inflight) == 0 {
			return
		}
		timer.Reset(time.Until(wakeAt))
		select {
		case r := <-done:
			delete(inflight, r.chat)
			switch {
			case r.retry > 0:
				notBefore[r.chat] = time.Now().Add(r.retry)
			case r.fail:
				failures[r.chat]++
				notBefore[r.chat] = time.Now().Add(backoff(failures[r.chat]))
			default:
				delete(failures, r.chat)
			}
		case <-s.wake:
		case <-timer.C:
		case <-ctx.Done():
			if len(inflight) == 0 {
				return
			}
			// Finish what is in flight; start nothing new.
			for len(inflight) > 0 {
				r := <-done
				delete(inflight, r.chat)
			}
			return
		}
	}
}

func backoff(failures int) time.Duration {
	d := time.Second << min(failures, 10)
	return min(d, maxBackoff)
}

// deliver sends one outbox message and records the outcome.
func (s *sender) deliver(ctx context.Context, log *slog.Logger, o store.Outgoing) result {
	m := o.Message
	r := result{chat: m.To.ID}
	replyTo := m.ReplyToID
	if replyTo == "" && m.Thread && m.Ticket != "" {
		_ = s.d.store.View(func(tx *store.Tx) error {
			replyTo = tx.ThreadPost(m.Ticket, m.To)
			return nil
		})
	}
	ids, err := s.ch.Send(ctx, m, replyTo)
	var retry *RetryAfterError
	var perm *PermanentError
	switch {
	case err == nil:
		err = s.d.store.Update(func(tx *store.Tx) error {
			if err := tx.Delivered(m.To, o.Seq); err != nil {
				return err
			}
			if m.Ticket != "" && s.d.cfg.IsAdminChat(m.To) {
				for _, id := range ids {
					if err := tx.LinkPost(m.To, id, m.Ticket); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			// The message went out but is still queued: it may go out twice.
			log.Error("record delivery", "chat", m.To.ID, "seq", o.Seq, "err", err)
			r.fail = true
		}
	case errors.As(err, &retry):
		log.Warn("rate limited", "chat", m.To.ID, "retry_after", retry.After)
		r.retry = retry.After
	case errors.As(err, &perm) && perm.Reason == ReasonBlocked && s.d.cfg.IsAdminChat(m.To):
		// The bot was removed from an admin chat, or the chat id is wrong:
		// complaints must not be lost, so they wait for the operator.
		log.Error("admin chat unreachable: add the bot to the group again or fix its chat id in the config; messages wait",
			"chat", m.To.ID, "ticket", m.Ticket, "err", err)
		r.fail = true
	case errors.As(err, &perm):
		log.Warn("message undeliverable, dropped", "chat", m.To.ID, "ticket", m.Ticket, "err", err)
		err = s.d.store.Update(func(tx *store.Tx) error {
			if err := tx.Delivered(m.To, o.Seq); err != nil {
				return err
			}
			if m.OnFail == nil {
				return nil
			}
			notice := *m.OnFail
			notice.Text = strings.ReplaceAll(notice.Text, "{alasan}", s.reason(perm.Reason))
			return tx.Enqueue(notice)
		})
		if err != nil {
			log.Error("record failed delivery", "chat", m.To.ID, "seq", o.Seq, "err", err)
			r.fail = true
		} else if m.OnFail != nil {
			s.d.wake(m.OnFail.To.Channel)
		}
	case ctx.Err() != nil:
		// Shutting down: the message stays queued for the next start.
	default:
		log.Warn("send failed, will retry", "chat", m.To.ID, "seq", o.Seq, "err", err)
		r.fail = true
	}
	return r
}

func (s *sender) reason(r Reason) string {
	t := &s.d.cfg.Texts
	if r == ReasonBlocked {
		return t.ReasonBlocked
	}
	return t.ReasonOther
}

// OutboxLen counts the messages still to be delivered.
func (d *Desk) OutboxLen() (n int, err error) {
	err = d.store.View(func(tx *store.Tx) error {
		n = tx.OutboxLen()
		return nil
	})
	return n, err
}
