package flows

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// nearestRank is the textbook nearest-rank percentile: the smallest value
// with at least ceil(p·n) of the values at or below it.
func nearestRank(ds []time.Duration, p float64) time.Duration {
	need := int(math.Ceil(p * float64(len(ds))))
	best := time.Duration(-1)
	for _, v := range ds {
		n := 0
		for _, w := range ds {
			if w <= v {
				n++
			}
		}
		if n >= need && (best < 0 || v < best) {
			best = v
		}
	}
	return best
}

// Statistics over generated complaints, checked against a plain count.
func TestStatsAgainstAPlainCount(t *testing.T) {
	cfg := deadlineConfig(t)
	now := at("2026-11-30 12:00")
	rng := rand.New(rand.NewPCG(1, 2))
	offices := []string{"dpupr", "disdik"}
	statuses := []Status{StatusNew, StatusInProgress, StatusResolved, StatusRejected, StatusMerged}
	var cps []Complaint
	for i := range 400 {
		c := Complaint{Ticket: TicketNumber("ADU", 2026, uint64(i+1)), Office: offices[rng.IntN(2)], Category: "jalan",
			Created: now.Add(-time.Duration(rng.IntN(60*24)) * time.Hour), Status: statuses[rng.IntN(len(statuses))]}
		if rng.IntN(3) > 0 {
			c.FirstResponseAt = c.Created.Add(time.Duration(rng.IntN(48*60)) * time.Minute)
		}
		if c.Status == StatusResolved {
			c.ResolvedAt = c.Created.Add(time.Duration(rng.IntN(10*24)) * time.Hour)
			c.Rating = rng.IntN(6)
		}
		cps = append(cps, c)
	}
	from := now.AddDate(0, 0, -30)
	got := Stats(cfg, slices.Values(records(cps)), []string{"dpupr", "disdik"}, from, now)
	if len(got) != 2 {
		t.Fatalf("%d offices", len(got))
	}
	for _, st := range got {
		var want OfficeStats
		var first, res []time.Duration
		var oldestOpen []Complaint
		for _, c := range cps {
			if c.Office != st.Office || c.Status == StatusMerged {
				continue
			}
			if c.Status == StatusNew || c.Status == StatusInProgress {
				oldestOpen = append(oldestOpen, c)
			}
			if c.Created.Before(from) {
				continue
			}
			want.Received++
			switch c.Status {
			case StatusNew, StatusInProgress:
				want.Open++
			case StatusResolved:
				want.Resolved++
				res = append(res, c.ResolvedAt.Sub(c.Created))
			case StatusRejected:
				want.Rejected++
			}
			due := c.Created.Add(24 * time.Hour)
			if !c.FirstResponseAt.IsZero() {
				want.Answered++
				first = append(first, c.FirstResponseAt.Sub(c.Created))
				want.Due++
				if !c.FirstResponseAt.After(due) {
					want.InTime++
				}
			} else if !due.After(now) {
				want.Due++
			}
			if c.Rating > 0 {
				want.RatingSum += c.Rating
				want.Rated++
			}
		}
		if st.Received != want.Received || st.Answered != want.Answered || st.Resolved != want.Resolved || st.Rejected != want.Rejected ||
			st.Open != want.Open || st.InTime != want.InTime || st.Due != want.Due || st.RatingSum != want.RatingSum || st.Rated != want.Rated {
			t.Errorf("%s: got %+v\nwant %+v", st.Office, st, want)
		}
		if st.FirstResponse.Median != nearestRank(first, 0.5) || st.FirstResponse.P90 != nearestRank(first, 0.9) || st.FirstResponse.N != len(first) {
			t.Errorf("%s first response %+v, want %v / %v", st.Office, st.FirstResponse, nearestRank(first, 0.5), nearestRank(first, 0.9))
		}
		if st.Resolution.Median != nearestRank(res, 0.5) || st.Resolution.P90 != nearestRank(res, 0.9) {
			t.Errorf("%s resolution %+v, want %v / %v", st.Office, st.Resolution, nearestRank(res, 0.5), nearestRank(res, 0.9))
		}
		oldest := oldestOpen[0]
		for _, c := range oldestOpen {
			if c.Created.Before(oldest.Created) {
				oldest = c
			}
		}
		if len(st.Oldest) != min(5, len(oldestOpen)) || st.Oldest[0].Ticket != oldest.Ticket {
			t.Errorf("%s oldest: %d, first %s; want %s", st.Office, len(st.Oldest), st.Oldest[0].Ticket, oldest.Ticket)
		}
	}
}

// /statistik answers with one message, for the chat's offices.
func TestStatsCommand(t *testing.T) {
	cfg := deadlineConfig(t)
	cps := []Complaint{
		{Ticket: "ADU-2026-000001", Office: "dpupr", Category: "jalan", Status: StatusResolved, Created: now.Add(-48 * time.Hour),
			FirstResponseAt: now.Add(-47 * time.Hour), ResolvedAt: now.Add(-24 * time.Hour), Rating: 4},
		{Ticket: "ADU-2026-000002", Office: "disdik", Category: "sekolah", Status: StatusNew, Created: now.Add(-3 * time.Hour)},
	}
	tests := []struct {
		chat      Chat
		text      string
		want      []string
		notWanted string
	}{
		{dpuChat, "/statistik", []string{"📊 Statistik 30 hari terakhir", "DPU-PR\nMasuk 1 · dijawab 1 · selesai 1", "Jawaban pertama (median / 90%): 1 jam / 1 jam", "nilai rata-rata: 4.0 (1)"}, "Disdik"},
		{coordChat, "/statistik 7", []string{"Statistik 7 hari", "DPU-PR", "Disdik\nMasuk 1", "Terlama terbuka: ADU-2026-000002 (3 jam)"}, ""},
		{dpuChat, "/statistik 12", []string{"Gunakan /statistik"}, "Masuk"},
	}
	for _, tt := range tests {
		out := Admin(cfg, AdminInput{Chat: tt.chat, UserID: "9", Text: tt.text, Records: slices.Values(records(cps))}, nil, now)
		if len(out.Messages) != 1 {
			t.Fatalf("%s: %d messages, want one", tt.text, len(out.Messages))
		}
		got := out.Messages[0].Text
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s in %s lacks %q:\n%s", tt.text, tt.chat, w, got)
			}
		}
		if tt.notWanted != "" && strings.Contains(got, tt.notWanted) {
			t.Errorf("%s in %s shows %q", tt.text, tt.chat, tt.notWanted)
		}
	}
}

func records(cps []Complaint) []StatRecord {
	out := make([]StatRecord, len(cps))
	for i := range cps {
		out[i] = cps[i].StatRecord()
	}
	return out
}
