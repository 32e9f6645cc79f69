package flows

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// State is where a citizen's conversation stands. States are stored.
type State string

// The states of the citizen's conversation.
const (
	StateIdle        State = "idle"
	StateCategory    State = "category"
	StateDescription State = "description"
	StateLocation    State = "location"
	StatePhoto       State = "photo"
	StateConfirm     State = "confirm"
	StateEdit        State = "edit"
)

// Valid reports whether s is one of the states above.
func (s State) Valid() bool {
	switch s {
	case StateIdle, StateCategory, StateDescription, StateLocation, StatePhoto, StateConfirm, StateEdit, StateErase:
		return true
	}
	return false
}

// Choice IDs the conversation offers besides categories ("cat:<id>").
const (
	choiceComplaint = "menu:aduan"
	choiceStatus    = "menu:status"
	choiceHelp      = "menu:bantuan"
	choiceSend      = "ok:kirim"
	choiceEdit      = "ok:ubah"
	choiceCancel    = "ok:batal"
	choiceEditCat   = "ubah:kategori"
	choiceEditDesc  = "ubah:uraian"
	choiceEditLoc   = "ubah:lokasi"
	choiceEditPhoto = "ubah:foto"
	categoryPrefix  = "cat:"
)

// Draft is the complaint a citizen is still writing.
type Draft struct {
	Category    string    `json:"category,omitempty"`
	Description string    `json:"description,omitempty"`
	Location    *Location `json:"location,omitempty"`
	Photos      []string  `json:"photos,omitempty"`
	// PhotosDone is set once the citizen skipped or finished the photo step.
	PhotosDone bool `json:"photos_done,omitempty"`
	// Urgent is set when the citizen used an emergency word.
	Urgent bool `json:"urgent,omitempty"`
	// Editing sends the citizen back to the summary after the step.
	Editing bool `json:"editing,omitempty"`
}

// Conversation is one citizen's chat with the desk.
type Conversation struct {
	Chat  Chat   `json:"chat"`
	Name  string `json:"name,omitempty"`
	State State  `json:"state"`
	Draft Draft  `json:"draft"`
	// Offered are the choices of the last question, so an answer by number
	// or label can be resolved.
	Offered []Choice `json:"offered,omitempty"`
	// LastGroup is the album of the last photo, so an album is
	// acknowledged once.
	LastGroup string `json:"last_group,omitempty"`
	// Tickets are the citizen's complaints, oldest first.
	Tickets []string  `json:"tickets,omitempty"`
	Updated time.Time `json:"updated"`
	// CommentFor is the complaint the citizen just rated: their next text
	// is a comment on the rating.
	CommentFor string `json:"comment_for,omitempty"`
}

// Env is what the conversation needs from outside: the time, the number a
// complaint submitted now would get, and the citizen's complaints.
type Env struct {
	Now        time.Time
	NextTicket string
	// Complaints are the complaints listed in Conversation.Tickets that
	// this input can touch (see Relevant), in that order.
	Complaints []Complaint
	// Older counts the citizen's complaints left out of Complaints: long
	// closed, so a message costs the same however long the history.
	Older int
	// Nearby are open complaints of the draft's category near its map
	// point (see Config.DuplicateRadius), when it has one.
	Nearby []Complaint
}

// Outcome is what one input leads to: the new state, the messages to send,
// and the complaints to store.
type Outcome struct {
	Conversation Conversation
	Messages     []Message
	Complaints   []Complaint
	// TookTicket says that Env.NextTicket was used.
	TookTicket bool
	// Noticed says the admins were told that their reply to an internal
	// message stayed in the group; they are told once per message.
	Noticed bool
	// Relayed says the admin's message went to the citizen, so an edit of
	// it is passed on as a correction.
	Relayed bool
	// Due asks to come back to complaints later (FlushFollowUps).
	Due []Due
	// Forget asks to delete the conversation and what the citizen's
	// channel keeps of it: the citizen had their data erased.
	Forget bool
	// Unused are media files the stored complaints no longer show (they
	// were erased): the desk deletes those nothing else shows.
	Unused []string
}

