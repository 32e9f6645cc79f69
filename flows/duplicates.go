package flows

import (
	"math"
	"strings"
)

// One problem, one complaint: a new complaint near an open one of the
// same category is flagged as possibly the same; admins may merge it into
// the older one (/gabung), whose answers then reach both citizens.

// StatusMerged is a complaint merged into another: closed here, followed
// there.
const StatusMerged Status = "digabung"

// Follower is a citizen who gets a complaint's answers because their own
// complaint was merged into it.
type Follower struct {
	Chat   Chat   `json:"chat"`
	Ticket string `json:"ticket"`
}

// Distance is the distance in metres between two map points.
func Distance(a, b Location) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(min(1, h)))
}

// Near reports whether a point is within the duplicate distance of
// another.
func (c *Config) Near(a, b Location) bool {
	return c.DuplicateRadius > 0 && a.HasPoint && b.HasPoint && Distance(a, b) <= c.DuplicateRadius
}

// similar lists the tickets of the nearby open complaints of the draft's
// category (Env.Nearby, which the desk found), for the citizen and the
// admins.
func (s *step) similar() []string {
	var out []string
	d := s.conv.Draft
	for _, c := range s.env.Nearby {
		if d.Location != nil && c.Category == d.Category && c.Status.Open() && s.cfg.Near(*d.Location, c.Location) {
			out = append(out, c.Ticket)
		}
	}
	return out
}

// merge joins the complaint (a.cp, the newer) into target: its citizen
// follows the target from now on; both stay on record.
func (a *admin) merge(target *Complaint) {
	c := a.cp
	switch {
	case target == nil:
		a.ack(a.t.AdminNeedMerge, c.Ticket)
		return
	case target.Ticket == c.Ticket:
		a.ack(fill(a.t.AdminMergeSelf, "tiket", c.Ticket), c.Ticket)
		return
	case !target.Status.Open():
		a.ack(fill(a.t.AdminMergeClosed, "tiket", target.Ticket, "status", string(target.Status)), c.Ticket)
		return
	}
	t := cloneComplaint(*target)
	c.Status, c.MergedInto = StatusMerged, t.Ticket
	a.entry(EntryStatus, string(StatusMerged)+" → "+t.Ticket, nil)
	t.Followers = append(t.Followers, Follower{Chat: c.Citizen, Ticket: c.Ticket})
	t.Thread = append(t.Thread, Entry{At: a.now, Kind: EntryNote, Author: a.in.UserName, Text: "digabung: " + c.Ticket})
	t.Updated = a.now
	a.extra = append(a.extra, t)
	a.toCitizen(fill(a.t.CitizenMerged, "tiket", c.Ticket, "tujuan", t.Ticket, "dinas", a.cfg.OfficeName(t.Office)), nil)
	a.ack(fill(a.t.AdminMerged, "tiket", c.Ticket, "tujuan", t.Ticket), c.Ticket)
}

// toFollowers passes what the citizen of a complaint is told to the
// citizens whose complaints were merged into it.
func (a *admin) toFollowers(text string, photos []string, files []File) {
	for _, f := range a.cp.Followers {
		if f.Chat.ID == ErasedChat {
			continue
		}
		a.out = append(a.out, Message{To: f.Chat, Text: strings.Replace(text, a.cp.Ticket, a.cp.Ticket+" ("+f.Ticket+")", 1),
			Photos: photos, Files: files, Ticket: a.cp.Ticket})
	}
}

// withLinks follows each ticket with its page in the console, when the
// console's address is known.
func (c *Config) withLinks(tickets []string) []string {
	if c.ConsoleURL == "" {
		return tickets
	}
	out := make([]string, len(tickets))
	for i, t := range tickets {
		out[i] = t + " (" + strings.TrimRight(c.ConsoleURL, "/") + "/konsol/aduan/" + t + ")"
	}
	return out
}
