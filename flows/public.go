package flows

import (
	"iter"
	"sort"
	"time"
)

// PublicRow is one office's public figures over a period: no personal
// data, no complaint text.
type PublicRow struct {
	Office                       string
	Received, Answered, Resolved int
	MedianFirst                  time.Duration
	// InTimePct is the share answered within the deadline, in percent; -1
	// when nothing was due.
	InTimePct int
	// Rating is the average rating, 0 when none was given.
	Rating float64
	Rated  int
}

// PublicPeriod is the offices' figures over a period: Ranked (at least the
// minimum sample, best first) and Unranked (fewer complaints).
type PublicPeriod struct {
	Days     int
	Ranked   []PublicRow
	Unranked []PublicRow
}

// Week is one week's received and answered complaints.
type Week struct {
	Start              time.Time
	Received, Answered int
}

// Performance is the public page's content.
type Performance struct {
	Periods []PublicPeriod
	Weeks   []Week
	At      time.Time
}

// weeksShown is how many weeks the public chart shows.
const weeksShown = 26

// PublicPerformance computes the public figures at now: each office over
// the last 30 and 365 days, ranked only with at least minSample complaints,
// and the weekly received and answered counts.
func PublicPerformance(cfg *Config, records func() iter.Seq[StatRecord], minSample int, now time.Time) Performance {
	p := Performance{At: now}
	for _, days := range []int{30, 365} {
		period := PublicPeriod{Days: days}
		for _, st := range Stats(cfg, records(), nil, now.AddDate(0, 0, -days), now) {
			row := PublicRow{Office: st.Office, Received: st.Received, Answered: st.Answered, Resolved: st.Resolved,
				MedianFirst: st.FirstResponse.Median, InTimePct: -1, Rated: st.Rated}
			if st.Due > 0 {
				row.InTimePct = st.InTime * 100 / st.Due
			}
			if st.Rated > 0 {
				row.Rating = float64(st.RatingSum) / float64(st.Rated)
			}
			if st.Received >= minSample {
				period.Ranked = append(period.Ranked, row)
			} else {
				period.Unranked = append(period.Unranked, row)
			}
		}
		sort.SliceStable(period.Ranked, func(i, j int) bool {
			a, b := period.Ranked[i], period.Ranked[j]
			if a.InTimePct != b.InTimePct {
				return a.InTimePct > b.InTimePct
			}
			return a.MedianFirst < b.MedianFirst
		})
		p.Periods = append(p.Periods, period)
	}
	start := now.AddDate(0, 0, -7*weeksShown)
	p.Weeks = make([]Week, weeksShown)
	for i := range p.Weeks {
		p.Weeks[i].Start = start.AddDate(0, 0, 7*i)
	}
	for r := range records() {
		if r.Status == StatusMerged || r.Created.Before(start) || r.Created.After(now) {
			continue
		}
		i := min(int(r.Created.Sub(start)/(7*24*time.Hour)), weeksShown-1)
		p.Weeks[i].Received++
		if !r.FirstResponseAt.IsZero() {
			p.Weeks[i].Answered++
		}
	}
	return p
}
