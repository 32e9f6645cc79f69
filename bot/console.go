package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"aduan/flows"
	"aduan/store"
)

// ErrNoComplaint means a ticket names no stored complaint.
var ErrNoComplaint = errors.New("no such complaint")

// ErrDone means a console action with that key was done before (a form
// sent twice).
var ErrDone = errors.New("action already done")

// Console runs a console user's action on a complaint in one transaction,
// like a command in an admin group: the complaint changes, the citizen
// and the complaint's admin chats are told through the outbox after
// commit. The result is what the console shows. key names the action (a
// form's own token); an action whose key was seen before is not done
// again, and ErrDone says so.
func (d *Desk) Console(ctx context.Context, ticket, key string, in flows.ConsoleInput) (flows.ConsoleResult, error) {
	if err := ctx.Err(); err != nil {
		return flows.ConsoleResult{}, err
	}
	now := d.now()
	var res flows.ConsoleResult
	var result flows.Outcome
	err := d.store.Update(func(tx *store.Tx) error {
		res, result = flows.ConsoleResult{}, flows.Outcome{}
		if key != "" {
			seen, err := tx.Seen("console:"+key, now)
			if err != nil {
				return err
			}
			if seen {
				return ErrDone
			}
		}
		cp, err := tx.Complaint(ticket)
		if err != nil {
			return err
		}
		if cp == nil {
			return ErrNoComplaint
		}
		if t := flows.ConsoleMergeTarget(d.cfg, in); t != "" {
			if in.Target, err = tx.Complaint(t); err != nil {
				return err
			}
		}
		result, res = flows.Console(d.cfg, in, cp, now)
		return d.apply(tx, result)
	})
	if errors.Is(err, ErrDone) {
		return flows.ConsoleResult{}, err
	}
	if err != nil {
		return flows.ConsoleResult{}, fmt.Errorf("console %s on %s: %w", in.Action, ticket, err)
	}
	if res.Changed {
		d.log.Info("console action", "ticket", ticket, "action", in.Action, "user", in.User)
	}
	d.woken(result)
	return res, nil
}

// Checker is a channel that can say whether it is connected to its
// platform; /readyz asks it.
type Checker interface {
	Ready() error
}

// Ready reports whether the desk can work: the store answers and each
// channel that can tell is connected. The error names what is not.
func (d *Desk) Ready() error {
	var outbox map[string]store.OutboxState
	if err := d.store.View(func(tx *store.Tx) error { outbox = tx.OutboxByChannel(); return nil }); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var errs []error
	if err := d.store.Problem(); err != nil {
		errs = append(errs, fmt.Errorf("store: %w", err))
	}
	if max := d.opt.MaxOutboxAge; max > 0 {
		for channel, st := range outbox {
			if !st.Oldest.IsZero() && time.Since(st.Oldest) > max {
				errs = append(errs, fmt.Errorf("%s: the oldest message has waited %s in the outbox (%d waiting)",
					channel, time.Since(st.Oldest).Round(time.Second), st.Messages))
			}
		}
	}
	d.mu.Lock()
	for name, s := range d.senders {
		if c, ok := s.ch.(Checker); ok {
			if err := c.Ready(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	d.mu.Unlock()
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// Alert tells the coordinators, in their chats on every channel but from
// (the one in trouble), what is wrong with a channel, e.g. a WhatsApp
// link that broke. It goes through the outbox like any admin message.
func (d *Desk) Alert(ctx context.Context, from, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	text := strings.NewReplacer("{kanal}", from, "{alasan}", reason).Replace(d.cfg.Texts.ChannelDown)
	var out flows.Outcome
	seen := map[string]bool{}
	for _, c := range d.cfg.CoordinatorChats {
		if c.Channel == from || seen[c.Channel] {
			continue
		}
		seen[c.Channel] = true
		out.Messages = append(out.Messages, flows.Message{To: flows.OfficeChat(c.Channel, d.cfg.Coordinator), Text: text})
	}
	d.log.Error("channel in trouble", "channel", from, "reason", reason, "told", len(out.Messages))
	if len(out.Messages) == 0 {
		return nil
	}
	err := d.store.Update(func(tx *store.Tx) error { return d.apply(tx, out) })
	if err != nil {
		return fmt.Errorf("alert about %s: %w", from, err)
	}
	d.woken(out)
	return nil
}

// maxRetainedPerRound bounds one transaction of retention.
const maxRetainedPerRound = 100

// retain erases the personal data of closed complaints past the
// retention period, in small transactions.
func (d *Desk) retain(ctx context.Context) error {
	if d.cfg.Retention <= 0 {
		return nil
	}
	for ctx.Err() == nil {
		now := d.now()
		var unused []string
		erased := 0
		err := d.store.Update(func(tx *store.Tx) error {
			unused, erased = nil, 0
			// The store lists closed complaints by when they last changed;
			// flows decides which of those are due.
			due, err := tx.RetainDue(now.Add(-d.cfg.Retention), maxRetainedPerRound)
			if err != nil {
				return err
			}
			cps, err := tx.Complaints(due)
			if err != nil {
				return err
			}
			for _, c := range cps {
				if len(flows.Retain(d.cfg, []flows.Complaint{c}, now)) > 0 {
					unused = append(unused, flows.MediaOf(c)...)
				}
			}
			for _, c := range flows.Retain(d.cfg, cps, now) {
				if err := tx.PutComplaint(c); err != nil {
					return err
				}
				erased++
			}
			return nil
		})
		if err != nil || erased == 0 {
			return err
		}
		d.dropMedia(unused)
		d.log.Info("personal data erased past retention", "complaints", erased)
	}
	return nil
}