// Step runs one citizen input through the conversation. It never fails: a
// wrong answer produces a reply that asks again and keeps the state.
func Step(cfg *Config, conv Conversation, in Input, env Env) Outcome {
	if !conv.State.Valid() {
		conv.State = StateIdle
	}
	if in.Name != "" {
		conv.Name = in.Name
	}
	fresh := conv.Updated.IsZero()
	prev := conv.Updated
	conv.Updated = env.Now
	s := &step{cfg: cfg, t: cfg.texts(conv.Chat.Channel), conv: conv, in: in, env: env, fresh: fresh, from: conv.State,
		prevUpdated: prev, commentFor: conv.CommentFor}
	s.conv.CommentFor = "" // any message ends the chance to comment
	if in.Kind != InputPhoto {
		s.conv.LastGroup = ""
	}
	s.emergency()
	if !s.verdict() && !s.global() {
		switch s.conv.State {
		case StateIdle:
			s.idle()
		case StateCategory:
			s.category()
		case StateDescription:
			s.description()
		case StateLocation:
			s.location()
		case StatePhoto:
			s.photo()
		case StateConfirm:
			s.confirm()
		case StateEdit:
			s.edit()
		case StateErase:
			s.erase()
		}
	}
	return Outcome{Conversation: s.conv, Messages: s.out, Complaints: s.saved, TookTicket: s.took, Due: s.due, Forget: s.forget, Unused: s.unused}
}

type step struct {
	cfg   *Config
	t     *Texts
	conv  Conversation
	in    Input
	env   Env
	out   []Message
	saved []Complaint
	due   []Due
	took  bool
	// fresh is set on a citizen's first message ever.
	fresh bool
	// from is the state the input arrived in.
	from State
	// clear asks the next question to remove the reply keyboard.
	clear bool
	// prevUpdated is when the citizen wrote before this message;
	// commentFor the complaint they may comment on now.
	prevUpdated time.Time
	commentFor  string
	// urgent is set when this message had an emergency word.
	urgent bool
	// forget asks to erase the conversation (hapus).
	forget bool
	// confidential files the complaint as rahasia.
	confidential bool
	// unused are media the erased complaints no longer show.
	unused []string
}

// say sends a message to the citizen.
func (s *step) say(m Message) {
	m.To = s.conv.Chat
	s.out = append(s.out, m)
}

func (s *step) text(t string) { s.say(Message{Text: t}) }

// word reports whether the input is the given word, typed or as a command.
func (s *step) word(w string) bool { return isWord(s.in, w) }

func isWord(in Input, w string) bool {
	switch in.Kind {
	case InputText:
		return strings.EqualFold(strings.TrimSpace(in.Text), w)
	case InputCommand:
		return in.Command == w
	}
	return false
}

// global handles what works in every state: cancel, help, status, start,
// and input the desk cannot take. It reports whether it handled the input.
func (s *step) global() bool {
	switch {
	case s.word("batal") || (s.in.Kind == InputChoice && s.in.Choice == choiceCancel && s.conv.State == StateConfirm):
		s.cancel()
	case s.word("bantuan") || s.word("help"):
		s.ask(s.t.Help)
	case s.word("status"):
		s.ask(s.status())
	case s.word("privasi"):
		s.ask(s.t.Privacy)
	case s.word("hapus") && s.conv.State != StateErase:
		s.askErase()
	case s.in.Kind == InputCommand && (s.in.Command == "start" || s.in.Command == "aduan" || s.in.Command == "menu"):
		if s.conv.State != StateIdle {
			s.ask(s.t.DraftInProgress)
		} else if s.in.Command == "aduan" {
			s.startDraft()
		} else {
			s.ask(s.t.Greeting)
		}
	case s.in.Kind == InputCommand:
		s.ask(s.t.UnknownCommand + " " + s.t.Help)
	case s.in.Kind == InputOther:
		s.ask(s.otherPrompt())
	default:
		return false
	}
	return true
}

