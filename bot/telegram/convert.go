package telegram

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"aduan/bot"
	"aduan/flows"
)

// ChannelName is the name of this channel in flows.Chat.
const ChannelName = "telegram"

// Caps are Telegram's capabilities: buttons, a location button, slash
// commands.
var Caps = flows.Caps{Buttons: true, LocationButton: true, Slash: true}

// maxDownload is the largest file a bot may download from the Bot API.
const maxDownload = 20 << 20

// MakeChat makes the flows chat of a Telegram chat id.
func MakeChat(id int64) flows.Chat {
	return flows.Chat{Channel: ChannelName, ID: strconv.FormatInt(id, 10)}
}

// ParseChat returns the Telegram chat id of a flows chat.
func ParseChat(c flows.Chat) (int64, error) {
	if c.Channel != ChannelName {
		return 0, &chatError{c}
	}
	id, err := strconv.ParseInt(c.ID, 10, 64)
	if err != nil {
		return 0, &chatError{c}
	}
	return id, nil
}

type chatError struct{ c flows.Chat }

func (e *chatError) Error() string { return "not a telegram chat: " + e.c.String() }

// updateKey is the desk's key of an update, for de-duplication.
func updateKey(id int64) string { return ChannelName + ":update:" + strconv.FormatInt(id, 10) }

// converted is an update in the desk's terms, with the photo still to be
// fetched, if any.
type converted struct {
	in bot.Inbound
	// file is the photo to download into in.Input.Photos.
	file *fileRef
	// callbackID is the callback query to answer.
	callbackID string
}

// fileRef is a file to download: its id and the size Telegram gave, if
// any; for a file that is not a photo, what it is.
type fileRef struct {
	id   string
	size int64
	kind string // a flows.File kind; "" for a photo
	name string
	mime string
}

// convert turns an update into an inbound message. me is the bot itself.
// ok is false for updates the desk does not take (channel posts, member
// changes, commands addressed to another bot, …).
func convert(u *models.Update, me models.User) (c converted, ok bool) {
	switch {
	case u.Message != nil:
		c, ok = convertMessage(u.Message, me)
	case u.EditedMessage != nil:
		c, ok = convertMessage(u.EditedMessage, me)
		c.file = nil
		c.in.Input = flows.Input{Kind: flows.InputOther, Other: flows.OtherEdited, Name: c.in.Input.Name}
		c.in.RawText = u.EditedMessage.Text + u.EditedMessage.Caption
		c.in.Edited = true
		c.in.ReplyToID, c.in.ReplyToBot, c.in.ReplyText = "", false, ""
		c.in.MovedTo = flows.Chat{}
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		chatID := q.From.ID
		private := true
		if m := q.Message.Message; m != nil {
			chatID = m.Chat.ID
			private = m.Chat.Type == models.ChatTypePrivate
		} else if m := q.Message.InaccessibleMessage; m != nil {
			chatID = m.Chat.ID
			private = m.Chat.Type == models.ChatTypePrivate
		}
		c = converted{callbackID: q.ID, in: bot.Inbound{
			Chat: MakeChat(chatID), Private: private, UserID: strconv.FormatInt(q.From.ID, 10),
			Input: flows.Input{Kind: flows.InputChoice, Choice: q.Data, Name: userName(&q.From)},
		}}
		ok = true
	}
	if !ok {
		return converted{}, false
	}
	c.in.Key = updateKey(u.ID)
	return c, true
}

