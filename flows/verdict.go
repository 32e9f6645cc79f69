package flows

import (
	"strconv"
	"strings"
	"time"
)

// The citizen's verdict on a resolved complaint: a rating from 1 to 5 with
// an optional comment, or "belum beres" (not fixed) to reopen it within
// Deadlines.ReopenWithin.

// Choice ID prefixes of the verdict question: "rate:<ticket>:<n>" and
// "reopen:<ticket>".
const (
	ratePrefix   = "rate:"
	reopenPrefix = "reopen:"
)

// notFixedWords are what a citizen types to say a complaint is not fixed.
var notFixedWords = []string{"belum beres", "belum selesai", "tidak beres"}

// verdictChoices are the rating buttons (a numbered list where there are
// none) and the reopen button.
func verdictChoices(t *Texts, ticket string) []Choice {
	choices := make([]Choice, 0, 6)
	for n := 1; n <= 5; n++ {
		choices = append(choices, Choice{ID: ratePrefix + ticket + ":" + strconv.Itoa(n), Label: strings.Repeat("⭐", n)})
	}
	return append(choices, Choice{ID: reopenPrefix + ticket, Label: t.NotFixedButton})
}

// askVerdict adds the verdict question to the message telling the citizen
// a complaint is resolved.
func (a *admin) askVerdict() {
	m := &a.out[a.told]
	m.Text += "\n\n" + a.cfg.texts(a.cp.Citizen.Channel).RateAsk
	m.Choices = verdictChoices(a.cfg.texts(a.cp.Citizen.Channel), a.cp.Ticket)
	a.cp.RatingAskedAt = a.now
}

// awaitingVerdict returns the complaint whose verdict the citizen was
// asked for after their last message, if any.
func (s *step) awaitingVerdict() *Complaint {
	for i := len(s.env.Complaints) - 1; i >= 0; i-- {
		c := &s.env.Complaints[i]
		if c.Status == StatusResolved && c.Rating == 0 && !c.RatingAskedAt.IsZero() && c.RatingAskedAt.After(s.prevUpdated) {
			return c
		}
	}
	return nil
}

// lastResolved returns the citizen's newest resolved complaint, if any.
func (s *step) lastResolved() *Complaint {
	var last *Complaint
	for i := range s.env.Complaints {
		c := &s.env.Complaints[i]
		if c.Status == StatusResolved && (last == nil || c.ResolvedAt.After(last.ResolvedAt)) {
			last = c
		}
	}
	return last
}

// verdict handles a rating or "belum beres", pressed or typed. It reports
// whether the input was one.
func (s *step) verdict() bool {
	if s.in.Kind == InputChoice {
		switch id := s.in.Choice; {
		case strings.HasPrefix(id, ratePrefix):
			ticket, n, _ := strings.Cut(strings.TrimPrefix(id, ratePrefix), ":")
			stars, err := strconv.Atoi(n)
			if c := s.complaint(ticket); c != nil && err == nil {
				s.rate(c, stars)
			} else {
				s.ask(s.t.StaleChoice)
			}
			return true
		case strings.HasPrefix(id, reopenPrefix):
			if c := s.complaint(strings.TrimPrefix(id, reopenPrefix)); c != nil {
				s.reopen(c)
			} else {
				s.ask(s.t.StaleChoice)
			}
			return true
		}
		return false
	}
	if s.in.Kind != InputText || s.conv.State != StateIdle {
		return false
	}
	text := strings.ToLower(labelWords(strings.Join(strings.Fields(s.in.Text), " ")))
	if containsString(notFixedWords, text) {
		if c := s.lastResolved(); c != nil {
			s.reopen(c)
			return true
		}
		return false
	}
	c := s.awaitingVerdict()
	if c == nil {
		return false
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(text, ".")); err == nil && n >= 1 && n <= 6 {
		// The numbers of the list: 1–5 stars, then "belum beres".
		if n == 6 {
			s.reopen(c)
		} else {
			s.rate(c, n)
		}
		return true
	}
	return false
}

// complaint returns one of the citizen's complaints by ticket.
func (s *step) complaint(ticket string) *Complaint {
	for i := range s.env.Complaints {
		if s.env.Complaints[i].Ticket == ticket {
			return &s.env.Complaints[i]
		}
	}
	return nil
}