func (s *step) otherPrompt() string {
	switch s.in.Other {
	case OtherEdited:
		return s.t.Edited
	case OtherTooLarge:
		return s.t.TooLarge
	case OtherBadPhoto:
		return s.t.PhotoInvalid
	case OtherLate:
		return s.t.LateMessage
	}
	return s.need()
}

// need says what the current state wants.
func (s *step) need() string {
	switch s.conv.State {
	case StateDescription:
		return s.t.NeedText
	case StateLocation:
		return s.t.NeedLocation
	case StatePhoto:
		return s.t.NeedPhoto
	case StateCategory, StateConfirm, StateEdit, StateIdle:
		return s.t.NeedChoice
	}
	return s.t.NeedText
}

func (s *step) cancel() {
	s.clear = true
	if s.conv.State == StateIdle {
		s.ask(s.t.NothingToCancel)
		return
	}
	s.conv.Draft = Draft{}
	s.conv.State = StateIdle
	s.ask(s.t.Cancelled)
}

func (s *step) startDraft() {
	s.conv.Draft = Draft{}
	s.conv.State = StateCategory
	s.ask("")
}

// ask puts the question of the current state, after an optional note.
func (s *step) ask(note string) {
	prefix := ""
	if note != "" {
		prefix = note + "\n\n"
	}
	d := &s.conv.Draft
	cat, _ := s.cfg.Category(d.Category)
	switch s.conv.State {
	case StateIdle:
		s.offer(prefix+s.t.Menu, []Choice{
			{ID: choiceComplaint, Label: s.t.MenuComplaint},
			{ID: choiceStatus, Label: s.t.MenuStatus},
			{ID: choiceHelp, Label: s.t.MenuHelp},
		})
	case StateCategory:
		choices := make([]Choice, len(s.cfg.Categories))
		for i, k := range s.cfg.Categories {
			choices[i] = Choice{ID: categoryPrefix + k.ID, Label: k.Label}
		}
		s.offer(prefix+s.t.AskCategory, choices)
	case StateDescription:
		s.conv.Offered = nil
		ask := s.t.AskDescription
		if s.cfg.consultation(d.Category) {
			ask = s.t.AskQuestion
		}
		s.say(Message{Text: prefix + fill(ask, "min", strconv.Itoa(s.cfg.DescriptionMin), "maks", strconv.Itoa(s.cfg.DescriptionMax)), Keyboard: KeyboardClear})
	case StateLocation:
		s.conv.Offered = nil
		q := s.t.AskLocation
		quick := []string{s.t.LocationButton}
		if !cat.LocationRequired {
			q = s.t.AskLocationOptional
			quick = append(quick, s.t.SkipWord)
		}
		s.say(Message{Text: prefix + q, Keyboard: KeyboardLocation, Quick: quick})
	case StatePhoto:
		s.conv.Offered = nil
		if len(d.Photos) > 0 {
			s.say(Message{Text: prefix + fill(s.t.PhotoReceived, "jumlah", strconv.Itoa(len(d.Photos))), Keyboard: KeyboardQuick, Quick: []string{s.t.DoneWord}})
		} else if cat.PhotoRequired {
			s.say(Message{Text: prefix + s.t.AskPhoto, Keyboard: KeyboardClear})
		} else {
			s.say(Message{Text: prefix + s.t.AskPhotoOptional, Keyboard: KeyboardQuick, Quick: []string{s.t.SkipWord}})
		}
	case StateConfirm:
		loc := "-"
		if d.Location != nil && !d.Location.IsZero() {
			loc = d.Location.Describe()
		}
		if similar := s.similar(); len(similar) > 0 {
			prefix += fill(s.t.SimilarOpen, "daftar", strings.Join(similar, ", ")) + "\n\n"
		}
		summary := s.t.Summary
		if s.cfg.consultation(d.Category) {
			summary = s.t.ConsultSummary
		}
		s.offer(prefix+fill(summary, "kategori", cat.Label, "pesan", d.Description, "lokasi", loc, "jumlah", strconv.Itoa(len(d.Photos))),
			[]Choice{{ID: choiceSend, Label: s.t.ConfirmSend}, {ID: choiceEdit, Label: s.t.ConfirmEdit}, {ID: choiceCancel, Label: s.t.ConfirmCancel},
				{ID: choiceConfidential, Label: s.t.ConfirmConfidential}})
	case StateEdit:
		parts := []Choice{{ID: choiceEditCat, Label: s.t.EditCategory}, {ID: choiceEditDesc, Label: s.t.EditDescription}}
		if !s.cfg.consultation(d.Category) { // a question has no place or photo step
			parts = append(parts, Choice{ID: choiceEditLoc, Label: s.t.EditLocation}, Choice{ID: choiceEditPhoto, Label: s.t.EditPhoto})
		}
		s.offer(prefix+s.t.AskEdit, parts)
	}
}