func convertMessage(m *models.Message, me models.User) (converted, bool) {
	c := converted{in: bot.Inbound{
		Chat:      MakeChat(m.Chat.ID),
		Private:   m.Chat.Type == models.ChatTypePrivate,
		MessageID: strconv.Itoa(m.ID),
	}}
	switch {
	case m.MigrateToChatID != 0:
		// The group became a supergroup with a new id.
		c.in.MovedTo = MakeChat(m.MigrateToChatID)
		return c, true
	case m.MigrateFromChatID != 0:
		c.in.Chat, c.in.MovedTo = MakeChat(m.MigrateFromChatID), MakeChat(m.Chat.ID)
		return c, true
	}
	in := &c.in.Input
	if m.From != nil {
		c.in.UserID = strconv.FormatInt(m.From.ID, 10)
		in.Name = userName(m.From)
	}
	if r := m.ReplyToMessage; r != nil {
		c.in.ReplyToID = strconv.Itoa(r.ID)
		c.in.ReplyToBot = r.From != nil && me.ID != 0 && r.From.ID == me.ID
		c.in.ReplyText = r.Text
		if r.Text == "" {
			c.in.ReplyText = r.Caption
		}
	}
	switch {
	case m.Text != "":
		c.in.RawText = m.Text
		if name, target, args, ok := flows.ParseCommandFor(m.Text); ok {
			if target != "" && !strings.EqualFold(target, me.Username) {
				return converted{}, false // for another bot in the group
			}
			in.Kind, in.Command, in.Text = flows.InputCommand, name, args
		} else {
			in.Kind, in.Text = flows.InputText, m.Text
		}
	case len(m.Photo) > 0:
		c.in.RawText = m.Caption
		in.Kind, in.Text, in.Group = flows.InputPhoto, m.Caption, m.MediaGroupID
		best := largest(m.Photo)
		c.file = &fileRef{id: best.FileID, size: int64(best.FileSize)}
	case m.Document != nil && isImage(m.Document.MimeType):
		// A photo sent "as a file" is still a photo.
		c.in.RawText = m.Caption
		in.Kind, in.Text, in.Group = flows.InputPhoto, m.Caption, m.MediaGroupID
		c.file = &fileRef{id: m.Document.FileID, size: m.Document.FileSize}
	case m.Location != nil:
		in.Kind = flows.InputLocation
		in.Location = flows.Location{Lat: m.Location.Latitude, Lon: m.Location.Longitude, HasPoint: true}
		if m.Venue != nil {
			in.Location.Text = strings.TrimSpace(m.Venue.Title + ", " + m.Venue.Address)
		}
	default:
		in.Kind = flows.InputOther
		c.in.RawText = m.Caption
		var f *fileRef
		switch {
		case m.Sticker != nil:
			in.Other = flows.OtherSticker
		case m.Voice != nil:
			in.Other = flows.OtherVoice
			f = &fileRef{id: m.Voice.FileID, size: m.Voice.FileSize, kind: flows.FileVoice, mime: m.Voice.MimeType}
		case m.Audio != nil:
			in.Other = flows.OtherVoice
			f = &fileRef{id: m.Audio.FileID, size: m.Audio.FileSize, kind: flows.FileAudio, name: m.Audio.FileName, mime: m.Audio.MimeType}
		case m.Document != nil:
			in.Other = flows.OtherDocument
			f = &fileRef{id: m.Document.FileID, size: m.Document.FileSize, kind: flows.FileDocument, name: m.Document.FileName, mime: m.Document.MimeType}
		case m.Video != nil:
			in.Other = flows.OtherVideo
			f = &fileRef{id: m.Video.FileID, size: m.Video.FileSize, kind: flows.FileVideo, name: m.Video.FileName, mime: m.Video.MimeType}
		case m.VideoNote != nil || m.Animation != nil:
			in.Other = flows.OtherVideo
		default:
			in.Other = flows.OtherUnknown
		}
		// Files are fetched only where they may be relayed: an admin's
		// reply in a group. Citizens are asked for photos instead.
		if f != nil && !c.in.Private && c.in.ReplyToID != "" && f.size <= maxDownload {
			c.file = f
		}
	}
	if c.file != nil && c.file.kind == "" && c.file.size > maxDownload {
		c.file = nil
		in.Kind, in.Other = flows.InputOther, flows.OtherTooLarge
	}
	return c, true
}

// isImage reports whether a document's MIME type is a photo the desk
// keeps.
func isImage(mime string) bool {
	switch strings.ToLower(mime) {
	case "image/jpeg", "image/png", "image/gif":
		return true
	}
	return false
}

// peekChat reads the chat of an update the library cannot decode, so its
// sender can still be answered; ok is false when there is none to read.
// It reads field by field, since the broken part may be anywhere.
func peekChat(raw []byte) (int64, bool) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return 0, false
	}
	for _, name := range []string{"message", "edited_message", "callback_query"} {
		var obj map[string]json.RawMessage
		if json.Unmarshal(fields[name], &obj) != nil {
			continue
		}
		if id, ok := idIn(obj["chat"]); ok {
			return id, true
		}
		var msg map[string]json.RawMessage
		if json.Unmarshal(obj["message"], &msg) == nil {
			if id, ok := idIn(msg["chat"]); ok {
				return id, true
			}
		}
		if id, ok := idIn(obj["from"]); ok {
			return id, true
		}
	}
	return 0, false
}

func idIn(raw json.RawMessage) (int64, bool) {
	var c struct {
		ID int64 `json:"id"`
	}
	if json.Unmarshal(raw, &c) != nil || c.ID == 0 {
		return 0, false
	}
	return c.ID, true
}

// largest picks the photo size with the most pixels.
func largest(sizes []models.PhotoSize) models.PhotoSize {
	best := sizes[0]
	for _, s := range sizes[1:] {
		if s.Width*s.Height > best.Width*best.Height {
			best = s
		}
	}
	return best
}

// userName is how a Telegram user is shown to admins: their name, never a
// phone number.
func userName(u *models.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" && u.Username != "" {
		name = "@" + u.Username
	}
	return name
}
