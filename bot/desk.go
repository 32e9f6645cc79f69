// Package bot is the complaint desk: it takes inbound messages from any
// channel, runs them through flows inside one store transaction, and then
// delivers what the transaction queued, per chat in order, retrying what
// failed.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"aduan/flows"
	"aduan/store"
)

// Options tune a desk.
type Options struct {
	// Location is the regency's time zone; ticket years and times follow it.
	Location *time.Location
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives the operator's log; slog.Default() when nil.
	Logger *slog.Logger
	// MaxInFlight caps concurrent sends per channel (default 16).
	MaxInFlight int
	// MinBackoff is the first wait after a failed send (default 1 s); it
	// doubles with each failure in a row, up to 5 minutes.
	MinBackoff time.Duration
	// Media, when set, is where photos no complaint or chat shows any more
	// (erased) are deleted.
	Media *store.Media
	// MaintenanceAfter is how long after start the first pruning and
	// retention round runs (default 10 minutes; then every hour).
	MaintenanceAfter time.Duration
	// KeepInbound is how long an inbound message's key is kept to tell a
	// redelivery (default 72 h; platforms redeliver within a day).
	KeepInbound time.Duration
	// KeepPostLinks, when set, is how long after a complaint was closed
	// the links from its admin posts are kept (a reply to an older post is
	// then an unknown post's).
	KeepPostLinks time.Duration
	// MaxOutboxAge, when set, makes Ready fail while a message has waited
	// longer in the outbox.
	MaxOutboxAge time.Duration
}

// Desk is the complaint desk.
type Desk struct {
	store   *store.Store
	cfg     *flows.Config
	opt     Options
	log     *slog.Logger
	mu      sync.Mutex
	senders map[string]*sender
	inboxes map[string]*inbox
	// journals are the channels that take their messages in the producing
	// transaction (see Journal).
	journals map[string]Journal
	// moved maps a chat that got a new id (a migrated group) to the new
	// one; it mirrors the store and is as small as the number of moves.
	moved map[flows.Chat]flows.Chat
	// dueWake wakes the schedule when something new was scheduled.
	dueWake chan struct{}
	// recordFault, when set by a test, fails the sender's records, as a
	// full disk would.
	recordFault func() error
	// metrics, when enabled, count what the desk does.
	metrics *metrics
	// logKey keys the pseudonyms of citizens' chats in the logs.
	logKey [32]byte
}

// metaMoved starts the store keys of chat moves: metaMoved + old chat →
// new chat id.
const metaMoved = "moved:"

// New makes a desk over a store with a validated config.
func New(st *store.Store, cfg *flows.Config, opt Options) *Desk {
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.MaxInFlight <= 0 {
		opt.MaxInFlight = 16
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = time.Second
	}
	d := &Desk{store: st, cfg: cfg, opt: opt, log: opt.Logger, senders: map[string]*sender{}, inboxes: map[string]*inbox{}, journals: map[string]Journal{},
		moved: map[flows.Chat]flows.Chat{}, dueWake: make(chan struct{}, 1), logKey: newLogKey()}
	err := st.View(func(tx *store.Tx) error {
		for old, to := range tx.MetaWithPrefix(metaMoved) {
			channel, id, _ := strings.Cut(old, ":")
			d.moved[flows.Chat{Channel: channel, ID: id}] = flows.Chat{Channel: channel, ID: to}
		}
		return nil
	})
	if err != nil {
		d.log.Error("read chat moves", "err", err)
	}
	for old, to := range d.moved {
		if cfg.IsAdminChat(old) {
			d.log.Warn("admin chat in the config has moved to a new id; messages go there, put the new id in the config",
				"old", old.String(), "new", to.String())
		}
	}
	return d
}

func (d *Desk) now() time.Time { return d.opt.Now().In(d.opt.Location) }