// offer asks a question with choices, in one message. After the location
// or photo step (or a cancel) it also asks to remove the reply keyboard
// those showed; a channel that cannot do both in one message renders the
// choices as that keyboard's buttons instead.
func (s *step) offer(text string, choices []Choice) {
	m := Message{Text: text, Choices: choices}
	if s.clear || s.from == StateLocation || s.from == StatePhoto {
		m.Keyboard = KeyboardClear
	}
	s.conv.Offered = choices
	s.say(m)
}

// choice resolves the input against the offered choices: a pressed button,
// a number, or a label typed out. ok is false when the input is not an
// answer at all; stale is set for a button from an older question.
func (s *step) choice() (id string, ok, stale bool) { return choiceOf(s.conv, s.in) }

func choiceOf(conv Conversation, in Input) (id string, ok, stale bool) {
	switch in.Kind {
	case InputChoice:
		for _, c := range conv.Offered {
			if c.ID == in.Choice {
				return c.ID, true, false
			}
		}
		return "", false, true
	case InputText:
		t := strings.TrimSpace(in.Text)
		if n, err := strconv.Atoi(strings.TrimSuffix(t, ".")); err == nil && n >= 1 && n <= len(conv.Offered) {
			return conv.Offered[n-1].ID, true, false
		}
		for _, c := range conv.Offered {
			if strings.EqualFold(t, c.Label) || strings.EqualFold(t, labelWords(c.Label)) {
				return c.ID, true, false
			}
		}
	}
	return "", false, false
}

// labelWords drops a leading emoji or symbol from a label, so "✅ Kirim" is
// also answered by "kirim".
func labelWords(label string) string {
	return strings.TrimSpace(strings.TrimLeftFunc(label, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}))
}

// wrongChoice asks again after an answer that is not one of the choices.
func (s *step) wrongChoice(stale bool) {
	if stale {
		s.ask(s.t.StaleChoice)
		return
	}
	s.ask(s.t.NeedChoice)
}

// idle expects a menu choice. Text from a citizen with an open complaint
// is added to that complaint's thread.
func (s *step) idle() {
	if s.comment() {
		return
	}
	id, ok, stale := s.choice()
	if s.in.Kind == InputChoice && (s.in.Choice == choiceComplaint || s.in.Choice == choiceStatus || s.in.Choice == choiceHelp) {
		// The menu's buttons stay valid under any old menu message.
		id, ok, stale = s.in.Choice, true, false
	}
	if ok {
		switch id {
		case choiceComplaint:
			s.startDraft()
		case choiceStatus:
			s.ask(s.status())
		case choiceHelp:
			s.ask(s.t.Help)
		}
		return
	}
	if (s.in.Kind == InputText || s.in.Kind == InputPhoto || s.in.Kind == InputLocation) && s.addToThread() {
		return
	}
	if s.in.Kind == InputText && strings.EqualFold(strings.TrimSpace(s.in.Text), "aduan") {
		s.startDraft()
		return
	}
	if stale {
		s.ask(s.t.StaleChoice)
		return
	}
	if s.fresh {
		s.ask(s.t.Greeting)
		return
	}
	s.ask("")
}

