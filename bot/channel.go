package bot

import (
	"context"
	"fmt"
	"time"

	"aduan/flows"
	"aduan/store"
)

// Channel is a chat platform the desk sends through. The channel contract
// of DESIGN.md, in code:
//
//   - receiving: the channel stores what it receives with Desk.Accept
//     before it acknowledges it to its platform; the desk later hands each
//     stored message back to the channel's Convert (a Receiver), in order
//     per chat, and handles what it becomes;
//   - sending: Send delivers one outbox message part by part and reports
//     each part's platform ids, or an error that says retry
//     (*RetryAfterError, any other error), never (*PermanentError), or
//     that the chat moved (*MovedError);
//   - rendering: each channel renders flows' choices, location requests
//     and keyboards natively, inside Send.
type Channel interface {
	// Name is the channel's name in flows.Chat, e.g. "telegram".
	Name() string
	// Send delivers d.Message to d.Chat, skipping the parts in d.Done, and
	// calls d.Sent after each part that went out.
	Send(ctx context.Context, d *Delivery) error
}

// Receiver is a channel whose inbound messages wait in the desk's inbox:
// Convert turns a stored message into the desk's terms, doing the slow
// part (fetching a photo) now. attempt counts from 1; an error means try
// again later. A nil Inbound means there is nothing to handle.
type Receiver interface {
	Channel
	Convert(ctx context.Context, payload []byte, attempt int) (*Inbound, error)
}

// Journal is a channel whose platform is the store itself: the web chat,
// whose citizens read their transcript from it. Its messages are not
// queued in the outbox; Record writes each into the transaction that
// produces it, and Notify tells the chat's open pages after commit. So a
// citizen sees an answer no earlier than the commit of what caused it,
// and delivering costs no transaction of its own.
type Journal interface {
	Channel
	Record(tx *store.Tx, m flows.Message) error
	Notify(chat flows.Chat)
}

// Forgetter is a channel that keeps something of a citizen's chat itself
// (the web chat's transcript): when the citizen has their personal data
// erased, Forget deletes it in the same transaction.
type Forgetter interface {
	Forget(tx *store.Tx, chat flows.Chat) error
}

// Pacer is a channel with send limits per chat: the sender asks it how
// long a chat must wait before its next message, so that a chat that must
// wait does not hold one of the sending slots.
type Pacer interface {
	ReadyIn(chat flows.Chat) time.Duration
}

// Delivery is one outbox message on its way out.
type Delivery struct {
	Message flows.Message
	// Chat is where it goes: Message.To resolved to a chat.
	Chat flows.Chat
	// ReplyTo is a platform message id in Chat to reply to, or "".
	ReplyTo string
	// Key names the outbox message, the same on every try and after a
	// restart, so a channel can give a retry the id it gave the first try.
	Key string
	// Done holds the ids of the parts already sent, in order.
	Done [][]string
	// Sent records one more part as sent, with its platform ids. The
	// channel calls it after each part, before the next.
	Sent func(ids []string)
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
	// ReasonMedia: a photo or file of the message cannot be sent (missing
	// from data_dir, or refused by the platform); the text could be.
	ReasonMedia
	// ReasonNoChat: the platform takes messages only for people who wrote
	// recently (WhatsApp's 463), and this one did not.
	ReasonNoChat
)

// PermanentError means retrying the same message cannot help. A citizen's
// message is dropped (the admins are told when it asked for it); a message
// to an admin chat waits for the operator instead.
type PermanentError struct {
	Reason Reason
	Err    error
}

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }

func (e *PermanentError) Unwrap() error { return e.Err }

// MovedError means the chat has a new id for good (a Telegram group
// upgraded to a supergroup). The desk remembers the move and sends there.
type MovedError struct {
	To  flows.Chat
	Err error
}

func (e *MovedError) Error() string { return fmt.Sprintf("chat moved to %s: %v", e.To, e.Err) }

func (e *MovedError) Unwrap() error { return e.Err }

// Inbound is one message from a channel, converted to the desk's terms.
type Inbound struct {
	// Key identifies the message on its platform (e.g.
	// "telegram:update:42"); Handle ignores a key seen before.
	Key  string
	Chat flows.Chat
	// Private is set for a one-to-one chat with the bot.
	Private   bool
	UserID    string
	MessageID string
	// ReplyToID is the message this one replies to, if any.
	ReplyToID string
	// ReplyToBot is set when that message is one of the bot's own, and
	// ReplyText is its text or caption as the platform quoted it.
	ReplyToBot bool
	ReplyText  string
	// RawText is the text or caption as typed, commands included; for an
	// edit, the new text.
	RawText string
	// Edited is set when this is an edit of an earlier message (MessageID).
	Edited bool
	// Input is the message as a citizen's input.
	Input flows.Input
	// MovedTo is set on a platform's notice that this chat now has a new
	// id (Telegram's migrate_to_chat_id); nothing else is handled then.
	MovedTo flows.Chat
}
