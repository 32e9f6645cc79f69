package flows

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Deadlines are the regent's rule in numbers: when a complaint must have
// its first answer and its resolution, and how early its office is
// reminded.
type Deadlines struct {
	// FirstResponse is the time, around the clock, to the first answer.
	FirstResponse time.Duration
	// RemindBefore is how long before a deadline the office is reminded.
	RemindBefore time.Duration
	// ResolutionDays is the working days to resolution.
	ResolutionDays int
	// WorkingDays are the days that count; Holidays ("2006-01-02") do not.
	WorkingDays [7]bool
	Holidays    map[string]bool
	// Location is the regency's time zone, for what a day is.
	Location *time.Location
	// ReopenWithin is how long after its resolution a citizen may reopen
	// a complaint ("belum beres"); zero: never.
	ReopenWithin time.Duration
}

func (d Deadlines) validate() error {
	switch {
	case d.FirstResponse < 0:
		return fmt.Errorf("deadlines.first_response: %s must not be negative", d.FirstResponse)
	case d.RemindBefore < 0:
		return fmt.Errorf("deadlines.remind_before: %s must not be negative", d.RemindBefore)
	case d.ResolutionDays < 0 || d.ResolutionDays > 365:
		return fmt.Errorf("deadlines.resolution_days: %d must be between 0 and 365", d.ResolutionDays)
	case d.ReopenWithin < 0:
		return fmt.Errorf("deadlines.reopen_within: %s must not be negative", d.ReopenWithin)
	case d.ResolutionDays > 0 && d.WorkingDays == [7]bool{}:
		return fmt.Errorf("deadlines.working_days: at least one day is needed to count resolution_days")
	}
	return nil
}

// Enabled reports whether deadlines are kept at all.
func (d Deadlines) Enabled() bool { return d.FirstResponse > 0 }

// The stages of a complaint's deadlines, each acted on once.
const (
	stageRemindFirst = 1 << iota
	stageEscalateFirst
	stageRemindResolution
	stageEscalateResolution
)

// firstResponse returns a category's first-response time and reminder
// lead: its own when set, else the desk's.
func (c *Config) firstResponse(category string) (due, remind time.Duration) {
	due, remind = c.Deadlines.FirstResponse, c.Deadlines.RemindBefore
	if k, ok := c.Category(category); ok {
		if k.FirstResponse > 0 {
			due = k.FirstResponse
		}
		if k.RemindBefore > 0 {
			remind = k.RemindBefore
		}
	}
	return due, min(remind, due)
}

// FirstResponseDue is when a complaint must have its first answer.
func (c *Config) FirstResponseDue(cp *Complaint) time.Time {
	due, _ := c.firstResponse(cp.Category)
	return cp.since().Add(due)
}

// ResolutionDue is when a complaint must be resolved: ResolutionDays
// working days after it came, at the same time of day.
func (c *Config) ResolutionDue(cp *Complaint) time.Time {
	d := c.Deadlines
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	t := cp.since().In(loc)
	for n := 0; n < d.ResolutionDays; {
		t = t.AddDate(0, 0, 1)
		if d.working(t) {
			n++
		}
	}
	return t
}

func (d Deadlines) working(t time.Time) bool {
	return d.WorkingDays[t.Weekday()] && !d.Holidays[t.Format(time.DateOnly)]
}

// stages returns a complaint's deadline stages still to come, with their
// times.
func (c *Config) stages(cp *Complaint) map[int]time.Time {
	out := map[int]time.Time{}
	if !c.Deadlines.Enabled() || !cp.Status.Open() {
		return out
	}
	if !cp.responded() {
		first := c.FirstResponseDue(cp)
		_, remind := c.firstResponse(cp.Category)
		out[stageRemindFirst] = first.Add(-remind)
		out[stageEscalateFirst] = first
	}
	if c.Deadlines.ResolutionDays > 0 {
		res := c.ResolutionDue(cp)
		out[stageRemindResolution] = res.Add(-c.Deadlines.RemindBefore)
		out[stageEscalateResolution] = res
	}
	for st := range out {
		if cp.Alerted&st != 0 {
			delete(out, st)
		}
	}
	return out
}

// Answered records that an answer reached a complaint's citizen at now:
// the first one is its first response, and the first after a reopening
// ends the deadline that started again. ok is false when it changes
// nothing.
func Answered(c Complaint, now time.Time) (Complaint, bool) {
	if c.responded() {
		return c, false
	}
	if c.FirstResponseAt.IsZero() {
		c.FirstResponseAt = now
	}
	if c.reopened() {
		c.AnsweredAgainAt = now
	}
	return c, true
}

// NextDeadline is when the desk must next look at a complaint's
// deadlines; ok is false when none is left.
func (c *Config) NextDeadline(cp *Complaint) (at time.Time, ok bool) {
	for _, t := range c.stages(cp) {
		if !ok || t.Before(at) {
			at, ok = t, true
		}
	}
	return at, ok
}