// addToThread passes a message to the admins of the citizen's open
// complaint: the one named in the text, or else the latest open one.
func (s *step) addToThread() bool {
	var target *Complaint
	named := s.cfg.TicketIn(s.in.Text)
	for i := len(s.env.Complaints) - 1; i >= 0; i-- {
		c := &s.env.Complaints[i]
		if !c.Status.Open() || c.Citizen != s.conv.Chat {
			continue
		}
		if named != "" && named == c.Ticket {
			target = c
			break
		}
		if target == nil {
			target = c
		}
	}
	if target == nil {
		return false
	}
	officeName := s.cfg.OfficeName(target.Office)
	if len(target.Thread) >= s.cfg.ThreadLimit {
		// Nothing more is stored; what was is kept.
		s.text(fill(s.t.ThreadFull, "tiket", target.Ticket, "dinas", officeName))
		s.conv.Offered = nil
		return true
	}
	cp := cloneComplaint(*target)
	text := strings.TrimSpace(s.in.Text)
	if s.in.Kind == InputLocation {
		text = s.in.Location.Describe()
	}
	cp.Thread = append(cp.Thread, Entry{At: s.env.Now, Kind: EntryCitizen, Author: s.conv.Name, Text: text, Photos: s.in.Photos})
	cp.Updated = s.env.Now
	cp.Pending++
	cp.Urgent = cp.Urgent || s.urgent
	consult := s.cfg.consultation(cp.Category)
	// An emergency, or a consultation's next words, are passed on at once,
	// not held for the follow-up pace.
	if next := cp.FollowUpAt.Add(s.cfg.FollowUpInterval); !s.urgent && !consult && (cp.Pending > 1 || s.env.Now.Before(next)) {
		// A follow-up was posted a moment ago: this one waits to go out
		// with any that follow, in one post.
		s.due = append(s.due, Due{Ticket: cp.Ticket, At: next})
	} else {
		posts := followUpPosts(s.cfg, &cp, s.env.Now)
		for i := range posts {
			if s.urgent {
				posts[i].Text = s.cfg.Texts.UrgentMark + posts[i].Text
			}
		}
		s.out = append(s.out, posts...)
	}
	s.saved = append(s.saved, cp)
	if !consult { // a consultation is a conversation: no receipt for each message
		s.text(fill(s.t.ThreadAdded, "tiket", cp.Ticket, "dinas", officeName))
	}
	// The menu is no longer the last question: a "2" now is more words
	// for the admins, not the menu's second choice.
	s.conv.Offered = nil
	return true
}

// followUpPosts posts the citizen's pending entries to the complaint's
// office, in one post under the complaint's thread, and marks them posted.
func followUpPosts(cfg *Config, cp *Complaint, now time.Time) []Message {
	var texts, photos []string
	for i := len(cp.Thread) - 1; i >= 0 && len(texts) < cp.Pending; i-- {
		if e := cp.Thread[i]; e.Kind == EntryCitizen {
			texts = append(texts, e.Text)
			photos = append(slices.Clone(e.Photos), photos...)
		}
	}
	slices.Reverse(texts)
	cp.Pending, cp.FollowUpAt = 0, now
	text := fill(cfg.Texts.AdminCitizenMsg, "tiket", cp.Ticket, "pesan", strings.TrimSpace(strings.Join(texts, "\n\n")))
	if len(photos) > 10 {
		// One album holds ten; the rest are in the thread (/info).
		text += "\n(+" + strconv.Itoa(len(photos)-10) + " foto)"
		photos = photos[:10]
	}
	var out []Message
	for _, to := range cfg.officeAddresses(cp.Office) {
		out = append(out, Message{To: to, Text: text, Photos: photos, Ticket: cp.Ticket, Relay: true, Thread: true})
	}
	return out
}

// FlushFollowUps posts a complaint's pending follow-ups once their time
// has come; it changes nothing when none wait or the time is not yet.
func FlushFollowUps(cfg *Config, cp *Complaint, now time.Time) Outcome {
	if cp == nil || cp.Pending == 0 {
		return Outcome{}
	}
	if next := cp.FollowUpAt.Add(cfg.FollowUpInterval); now.Before(next) {
		return Outcome{Due: []Due{{Ticket: cp.Ticket, At: next}}}
	}
	c := cloneComplaint(*cp)
	msgs := followUpPosts(cfg, &c, now)
	return Outcome{Complaints: []Complaint{c}, Messages: msgs}
}

