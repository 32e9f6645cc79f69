package bot

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"aduan/flows"
	"aduan/store"
)

// maxBackoff caps the wait between retries of a failing chat. Messages are
// never dropped for temporary failures.
const maxBackoff = 5 * time.Minute

// sender drains one channel's outbox: per queue in order, one message per
// chat in flight, many chats at once, oldest first, and never starting a
// chat that its channel's limits make wait.
type sender struct {
	d     *Desk
	ch    Channel
	pacer Pacer
	wake  chan struct{}
	log   *slog.Logger

	mu sync.Mutex
	// progress holds the parts of messages in flight, and of messages sent
	// but not yet recorded in the store, by outbox key.
	progress map[outKey]*progress
}

type outKey struct {
	queue flows.Chat
	seq   uint64
}

// progress is what went out of one message.
type progress struct {
	parts [][]string
	// recorded counts the parts the store knows of.
	recorded int
	// complete is set when the whole message went out.
	complete bool
}

// AddChannel registers a channel to deliver through (and, for a Receiver,
// to take messages from). Call before Run.
func (d *Desk) AddChannel(ch Channel) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &sender{d: d, ch: ch, wake: make(chan struct{}, 1), log: d.log.With("channel", ch.Name()), progress: map[outKey]*progress{}}
	s.pacer, _ = ch.(Pacer)
	d.senders[ch.Name()] = s
	if rc, ok := ch.(Receiver); ok {
		d.inboxes[ch.Name()] = &inbox{d: d, rc: rc, wake: make(chan struct{}, 1)}
	}
	if j, ok := ch.(Journal); ok {
		d.journals[ch.Name()] = j
	}
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

// Run delivers the outbox and handles the inboxes until ctx ends, then
// waits for the work in flight to finish. What is left goes on at the next
// Run.
func (d *Desk) Run(ctx context.Context) error {
	d.mu.Lock()
	var runs []func(context.Context)
	for _, s := range d.senders {
		runs = append(runs, s.run)
	}
	for _, ib := range d.inboxes {
		runs = append(runs, ib.run)
	}
	d.mu.Unlock()
	runs = append(runs, d.pruneLoop, d.dueLoop)
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(ctx)
		}()
	}
	wg.Wait()
	return nil
}

