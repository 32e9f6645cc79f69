package flows

import (
	"strings"
	"unicode"
)

// Emergency is what the desk does when a citizen's words sound like an
// emergency: it answers at once with the numbers to call, and marks the
// complaint urgent.
type Emergency struct {
	// Words are words or phrases ("darurat", "sesak napas"), matched
	// whole, in any case.
	Words []string
	// Numbers are the lines to call ("112 (darurat)", "119 (ambulans)").
	Numbers []string
}

// words reduces a text to its lower-case words between single spaces, with
// spaces around, so a phrase matches only whole words.
func words(text string) string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return " " + strings.Join(f, " ") + " "
}

// IsEmergency reports whether a text has one of the emergency words.
func (e Emergency) IsEmergency(text string) bool {
	if len(e.Words) == 0 || strings.TrimSpace(text) == "" {
		return false
	}
	w := words(text)
	for _, word := range e.Words {
		if ww := words(word); ww != "  " && strings.Contains(w, ww) {
			return true
		}
	}
	return false
}

// emergency answers an emergency before anything else, and marks the
// draft or the open complaint the message joins as urgent.
func (s *step) emergency() {
	text := s.in.Text
	if s.in.Kind == InputCommand {
		text = s.in.Command + " " + s.in.Text
	}
	if !s.cfg.Emergency.IsEmergency(text) {
		return
	}
	s.say(Message{Text: fill(s.t.Emergency, "nomor", "• "+strings.Join(s.cfg.Emergency.Numbers, "\n• "))})
	s.urgent = true
	if s.conv.State != StateIdle {
		s.conv.Draft.Urgent = true
	}
}