// status lists the citizen's complaints, as a note for the next question.
func (s *step) status() string {
	if len(s.env.Complaints) == 0 {
		return s.t.StatusNone
	}
	var b strings.Builder
	b.WriteString(s.t.StatusHeader)
	for _, c := range s.env.Complaints {
		cat, _ := s.cfg.Category(c.Category)
		label := cat.Label
		if label == "" {
			label = c.Category
		}
		b.WriteString("\n")
		b.WriteString(fill(s.t.StatusLine, "tiket", c.Ticket, "kategori", label, "status", string(c.Status), "dinas", s.cfg.OfficeName(c.Office)))
		if c.Status.Open() {
			b.WriteString("\n  " + fill(s.t.StatusWaiting, "waktu", Since(s.env.Now.Sub(c.Created))))
		}
		if answer := LastAnswer(&c); answer != "" {
			b.WriteString("\n  " + fill(s.t.StatusAnswer, "pesan", answer))
		}
	}
	if s.env.Older > 0 {
		b.WriteString("\n" + fill(s.t.StatusOlder, "jumlah", strconv.Itoa(s.env.Older)))
	}
	return b.String()
}

// VerdictOpen is how long after its resolution a complaint stays among
// its citizen's active ones: the reopen window, and at least 30 days, for
// a late rating.
func (c *Config) VerdictOpen() time.Duration {
	return max(c.Deadlines.ReopenWithin, 30*24*time.Hour)
}

// StatusShown is how many of a citizen's newest complaints status lists
// besides the ones still open or awaiting their verdict.
const StatusShown = 10

// Relevant picks, from a conversation's tickets (oldest first), those an
// input can touch: the active ones (open, or resolved recently enough to
// be rated or reopened), any the input names (a rating button or number,
// a ticket typed), and for status the newest StatusShown. Erasure touches
// them all. The rest are left unread, so a citizen's message costs the
// same after years. Of those picked, shown are the ones status only
// shows: they may be read without their threads (Complaint.Head).
func Relevant(cfg *Config, conv Conversation, in Input, active func(ticket string) bool) (tickets []string, shown map[string]bool) {
	if conv.State == StateErase {
		return conv.Tickets, nil
	}
	named := map[string]bool{}
	choice := in.Choice
	if id, ok, _ := choiceOf(conv, in); ok {
		choice = id
	}
	for _, p := range []string{ratePrefix, reopenPrefix} {
		if rest, ok := strings.CutPrefix(choice, p); ok {
			ticket, _, _ := strings.Cut(rest, ":")
			named[ticket] = true
		}
	}
	if t := cfg.TicketIn(in.Text); t != "" {
		named[t] = true
	}
	newest := len(conv.Tickets)
	if isWord(in, "status") || choice == choiceStatus {
		newest -= StatusShown
	}
	shown = map[string]bool{}
	for i, t := range conv.Tickets {
		touched := named[t] || active(t)
		if i >= newest || touched {
			tickets = append(tickets, t)
		}
		if i >= newest && !touched {
			shown[t] = true
		}
	}
	return tickets, shown
}

// LastAnswer is the office's newest reply to a complaint, shortened for
// a status line, or "".
func LastAnswer(c *Complaint) string {
	if c.Head {
		return c.Answer
	}
	for i := len(c.Thread) - 1; i >= 0; i-- {
		if e := c.Thread[i]; e.Kind == EntryReply && strings.TrimSpace(e.Text) != "" {
			text := strings.Join(strings.Fields(e.Text), " ")
			if r := []rune(text); len(r) > 120 {
				text = string(r[:119]) + "…"
			}
			return text
		}
	}
	return ""
}