// Accept stores messages a channel received, before the channel
// acknowledges them to its platform. Messages seen before are skipped. The
// desk then hands each back to the channel's Convert, in order per chat.
func (d *Desk) Accept(ctx context.Context, channel string, rs []store.Received) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := d.now()
	err := d.store.Update(func(tx *store.Tx) error {
		for _, r := range rs {
			r.At = now
			if _, err := tx.Accept(channel, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("accept %d messages: %w", len(rs), err)
	}
	d.wakeInbox(channel)
	return nil
}

// Handle records one inbound message and everything it leads to in one
// transaction. When it returns nil, the message is durable and may be
// acknowledged to its platform; the replies go out after commit. A message
// whose key was seen before changes nothing.
func (d *Desk) Handle(ctx context.Context, in Inbound) error {
	return d.handle(ctx, in, nil, nil)
}

// HandleWith is Handle for a channel that keeps its own record of what it
// received (the web chat's transcript): keep runs in the same transaction,
// after the message was found new, so the record and the message's effects
// are stored together or not at all. keep may run more than once and must
// only write through tx.
func (d *Desk) HandleWith(ctx context.Context, in Inbound, keep func(tx *store.Tx) error) error {
	return d.handle(ctx, in, nil, keep)
}

// handle runs one inbound message in one transaction; from is the inbox
// entry it came from, removed in the same transaction, or nil.
func (d *Desk) handle(ctx context.Context, in Inbound, from *store.Received, keep func(tx *store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	now := d.now()
	var result flows.Outcome
	var moved bool
	err := d.store.Update(func(tx *store.Tx) error {
		result, moved = flows.Outcome{}, false
		if from != nil {
			if err := tx.Handled(in.Chat.Channel, from.Queue, from.Seq); err != nil {
				return err
			}
		} else if in.Key != "" {
			seen, err := tx.Seen(in.Key, now)
			if err != nil || seen {
				return err
			}
		}
		if keep != nil {
			if err := keep(tx); err != nil {
				return err
			}
		}
		if !in.MovedTo.IsZero() {
			moved = true
			return tx.SetMeta(metaMoved+in.Chat.String(), in.MovedTo.ID)
		}
		out, err := d.process(tx, in, now)
		if err != nil {
			return err
		}
		if err := d.apply(tx, out); err != nil {
			return err
		}
		result = out
		return nil
	})
	if err != nil {
		return fmt.Errorf("handle %s: %w", in.Key, err)
	}
	// Logged after commit: a batched transaction may run its work twice.
	if moved {
		d.chatMoved(in.Chat, in.MovedTo)
	}
	for _, c := range result.Complaints {
		d.log.Info("complaint stored", "ticket", c.Ticket, "office", c.Office, "status", c.Status, "chat", d.LogChat(in.Chat))
	}
	d.woken(result)
	d.dropMedia(result.Unused)
	d.metrics.handled(in.Chat.Channel, in.Input.Kind, time.Since(start))
	return nil
}

// dropMedia deletes, after commit, the media files of erased complaints
// that no complaint or chat shows any more.
func (d *Desk) dropMedia(hashes []string) {
	if d.opt.Media == nil || len(hashes) == 0 {
		return
	}
	want := map[string]bool{}
	for _, h := range hashes {
		want[h] = true
	}
	var shown map[string]bool
	err := d.store.View(func(tx *store.Tx) error {
		var err error
		shown, err = tx.MediaShown(want)
		return err
	})
	if err != nil {
		d.log.Error("check erased media", "err", err)
		return
	}
	n := 0
	for h := range want {
		if shown[h] {
			continue
		}
		if err := d.opt.Media.Delete(h); err != nil {
			d.log.Error("delete erased media", "err", err)
			continue
		}
		n++
	}
	if n > 0 {
		d.log.Info("erased media deleted", "files", n)
	}
}

// apply stores what flows decided: complaints, messages, schedule. Each
// complaint stored is scheduled for its next deadline.
func (d *Desk) apply(tx *store.Tx, out flows.Outcome) error {
	for _, c := range out.Complaints {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		if at, ok := d.cfg.NextDeadline(&c); ok {
			if err := tx.AddDue(flows.Due{Ticket: c.Ticket, At: at}); err != nil {
				return err
			}
		}
	}
	for _, due := range out.Due {
		if err := tx.AddDue(due); err != nil {
			return err
		}
	}
	queued := make([]flows.Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		if j := d.journal(m.To); j != nil {
			if err := j.Record(tx, m); err != nil {
				return err
			}
			// Recorded is delivered: the citizen has it at commit.
			if err := d.answered(tx, m); err != nil {
				return err
			}
			continue
		}
		queued = append(queued, m)
	}
	return tx.Enqueue(queued...)
}

// answered records, when an office's answer reached its citizen, the
// complaint's first response.
func (d *Desk) answered(tx *store.Tx, m flows.Message) error {
	if !m.Answer || m.Ticket == "" {
		return nil
	}
	cp, err := tx.Complaint(m.Ticket)
	if err != nil || cp == nil {
		return err
	}
	c, changed := flows.Answered(*cp, d.now())
	if !changed {
		return nil
	}
	if err := tx.PutComplaint(c); err != nil {
		return err
	}
	if at, ok := d.cfg.NextDeadline(&c); ok {
		return tx.AddDue(flows.Due{Ticket: c.Ticket, At: at})
	}
	return nil
}

// journal returns the Journal channel that takes a message to chat, or
// nil when the message goes through the outbox. Messages for admins
// always do.
func (d *Desk) journal(to flows.Chat) Journal {
	d.mu.Lock()
	j := d.journals[to.Channel]
	d.mu.Unlock()
	if j == nil || d.toAdmins(to) {
		return nil
	}
	return j
}

// woken wakes, after commit, whoever has new work from an outcome.
func (d *Desk) woken(out flows.Outcome) {
	for _, m := range out.Messages {
		if j := d.journal(m.To); j != nil {
			j.Notify(m.To)
			continue
		}
		d.wake(m.To.Channel)
	}
	// A stored complaint may have a new deadline in the schedule (apply).
	if len(out.Due) > 0 || len(out.Complaints) > 0 && d.cfg.Deadlines.Enabled() {
		select {
		case d.dueWake <- struct{}{}:
		default:
		}
	}
}

// maxDuePerRound bounds one transaction of the schedule.
const maxDuePerRound = 100

// dueLoop comes back to scheduled complaints when their time comes; what
// fell due while the desk was down is done once, at start.
func (d *Desk) dueLoop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := time.Hour
		var next time.Time
		var has bool
		err := d.store.View(func(tx *store.Tx) error {
			next, has = tx.NextDue()
			return nil
		})
		switch {
		case err != nil:
			d.log.Error("read schedule", "err", err)
			wait = time.Minute
		case has:
			wait = next.Sub(d.now())
		}
		if wait <= 0 {
			if err := d.runDue(ctx); err != nil {
				d.log.Error("scheduled work failed, will retry", "err", err)
				wait = 5 * time.Second
			} else {
				continue
			}
		}
		timer.Reset(min(wait, time.Hour))
		select {
		case <-ctx.Done():
			return
		case <-d.dueWake:
		case <-timer.C:
		}
	}
}

// runDue does one round of scheduled work in one transaction.
func (d *Desk) runDue(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := d.now()
	var all flows.Outcome
	err := d.store.Update(func(tx *store.Tx) error {
		all = flows.Outcome{}
		var due []*flows.Complaint
		seen := map[string]bool{}
		for _, dd := range tx.DueBy(now, maxDuePerRound) {
			if err := tx.DoneDue(dd); err != nil {
				return err
			}
			if seen[dd.Ticket] {
				continue
			}
			seen[dd.Ticket] = true
			cp, err := tx.Complaint(dd.Ticket)
			if err != nil {
				return err
			}
			if cp == nil {
				continue
			}
			out := flows.FlushFollowUps(d.cfg, cp, now)
			if err := d.apply(tx, out); err != nil {
				return err
			}
			all.Messages = append(all.Messages, out.Messages...)
			all.Due = append(all.Due, out.Due...)
			if len(out.Complaints) > 0 {
				cp = &out.Complaints[0]
			}
			due = append(due, cp)
		}
		// Reminders and escalations of the whole round, one message per
		// chat and kind.
		out := flows.CheckDeadlines(d.cfg, due, now)
		if err := d.apply(tx, out); err != nil {
			return err
		}
		all.Messages = append(all.Messages, out.Messages...)
		return nil
	})
	if err != nil {
		return err
	}
	d.woken(all)
	return nil
}

// process runs an inbound message through flows.
func (d *Desk) process(tx *store.Tx, in Inbound, now time.Time) (flows.Outcome, error) {
	if in.Input.Kind == "" {
		return flows.Outcome{}, nil // nothing the desk takes
	}
	if admin, ok := d.adminChat(in.Chat); ok {
		return d.admin(tx, in, admin, now)
	}
	switch {
	case in.Private:
		return d.citizen(tx, in, now)
	case in.Input.Kind == flows.InputCommand && in.Input.Command == "chatid":
		return flows.ChatID(d.cfg, in.Chat, in.MessageID), nil
	}
	return flows.Outcome{}, nil
}

// adminChat returns the configured admin chat an inbound chat is: itself,
// or the chat it moved from (a group upgraded to a supergroup before the
// config was changed).
func (d *Desk) adminChat(chat flows.Chat) (flows.Chat, bool) {
	if d.cfg.IsAdminChat(chat) {
		return chat, true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for old, to := range d.moved {
		if to == chat && d.cfg.IsAdminChat(old) {
			return old, true
		}
	}
	return flows.Chat{}, false
}

// chatMoved remembers, after it was stored, that a chat has a new id.
func (d *Desk) chatMoved(old, to flows.Chat) {
	d.mu.Lock()
	known := d.moved[old] == to
	d.moved[old] = to
	d.mu.Unlock()
	if known {
		return
	}
	if d.cfg.IsAdminChat(old) {
		d.log.Error("admin chat moved to a new id (group upgraded to a supergroup): messages now go to the new id; put it in the config in place of the old one",
			"old", old.String(), "new", to.String())
		return
	}
	d.log.Info("chat moved to a new id", "old", old.String(), "new", to.String())
}

// resolve returns the chat a queued message goes to now: an office's
// address resolved by the current config, then any moves followed.
func (d *Desk) resolve(to flows.Chat) (flows.Chat, bool) {
	chat, ok := d.cfg.Resolve(to)
	if !ok {
		return flows.Chat{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for range 8 { // moves chain rarely; a loop in them must not hang
		next, ok := d.moved[chat]
		if !ok {
			break
		}
		chat = next
	}
	return chat, true
}

// toAdmins reports whether a queued message is for admins: addressed to an
// office or to a configured admin chat.
func (d *Desk) toAdmins(to flows.Chat) bool {
	if _, ok := to.Office(); ok {
		return true
	}
	_, ok := d.adminChat(to)
	return ok
}

func (d *Desk) citizen(tx *store.Tx, in Inbound, now time.Time) (flows.Outcome, error) {
	conv, err := tx.Conversation(in.Chat)
	if err != nil {
		return flows.Outcome{}, err
	}
	mine := make(map[string]bool, len(conv.Tickets))
	for _, t := range conv.Tickets {
		mine[t] = true
	}
	active, heads, err := tx.ActiveTickets(in.Chat, now.Add(-d.cfg.VerdictOpen()), func(t string) bool { return mine[t] })
	if err != nil {
		return flows.Outcome{}, err
	}
	tickets, shown := flows.Relevant(d.cfg, conv, in.Input, func(t string) bool { return active[t] })
	complaints := make([]flows.Complaint, 0, len(tickets))
	for _, tk := range tickets {
		if h, ok := heads[tk]; ok && shown[tk] {
			complaints = append(complaints, h) // its status line, from the citizen's list
			continue
		}
		c, err := tx.Complaint(tk)
		if err != nil {
			return flows.Outcome{}, err
		}
		if c != nil {
			complaints = append(complaints, *c)
		}
	}
	env := flows.Env{Now: now, NextTicket: tx.NextTicket(d.cfg.TicketPrefix, now.Year()), Complaints: complaints, Older: len(conv.Tickets) - len(tickets)}
	if env.Nearby, err = d.nearby(tx, conv.Draft); err != nil {
		return flows.Outcome{}, err
	}
	out := flows.Step(d.cfg, conv, in.Input, env)
	if out.TookTicket {
		if _, err := tx.TakeTicket(d.cfg.TicketPrefix, now.Year()); err != nil {
			return out, err
		}
	}
	if out.Forget {
		return out, d.forget(tx, in.Chat)
	}
	return out, tx.PutConversation(out.Conversation)
}

// maxNearby bounds the similar complaints a citizen and the admins are
// told of.
const maxNearby = 3

// nearby finds the open complaints of a draft's category near its map
// point, from the store's index of open points.
func (d *Desk) nearby(tx *store.Tx, draft flows.Draft) ([]flows.Complaint, error) {
	if d.cfg.DuplicateRadius <= 0 || draft.Location == nil || !draft.Location.HasPoint || draft.Category == "" {
		return nil, nil
	}
	var tickets []string
	for _, p := range tx.OpenPoints(draft.Category) {
		if d.cfg.Near(*draft.Location, flows.Location{Lat: p.Lat, Lon: p.Lon, HasPoint: true}) {
			tickets = append(tickets, p.Ticket)
		}
		if len(tickets) == maxNearby {
			break
		}
	}
	return tx.Complaints(tickets)
}

// forget deletes a citizen's conversation and what their channel keeps
// of it, when they had their personal data erased.
func (d *Desk) forget(tx *store.Tx, chat flows.Chat) error {
	if err := tx.DeleteConversation(chat); err != nil {
		return err
	}
	d.mu.Lock()
	s := d.senders[chat.Channel]
	d.mu.Unlock()
	if s != nil {
		if f, ok := s.ch.(Forgetter); ok {
			return f.Forget(tx, chat)
		}
	}
	return nil
}

func (d *Desk) admin(tx *store.Tx, in Inbound, chat flows.Chat, now time.Time) (flows.Outcome, error) {
	ain := flows.AdminInput{
		Chat: chat, UserID: in.UserID, UserName: in.Input.Name, MessageID: in.MessageID,
		Text: in.RawText, Photos: in.Input.Photos, Files: in.Input.Files, ReplyToBot: in.ReplyToBot,
	}
	if in.Edited {
		return d.adminEdit(tx, in.Chat, ain, now)
	}
	var link store.Link
	linked := false
	if in.ReplyToID != "" {
		var err error
		if link, linked, err = tx.PostLink(in.Chat, in.ReplyToID); err != nil {
			return flows.Outcome{}, err
		}
		if !linked && in.ReplyToBot {
			if link, linked, err = d.unrecordedPost(tx, chat, in.Chat, in.ReplyText); err != nil {
				return flows.Outcome{}, err
			}
		}
		ain.ReplyTicket, ain.ReplyRelay, ain.ReplyNoticed = link.Ticket, link.Relay, link.Noticed
	}
	var cp *flows.Complaint
	if t := flows.AdminTicket(d.cfg, ain); t != "" {
		var err error
		if cp, err = tx.Complaint(t); err != nil {
			return flows.Outcome{}, err
		}
	}
	var statsErr error
	if flows.IsStats(ain.Text) {
		ain.Records = tx.Stats(&statsErr)
	}
	if t := flows.MergeTarget(d.cfg, ain); t != "" {
		var err error
		if ain.Target, err = tx.Complaint(t); err != nil {
			return flows.Outcome{}, err
		}
	}
	out := flows.Admin(d.cfg, ain, cp, now)
	if statsErr != nil {
		return flows.Outcome{}, statsErr
	}
	if out.Noticed && linked {
		link.Noticed = true
		if err := tx.LinkPost(in.Chat, in.ReplyToID, link); err != nil {
			return out, err
		}
	}
	if out.Relayed && cp != nil && in.MessageID != "" {
		if err := tx.LinkReply(in.Chat, in.MessageID, cp.Ticket); err != nil {
			return out, err
		}
	}
	return out, nil
}

// adminEdit passes on an admin's edit of a reply that reached a citizen;
// an edit of anything else changes nothing. chat is where the edit came
// from (for a migrated group, not the configured chat in ain).
func (d *Desk) adminEdit(tx *store.Tx, chat flows.Chat, ain flows.AdminInput, now time.Time) (flows.Outcome, error) {
	ticket := tx.RelayedReply(chat, ain.MessageID)
	if ticket == "" {
		return flows.Outcome{}, nil
	}
	cp, err := tx.Complaint(ticket)
	if err != nil {
		return flows.Outcome{}, err
	}
	return flows.AdminCorrection(d.cfg, ain, cp, now), nil
}

// unrecordedPost finds the complaint of one of the bot's messages that has
// no link yet. An admin may reply to a post before the sender recorded
// it: such a message was sent and is still the head of its queue, since a
// queue's head leaves the outbox in the same transaction that links it.
// Else the ticket number in the quoted text is taken: the message is a
// copy of a relayed post sent twice across a crash when its text is that
// of one (a reply to it is relayed), else it is treated as internal.
// chat is the configured admin chat, at where the message is (they
// differ for a migrated group).
func (d *Desk) unrecordedPost(tx *store.Tx, chat, at flows.Chat, quoted string) (store.Link, bool, error) {
	queues := []flows.Chat{chat}
	for _, o := range d.cfg.Offices {
		addr := flows.OfficeChat(chat.Channel, o.ID)
		if to, ok := d.cfg.Resolve(addr); ok && to == chat {
			queues = append(queues, addr)
		}
	}
	for _, q := range queues {
		head, err := tx.QueueHead(q)
		if err != nil {
			return store.Link{}, false, err
		}
		if head != nil && head.Message.Ticket != "" && quotes(head.Message, quoted) {
			return store.Link{Ticket: head.Message.Ticket, Relay: head.Message.Relay}, true, nil
		}
	}
	if t := d.cfg.TicketIn(quoted); t != "" {
		return store.Link{Ticket: t, Relay: tx.QuotesRelay(at, t, quoted)}, true, nil
	}
	return store.Link{}, false, nil
}

// quotes reports whether a platform's quote of a message can be a part of
// m: its text appears in m's text (a part of a split message is a piece of
// it), or it is a photo without caption of a message with photos.
func quotes(m flows.Message, quoted string) bool {
	q := []rune(strings.TrimSpace(quoted))
	if len(q) == 0 {
		return len(m.Photos) > 0
	}
	return strings.Contains(m.Text, string(q[:min(len(q), 64)]))
}
