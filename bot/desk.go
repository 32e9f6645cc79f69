// Package bot is the complaint desk: it takes inbound messages from any
// channel, runs them through flows inside one store transaction, and then
// delivers what the transaction queued, per chat in order, retrying what
// failed.
package bot

import (
	"context"

	"fmt"
	"log/slog"
	"sync"
	"time"

	"aduan/flows"
	"aduan/store"
)

// Channel is a chat platform the desk sends through.
type Channel interface {
	// Name is the channel's name in flows.Chat, e.g. "telegram".
	Name() string
	// Send delivers one message and returns the platform ids of the
	// messages it became. replyTo is a platform message id in the same
	// chat, or "". Errors are *RetryAfterError, *PermanentError, or
	// anything else for a failure worth retrying.
	Send(ctx context.Context, m flows.Message, replyTo string) ([]string, error)
}

// RetryAfterError asks to try again after a while (Telegram's 429).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// Reason says why a message can never be delivered.
type Reason int

const (
	// ReasonRejected: the platform refused the message itself.
	ReasonRejected Reason = iota
	// ReasonBlocked: the recipient blocked the bot or is gone.
	ReasonBlocked
)

// PermanentError means retrying cannot help; the message is dropped and
// the admins are told if the message asked for it.
type PermanentError struct {
	Reason Reason
	Err    error
}

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }

func (e *PermanentError) Unwrap() error { return e.Err }

// Inbound is one message from a channel, converted to the desk's terms.
type Inbound struct {
	// Key identifies the message on its platform (e.g.
	// "telegram:update:42"); a key seen before is ignored.
	Key  string
	Chat flows.Chat
	// Private is set for a one-to-one chat with the bot.
	Private   bool
	UserID    string
	MessageID string
	// ReplyToID is the message this one replies to, if any.
	ReplyToID string
	// RawText is the text or caption as typed, commands included.
	RawText string
	// Input is the message as a citizen's input.
	Input flows.Input
}

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
}

// Desk is the complaint desk.
type Desk struct {
	store   *store.Store
	cfg     *flows.Config
	opt     Options
	log     *slog.Logger
	mu      sync.Mutex
	senders map[string]*sender
}

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
	return &Desk{store: st, cfg: cfg, opt: opt, log: opt.Logger, senders: map[string]*sender{}}
}

func (d *Desk) now() time.Time { return d.opt.Now().In(d.opt.Location) }

// Handle records one inbound message and everything it leads to in one
// transaction. When it returns nil, the message is durable and may be
// confirmed to its platform; the replies go out after commit.
func (d *Desk) Handle(ctx context.Context, in Inbound) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := d.now()
	var result flows.Outcome
	err := d.store.Update(func(tx *store.Tx) error {
		result = flows.Outcome{}
		if in.Key != "" {
			seen, err := tx.Seen(in.Key, now)
			if err != nil || seen {
				return err
			}
		}
		var out flows.Outcome
		var err error
		switch {
		case d.cfg.IsAdminChat(in.Chat):
			out, err = d.admin(tx, in, now)
		case in.Private:
			out, err = d.citizen(tx, in, now)
		case in.Input.Kind == flows.InputCommand && in.Input.Command == "chatid":
			out = flows.ChatID(d.cfg, in.Chat, in.MessageID)
		default:
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range out.Complaints {
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
		}
		if err := tx.Enqueue(out.Messages...); err != nil {
			return err
		}
		result = out
		return nil
	})
	if err != nil {
		return fmt.Errorf("handle %s: %w", in.Key, err)
	}
	// Logged after commit: a batched transaction may run its work twice.
	for _, c := range result.Complaints {
		d.log.Info("complaint stored", "ticket", c.Ticket, "office", c.Office, "status", c.Status, "chat", in.Chat.String(), "user", in.UserID)
	}
	for _, m := range result.Messages {
		d.wake(m.To.Channel)
	}
	return nil
}

func (d *Desk) citizen(tx *store.Tx, in Inbound, now time.Time) (flows.Outcome, error) {
	conv, err := tx.Conversation(in.Chat)
	if err != nil {
		return flows.Outcome{}, err
	}
	complaints, err := tx.Complaints(conv.Tickets)
	if err != nil {
		return flows.Outcome{}, err
	}
	env := flows.Env{Now: now, NextTicket: tx.NextTicket(d.cfg.TicketPrefix, now.Year()), Complaints: complaints}
	out := flows.Step(d.cfg, conv, in.Input, env)
	if out.TookTicket {
		if _, err := tx.TakeTicket(d.cfg.TicketPrefix, now.Year()); err != nil {
			return out, err
		}
	}
	return out, tx.PutConversation(out.Conversation)
}

func (d *Desk) admin(tx *store.Tx, in Inbound, now time.Time) (flows.Outcome, error) {
	ain := flows.AdminInput{
		Chat: in.Chat, UserID: in.UserID, UserName: in.Input.Name, MessageID: in.MessageID,
		Text: in.RawText, Photos: in.Input.Photos,
	}
	if in.ReplyToID != "" {
		ain.ReplyTicket = tx.PostTicket(in.Chat, in.ReplyToID)
	}
	var cp *flows.Complaint
	if t := flows.AdminTicket(d.cfg, ain); t != "" {
		var err error
		if cp, err = tx.Complaint(t); err != nil {
			return flows.Outcome{}, err
		}
	}
	return flows.Admin(d.cfg, ain, cp, now), nil
}