// category expects one of the configured categories.
func (s *step) category() {
	id, ok, stale := s.choice()
	if !ok {
		s.wrongChoice(stale)
		return
	}
	s.conv.Draft.Category = strings.TrimPrefix(id, categoryPrefix)
	if s.cfg.consultation(s.conv.Draft.Category) {
		// A question needs no place and no photo.
		s.conv.Draft.Location, s.conv.Draft.PhotosDone = &Location{}, true
	}
	s.next(StateDescription)
}

// description expects free text within the configured length.
func (s *step) description() {
	if s.in.Kind == InputPhoto && s.cfg.consultation(s.conv.Draft.Category) {
		// A consultation welcomes a photo; the question is still needed.
		d := &s.conv.Draft
		if len(d.Photos) < s.cfg.MaxPhotos {
			d.Photos = append(d.Photos, s.in.Photos...)
		}
		if runeLen(strings.TrimSpace(s.in.Text)) < s.cfg.DescriptionMin {
			s.ask(fill(s.t.PhotoReceived, "jumlah", strconv.Itoa(len(d.Photos))) + " " + s.t.NeedText)
			return
		}
	} else if s.in.Kind != InputText {
		s.ask(s.t.NeedText)
		return
	}
	text := strings.TrimSpace(s.in.Text)
	n := runeLen(text)
	switch {
	case n < s.cfg.DescriptionMin:
		s.ask(fill(s.t.DescriptionShort, "jumlah", strconv.Itoa(n), "min", strconv.Itoa(s.cfg.DescriptionMin)))
	case n > s.cfg.DescriptionMax:
		s.ask(fill(s.t.DescriptionLong, "jumlah", strconv.Itoa(n), "maks", strconv.Itoa(s.cfg.DescriptionMax)))
	default:
		s.conv.Draft.Description = text
		s.next(s.missing())
	}
}

// maxLocationText caps a typed address.
const maxLocationText = 300

// location expects a shared point or a typed address; "lewati" where the
// category allows.
func (s *step) location() {
	cat, _ := s.cfg.Category(s.conv.Draft.Category)
	switch s.in.Kind {
	case InputLocation:
		loc := s.in.Location
		s.conv.Draft.Location = &loc
	case InputText:
		text := strings.TrimSpace(s.in.Text)
		if strings.EqualFold(text, s.t.SkipWord) {
			if cat.LocationRequired {
				s.ask(s.t.NeedLocation)
				return
			}
			s.conv.Draft.Location = &Location{}
			break
		}
		if text == s.t.LocationButton || runeLen(text) < 5 {
			s.ask(s.t.LocationShort)
			return
		}
		if runeLen(text) > maxLocationText {
			text = string([]rune(text)[:maxLocationText])
		}
		s.conv.Draft.Location = &Location{Text: text}
	default:
		s.ask(s.t.NeedLocation)
		return
	}
	s.next(StatePhoto)
}

// photo expects photos, then "lanjut"; or "lewati" where the category
// allows.
func (s *step) photo() {
	cat, _ := s.cfg.Category(s.conv.Draft.Category)
	d := &s.conv.Draft
	switch s.in.Kind {
	case InputPhoto:
		sameAlbum := s.in.Group != "" && s.in.Group == s.conv.LastGroup
		s.conv.LastGroup = s.in.Group
		for _, p := range s.in.Photos {
			if len(d.Photos) >= s.cfg.MaxPhotos {
				s.ask(fill(s.t.PhotoLimit, "maks", strconv.Itoa(s.cfg.MaxPhotos)))
				return
			}
			if !containsString(d.Photos, p) {
				d.Photos = append(d.Photos, p)
			}
		}
		if !sameAlbum {
			s.ask("")
		}
	case InputText:
		text := strings.TrimSpace(s.in.Text)
		switch {
		case len(d.Photos) > 0 && (strings.EqualFold(text, s.t.DoneWord) || strings.EqualFold(text, s.t.SkipWord)):
			d.PhotosDone = true
			s.next(StateConfirm)
		case strings.EqualFold(text, s.t.SkipWord) && !cat.PhotoRequired:
			d.PhotosDone = true
			s.next(StateConfirm)
		case strings.EqualFold(text, s.t.SkipWord) || strings.EqualFold(text, s.t.DoneWord):
			s.ask(s.t.PhotoNeeded)
		default:
			s.ask(s.t.NeedPhoto)
		}
	default:
		s.ask(s.t.NeedPhoto)
	}
}

