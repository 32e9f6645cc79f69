package whatsapp

import (
	"encoding/json"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"aduan/flows"
)

var (
	botPhone   = types.NewJID("6281100000000", types.DefaultUserServer)
	botLID     = types.NewJID("900000000000001", types.HiddenUserServer)
	budiLID    = types.NewJID("123456789012345", types.HiddenUserServer)
	budiPhone  = types.NewJID("6281234567890", types.DefaultUserServer)
	adminGroup = types.NewJID("120363000000000001", types.GroupServer)
	otherGroup = types.NewJID("120363000000000999", types.GroupServer)
	sariLID    = types.NewJID("555555555555555", types.HiddenUserServer)
	me         = self{Phone: botPhone.User, LID: botLID.User}
	t0         = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
)

func isAdmin(c flows.Chat) bool { return c == MakeChat(adminGroup) }

// private is a message from Budi in his private chat, LID-addressed, with
// his phone number as the alternative address.
// The raw message is unwrapped by whatsmeow's own code, as on the wire.
func private(id string, m *waE2E.Message) *events.Message {
	return (&events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: budiLID, Sender: budiLID, SenderAlt: budiPhone, AddressingMode: types.AddressingModeLID},
		ID:            id, PushName: "Budi", Timestamp: t0,
	}, RawMessage: m}).UnwrapRaw()
}

// inGroup is a message from Sari in a group.
func inGroup(group types.JID, id string, m *waE2E.Message) *events.Message {
	return (&events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: group, Sender: sariLID, IsGroup: true},
		ID:            id, PushName: "Sari", Timestamp: t0,
	}, RawMessage: m}).UnwrapRaw()
}

func text(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }

func quote(s, stanza string, participant types.JID, quoted string) *waE2E.Message {
	return &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(s), ContextInfo: &waE2E.ContextInfo{
		StanzaID: proto.String(stanza), Participant: proto.String(participant.String()),
		QuotedMessage: &waE2E.Message{Conversation: proto.String(quoted)}}}}
}

func imageMsg(caption string) *waE2E.Message {
	return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Caption: proto.String(caption), Mimetype: proto.String("image/jpeg"),
		DirectPath: proto.String("/v/t62/abc"), MediaKey: []byte{1}, FileLength: proto.Uint64(1000)}}
}

// mustConvert runs an event through what the handler stores and what the
// inbox converts.
func mustConvert(t *testing.T, e *events.Message, late, apology bool) (*inboundView, *fetch) {
	t.Helper()
	r, err := received(e, late, apology)
	if err != nil {
		t.Fatal(err)
	}
	var p payload
	if err := json.Unmarshal(r.Payload, &p); err != nil {
		t.Fatal(err)
	}
	var msg waE2E.Message
	if err := proto.Unmarshal(p.Message, &msg); err != nil {
		t.Fatal(err)
	}
	in, f := convert(p, &msg, me)
	if in == nil {
		return nil, f
	}
	if in.Key != r.Key || in.Chat.ID != r.Queue {
		t.Errorf("key %q queue %q, inbound key %q chat %q", r.Key, r.Queue, in.Key, in.Chat.ID)
	}
	return &inboundView{Chat: in.Chat.ID, Private: in.Private, User: in.UserID, MessageID: in.MessageID, ReplyTo: in.ReplyToID,
		ToBot: in.ReplyToBot, Quoted: in.ReplyText, Raw: in.RawText, Edited: in.Edited, Input: in.Input}, f
}

// inboundView is the part of an Inbound a case checks.
type inboundView struct {
	Chat      string
	Private   bool
	User      string
	MessageID string
	ReplyTo   string
	ToBot     bool
	Quoted    string
	Raw       string
	Edited    bool
	Input     flows.Input
}