// rate records the citizen's rating, tells the office, and invites a
// comment.
func (s *step) rate(orig *Complaint, stars int) {
	if orig.Status != StatusResolved {
		s.ask(fill(s.t.RateNotResolved, "tiket", orig.Ticket))
		return
	}
	if stars < 1 || stars > 5 {
		s.ask(s.t.StaleChoice)
		return
	}
	c := cloneComplaint(*orig)
	again := c.Rating != 0
	c.Rating, c.RatedAt, c.Updated = stars, s.env.Now, s.env.Now
	c.Thread = append(c.Thread, Entry{At: s.env.Now, Kind: EntryRating, Text: strconv.Itoa(stars) + "/5"})
	s.saved = append(s.saved, c)
	s.conv.CommentFor = c.Ticket
	nilai := strconv.Itoa(stars)
	for _, to := range s.cfg.officeAddresses(c.Office) {
		s.out = append(s.out, Message{To: to, Text: fill(s.cfg.Texts.AdminRated, "tiket", c.Ticket, "nilai", nilai, "bintang", strings.Repeat("⭐", stars)),
			Ticket: c.Ticket, Thread: true})
	}
	note := s.t.RateThanks
	if again {
		note = s.t.RateChanged
	}
	s.ask(fill(note, "tiket", c.Ticket, "nilai", nilai))
}

// comment passes the citizen's comment on their rating to the office.
// It reports whether the input was one.
func (s *step) comment() bool {
	ticket := s.commentFor
	if ticket == "" || s.in.Kind != InputText || s.conv.State != StateIdle {
		return false
	}
	orig := s.complaint(ticket)
	text := strings.TrimSpace(s.in.Text)
	if orig == nil || orig.Status != StatusResolved || runeLen(text) < 2 || strings.EqualFold(text, "aduan") {
		return false
	}
	if _, ok, _ := s.choice(); ok {
		return false // an answer to the menu shown with the thanks
	}
	if runeLen(text) > s.cfg.DescriptionMax {
		text = string([]rune(text)[:s.cfg.DescriptionMax])
	}
	c := cloneComplaint(*orig)
	c.RatingComment, c.Updated = text, s.env.Now
	c.Thread = append(c.Thread, Entry{At: s.env.Now, Kind: EntryRating, Text: text})
	s.saved = append(s.saved, c)
	for _, to := range s.cfg.officeAddresses(c.Office) {
		s.out = append(s.out, Message{To: to, Text: fill(s.cfg.Texts.AdminRatingComment, "tiket", c.Ticket, "pesan", text), Ticket: c.Ticket, Thread: true})
	}
	s.ask(fill(s.t.CommentThanks, "tiket", c.Ticket))
	return true
}

// reopen reopens a resolved complaint within the window, or says it is
// closed for good.
func (s *step) reopen(orig *Complaint) {
	if orig.Status != StatusResolved {
		s.ask(fill(s.t.RateNotResolved, "tiket", orig.Ticket))
		return
	}
	within := s.cfg.Deadlines.ReopenWithin
	if within <= 0 || s.env.Now.Sub(orig.ResolvedAt) > within {
		s.ask(fill(s.t.ReopenTooLate, "tiket", orig.Ticket))
		return
	}
	c := cloneComplaint(*orig)
	c.Status, c.Updated, c.ReopenedAt = StatusInProgress, s.env.Now, s.env.Now
	// The first response stays, for the statistics; the deadlines start
	// again and an answer ends them anew.
	c.AnsweredAgainAt, c.Alerted, c.Rating, c.RatingAskedAt = time.Time{}, 0, 0, time.Time{}
	c.Thread = append(c.Thread, Entry{At: s.env.Now, Kind: EntryStatus, Author: "warga", Text: string(StatusInProgress) + " (belum beres)"})
	s.saved = append(s.saved, c)
	for _, to := range s.cfg.officeAddresses(c.Office) {
		// The citizen's words: a reply to it reaches them.
		s.out = append(s.out, Message{To: to, Text: fill(s.cfg.Texts.AdminReopened, "tiket", c.Ticket), Ticket: c.Ticket, Thread: true, Relay: true})
	}
	s.ask(fill(s.t.Reopened, "tiket", c.Ticket, "dinas", s.cfg.OfficeName(c.Office)))
}
