package whatsapp

import (
	"encoding/json"
	"testing"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"
)

// FuzzConvert feeds conversion any message WhatsApp could send (as protobuf
// bytes), in a private chat or a group: it must never panic, and what it
// makes must be something the desk can take.
func FuzzConvert(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte, group, edit bool) {
		var msg waE2E.Message
		if err := proto.Unmarshal(raw, &msg); err != nil {
			return
		}
		p := payload{ID: "F1", Chat: budiLID.String(), Sender: budiLID.String(), Group: group, Edit: edit, Message: raw}
		if group {
			p.Chat = adminGroup.String()
		}
		in, fetch := convert(p, &msg, me)
		if in == nil {
			return
		}
		if in.Input.Kind == "" {
			t.Errorf("an inbound without a kind: %+v", in)
		}
		if fetch != nil && fetch.media == nil {
			t.Errorf("media to fetch without its message: %+v", fetch)
		}
		if _, err := json.Marshal(p); err != nil {
			t.Errorf("payload cannot be stored: %v", err)
		}
	})
}