// NextDue is the deadline an open complaint must meet next: its first
// response while no answer reached the citizen (since it came, or since
// it was reopened), else its resolution. ok is false when it has none.
func (c *Config) NextDue(cp *Complaint) (due time.Time, resolution, ok bool) {
	switch {
	case !c.Deadlines.Enabled() || !cp.Status.Open():
		return time.Time{}, false, false
	case !cp.responded():
		return c.FirstResponseDue(cp), false, true
	case c.Deadlines.ResolutionDays > 0:
		return c.ResolutionDue(cp), true, true
	}
	return time.Time{}, false, false
}

// DeadlineWords says when a deadline is, from now: "2 jam lagi" or
// "lewat 3 jam".
func DeadlineWords(due, now time.Time) string { return deadlineWords(due, now) }

// alert is one complaint in a reminder or escalation.
type alert struct {
	cp  *Complaint
	due time.Time
}

// CheckDeadlines looks at complaints whose deadline stage may have come,
// at now, and returns the reminders (to each office's admin chats) and
// escalations (to the coordinators' chats): one message per chat and kind,
// listing every complaint due, so a backlog never floods a group. A stage
// is acted on once; what fell due while the desk was down is acted on now,
// and a reminder whose deadline has passed too is left for the
// escalation.
func CheckDeadlines(cfg *Config, cps []*Complaint, now time.Time) Outcome {
	var out Outcome
	lists := map[string]map[Chat][]alert{} // text key → chat → complaints
	add := func(kind string, to []Chat, a alert) {
		if lists[kind] == nil {
			lists[kind] = map[Chat][]alert{}
		}
		for _, chat := range to {
			lists[kind][chat] = append(lists[kind][chat], a)
		}
	}
	for _, orig := range cps {
		stages := cfg.stages(orig)
		c := cloneComplaint(*orig)
		changed := false
		for _, st := range []int{stageRemindFirst, stageEscalateFirst, stageRemindResolution, stageEscalateResolution} {
			at, pending := stages[st]
			if !pending || at.After(now) {
				continue
			}
			c.Alerted |= st
			changed = true
			switch st {
			case stageRemindFirst:
				if esc, ok := stages[stageEscalateFirst]; !ok || esc.After(now) {
					add("remind_first", cfg.officeAddresses(c.Office), alert{&c, cfg.FirstResponseDue(&c)})
				}
			case stageEscalateFirst:
				add("escalate_first", cfg.officeAddresses(cfg.Coordinator), alert{&c, cfg.FirstResponseDue(&c)})
			case stageRemindResolution:
				if esc, ok := stages[stageEscalateResolution]; !ok || esc.After(now) {
					add("remind_resolution", cfg.officeAddresses(c.Office), alert{&c, cfg.ResolutionDue(&c)})
				}
			case stageEscalateResolution:
				add("escalate_resolution", cfg.officeAddresses(cfg.Coordinator), alert{&c, cfg.ResolutionDue(&c)})
			}
		}
		if changed {
			out.Complaints = append(out.Complaints, c)
		}
	}
	headers := map[string]string{"remind_first": cfg.Texts.RemindFirst, "escalate_first": cfg.Texts.EscalateFirst,
		"remind_resolution": cfg.Texts.RemindResolution, "escalate_resolution": cfg.Texts.EscalateResolution}
	for _, kind := range []string{"remind_first", "escalate_first", "remind_resolution", "escalate_resolution"} {
		chats := make([]Chat, 0, len(lists[kind]))
		for chat := range lists[kind] {
			chats = append(chats, chat)
		}
		sort.Slice(chats, func(i, j int) bool { return chats[i].String() < chats[j].String() })
		for _, chat := range chats {
			items := lists[kind][chat]
			sort.Slice(items, func(i, j int) bool { return items[i].cp.Created.Before(items[j].cp.Created) })
			lines := make([]string, len(items))
			for i, a := range items {
				cat, _ := cfg.Category(a.cp.Category)
				lines[i] = fill(cfg.Texts.DeadlineLine, "tiket", a.cp.Ticket, "kategori", cat.Label, "dinas", cfg.OfficeName(a.cp.Office),
					"waktu", Since(now.Sub(a.cp.Created)), "batas", deadlineWords(a.due, now))
			}
			out.Messages = append(out.Messages, Message{To: chat, Text: fill(headers[kind], "jumlah", strconv.Itoa(len(items)),
				"daftar", strings.Join(lines, "\n"))})
		}
	}
	return out
}

// deadlineWords says when a deadline is, from now: "2 jam lagi" or
// "lewat 3 jam".
func deadlineWords(due, now time.Time) string {
	if due.After(now) {
		return Since(due.Sub(now)) + " lagi"
	}
	return "lewat " + Since(now.Sub(due))
}

// Since says a length of time in Indonesian: "45 menit", "3 jam",
// "2 hari 4 jam".
func Since(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "kurang dari 1 menit"
	case d < time.Hour:
		return fmt.Sprintf("%d menit", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d jam", int(d.Hours()))
	}
	days, hours := int(d.Hours())/24, int(d.Hours())%24
	if hours == 0 {
		return fmt.Sprintf("%d hari", days)
	}
	return fmt.Sprintf("%d hari %d jam", days, hours)
}
