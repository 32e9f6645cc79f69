package flows

import (
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AdminInput is one message in an admin chat, converted by its channel.
type AdminInput struct {
	Chat      Chat
	UserID    string
	UserName  string
	MessageID string
	// Text is the message text or a photo's caption.
	Text   string
	Photos []string
	// Files are a document, video, voice note or audio the admin sent.
	Files []File
	// ReplyTicket is the complaint of the post this message replies to, if
	// it replies to one.
	ReplyTicket string
	// ReplyRelay is set when that post carries the complaint or the
	// citizen's words, so a reply to it goes to the citizen.
	ReplyRelay bool
	// ReplyNoticed is set when the admins were already told that replies
	// to that (internal) post stay in the group.
	ReplyNoticed bool
	// ReplyToBot is set when the message replies to one of the bot's own
	// messages.
	ReplyToBot bool
	// Target is the complaint a /gabung merges into, loaded by the desk
	// (MergeTarget names it).
	Target *Complaint
	// Records are the complaints' statistics records, read by the desk
	// for /statistik (IsStats) within the transaction.
	Records iter.Seq[StatRecord]
	// console is set for an action from the console (see Console): its
	// user was checked there and its complaint is ReplyTicket; plain marks
	// a console reply, never read as a command.
	console, plain bool
}

// ParseCommand splits "/name@bot args" into a lower-case name and the
// arguments. ok is false for text that is not a command.
func ParseCommand(text string) (name, args string, ok bool) {
	name, _, args, ok = ParseCommandFor(text)
	return name, args, ok
}

// ParseCommandFor is ParseCommand that also returns the bot the command is
// addressed to ("/selesai@aduan_bot"), or "".
func ParseCommandFor(text string) (name, bot, args string, ok bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") || len(text) < 2 {
		return "", "", "", false
	}
	head, rest, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		rest = head[i+1:] + " " + rest
		head = head[:i]
	}
	head, bot, _ = strings.Cut(head, "@")
	if head == "" {
		return "", "", "", false
	}
	for _, r := range head {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return "", "", "", false
		}
	}
	return strings.ToLower(head), bot, strings.TrimSpace(rest), true
}

var ticketPattern = regexp.MustCompile(`(?i)\b[a-z][a-z0-9]{0,9}-\d{4}-\d{6}\b`)

// TicketIn finds a ticket number of this desk in a text, upper-cased, or
// returns "".
func (c *Config) TicketIn(text string) string {
	for _, t := range ticketPattern.FindAllString(text, -1) {
		t = strings.ToUpper(t)
		if strings.HasPrefix(t, c.TicketPrefix+"-") {
			return t
		}
	}
	return ""
}

// MergeTarget is the complaint a /gabung names to merge into, or "".
func MergeTarget(cfg *Config, in AdminInput) string {
	name, args, ok := ParseCommand(in.Text)
	if !ok || name != "gabung" {
		return ""
	}
	t := cfg.ticketsIn(args)
	switch {
	case in.ReplyTicket != "" && len(t) >= 1:
		return t[0]
	case in.ReplyTicket == "" && len(t) >= 2:
		return t[1]
	}
	return ""
}

// ticketsIn finds this desk's ticket numbers in a text, in order.
func (c *Config) ticketsIn(text string) []string {
	var out []string
	for _, t := range ticketPattern.FindAllString(text, -1) {
		if t = strings.ToUpper(t); strings.HasPrefix(t, c.TicketPrefix+"-") {
			out = append(out, t)
		}
	}
	return out
}

// stripTicket removes the ticket number, in any case, from a command's
// arguments.
func stripTicket(args, ticket string) string {
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(ticket))
	return strings.TrimSpace(re.ReplaceAllLiteralString(args, ""))
}

// adminCommands are the commands that act on a complaint.
var adminCommands = map[string]bool{"proses": true, "selesai": true, "tolak": true, "teruskan": true, "catatan": true, "info": true, "gabung": true}

