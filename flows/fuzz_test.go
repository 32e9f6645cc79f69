package flows

import (
	"strings"
	"testing"
	"time"
)

// FuzzConversation feeds random input sequences to the conversation and
// checks its invariants: no panic, a valid state, a reply to every input,
// and every submitted complaint complete.
func FuzzConversation(f *testing.F) {
	f.Add([]byte("\x01\x02\x00\x03\x05\x06\x06\x07"))
	f.Add([]byte("aduan 1 Jalan berlubang besar sekali\x04lanjut\x07"))
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	cfg := mustConfig(f)
	words := []string{"1", "2", "3", "lewati", "lanjut", "batal", "kirim", "ubah", "status", goodDesc, "Jl. Pemuda no 1", "", "x", strings.Repeat("panjang ", 30), "<b>*_[", "aduan", "ADU-2026-000001 tolong"}
	choices := []string{choiceComplaint, choiceStatus, choiceHelp, choiceSend, choiceEdit, choiceCancel, choiceEditCat, choiceEditDesc, choiceEditLoc, choiceEditPhoto, "cat:jalan", "cat:sekolah", "cat:nope", ""}
	commands := []string{"start", "aduan", "batal", "bantuan", "status", "selesai", "x"}
	others := []string{OtherSticker, OtherVoice, OtherEdited, OtherTooLarge, OtherDocument}
	f.Fuzz(func(t *testing.T, data []byte) {
		conv := Conversation{Chat: citizen, State: StateIdle}
		var complaints []Complaint
		seq := uint64(1)
		for i := 0; i+1 < len(data); i += 2 {
			op, arg := data[i], int(data[i+1])
			var in Input
			switch op % 7 {
			case 0, 1:
				in = txt(words[arg%len(words)])
			case 2:
				in = choose(choices[arg%len(choices)])
			case 3:
				in = cmd(commands[arg%len(commands)], words[arg%len(words)])
			case 4:
				in = Input{Kind: InputPhoto, Photos: []string{string(rune('a' + arg%26))}, Group: []string{"", "g"}[arg%2]}
			case 5:
				in = point(float64(arg), float64(-arg))
			case 6:
				in = other(others[arg%len(others)])
			}
			env := Env{Now: time.Unix(int64(i), 0), NextTicket: TicketNumber("ADU", 2026, seq), Complaints: complaints}
			out := Step(cfg, conv, in, env)
			if !out.Conversation.State.Valid() {
				t.Fatalf("invalid state %q after %+v", out.Conversation.State, in)
			}
			if len(out.Messages) == 0 && !(in.Kind == InputPhoto && in.Group != "") {
				t.Fatalf("no reply to %+v in state %q", in, conv.State)
			}
			for _, m := range out.Messages {
				if m.Text == "" || m.To.IsZero() {
					t.Fatalf("empty message %+v", m)
				}
			}
			for _, c := range out.Complaints {
				cat, ok := cfg.Category(c.Category)
				if !ok || strings.TrimSpace(c.Description) == "" || c.Ticket == "" || c.Office != cat.Office {
					t.Fatalf("incomplete complaint %+v", c)
				}
				if (cat.PhotoRequired && len(c.Photos) == 0) || (cat.LocationRequired && c.Location.IsZero()) {
					t.Fatalf("complaint lacks what its category requires: %+v", c)
				}
				if n := runeLen(c.Description); n < cfg.DescriptionMin || n > cfg.DescriptionMax {
					t.Fatalf("description length %d out of bounds", n)
				}
				replaced := false
				for j := range complaints {
					if complaints[j].Ticket == c.Ticket {
						complaints[j], replaced = c, true
					}
				}
				if !replaced {
					complaints = append(complaints, c)
				}
			}
			if out.TookTicket {
				seq++
			}
			conv = out.Conversation
		}
	})
}
