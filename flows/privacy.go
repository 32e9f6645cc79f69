package flows

import (
	"time"
)

// Privacy, as UU PDP 27/2022 asks: the citizen is told what is kept and
// why (privasi), may file confidentially (rahasia: the name only for the
// coordinators), and may have their personal data erased (hapus); closed
// complaints lose their personal data after the retention period.

// Choice IDs of privacy.
const (
	choiceConfidential = "ok:rahasia"
	choiceEraseYes     = "hapus:ya"
	choiceEraseNo      = "hapus:batal"
)

// StateErase asks the citizen to confirm erasing their personal data.
const StateErase State = "hapus"

// ErasedChat is what a complaint's citizen becomes when their data is
// erased: no answer can reach anyone.
const ErasedChat = "dihapus"

// askErase asks to confirm the erasure.
func (s *step) askErase() {
	if len(s.conv.Tickets) == 0 && s.conv.Name == "" && s.conv.State == StateIdle {
		s.ask(s.t.EraseNothing)
		return
	}
	s.conv.State = StateErase
	s.conv.Draft = Draft{}
	s.offer(s.t.EraseAsk, []Choice{{ID: choiceEraseYes, Label: s.t.EraseYes}, {ID: choiceEraseNo, Label: s.t.EraseNo}})
}

// erase expects the confirmation.
func (s *step) erase() {
	id, ok, _ := s.choice()
	if !ok || id != choiceEraseYes {
		s.conv.State = StateIdle
		s.ask(s.t.EraseKept)
		return
	}
	for _, c := range s.env.Complaints {
		s.saved = append(s.saved, EraseComplaint(s.cfg, c, s.env.Now))
		s.unused = append(s.unused, MediaOf(c)...)
	}
	s.forget = true
	s.conv = Conversation{Chat: s.conv.Chat, State: StateIdle, Updated: s.env.Now}
	s.text(s.t.Erased)
}

// EraseComplaint removes a complaint's personal data: the citizen's name
// and chat, their words, location and photos. What the office did stays,
// for the statistics, and the complaint is marked erased.
func EraseComplaint(cfg *Config, orig Complaint, now time.Time) Complaint {
	c := cloneComplaint(orig)
	c.CitizenName = ""
	c.Citizen = Chat{Channel: c.Citizen.Channel, ID: ErasedChat}
	c.Description = cfg.Texts.ErasedText
	c.Location = Location{}
	c.Photos = nil
	c.RatingComment = ""
	for i := range c.Thread {
		if e := &c.Thread[i]; e.Kind == EntryCitizen {
			e.Text, e.Photos, e.Files, e.Author = cfg.Texts.ErasedText, nil, nil, ""
		}
	}
	c.Erased, c.Updated = true, now
	return c
}

// Retain returns the closed complaints whose personal data is due for
// erasure at now, erased.
func Retain(cfg *Config, cps []Complaint, now time.Time) []Complaint {
	var out []Complaint
	if cfg.Retention <= 0 {
		return nil
	}
	for _, c := range cps {
		if !c.Erased && !c.Status.Open() && now.Sub(c.Updated) > cfg.Retention {
			out = append(out, EraseComplaint(cfg, c, now))
		}
	}
	return out
}

// Reporter is the name a complaint's post shows in a chat: hidden from
// an office's own group when the citizen filed confidentially.
func Reporter(cfg *Config, c *Complaint, coordinators bool) string {
	switch {
	case c.Erased:
		return "-"
	case c.Confidential && !coordinators:
		return cfg.Texts.ConfidentialName
	case c.CitizenName == "":
		return "-"
	}
	return c.CitizenName
}

// EntryAuthor is who a thread entry shows as its author: a confidential
// citizen's name only to the coordinators.
func EntryAuthor(cfg *Config, c *Complaint, e Entry, coordinators bool) string {
	if e.Kind == EntryCitizen && c.Confidential && !coordinators && e.Author != "" {
		return cfg.Texts.ConfidentialName
	}
	return e.Author
}

// MediaOf lists the media a complaint's citizen sent: its photos and the
// photos of their thread entries. Erasing the complaint leaves them
// unused.
func MediaOf(c Complaint) []string {
	out := append([]string(nil), c.Photos...)
	for _, e := range c.Thread {
		if e.Kind == EntryCitizen {
			out = append(out, e.Photos...)
			for _, f := range e.Files {
				out = append(out, f.Hash)
			}
		}
	}
	return out
}