// AdminTicket says which complaint an admin message is about: a ticket
// named in a command, or else the post it replies to. "" means none.
func AdminTicket(cfg *Config, in AdminInput) string {
	if name, args, ok := ParseCommand(in.Text); ok && name == "gabung" {
		// "/gabung OLD" in reply to the newer post, or "/gabung NEW OLD".
		if in.ReplyTicket != "" {
			return in.ReplyTicket
		}
		if t := cfg.ticketsIn(args); len(t) >= 2 {
			return t[0]
		}
		return ""
	}
	if name, args, ok := ParseCommand(in.Text); ok && adminCommands[name] {
		if t := cfg.TicketIn(args); t != "" {
			return t
		}
	}
	return in.ReplyTicket
}

// Admin runs one admin message. cp is the complaint AdminTicket named, or
// nil when there is none or it does not exist. Messages that are neither a
// command nor a reply to a complaint are ignored: admins talk among
// themselves in their chat.
func Admin(cfg *Config, in AdminInput, cp *Complaint, now time.Time) Outcome {
	a := &admin{cfg: cfg, t: &cfg.Texts, in: in, now: now}
	name, args, isCmd := ParseCommand(in.Text)
	if in.plain {
		name, args, isCmd = "", "", false
	}
	switch {
	case isCmd && (name == "bantuan" || name == "help" || name == "start"):
		a.ack(fill(a.t.AdminHelp, "dinas", a.officeIDs()), "")
		return a.outcome()
	case isCmd && name == "statistik":
		if !cfg.AdminAllowed(in.Chat.Channel, in.UserID) {
			a.ack(a.t.AdminNotAllowed, "")
			return a.outcome()
		}
		days, ok := statsDays(args)
		if !ok {
			a.ack(a.t.StatsUsage, "")
			return a.outcome()
		}
		records := in.Records
		if records == nil {
			records = func(func(StatRecord) bool) {}
		}
		a.ack(statsText(cfg, Stats(cfg, records, cfg.chatOffices(in.Chat), now.AddDate(0, 0, -days), now), days, now), "")
		return a.outcome()
	case isCmd && !adminCommands[name]:
		return a.outcome()
	case !isCmd && in.ReplyTicket == "" && in.ReplyToBot:
		// A reply to the bot that cannot be matched to a complaint must
		// not vanish without a word.
		a.ack(a.t.AdminReplyUnmatched, "")
		return a.outcome()
	case !isCmd && in.ReplyTicket == "":
		return a.outcome()
	case !isCmd && !in.ReplyRelay:
		// A reply to an acknowledgement, a note or /info is the admins'
		// own talk: it stays in the group. Say so once per message.
		if !in.ReplyNoticed {
			a.ack(fill(a.t.AdminReplyInternal, "tiket", in.ReplyTicket), "")
			a.noticed = true
		}
		return a.outcome()
	}
	if !in.console && !cfg.AdminAllowed(in.Chat.Channel, in.UserID) {
		a.ack(a.t.AdminNotAllowed, "")
		return a.outcome()
	}
	ticket := AdminTicket(cfg, in)
	if in.console {
		ticket = in.ReplyTicket
	}
	switch {
	case ticket == "":
		a.ack(fill(a.t.AdminNoTicket, "tiket", TicketNumber(cfg.TicketPrefix, now.Year(), 123)), "")
		return a.outcome()
	case cp == nil:
		a.ack(fill(a.t.AdminUnknownTicket, "tiket", ticket), "")
		return a.outcome()
	case !in.console && !cfg.mayAct(in.Chat, cp):
		a.ack(fill(a.t.AdminNotYours, "tiket", cp.Ticket, "dinas", cfg.OfficeName(cp.Office)), "")
		return a.outcome()
	}
	c := cloneComplaint(*cp)
	a.cp = &c
	args = stripTicket(args, ticket)
	if !isCmd {
		a.relay()
		return a.outcome()
	}
	switch name {
	case "proses":
		a.setStatus(StatusInProgress, "")
	case "selesai":
		a.setStatus(StatusResolved, args)
	case "tolak":
		if args == "" {
			a.ack(a.t.AdminNeedReason, c.Ticket)
			break
		}
		a.setStatus(StatusRejected, args)
	case "teruskan":
		a.forward(args)
	case "catatan":
		if args == "" {
			a.ack(a.t.AdminNeedNote, c.Ticket)
			break
		}
		a.entry(EntryNote, args, nil)
		a.ack(fill(a.t.AdminNoteSaved, "tiket", c.Ticket), c.Ticket)
	case "info":
		a.info()
	case "gabung":
		if in.Target != nil && !in.console && !cfg.mayAct(in.Chat, in.Target) {
			a.ack(fill(a.t.AdminNotYours, "tiket", in.Target.Ticket, "dinas", cfg.OfficeName(in.Target.Office)), c.Ticket)
			break
		}
		a.merge(in.Target)
	}
	return a.outcome()
}

