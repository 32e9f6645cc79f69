package whatsapp

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

// payload is a received message as the inbox keeps it, until it is
// converted (and its media fetched).
type payload struct {
	ID string `json:"id"`
	// Chat is the desk's chat: the group, or the citizen's key (LID).
	Chat string `json:"chat"`
	// Reply is Info.Chat, where answers go.
	Reply  string    `json:"reply"`
	Sender string    `json:"sender"`
	Group  bool      `json:"group,omitempty"`
	Name   string    `json:"name,omitempty"`
	At     time.Time `json:"at"`
	Edit   bool      `json:"edit,omitempty"`
	// Late marks a message older than the configured age that came in the
	// backlog after a reconnect; Apology marks the first of a chat's.
	Late    bool   `json:"late,omitempty"`
	Apology bool   `json:"apology,omitempty"`
	Message []byte `json:"message"`
}

// skip says why a message event is not for the desk, or "" when it is.
// isAdmin reports whether a group is an admin chat.
func skip(e *events.Message, isAdmin func(flows.Chat) bool) string {
	src := e.Info.MessageSource
	switch {
	case src.IsFromMe:
		return "own message"
	case src.Chat == types.StatusBroadcastJID:
		return "status update"
	case src.Chat.Server == types.BroadcastServer:
		return "broadcast list"
	case src.Chat.Server == types.NewsletterServer || e.Info.IsNewsletterStatus:
		return "newsletter"
	case e.Message == nil:
		return "empty message"
	case src.Chat.Server == types.GroupServer && !isAdmin(MakeChat(src.Chat)):
		return "group that is no admin chat"
	case src.Chat.Server != types.GroupServer && src.Chat.Server != types.DefaultUserServer && src.Chat.Server != types.HiddenUserServer:
		return "chat of another kind (" + src.Chat.Server + ")"
	}
	return ""
}

// received is a message event as the inbox keeps it.
func received(e *events.Message, late, apology bool) (store.Received, error) {
	src := e.Info.MessageSource
	data, err := proto.Marshal(e.Message)
	if err != nil {
		return store.Received{}, fmt.Errorf("encode message %s: %w", e.Info.ID, err)
	}
	p := payload{ID: e.Info.ID, Reply: src.Chat.ToNonAD().String(), Group: src.IsGroup || src.Chat.Server == types.GroupServer,
		Name: e.Info.PushName, At: e.Info.Timestamp, Edit: e.IsEdit, Late: late, Apology: apology, Message: data}
	p.Sender = citizenKey(src).String()
	p.Chat = p.Sender
	if p.Group {
		p.Chat = src.Chat.ToNonAD().String()
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return store.Received{}, err
	}
	return store.Received{Key: ChannelName + ":" + p.Chat + ":" + p.ID, Queue: p.Chat, Payload: raw}, nil
}

// self is the linked number: its phone-number and LID users, to tell a
// quote of the bot's own message.
type self struct {
	Phone, LID string
}

func (s self) is(jid string) bool {
	j, err := types.ParseJID(jid)
	if err != nil || j.User == "" {
		return false
	}
	return j.User == s.Phone || j.User == s.LID
}

// fetch is media a converted message still needs: a photo, or an
// admin's file.
type fetch struct {
	media whatsmeow.DownloadableMessage
	// kind is "photo" or a flows.File kind.
	kind       string
	name, mime string
	size       uint64
}

