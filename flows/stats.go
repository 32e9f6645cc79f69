package flows

import (
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OfficeStats is how one office did over a period.
type OfficeStats struct {
	Office string
	// Received counts complaints that came in the period; of them,
	// Answered got a first response, Resolved, Rejected and Open are by
	// their status now.
	Received, Answered, Resolved, Rejected, Open int
	// FirstResponse and Resolution are the median and 90th percentile
	// times, over the complaints that have them.
	FirstResponse, Resolution Percentiles
	// InTime of Due: of the complaints whose first-response deadline has
	// passed or that were answered, those answered by the deadline.
	InTime, Due int
	// RatingSum over Rated ratings.
	RatingSum, Rated int
	// Oldest are up to five of the office's oldest open complaints, of any
	// period.
	Oldest []StatRecord
}

// StatRecord is what statistics need of a complaint; the store keeps one
// per complaint, so statistics read these, not whole complaints.
type StatRecord struct {
	Ticket, Office, Category string
	Status                   Status
	Created                  time.Time
	FirstResponseAt          time.Time
	ResolvedAt               time.Time
	Rating                   int
}

// StatRecord is the complaint's statistics record.
func (c *Complaint) StatRecord() StatRecord {
	return StatRecord{Ticket: c.Ticket, Office: c.Office, Category: c.Category, Status: c.Status, Created: c.Created,
		FirstResponseAt: c.FirstResponseAt, ResolvedAt: c.ResolvedAt, Rating: c.Rating}
}

// Percentiles are the median and the 90th percentile of durations.
type Percentiles struct {
	Median, P90 time.Duration
	N           int
}

func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	// Nearest rank: the smallest value with at least p of the values at
	// or below it.
	rank := func(p float64) time.Duration {
		i := int(float64(len(ds))*p+0.999999) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return Percentiles{Median: rank(0.5), P90: rank(0.9), N: len(ds)}
}

// Stats computes each office's figures for the complaints that came from
// from to now; offices limits them (empty: all).
func Stats(cfg *Config, records iter.Seq[StatRecord], offices []string, from, now time.Time) []OfficeStats {
	by := map[string]*OfficeStats{}
	var order []string
	for _, o := range cfg.Offices {
		if len(offices) == 0 || slices.Contains(offices, o.ID) {
			by[o.ID] = &OfficeStats{Office: o.ID}
			order = append(order, o.ID)
		}
	}
	first, resolution := map[string][]time.Duration{}, map[string][]time.Duration{}
	for rec := range records {
		c := &rec
		st, ok := by[c.Office]
		if !ok || c.Status == StatusMerged {
			continue
		}
		if c.Status.Open() {
			st.Oldest = keepOldest(st.Oldest, *c)
		}
		if c.Created.Before(from) {
			continue
		}
		st.Received++
		switch {
		case c.Status.Open():
			st.Open++
		case c.Status == StatusResolved:
			st.Resolved++
		case c.Status == StatusRejected:
			st.Rejected++
		}
		due := cfg.FirstResponseDue(&Complaint{Category: c.Category, Created: c.Created})
		if !c.FirstResponseAt.IsZero() {
			st.Answered++
			first[c.Office] = append(first[c.Office], c.FirstResponseAt.Sub(c.Created))
		}
		if cfg.Deadlines.Enabled() && (!c.FirstResponseAt.IsZero() || !due.After(now)) {
			st.Due++
			if !c.FirstResponseAt.IsZero() && !c.FirstResponseAt.After(due) {
				st.InTime++
			}
		}
		if c.Status == StatusResolved && !c.ResolvedAt.IsZero() {
			resolution[c.Office] = append(resolution[c.Office], c.ResolvedAt.Sub(c.Created))
		}
		if c.Rating > 0 {
			st.RatingSum += c.Rating
			st.Rated++
		}
	}
	out := make([]OfficeStats, 0, len(order))
	for _, id := range order {
		st := by[id]
		st.FirstResponse, st.Resolution = percentiles(first[id]), percentiles(resolution[id])
		out = append(out, *st)
	}
	return out
}

// oldestShown is how many of the oldest open complaints statistics name.
const oldestShown = 5

// keepOldest adds a record to the oldest few, kept sorted oldest first.
func keepOldest(oldest []StatRecord, r StatRecord) []StatRecord {
	i := sort.Search(len(oldest), func(i int) bool { return r.Created.Before(oldest[i].Created) })
	if i == oldestShown {
		return oldest
	}
	oldest = slices.Insert(oldest, i, r)
	return oldest[:min(len(oldest), oldestShown)]
}

// statsText is /statistik's one message.
func statsText(cfg *Config, stats []OfficeStats, days int, now time.Time) string {
	var b strings.Builder
	b.WriteString(fill(cfg.Texts.StatsHeader, "jumlah", strconv.Itoa(days)))
	for _, st := range stats {
		inTime, rating := "-", "-"
		if st.Due > 0 {
			inTime = strconv.Itoa(st.InTime*100/st.Due) + "%"
		}
		if st.Rated > 0 {
			rating = strconv.FormatFloat(float64(st.RatingSum)/float64(st.Rated), 'f', 1, 64) + " (" + strconv.Itoa(st.Rated) + ")"
		}
		dur := func(p Percentiles) string {
			if p.N == 0 {
				return "-"
			}
			return Since(p.Median) + " / " + Since(p.P90)
		}
		var oldest []string
		for _, c := range st.Oldest {
			oldest = append(oldest, c.Ticket+" ("+Since(now.Sub(c.Created))+")")
		}
		if len(oldest) == 0 {
			oldest = []string{"-"}
		}
		b.WriteString("\n\n")
		b.WriteString(fill(cfg.Texts.StatsOffice, "dinas", cfg.OfficeName(st.Office), "masuk", strconv.Itoa(st.Received),
			"dijawab", strconv.Itoa(st.Answered), "selesai", strconv.Itoa(st.Resolved), "ditolak", strconv.Itoa(st.Rejected),
			"terbuka", strconv.Itoa(st.Open), "jawab", dur(st.FirstResponse), "tuntas", dur(st.Resolution),
			"tepat", inTime, "nilai", rating, "terlama", strings.Join(oldest, ", ")))
	}
	return b.String()
}

// statsDays reads /statistik's period: 7, 30 (the default) or 365 days.
func statsDays(args string) (int, bool) {
	switch strings.TrimSpace(args) {
	case "":
		return 30, true
	case "7", "30", "365":
		n, _ := strconv.Atoi(strings.TrimSpace(args))
		return n, true
	}
	return 0, false
}

// chatOffices are the offices an admin chat speaks for: all for the
// coordinators, else the offices whose chats it is.
func (c *Config) chatOffices(chat Chat) []string {
	if containsChat(c.OfficeChats(c.Coordinator), chat) || containsChat(c.CoordinatorChats, chat) {
		return nil
	}
	var out []string
	for _, o := range c.Offices {
		if containsChat(o.Chats, chat) {
			out = append(out, o.ID)
		}
	}
	return out
}

// IsStats reports whether an admin message is /statistik, for which the
// desk loads the complaints (AdminInput.All).
func IsStats(text string) bool {
	name, _, ok := ParseCommand(text)
	return ok && name == "statistik"
}