type admin struct {
	cfg     *Config
	t       *Texts
	in      AdminInput
	now     time.Time
	cp      *Complaint
	changed bool
	noticed bool
	relayed bool
	out     []Message
	// told is the index in out of the message to the complaint's citizen.
	told int
	// extra are other complaints changed (the target of /gabung).
	extra []Complaint
}

func (a *admin) outcome() Outcome {
	o := Outcome{Messages: a.out, Noticed: a.noticed, Relayed: a.relayed}
	if a.changed {
		o.Complaints = []Complaint{*a.cp}
	}
	o.Complaints = append(o.Complaints, a.extra...)
	return o
}

// ack answers in the admin chat, as a reply to the admin's message.
func (a *admin) ack(text, ticket string) {
	a.out = append(a.out, Message{To: a.in.Chat, Text: text, Ticket: ticket, ReplyToID: a.in.MessageID})
}

// toCitizen sends to the complaint's citizen; the admin chat hears if it
// cannot be delivered.
func (a *admin) toCitizen(text string, photos []string) {
	a.toCitizenFiles(text, photos, nil)
}

// toCitizenFiles tells the citizen, and the citizens whose complaints
// were merged into this one; a.told is the citizen's own message.
func (a *admin) toCitizenFiles(text string, photos []string, files []File) {
	a.told = len(a.out)
	a.out = append(a.out, Message{
		To: a.cp.Citizen, Text: text, Photos: photos, Files: files, Ticket: a.cp.Ticket,
		OnFail: &Message{To: a.in.Chat, Text: fill(a.t.DeliveryFailed, "tiket", a.cp.Ticket), Ticket: a.cp.Ticket, ReplyToID: a.in.MessageID},
	})
	a.toFollowers(text, photos, files)
}

func (a *admin) entry(kind EntryKind, text string, photos []string) {
	a.cp.Thread = append(a.cp.Thread, Entry{At: a.now, Kind: kind, Author: a.in.UserName, Text: text, Photos: photos})
	a.cp.Updated = a.now
	a.changed = true
}

func (a *admin) officeName() string { return a.cfg.OfficeName(a.cp.Office) }

func (a *admin) officeIDs() string {
	ids := make([]string, len(a.cfg.Offices))
	for i, o := range a.cfg.Offices {
		ids[i] = o.ID
	}
	return strings.Join(ids, ", ")
}