func TestSkip(t *testing.T) {
	own := private("1", text("halo"))
	own.Info.IsFromMe = true
	status := private("2", text("status saya"))
	status.Info.Chat = types.StatusBroadcastJID
	news := private("3", text("berita"))
	news.Info.Chat = types.NewJID("120363999", types.NewsletterServer)
	list := private("4", text("siaran"))
	list.Info.Chat = types.NewJID("12345", types.BroadcastServer)
	tests := []struct {
		name string
		e    *events.Message
		want string
	}{
		{"citizen", private("5", text("halo")), ""},
		{"admin group", inGroup(adminGroup, "6", text("rapat")), ""},
		{"own message (the operator's phone)", own, "own message"},
		{"status broadcast", status, "status update"},
		{"newsletter", news, "newsletter"},
		{"broadcast list", list, "broadcast list"},
		{"other group", inGroup(otherGroup, "7", text("halo semua")), "group that is no admin chat"},
		{"no content", private("8", nil), "empty message"},
	}
	for _, tt := range tests {
		if got := skip(tt.e, isAdmin); got != tt.want {
			t.Errorf("%s: skip = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestConvert(t *testing.T) {
	edit := &waE2E.Message{EditedMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: &waCommon.MessageKey{ID: proto.String("ORIG1")}, EditedMessage: text("Koreksi: besok pagi")}}}}
	revoke := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_REVOKE.Enum(), Key: &waCommon.MessageKey{ID: proto.String("X")}}}
	budi := budiLID.String()
	tests := []struct {
		name      string
		e         *events.Message
		want      *inboundView // nil: nothing to handle
		wantFetch string       // the kind of media to fetch, "" for none
	}{
		{"text", private("A1", text("Jalan rusak parah")), &inboundView{Chat: budi, Private: true, User: budi, MessageID: "A1", Raw: "Jalan rusak parah",
			Input: flows.Input{Kind: flows.InputText, Text: "Jalan rusak parah", Name: "Budi"}}, ""},
		{"number answer", private("A2", text(" 2 ")), &inboundView{Chat: budi, Private: true, User: budi, MessageID: "A2", Raw: " 2 ",
			Input: flows.Input{Kind: flows.InputText, Text: "2", Name: "Budi"}}, ""},
		{"slash command", private("A3", text("/batal")), &inboundView{Chat: budi, Private: true, User: budi, MessageID: "A3", Raw: "/batal",
			Input: flows.Input{Kind: flows.InputCommand, Command: "batal", Name: "Budi"}}, ""},
		{"extended text", private("A4", &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("lihat https://x.id")}}),
			&inboundView{Chat: budi, Private: true, User: budi, MessageID: "A4", Raw: "lihat https://x.id",
				Input: flows.Input{Kind: flows.InputText, Text: "lihat https://x.id", Name: "Budi"}}, ""},
		{"photo", private("A5", imageMsg("depan pasar")), &inboundView{Chat: budi, Private: true, User: budi, MessageID: "A5", Raw: "depan pasar",
			Input: flows.Input{Kind: flows.InputPhoto, Text: "depan pasar", Name: "Budi"}}, "photo"},
		{"location pin", private("A6", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(-7.7),
			DegreesLongitude: proto.Float64(110.6), Name: proto.String("Pasar Klaten")}}),
			&inboundView{Chat: budi, Private: true, User: budi, MessageID: "A6",
				Input: flows.Input{Kind: flows.InputLocation, Location: flows.Location{Lat: -7.7, Lon: 110.6, HasPoint: true, Text: "Pasar Klaten"}, Name: "Budi"}}, ""},
		{"sticker", private("A7", &waE2E.Message{StickerMessage: &waE2E.StickerMessage{}}), &inboundView{Chat: budi, Private: true, User: budi, MessageID: "A7",
			Input: flows.Input{Kind: flows.InputOther, Other: flows.OtherSticker, Name: "Budi"}}, ""},
		{"voice note from a citizen", private("A8", &waE2E.Message{AudioMessage: &waE2E.AudioMessage{PTT: proto.Bool(true)}}),
			&inboundView{Chat: budi, Private: true, User: budi, MessageID: "A8", Input: flows.Input{Kind: flows.InputOther, Other: flows.OtherVoice, Name: "Budi"}}, ""},
		{"citizen's edit", private("A9", edit), &inboundView{Chat: budi, Private: true, User: budi, MessageID: "ORIG1", Raw: "Koreksi: besok pagi", Edited: true,
			Input: flows.Input{Kind: flows.InputOther, Other: flows.OtherEdited, Text: "Koreksi: besok pagi", Name: "Budi"}}, ""},
		{"revoke", private("A10", revoke), nil, ""},
		{"reaction", private("A11", &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Text: proto.String("👍")}}), nil, ""},
		{"admin quotes the bot's post", inGroup(adminGroup, "G1", quote("Besok kami tambal.", "3EB0POST", botLID, "📢 ADUAN ADU-2026-000001")),
			&inboundView{Chat: adminGroup.String(), User: sariLID.String(), MessageID: "G1", ReplyTo: "3EB0POST", ToBot: true, Quoted: "📢 ADUAN ADU-2026-000001",
				Raw: "Besok kami tambal.", Input: flows.Input{Kind: flows.InputText, Text: "Besok kami tambal.", Name: "Sari"}}, ""},
		{"admin quotes a colleague", inGroup(adminGroup, "G2", quote("setuju", "ABC", sariLID, "kita cek besok")),
			&inboundView{Chat: adminGroup.String(), User: sariLID.String(), MessageID: "G2", ReplyTo: "ABC", Quoted: "kita cek besok",
				Raw: "setuju", Input: flows.Input{Kind: flows.InputText, Text: "setuju", Name: "Sari"}}, ""},
		{"admin command, slash kept for the admin rules", inGroup(adminGroup, "G3", text("/selesai ADU-2026-000001")),
			&inboundView{Chat: adminGroup.String(), User: sariLID.String(), MessageID: "G3", Raw: "/selesai ADU-2026-000001",
				Input: flows.Input{Kind: flows.InputText, Text: "/selesai ADU-2026-000001", Name: "Sari"}}, ""},
		{"admin's edit", inGroup(adminGroup, "G4", edit), &inboundView{Chat: adminGroup.String(), User: sariLID.String(), MessageID: "ORIG1",
			Raw: "Koreksi: besok pagi", Edited: true, Input: flows.Input{Kind: flows.InputOther, Other: flows.OtherEdited, Text: "Koreksi: besok pagi", Name: "Sari"}}, ""},
		{"admin's document in reply", inGroup(adminGroup, "G5", &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{FileName: proto.String("surat.pdf"),
			Mimetype: proto.String("application/pdf"), ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("3EB0POST"), Participant: proto.String(botPhone.String())}}}),
			&inboundView{Chat: adminGroup.String(), User: sariLID.String(), MessageID: "G5", ReplyTo: "3EB0POST", ToBot: true,
				Input: flows.Input{Kind: flows.InputOther, Other: flows.OtherDocument, Name: "Sari"}}, "document"},
		{"admin's document not in reply", inGroup(adminGroup, "G6", &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{FileName: proto.String("x.pdf")}}),
			&inboundView{Chat: adminGroup.String(), User: sariLID.String(), MessageID: "G6", Input: flows.Input{Kind: flows.InputOther, Other: flows.OtherDocument, Name: "Sari"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f := mustConvert(t, tt.e, false, false)
			switch {
			case tt.want == nil && got != nil:
				t.Fatalf("got %+v, want nothing to handle", got)
			case tt.want != nil && got == nil:
				t.Fatalf("nothing to handle, want %+v", tt.want)
			case tt.want != nil && !equalView(*got, *tt.want):
				t.Errorf("got  %+v\nwant %+v", *got, *tt.want)
			}
			kind := ""
			if f != nil {
				kind = f.kind
			}
			if kind != tt.wantFetch {
				t.Errorf("fetch %q, want %q", kind, tt.wantFetch)
			}
		})
	}
}