// confirm expects Kirim, Ubah or Batal (Batal is handled globally).
func (s *step) confirm() {
	id, ok, stale := s.choice()
	if !ok {
		s.wrongChoice(stale)
		return
	}
	switch id {
	case choiceSend:
		s.submit()
	case choiceConfidential:
		s.confidential = true
		s.submit()
	case choiceEdit:
		s.conv.State = StateEdit
		s.ask("")
	case choiceCancel:
		s.cancel()
	}
}

// edit expects which part of the draft to change.
func (s *step) edit() {
	id, ok, stale := s.choice()
	if !ok {
		s.wrongChoice(stale)
		return
	}
	s.conv.Draft.Editing = true
	switch id {
	case choiceEditCat:
		s.conv.State = StateCategory
	case choiceEditDesc:
		s.conv.State = StateDescription
	case choiceEditLoc:
		s.conv.State = StateLocation
	case choiceEditPhoto:
		s.conv.Draft.Photos = nil
		s.conv.Draft.PhotosDone = false
		s.conv.State = StatePhoto
	}
	s.ask("")
}

// next moves on after a step is answered: to the given state, or back to
// the summary when editing and nothing the category needs is missing.
func (s *step) next(st State) {
	d := &s.conv.Draft
	if d.Editing {
		st = s.missing()
	}
	s.conv.State = st
	if st == StateConfirm {
		d.Editing = false
	}
	s.ask("")
}

// missing returns the first step the draft still needs, or StateConfirm.
func (s *step) missing() State {
	d := &s.conv.Draft
	cat, ok := s.cfg.Category(d.Category)
	switch {
	case !ok:
		return StateCategory
	case d.Description == "":
		return StateDescription
	case d.Location == nil || (cat.LocationRequired && d.Location.IsZero()):
		return StateLocation
	case !d.PhotosDone || (cat.PhotoRequired && len(d.Photos) == 0):
		return StatePhoto
	}
	return StateConfirm
}

// submit turns the draft into a complaint and posts it to its office.
func (s *step) submit() {
	if st := s.missing(); st != StateConfirm {
		s.conv.State = st
		s.ask("")
		return
	}
	d := s.conv.Draft
	cat, _ := s.cfg.Category(d.Category)
	similar := s.similar()
	cp := Complaint{
		Ticket:       s.env.NextTicket,
		Citizen:      s.conv.Chat,
		CitizenName:  s.conv.Name,
		Category:     cat.ID,
		Office:       cat.Office,
		Description:  d.Description,
		Location:     *d.Location,
		Photos:       d.Photos,
		Status:       StatusNew,
		Created:      s.env.Now,
		Updated:      s.env.Now,
		Urgent:       d.Urgent || s.urgent,
		Confidential: s.confidential,
	}
	s.took = true
	s.saved = append(s.saved, cp)
	s.conv.Tickets = append(s.conv.Tickets, cp.Ticket)
	s.conv.Draft = Draft{}
	s.conv.State = StateIdle
	s.conv.Offered = nil
	submitted := s.t.Submitted
	if cat.Kind == KindConsultation {
		submitted = s.t.ConsultSubmitted
	}
	s.say(Message{Text: fill(submitted, "tiket", cp.Ticket, "dinas", s.cfg.OfficeName(cp.Office)), Ticket: cp.Ticket, Keyboard: KeyboardClear})
	posts := postComplaint(s.cfg, &cp, "")
	if len(similar) > 0 {
		for i := range posts {
			posts[i].Text += "\n\n" + fill(s.cfg.Texts.AdminPossibleDuplicate, "daftar", strings.Join(s.cfg.withLinks(similar), ", "))
		}
	}
	s.out = append(s.out, posts...)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func cloneComplaint(c Complaint) Complaint {
	c.Thread = append([]Entry(nil), c.Thread...)
	c.Photos = append([]string(nil), c.Photos...)
	return c
}