// relay passes an admin's reply to the citizen.
func (a *admin) relay() {
	text := strings.TrimSpace(a.in.Text)
	if text == "" && len(a.in.Photos) == 0 && len(a.in.Files) == 0 {
		a.ack(a.t.AdminUnsupported, a.cp.Ticket)
		return
	}
	a.entry(EntryReply, text, a.in.Photos)
	a.cp.Thread[len(a.cp.Thread)-1].Files = a.in.Files
	a.relayed = true
	shown := text
	if a.cfg.ShowAdminName && a.in.UserName != "" {
		shown += "\n— " + a.in.UserName
	}
	reply := fill(a.t.CitizenReply, "dinas", a.officeName(), "tiket", a.cp.Ticket, "pesan", shown)
	if cat, _ := a.cfg.Category(a.cp.Category); cat.Kind == KindConsultation {
		staff := cat.Staff
		if staff == "" {
			staff = a.officeName()
		}
		reply = fill(a.t.ConsultReply, "petugas", staff, "tiket", a.cp.Ticket, "pesan", shown)
	}
	a.toCitizenFiles(reply, a.in.Photos, a.in.Files)
	a.out[a.told].Answer = true
}

// AdminCorrection passes an admin's edit of a reply that was relayed to
// the citizen, as a correction. cp is the complaint the reply went to.
func AdminCorrection(cfg *Config, in AdminInput, cp *Complaint, now time.Time) Outcome {
	text := strings.TrimSpace(in.Text)
	if cp == nil || text == "" {
		return Outcome{}
	}
	c := cloneComplaint(*cp)
	a := &admin{cfg: cfg, t: &cfg.Texts, in: in, now: now, cp: &c}
	a.entry(EntryReply, "Koreksi: "+text, nil)
	if cfg.ShowAdminName && in.UserName != "" {
		text += "\n— " + in.UserName
	}
	a.toCitizen(fill(a.t.CitizenCorrection, "dinas", a.officeName(), "tiket", c.Ticket, "pesan", text), nil)
	return a.outcome()
}

// setStatus moves the complaint to a new status and tells the citizen.
func (a *admin) setStatus(st Status, note string) {
	c := a.cp
	if c.Status == st {
		a.ack(fill(a.t.AdminStatusSame, "tiket", c.Ticket, "status", string(st)), c.Ticket)
		return
	}
	c.Status = st
	a.entry(EntryStatus, strings.TrimSpace(string(st)+" "+note), nil)
	vars := []string{"tiket", c.Ticket, "dinas", a.officeName(), "pesan", note, "catatan", ""}
	if note != "" {
		vars[7] = "\nCatatan: " + note
	}
	switch st {
	case StatusInProgress:
		a.toCitizen(fill(a.t.CitizenInProgress, vars...), nil)
	case StatusResolved:
		c.ResolvedAt = a.now
		done := a.t.CitizenResolved
		if a.cfg.consultation(c.Category) {
			done = a.t.ConsultResolved
		}
		a.toCitizen(fill(done, vars...), nil)
		a.askVerdict()
	case StatusRejected:
		a.toCitizen(fill(a.t.CitizenRejected, vars...), nil)
	}
	a.out[a.told].Answer = true // a status change the citizen is told of
	a.ack(fill(a.t.AdminStatusSet, "tiket", c.Ticket, "status", string(st)), c.Ticket)
}

// forward hands the complaint to another office and posts it there.
func (a *admin) forward(arg string) {
	c := a.cp
	if arg == "" {
		a.ack(fill(a.t.AdminNeedOffice, "dinas", a.officeIDs()), c.Ticket)
		return
	}
	var to Office
	found := false
	for _, o := range a.cfg.Offices {
		if strings.EqualFold(arg, o.ID) || strings.EqualFold(arg, o.Name) {
			to, found = o, true
			break
		}
	}
	switch {
	case !found:
		a.ack(fill(a.t.AdminUnknownOffice, "pesan", arg, "dinas", a.officeIDs()), c.Ticket)
		return
	case to.ID == c.Office:
		a.ack(fill(a.t.AdminSameOffice, "tiket", c.Ticket, "dinas", to.Name), c.Ticket)
		return
	}
	from := a.officeName()
	c.Office = to.ID
	a.entry(EntryForward, from+" → "+to.Name, nil)
	a.toCitizen(fill(a.t.CitizenForwarded, "tiket", c.Ticket, "dinas", to.Name), nil)
	a.out = append(a.out, postComplaint(a.cfg, c, from)...)
	if !containsChat(a.cfg.OfficeChats(to.ID), a.in.Chat) {
		a.ack(fill(a.t.AdminForwarded, "tiket", c.Ticket, "dinas", to.Name), c.Ticket)
	}
}

