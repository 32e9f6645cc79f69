package flows

import (
	"strings"
	"time"
)

// ConsoleChannel is the channel name of the admin console in AdminInput;
// no message is ever sent to it.
const ConsoleChannel = "console"

// The actions of the admin console: the group commands, and a reply.
const (
	ConsoleReply   = "balas"
	ConsoleProcess = "proses"
	ConsoleResolve = "selesai"
	ConsoleReject  = "tolak"
	ConsoleForward = "teruskan"
	ConsoleNote    = "catatan"
	// ConsoleMerge merges the complaint into the one whose ticket is the
	// Text, as /gabung.
	ConsoleMerge = "gabung"
)

// ConsoleInput is one action a console user takes on a complaint.
type ConsoleInput struct {
	// User is the console user's login name; Name is shown to the office.
	User string
	Name string
	// Offices limits the user to these offices' complaints; empty means
	// every office.
	Offices []string
	// Action is one of the Console* actions; Text is the reply, the note,
	// the reason, or the office to forward to.
	Action string
	Text   string
	Photos []string
	// Target is the complaint a merge names, loaded by the desk
	// (ConsoleMergeTarget); nil when there is none.
	Target *Complaint
}

// ConsoleMergeTarget is the ticket a console merge names, or "".
func ConsoleMergeTarget(cfg *Config, in ConsoleInput) string {
	if in.Action != ConsoleMerge {
		return ""
	}
	if t := cfg.ticketsIn(in.Text); len(t) > 0 {
		return t[0]
	}
	return ""
}

// ConsoleResult is what the console shows after an action: the same
// answer a group would get, and whether anything changed.
type ConsoleResult struct {
	Text    string
	Changed bool
}

// Console runs a console action through the same rules as the group
// commands, so the two never disagree. The citizen is told as from a
// group; the complaint's admin chats hear what was done and by whom.
func Console(cfg *Config, in ConsoleInput, cp *Complaint, now time.Time) (Outcome, ConsoleResult) {
	if cp == nil {
		return Outcome{}, ConsoleResult{Text: fill(cfg.Texts.AdminUnknownTicket, "tiket", "-")}
	}
	if !ConsoleMayAct(in.Offices, cp) {
		return Outcome{}, ConsoleResult{Text: fill(cfg.Texts.AdminNotYours, "tiket", cp.Ticket, "dinas", cfg.OfficeName(cp.Office))}
	}
	name := in.Name
	if name == "" {
		name = in.User
	}
	chat := Chat{Channel: ConsoleChannel, ID: in.User}
	ain := AdminInput{Chat: chat, UserID: in.User, UserName: name, Text: strings.TrimSpace(in.Text), Photos: in.Photos,
		ReplyTicket: cp.Ticket, ReplyRelay: true, console: true}
	switch in.Action {
	case ConsoleReply:
		ain.plain = true // a reply, never a command, even if it starts with "/"
	case ConsoleProcess, ConsoleResolve, ConsoleReject, ConsoleForward, ConsoleNote:
		ain.Text = "/" + in.Action + " " + ain.Text
		ain.Photos = nil
	case ConsoleMerge:
		if in.Target != nil && !ConsoleMayAct(in.Offices, in.Target) {
			return Outcome{}, ConsoleResult{Text: fill(cfg.Texts.AdminNotYours, "tiket", in.Target.Ticket, "dinas", cfg.OfficeName(in.Target.Office))}
		}
		ain.Text, ain.Photos, ain.Target = "/gabung "+ain.Text, nil, in.Target
	default:
		return Outcome{}, ConsoleResult{Text: cfg.Texts.AdminHelp}
	}
	groups := cfg.officeAddresses(cp.Office)
	out := Admin(cfg, ain, cp, now)
	var res ConsoleResult
	kept := out.Messages[:0]
	for _, m := range out.Messages {
		if m.To == chat {
			res.Text = strings.TrimSpace(res.Text + "\n" + m.Text)
			continue
		}
		if m.OnFail != nil && m.OnFail.To == chat {
			m.OnFail = consoleFailure(m.OnFail, groups)
		}
		kept = append(kept, m)
	}
	out.Messages = kept
	res.Changed = len(out.Complaints) > 0
	if !res.Changed {
		return out, res
	}
	told := res.Text
	if out.Relayed {
		told = fill(cfg.Texts.ConsoleReplied, "tiket", cp.Ticket, "pesan", strings.TrimSpace(in.Text))
		if res.Text == "" {
			res.Text = told
		}
	}
	for _, to := range groups {
		out.Messages = append(out.Messages, Message{To: to, Text: fill(cfg.Texts.ConsoleAction, "pengguna", name, "pesan", told),
			Ticket: cp.Ticket, Thread: true})
	}
	return out, res
}

// consoleFailure sends the notice of a failed delivery to the complaint's
// first admin chat, since the console is not a chat; nil when it has none.
func consoleFailure(m *Message, groups []Chat) *Message {
	if len(groups) == 0 {
		return nil
	}
	f := *m
	f.To, f.ReplyToID, f.Thread = groups[0], "", true
	return &f
}

// ConsoleMayAct reports whether a console user limited to offices (none:
// all) may act on a complaint.
func ConsoleMayAct(offices []string, cp *Complaint) bool {
	return len(offices) == 0 || containsString(offices, cp.Office)
}