// pruneLoop forgets inbound keys too old to be delivered again, and
// browser sessions that expired.
func (d *Desk) pruneLoop(ctx context.Context) {
	// Not at start: the walks read much of the store, and a start should
	// serve at once and stay small (the first round comes a little later).
	first := time.NewTimer(d.opt.maintenanceAfter())
	select {
	case <-ctx.Done():
		first.Stop()
		return
	case <-first.C:
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := d.pruneWalk(ctx, d.opt.keepInbound(), (*store.Tx).PruneSeen); err != nil {
			d.log.Error("prune inbound keys", "err", err)
		}
		if keep := d.opt.KeepPostLinks; keep > 0 {
			if err := d.prunePostLinks(ctx, keep); err != nil {
				d.log.Error("prune post links of long-closed complaints", "err", err)
			}
		}
		// Small transactions, so a backlog never holds the writer long.
		var pruneErr error
		for n := maxPrunedSessions; n == maxPrunedSessions && pruneErr == nil && ctx.Err() == nil; {
			pruneErr = d.store.Update(func(tx *store.Tx) error {
				var err error
				n, err = tx.PruneSessions(d.now(), maxPrunedSessions)
				return err
			})
		}
		if pruneErr != nil {
			d.log.Error("prune expired sessions", "err", pruneErr)
		}
		if err := d.retain(ctx); err != nil {
			d.log.Error("erase personal data past retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// count tells the metrics how a send ended.
func (s *sender) count(err error) {
	m, channel := s.d.metrics, s.ch.Name()
	var retry *RetryAfterError
	var perm *PermanentError
	switch {
	case err == nil:
		m.sent(channel, "sent")
	case errors.As(err, &retry):
		m.rateLimited(channel)
		m.sent(channel, "retry_after")
	case errors.As(err, &perm):
		m.sent(channel, reasonLabel(perm.Reason))
	default:
		m.sent(channel, "error")
	}
}

// pruneWalk runs one of the store's pruning walks over the whole bucket,
// a small transaction at a time, for entries older than keep.
func (d *Desk) pruneWalk(ctx context.Context, keep time.Duration, walk func(*store.Tx, time.Time, string, int) (string, int, error)) error {
	before := d.now().Add(-keep)
	from := ""
	for ctx.Err() == nil {
		err := d.store.Update(func(tx *store.Tx) error {
			var err error
			from, _, err = walk(tx, before, from, maxPrunedSessions)
			return err
		})
		if err != nil || from == "" {
			return err
		}
	}
	return nil
}

// prunePostLinks forgets the post links of complaints closed longer ago
// than keep, a few complaints a transaction.
func (d *Desk) prunePostLinks(ctx context.Context, keep time.Duration) error {
	before := d.now().Add(-keep)
	for more := true; more && ctx.Err() == nil; {
		err := d.store.Update(func(tx *store.Tx) error {
			var err error
			_, more, err = tx.PrunePostLinks(before, maxPrunedComplaints)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// maxPrunedComplaints bounds the complaints whose post links one
// transaction forgets (each has a few).
const maxPrunedComplaints = 200

// maxPrunedSessions bounds one transaction of session pruning.
const maxPrunedSessions = 1000

// outcome is how one delivery attempt ended.
type outcome struct {
	key  outKey
	chat flows.Chat
	// retry is when the chat may be tried again; zero for at once.
	retry time.Duration
	// failed counts towards the chat's backoff; err is what failed.
	failed bool
	err    error
}

// failing is the state of a chat whose sends fail, for backoff and for a
// log that counts repeats instead of writing each.
type failing struct {
	n        int
	lastErr  string
	loggedAt time.Time
}

// candidate is a queue head the sender may start.
type candidate struct {
	key  outKey
	chat flows.Chat
	rank uint64
}

// sendState is what the sender knows between passes. Every map is bounded
// by the chats with messages waiting or in flight.
type sendState struct {
	inflight  map[flows.Chat]bool
	notBefore map[flows.Chat]time.Time
	fails     map[flows.Chat]*failing
	// Messages go oldest first. On a channel without a pacer, after holds
	// per queue a tick at least the outbox sequence at its last send, so a
	// queue that just sent ranks behind every message already waiting and
	// one long queue cannot hold the sender. A paced channel needs no
	// such rule: no chat can send faster than its limit, and a busy admin
	// group keeps its whole allowance instead of one turn in a thousand.
	after      map[flows.Chat]uint64
	tick       uint64
	seq        uint64 // the outbox sequence at the last pass
	unresolved map[flows.Chat]bool
	// live and cands are reused from pass to pass.
	live  map[flows.Chat]bool
	cands []candidate
}

func (s *sender) run(ctx context.Context) {
	st := &sendState{inflight: map[flows.Chat]bool{}, notBefore: map[flows.Chat]time.Time{}, fails: map[flows.Chat]*failing{},
		after: map[flows.Chat]uint64{}, unresolved: map[flows.Chat]bool{}, live: map[flows.Chat]bool{}}
	done := make(chan outcome)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		wakeAt := expire(st.notBefore, now)
		if free := s.d.opt.MaxInFlight - len(st.inflight); free > 0 && ctx.Err() == nil {
			var next time.Time
			for _, c := range s.ready(st, now, &next) {
				if free == 0 {
					break
				}
				if st.inflight[c.chat] {
					continue // two queues that resolve to one chat
				}
				st.inflight[c.chat] = true
				s.started(st, c.key.queue)
				free--
				go func(key outKey, chat flows.Chat) {
					done <- s.deliver(ctx, key, chat)
				}(c.key, c.chat)
			}
			if !next.IsZero() && next.Before(wakeAt) {
				wakeAt = next
			}
		}
		if ctx.Err() != nil && len(st.inflight) == 0 {
			return
		}
		timer.Reset(time.Until(wakeAt))
		select {
		case r := <-done:
			delete(st.inflight, r.chat)
			s.settle(r, st.notBefore, st.fails)
		case <-s.wake:
		case <-timer.C:
		case <-ctx.Done():
			// Finish what is in flight; start nothing new.
			for len(st.inflight) > 0 {
				r := <-done
				delete(st.inflight, r.chat)
			}
			return
		}
	}
}

// ready returns the queue heads that may be sent now, best first: their
// chat is neither sending, nor backing off, nor waiting for its limit.
// next is set to when a chat waiting for its limit may send.
func (s *sender) ready(st *sendState, now time.Time, next *time.Time) []candidate {
	var heads []store.Head
	var seq uint64
	err := s.d.store.View(func(tx *store.Tx) error {
		var err error
		heads, err = tx.OutboxHeads(s.ch.Name())
		seq = tx.OutboxSeq()
		return err
	})
	if err != nil {
		s.log.Error("read outbox", "err", err)
	}
	st.cands = st.cands[:0]
	clear(st.live)
	for _, h := range heads {
		queue := flows.Chat{Channel: s.ch.Name(), ID: h.Queue}
		st.live[queue] = true
		chat, ok := s.d.resolve(queue)
		if !ok {
			if !st.unresolved[queue] {
				st.unresolved[queue] = true
				s.log.Error("no admin chat for these messages on this channel: give the office (or the coordinators) a chat here in the config; messages wait",
					"office", strings.TrimPrefix(h.Queue, "office:"))
			}
			continue
		}
		delete(st.unresolved, queue)
		if _, waiting := st.notBefore[chat]; waiting || st.inflight[chat] {
			continue
		}
		if s.pacer != nil {
			if wait := s.pacer.ReadyIn(chat); wait > 0 {
				if t := now.Add(wait); next.IsZero() || t.Before(*next) {
					*next = t
				}
				continue
			}
		}
		st.cands = append(st.cands, candidate{key: outKey{queue, h.Seq}, chat: chat, rank: max(h.Seq, st.after[queue])})
	}
	for q := range st.after {
		if !st.live[q] {
			delete(st.after, q)
		}
	}
	sort.Slice(st.cands, func(i, j int) bool { return st.cands[i].rank < st.cands[j].rank })
	st.seq = seq
	return st.cands
}

// started notes that a queue's head went out, for the ranking.
func (s *sender) started(st *sendState, queue flows.Chat) {
	if s.pacer == nil {
		st.tick = max(st.tick, st.seq) + 1
		st.after[queue] = st.tick
	}
}

// settle applies a delivery's outcome to the chat's waiting and failure
// state, and logs failures with a count rather than once per attempt.
func (s *sender) settle(r outcome, notBefore map[flows.Chat]time.Time, fails map[flows.Chat]*failing) {
	f := fails[r.chat]
	switch {
	case r.failed:
		if f == nil {
			f = &failing{}
			fails[r.chat] = f
		}
		f.n++
		msg := ""
		if r.err != nil {
			msg = r.err.Error()
		}
		now := time.Now()
		if msg != f.lastErr || now.Sub(f.loggedAt) >= time.Minute {
			level := slog.LevelWarn
			if s.d.toAdmins(r.key.queue) {
				level = slog.LevelError
			}
			s.log.Log(context.Background(), level, s.advice(r), "chat", s.d.LogChat(r.chat), "queue", s.d.LogChat(r.key.queue), "failures", f.n, "err", s.d.logErr(r.chat, msg))
			f.lastErr, f.loggedAt = msg, now
		}
		notBefore[r.chat] = now.Add(max(backoff(s.d.opt.MinBackoff, f.n), r.retry))
	case r.retry > 0:
		notBefore[r.chat] = time.Now().Add(r.retry)
	default:
		if f != nil {
			s.log.Info("delivering again", "chat", s.d.LogChat(r.chat), "after_failures", f.n)
			delete(fails, r.chat)
		}
	}
}

// advice says what a failure needs from the operator.
func (s *sender) advice(r outcome) string {
	var perm *PermanentError
	if errors.As(r.err, &perm) && s.d.toAdmins(r.key.queue) {
		return "admin chat refuses messages: add the bot to the group again, give it the rights to post, or fix the chat id in the config; messages wait"
	}
	return "send failed, will retry"
}

// expire forgets the waits in notBefore that are over, and returns when
// the next one ends (a minute from now at the latest).
func expire[K comparable](notBefore map[K]time.Time, now time.Time) time.Time {
	wakeAt := now.Add(time.Minute)
	for k, t := range notBefore {
		if !now.Before(t) {
			delete(notBefore, k)
		} else if t.Before(wakeAt) {
			wakeAt = t
		}
	}
	return wakeAt
}

// backoff is the wait after failures in a row: base doubled each time.
func backoff(base time.Duration, failures int) time.Duration {
	return min(base<<min(failures-1, 16), maxBackoff)
}

// deliver sends one outbox message and records the outcome.
func (s *sender) deliver(ctx context.Context, key outKey, chat flows.Chat) outcome {
	r := outcome{key: key, chat: chat}
	var o *store.Outgoing
	var replyTo string
	err := s.d.store.View(func(tx *store.Tx) error {
		var err error
		if o, err = tx.Outgoing(key.queue, key.seq); err != nil || o == nil {
			return err
		}
		replyTo = o.Message.ReplyToID
		if replyTo == "" && o.Message.Thread && o.Message.Ticket != "" {
			replyTo = tx.ThreadPost(o.Message.Ticket, chat)
		}
		return nil
	})
	if err != nil || o == nil {
		r.failed, r.err = err != nil, err
		return r
	}
	p := s.progressOf(key, o.Parts)
	if !p.complete {
		err = s.ch.Send(ctx, &Delivery{Message: o.Message, Chat: chat, ReplyTo: replyTo, Key: key.queue.String() + "/" + strconv.FormatUint(key.seq, 10),
			Done: p.done(), Sent: func(ids []string) { s.sent(key, o, chat, ids) }})
	}
	var retry *RetryAfterError
	var moved *MovedError
	var perm *PermanentError
	if ctx.Err() == nil {
		s.count(err)
	}
	switch {
	case err == nil:
		s.mu.Lock()
		p.complete = true
		s.mu.Unlock()
		if err := s.record(key, o, chat, true); err != nil {
			// It went out: keep what went out in memory and record it
			// again later, rather than send it twice.
			r.failed, r.err = true, err
			s.log.Error("record delivery; the message is not sent again", "chat", s.d.LogChat(chat), "seq", key.seq, "err", err)
		}
	case errors.As(err, &retry):
		s.log.Warn("rate limited", "chat", s.d.LogChat(chat), "retry_after", retry.After)
		r.retry = retry.After
	case errors.As(err, &moved):
		s.move(chat, moved.To)
	case errors.As(err, &perm) && perm.Reason == ReasonMedia && len(o.Message.Photos)+len(o.Message.Files) > 0:
		// Better the text without the photo than a post held forever.
		s.log.Error("photo cannot be sent, sending the text alone", "chat", s.d.LogChat(chat), "ticket", o.Message.Ticket, "err", s.d.logErr(chat, err.Error()))
		r.failed, r.err = !s.dropMedia(o), err
	case errors.As(err, &perm) && s.d.toAdmins(key.queue):
		// A complaint must not be lost: it waits for the operator.
		r.failed, r.err = true, err
	case errors.As(err, &perm):
		s.log.Warn("message undeliverable, dropped", "chat", s.d.LogChat(chat), "ticket", o.Message.Ticket, "err", s.d.logErr(chat, err.Error()))
		if err := s.drop(o, perm.Reason); err != nil {
			s.log.Error("record failed delivery", "chat", s.d.LogChat(chat), "seq", key.seq, "err", err)
			r.failed = true
		}
	case ctx.Err() != nil:
		// Shutting down: the message stays queued for the next start.
	default:
		r.failed, r.err = true, err
	}
	return r
}

// progressOf returns the in-memory progress of a message, starting from
// what the store knows.
func (s *sender) progressOf(key outKey, stored [][]string) *progress {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.progress[key]
	if p == nil || len(p.parts) < len(stored) {
		p = &progress{parts: stored, recorded: len(stored)}
		s.progress[key] = p
	}
	return p
}

func (p *progress) done() [][]string { return append([][]string(nil), p.parts...) }

// sent records one part that went out: in memory at once, and in the
// store with its links, so a retry goes on from the next part and a reply
// to this part reaches the complaint.
func (s *sender) sent(key outKey, o *store.Outgoing, chat flows.Chat, ids []string) {
	s.mu.Lock()
	p := s.progress[key]
	p.parts = append(p.parts, ids)
	s.mu.Unlock()
	if err := s.record(key, o, chat, false); err != nil {
		s.log.Error("record sent part; will record it again", "chat", s.d.LogChat(chat), "seq", key.seq, "err", err)
	}
}

// record writes what went out of a message to the store: the parts and
// their links, and when delivered, the message's removal.
func (s *sender) record(key outKey, o *store.Outgoing, chat flows.Chat, delivered bool) error {
	s.mu.Lock()
	p := s.progress[key]
	parts, from := p.done(), p.recorded
	s.mu.Unlock()
	link := o.Message.Ticket != "" && s.d.toAdmins(key.queue)
	if s.d.recordFault != nil {
		if err := s.d.recordFault(); err != nil {
			return err
		}
	}
	err := s.d.store.Update(func(tx *store.Tx) error {
		if link {
			for _, ids := range parts[from:] {
				for _, id := range ids {
					if err := tx.LinkPost(chat, id, store.Link{Ticket: o.Message.Ticket, Relay: o.Message.Relay}); err != nil {
						return err
					}
				}
			}
			if o.Message.Relay && from == 0 && len(parts) > 0 {
				if err := tx.LinkQuote(chat, o.Message.Ticket, o.Message.Text); err != nil {
					return err
				}
			}
		}
		if delivered {
			if err := s.d.answered(tx, o.Message); err != nil {
				return err
			}
			return tx.Delivered(key.queue, key.seq)
		}
		cur := *o
		cur.Parts = parts
		return tx.UpdateOutgoing(cur)
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if delivered {
		delete(s.progress, key)
	} else {
		p.recorded = max(p.recorded, len(parts))
	}
	return nil
}

// dropMedia rewrites a message whose photos cannot be sent into its text
// with a note; it reports whether the rewrite was stored.
func (s *sender) dropMedia(o *store.Outgoing) bool {
	cur := *o
	cur.Message.Photos, cur.Message.Files = nil, nil
	cur.Message.Text = strings.TrimSpace(cur.Message.Text + "\n\n" + s.d.cfg.Texts.MediaDropped)
	err := s.d.store.Update(func(tx *store.Tx) error { return tx.UpdateOutgoing(cur) })
	if err != nil {
		s.log.Error("rewrite message without photo", "seq", o.Seq, "err", err)
		return false
	}
	return true
}

// drop removes an undeliverable message and queues its failure notice.
func (s *sender) drop(o *store.Outgoing, reason Reason) error {
	m := o.Message
	err := s.d.store.Update(func(tx *store.Tx) error {
		if err := tx.Delivered(o.Queue, o.Seq); err != nil {
			return err
		}
		if m.OnFail == nil {
			return nil
		}
		notice := *m.OnFail
		notice.Text = strings.ReplaceAll(notice.Text, "{alasan}", s.reason(reason))
		return tx.Enqueue(notice)
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.progress, outKey{o.Queue, o.Seq})
	s.mu.Unlock()
	if m.OnFail != nil {
		s.d.wake(m.OnFail.To.Channel)
	}
	return nil
}

// move records that a chat has a new id and sends there from now on.
func (s *sender) move(old, to flows.Chat) {
	err := s.d.store.Update(func(tx *store.Tx) error { return tx.SetMeta(metaMoved+old.String(), to.ID) })
	if err != nil {
		s.log.Error("record chat move", "old", s.d.LogChat(old), "new", s.d.LogChat(to), "err", err)
		return
	}
	s.d.chatMoved(old, to)
}

func (s *sender) reason(r Reason) string {
	t := &s.d.cfg.Texts
	switch r {
	case ReasonBlocked:
		return t.ReasonBlocked
	case ReasonNoChat:
		return t.ReasonNoChat
	}
	return t.ReasonOther
}

// OutboxWaiting reports whether any message waits in the outbox, without
// counting them.
func (d *Desk) OutboxWaiting() (waiting bool, err error) {
	err = d.store.View(func(tx *store.Tx) error {
		waiting = tx.OutboxWaiting()
		return nil
	})
	return waiting, err
}

// OutboxLen counts the messages still to be delivered (it walks the
// outbox).
func (d *Desk) OutboxLen() (n int, err error) {
	err = d.store.View(func(tx *store.Tx) error {
		n = tx.OutboxLen()
		return nil
	})
	return n, err
}

func (o Options) keepInbound() time.Duration {
	if o.KeepInbound > 0 {
		return o.KeepInbound
	}
	return 72 * time.Hour
}

// maintenanceAfter is how long after start the first pruning round runs.
func (o Options) maintenanceAfter() time.Duration {
	if o.MaintenanceAfter > 0 {
		return o.MaintenanceAfter
	}
	return 10 * time.Minute
}