func equalView(a, b inboundView) bool {
	ai, bi := a.Input, b.Input
	return a.Chat == b.Chat && a.Private == b.Private && a.User == b.User && a.MessageID == b.MessageID && a.ReplyTo == b.ReplyTo &&
		a.ToBot == b.ToBot && a.Quoted == b.Quoted && a.Raw == b.Raw && a.Edited == b.Edited && ai.Kind == bi.Kind && ai.Text == bi.Text && ai.Command == bi.Command && ai.Other == bi.Other &&
		ai.Name == bi.Name && ai.Location == bi.Location
}

// A phone-number-addressed chat keys the citizen on the LID all the same.
func TestCitizenKeyedOnLID(t *testing.T) {
	e := private("P1", text("halo"))
	e.Info.Chat, e.Info.Sender, e.Info.SenderAlt = budiPhone, budiPhone, budiLID
	got, _ := mustConvert(t, e, false, false)
	if got.Chat != budiLID.String() || got.User != budiLID.String() {
		t.Errorf("chat %q user %q, want the LID %s", got.Chat, got.User, budiLID)
	}
	r, _ := received(e, false, false)
	var p payload
	json.Unmarshal(r.Payload, &p)
	if p.Reply != budiPhone.String() {
		t.Errorf("answers go to %q, want the chat the citizen wrote from, %s", p.Reply, budiPhone)
	}
}

// The backlog after a reconnect: the first late message of a chat gets the
// apology, the others nothing.
func TestLateMessages(t *testing.T) {
	first, _ := mustConvert(t, private("L1", text("halo?")), true, true)
	if first == nil || first.Input.Kind != flows.InputOther || first.Input.Other != flows.OtherLate {
		t.Errorf("first late message: %+v", first)
	}
	if again, _ := mustConvert(t, private("L2", text("halo??")), true, false); again != nil {
		t.Errorf("a later late message is handled: %+v", again)
	}
}