// infoBudget is about how many characters of thread /info shows: with the
// complaint itself, one or two messages.
const infoBudget = 5000

// info posts the complaint with its thread, the newest entries first to
// be kept when the thread is long.
func (a *admin) info() {
	c := a.cp
	coordinators := containsChat(a.cfg.OfficeChats(a.cfg.Coordinator), a.in.Chat) || a.in.console
	var lines []string
	used := 0
	for i := len(c.Thread) - 1; i >= 0; i-- {
		e := c.Thread[i]
		line := "• " + e.At.Format("02-01-2006 15:04") + " [" + string(e.Kind) + "]"
		if author := EntryAuthor(a.cfg, c, e, coordinators); author != "" {
			line += " " + author
		}
		line += ": " + e.Text
		if len(e.Photos) > 0 {
			line += " (" + strconv.Itoa(len(e.Photos)) + " foto)"
		}
		for _, f := range e.Files {
			line += " (" + f.Kind + ")"
		}
		if used += runeLen(line) + 1; used > infoBudget && len(lines) > 0 {
			lines = append(lines, fill(a.t.InfoOmitted, "jumlah", strconv.Itoa(i+1)))
			break
		}
		lines = append(lines, line)
	}
	slices.Reverse(lines)
	history := strings.Join(lines, "\n")
	if history == "" {
		history = "-"
	}
	text := fill(a.t.AdminInfo, append(postVars(a.cfg, c, coordinators), "waktu", c.Created.Format("02-01-2006 15:04"), "riwayat", history)...)
	a.ack(text, c.Ticket)
}

// ChatID answers /chatid in a group that is not an admin chat yet, so the
// operator can put its id in the config.
func ChatID(cfg *Config, chat Chat, replyTo string) Outcome {
	return Outcome{Messages: []Message{{To: chat, Text: fill(cfg.Texts.ChatID, "id", chat.ID), ReplyToID: replyTo}}}
}

// postVars are the placeholders of a complaint's admin post.
func postVars(cfg *Config, c *Complaint, coordinators bool) []string {
	cat, _ := cfg.Category(c.Category)
	label := cat.Label
	if label == "" {
		label = c.Category
	}
	loc := c.Location.Describe()
	if loc == "" {
		loc = "-"
	}
	name := Reporter(cfg, c, coordinators)
	return []string{"tiket", c.Ticket, "kategori", label, "dinas", cfg.OfficeName(c.Office), "pelapor", name,
		"lokasi", loc, "status", string(c.Status), "pesan", c.Description}
}

// postComplaint posts a complaint to its office's admin chats. from names
// the office it was forwarded from, if any.
func postComplaint(cfg *Config, c *Complaint, from string) []Message {
	// An office with groups of its own sees a confidential citizen's name
	// hidden; the coordinators (who get what has no group) see it.
	o, _ := cfg.Office(c.Office)
	post := cfg.Texts.AdminPost
	if cfg.consultation(c.Category) {
		post = cfg.Texts.AdminConsultPost
	}
	text := fill(post, postVars(cfg, c, len(o.Chats) == 0 || c.Office == cfg.Coordinator)...)
	if c.Urgent {
		text = cfg.Texts.UrgentMark + text
	}
	if from != "" {
		text = fill(cfg.Texts.AdminForwardedPost, "asal", from, "pesan", text)
	}
	var out []Message
	for _, to := range cfg.officeAddresses(c.Office) {
		out = append(out, Message{To: to, Text: text, Photos: c.Photos, Ticket: c.Ticket, Relay: true})
	}
	return out
}