// convert turns a stored message into the desk's terms; media to fetch
// comes back apart. A nil Inbound means there is nothing to handle.
func convert(p payload, msg *waE2E.Message, me self) (*bot.Inbound, *fetch) {
	in := &bot.Inbound{Key: ChannelName + ":" + p.Chat + ":" + p.ID, Chat: flows.Chat{Channel: ChannelName, ID: p.Chat},
		Private: !p.Group, UserID: p.Sender, MessageID: p.ID}
	in.Input.Name = p.Name
	if p.Late {
		if !p.Apology {
			return nil, nil // kept in the inbox's record, answered by the chat's first late message
		}
		in.Input.Kind, in.Input.Other = flows.InputOther, flows.OtherLate
		return in, nil
	}
	if pm := msg.GetProtocolMessage(); pm != nil {
		if !p.Edit || pm.GetType() != waE2E.ProtocolMessage_MESSAGE_EDIT {
			return nil, nil // a revoke, a key share, a history notice: nothing to answer
		}
		in.Edited, in.MessageID = true, pm.GetKey().GetID()
		msg = pm.GetEditedMessage()
		in.RawText = textOf(msg)
		in.Input = flows.Input{Kind: flows.InputOther, Other: flows.OtherEdited, Text: in.RawText, Name: p.Name}
		return in, nil
	}
	if ctx := contextOf(msg); ctx.GetStanzaID() != "" {
		in.ReplyToID = ctx.GetStanzaID()
		in.ReplyToBot = me.is(ctx.GetParticipant())
		in.ReplyText = textOf(ctx.GetQuotedMessage())
	}
	text := textOf(msg)
	in.RawText = text
	var f *fetch
	switch {
	case msg.GetReactionMessage() != nil, msg.GetPollUpdateMessage() != nil:
		return nil, nil
	case msg.GetConversation() != "" || msg.GetExtendedTextMessage() != nil:
		in.Input.Kind, in.Input.Text = flows.InputText, strings.TrimSpace(text)
		if name, args, ok := flows.ParseCommand(text); ok && !p.Group {
			in.Input.Kind, in.Input.Command, in.Input.Text = flows.InputCommand, name, args
		}
	case msg.GetImageMessage() != nil:
		img := msg.GetImageMessage()
		in.Input.Kind, in.Input.Text = flows.InputPhoto, strings.TrimSpace(img.GetCaption())
		f = &fetch{media: img, kind: "photo", mime: img.GetMimetype(), size: img.GetFileLength()}
	case msg.GetLocationMessage() != nil:
		l := msg.GetLocationMessage()
		in.Input.Kind = flows.InputLocation
		in.Input.Location = flows.Location{Lat: l.GetDegreesLatitude(), Lon: l.GetDegreesLongitude(), HasPoint: true,
			Text: strings.TrimSpace(strings.Join(nonEmpty(l.GetName(), l.GetAddress()), ", "))}
	case msg.GetLiveLocationMessage() != nil:
		l := msg.GetLiveLocationMessage()
		in.Input.Kind = flows.InputLocation
		in.Input.Location = flows.Location{Lat: l.GetDegreesLatitude(), Lon: l.GetDegreesLongitude(), HasPoint: true}
	case msg.GetDocumentMessage() != nil && strings.HasPrefix(msg.GetDocumentMessage().GetMimetype(), "image/") && !p.Group:
		// A photo sent as a file counts as a photo.
		d := msg.GetDocumentMessage()
		in.Input.Kind, in.Input.Text = flows.InputPhoto, strings.TrimSpace(d.GetCaption())
		f = &fetch{media: d, kind: "photo", mime: d.GetMimetype(), size: d.GetFileLength()}
	case msg.GetDocumentMessage() != nil:
		d := msg.GetDocumentMessage()
		in.Input.Kind, in.Input.Other = flows.InputOther, flows.OtherDocument
		f = &fetch{media: d, kind: flows.FileDocument, name: d.GetFileName(), mime: d.GetMimetype(), size: d.GetFileLength()}
	case msg.GetVideoMessage() != nil:
		v := msg.GetVideoMessage()
		in.Input.Kind, in.Input.Other = flows.InputOther, flows.OtherVideo
		f = &fetch{media: v, kind: flows.FileVideo, mime: v.GetMimetype(), size: v.GetFileLength()}
	case msg.GetAudioMessage() != nil:
		a := msg.GetAudioMessage()
		kind := flows.FileAudio
		if a.GetPTT() {
			kind = flows.FileVoice
		}
		in.Input.Kind, in.Input.Other = flows.InputOther, flows.OtherVoice
		f = &fetch{media: a, kind: kind, mime: a.GetMimetype(), size: a.GetFileLength()}
	case msg.GetStickerMessage() != nil:
		in.Input.Kind, in.Input.Other = flows.InputOther, flows.OtherSticker
	default:
		in.Input.Kind, in.Input.Other = flows.InputOther, flows.OtherUnknown
	}
	if f != nil && f.kind != "photo" && (!p.Group || in.ReplyToID == "") {
		f = nil // only an admin's reply passes files on; a citizen gets a prompt
	}
	return in, f
}

// textOf is a message's text or caption.
func textOf(m *waE2E.Message) string {
	switch {
	case m == nil:
		return ""
	case m.GetConversation() != "":
		return m.GetConversation()
	case m.GetExtendedTextMessage() != nil:
		return m.GetExtendedTextMessage().GetText()
	case m.GetImageMessage() != nil:
		return m.GetImageMessage().GetCaption()
	case m.GetVideoMessage() != nil:
		return m.GetVideoMessage().GetCaption()
	case m.GetDocumentMessage() != nil:
		return m.GetDocumentMessage().GetCaption()
	}
	return ""
}

// contextOf is the context (the quote) of a message of any kind.
func contextOf(m *waE2E.Message) *waE2E.ContextInfo {
	switch {
	case m.GetExtendedTextMessage() != nil:
		return m.GetExtendedTextMessage().GetContextInfo()
	case m.GetImageMessage() != nil:
		return m.GetImageMessage().GetContextInfo()
	case m.GetVideoMessage() != nil:
		return m.GetVideoMessage().GetContextInfo()
	case m.GetDocumentMessage() != nil:
		return m.GetDocumentMessage().GetContextInfo()
	case m.GetAudioMessage() != nil:
		return m.GetAudioMessage().GetContextInfo()
	case m.GetStickerMessage() != nil:
		return m.GetStickerMessage().GetContextInfo()
	case m.GetLocationMessage() != nil:
		return m.GetLocationMessage().GetContextInfo()
	}
	return nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}
