package telegram

import (
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"aduan/bot"
	"aduan/flows"
)

// channelName is the name of this channel in flows.Chat.
const channelName = "telegram"

// maxDownload is the largest file a bot may download from the Bot API.
const maxDownload = 20 << 20

// MakeChat makes the flows chat of a Telegram chat id.
func MakeChat(id int64) flows.Chat {
	return flows.Chat{Channel: channelName, ID: strconv.FormatInt(id, 10)}
}

// ParseChat returns the Telegram chat id of a flows chat.
func ParseChat(c flows.Chat) (int64, error) {
	if c.Channel != channelName {
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

// converted is an update in the desk's terms, with the photo still to be
// fetched, if any.
type converted struct {
	in bot.Inbound
	// photo is the file to download into in.Input.Photos.
	photo *models.PhotoSize
	// callbackID is the callback query to answer.
	callbackID string
}

// convert turns an update into an inbound message. ok is false for
// updates the desk does not take (channel posts, member changes, …).
func convert(u *models.Update) (c converted, ok bool) {
	key := channelName + ":update:" + strconv.FormatInt(u.ID, 10)
	switch {
	case u.Message != nil:
		c = convertMessage(u.Message)
	case u.EditedMessage != nil:
		c = convertMessage(u.EditedMessage)
		c.photo = nil
		c.in.Input = flows.Input{Kind: flows.InputOther, Other: flows.OtherEdited, Name: c.in.Input.Name}
		c.in.RawText = ""
		c.in.ReplyToID = ""
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
	default:
		return converted{}, false
	}
	c.in.Key = key
	return c, true
}

func convertMessage(m *models.Message) converted {
	c := converted{in: bot.Inbound{
		Chat:      MakeChat(m.Chat.ID),
		Private:   m.Chat.Type == models.ChatTypePrivate,
		MessageID: strconv.Itoa(m.ID),
	}}
	in := &c.in.Input
	if m.From != nil {
		c.in.UserID = strconv.FormatInt(m.From.ID, 10)
		in.Name = userName(m.From)
	}
	if m.ReplyToMessage != nil {
		c.in.ReplyToID = strconv.Itoa(m.ReplyToMessage.ID)
	}
	switch {
	case m.Text != "":
		c.in.RawText = m.Text
		if name, args, ok := flows.ParseCommand(m.Text); ok {
			in.Kind, in.Command, in.Text = flows.InputCommand, name, args
		} else {
			in.Kind, in.Text = flows.InputText, m.Text
		}
	case len(m.Photo) > 0:
		c.in.RawText = m.Caption
		in.Kind, in.Text, in.Group = flows.InputPhoto, m.Caption, m.MediaGroupID
		best := largest(m.Photo)
		if best.FileSize > maxDownload {
			in.Kind, in.Other = flows.InputOther, flows.OtherTooLarge
		} else {
			c.photo = &best
		}
	case m.Location != nil:
		in.Kind = flows.InputLocation
		in.Location = flows.Location{Lat: m.Location.Latitude, Lon: m.Location.Longitude, HasPoint: true}
		if m.Venue != nil {
			in.Location.Text = strings.TrimSpace(m.Venue.Title + ", " + m.Venue.Address)
		}
	default:
		in.Kind = flows.InputOther
		c.in.RawText = m.Caption
		switch {
		case m.Sticker != nil:
			in.Other = flows.OtherSticker
		case m.Voice != nil || m.Audio != nil:
			in.Other = flows.OtherVoice
		case m.Document != nil:
			in.Other = flows.OtherDocument
		case m.Video != nil || m.VideoNote != nil || m.Animation != nil:
			in.Other = flows.OtherVideo
		default:
			in.Other = flows.OtherUnknown
		}
	}
	return c
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
