package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"aduan/bot"
	"aduan/flows"
)

// Telegram's limits on one message, in UTF-16 code units.
const (
	maxText    = 4096
	maxCaption = 1024
	// maxAlbum is the most photos one sendMediaGroup takes.
	maxAlbum = 10
)

// sendTimeout bounds one Bot API call once it has started. Started calls
// are not cancelled by shutdown, so a message is not half-sent.
const sendTimeout = 30 * time.Second

// partKind is what one Bot API call of a message sends.
type partKind int

const (
	partText     partKind = iota // sendMessage
	partPhoto                    // sendPhoto, with a caption
	partAlbum                    // sendMediaGroup, caption on the first photo
	partKeyboard                 // sendMessage "⬆️" with the keyboard an album cannot carry
	partFile                     // sendDocument, sendVideo, sendVoice or sendAudio
)

// part is one Bot API call of a message.
type part struct {
	kind   partKind
	photos []string
	file   flows.File
	text   string
	// markup carries the message's keyboard.
	markup bool
}

// plan cuts a message into the calls that send it: the photo or album
// with the start of the text as caption, then the rest of the text in
// pieces Telegram takes. It depends on the message alone, so a retry
// continues with the same parts.
func plan(m flows.Message) []part {
	var parts []part
	text := m.Text
	hasMarkup := markup(m) != nil
	if photos := m.Photos[:min(len(m.Photos), maxAlbum)]; len(photos) > 0 {
		caption, rest := splitCaption(text)
		if len(photos) == 1 {
			parts = append(parts, part{kind: partPhoto, photos: photos, text: caption, markup: rest == ""})
		} else {
			parts = append(parts, part{kind: partAlbum, photos: photos, text: caption})
			if rest == "" && hasMarkup {
				parts = append(parts, part{kind: partKeyboard, text: "⬆️", markup: true})
			}
		}
		if rest == "" && len(m.Files) == 0 {
			return parts
		}
		text = rest
	}
	if len(m.Files) > 0 {
		caption := ""
		if len(parts) == 0 {
			caption, text = splitCaption(text)
		}
		for i, f := range m.Files {
			p := part{kind: partFile, file: f, markup: text == "" && i == len(m.Files)-1}
			if i == 0 {
				p.text = caption
			}
			parts = append(parts, p)
		}
		if text == "" {
			return parts
		}
	}
	chunks := splitText(text, maxText)
	for i, c := range chunks {
		parts = append(parts, part{kind: partText, text: c, markup: i == len(chunks)-1})
	}
	return parts
}

// Send delivers a message part by part, from the first part not yet sent.
func (t *Telegram) Send(ctx context.Context, d *bot.Delivery) error {
	chatID, err := ParseChat(d.Chat)
	if err != nil {
		return &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
	}
	parts := plan(d.Message)
	ids := append([][]string(nil), d.Done...)
	for i := len(ids); i < len(parts); i++ {
		reply := ""
		switch {
		case i == 0:
			reply = d.ReplyTo
		case parts[i].kind == partText && parts[i-1].kind != partText && len(ids[i-1]) > 0:
			// The text after a photo hangs under it.
			reply = ids[i-1][0]
		}
		got, err := t.sendPart(ctx, chatID, d.Message, parts[i], reply)
		if err != nil {
			if i > 0 {
				t.log.Warn("message partly sent; the rest follows on retry", "chat", t.logChat(chatID), "parts", i, "of", len(parts), "err", err)
			}
			return err
		}
		ids = append(ids, got)
		d.Sent(got)
	}
	return nil
}

// sendPart makes one Bot API call and returns the ids of the messages it
// made. A call Telegram accepted whose answer cannot be read counts as
// sent, without ids.
func (t *Telegram) sendPart(ctx context.Context, chatID int64, m flows.Message, p part, replyTo string) ([]string, error) {
	var msgs []*models.Message
	var err error
	switch p.kind {
	case partText, partKeyboard:
		params := &tg.SendMessageParams{ChatID: chatID, Text: p.text, ReplyParameters: replyParams(replyTo),
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
		if p.markup {
			params.ReplyMarkup = markup(m)
		}
		err = t.call(ctx, chatID, 1, func(ctx context.Context) error {
			msg, err := t.api.SendMessage(ctx, params)
			msgs = []*models.Message{msg}
			return err
		})
	case partPhoto:
		err = t.call(ctx, chatID, 1, func(ctx context.Context) error {
			file, closeFile, err := t.inputFile(p.photos[0])
			if err != nil {
				return err
			}
			defer closeFile()
			params := &tg.SendPhotoParams{ChatID: chatID, Photo: file, Caption: p.text, ReplyParameters: replyParams(replyTo)}
			if p.markup {
				params.ReplyMarkup = markup(m)
			}
			msg, err := t.api.SendPhoto(ctx, params)
			msgs = []*models.Message{msg}
			return err
		})
	case partFile:
		err = t.call(ctx, chatID, 1, func(ctx context.Context) error {
			msg, err := t.sendFile(ctx, chatID, m, p, replyTo)
			msgs = []*models.Message{msg}
			return err
		})
	case partAlbum:
		err = t.call(ctx, chatID, len(p.photos), func(ctx context.Context) error {
			media := make([]models.InputMedia, len(p.photos))
			for i, h := range p.photos {
				mp := &models.InputMediaPhoto{}
				if id, ok := t.fileIDs.Get(h); ok {
					mp.Media = id
				} else {
					f, err := t.media.Open(h)
					if err != nil {
						return &bot.PermanentError{Reason: bot.ReasonMedia, Err: err}
					}
					defer f.Close()
					mp.Media, mp.MediaAttachment = "attach://photo"+strconv.Itoa(i), f
				}
				if i == 0 {
					mp.Caption = p.text
				}
				media[i] = mp
			}
			var err error
			msgs, err = t.api.SendMediaGroup(ctx, &tg.SendMediaGroupParams{ChatID: chatID, Media: media, ReplyParameters: replyParams(replyTo)})
			return err
		})
	}
	var perm *bot.PermanentError
	switch {
	case errors.Is(err, errUnreadable):
		t.log.Warn("sent, but Telegram's answer could not be read; not sending again", "chat", t.logChat(chatID), "err", err)
		return nil, nil
	case err != nil && p.kind != partText && p.kind != partKeyboard && errors.As(err, &perm) && perm.Reason == bot.ReasonRejected && aboutMedia(err):
		// A photo the chat refuses (no right to send photos, a file
		// Telegram cannot take): the text can still go.
		for _, h := range p.photos {
			t.fileIDs.Remove(h)
		}
		return nil, &bot.PermanentError{Reason: bot.ReasonMedia, Err: err}
	case err != nil:
		return nil, err
	}
	ids := make([]string, 0, len(msgs))
	for i, msg := range msgs {
		if msg == nil {
			continue
		}
		if i < len(p.photos) && len(msg.Photo) > 0 {
			t.fileIDs.Add(p.photos[i], largest(msg.Photo).FileID)
		}
		ids = append(ids, strconv.Itoa(msg.ID))
	}
	return ids, nil
}

// sendFile sends a document, video, voice note or audio, uploaded from
// the media store.
func (t *Telegram) sendFile(ctx context.Context, chatID int64, m flows.Message, p part, replyTo string) (*models.Message, error) {
	f, err := t.media.Open(p.file.Hash)
	if err != nil {
		return nil, &bot.PermanentError{Reason: bot.ReasonMedia, Err: err}
	}
	defer f.Close()
	name := p.file.Name
	if name == "" {
		name = p.file.Hash[:16]
	}
	upload := &models.InputFileUpload{Filename: name, Data: f}
	reply := replyParams(replyTo)
	var markupOf models.ReplyMarkup
	if p.markup {
		markupOf = markup(m)
	}
	switch p.file.Kind {
	case flows.FileVideo:
		return t.api.SendVideo(ctx, &tg.SendVideoParams{ChatID: chatID, Video: upload, Caption: p.text, ReplyParameters: reply, ReplyMarkup: markupOf})
	case flows.FileVoice:
		return t.api.SendVoice(ctx, &tg.SendVoiceParams{ChatID: chatID, Voice: upload, Caption: p.text, ReplyParameters: reply, ReplyMarkup: markupOf})
	case flows.FileAudio:
		return t.api.SendAudio(ctx, &tg.SendAudioParams{ChatID: chatID, Audio: upload, Caption: p.text, ReplyParameters: reply, ReplyMarkup: markupOf})
	}
	return t.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: chatID, Document: upload, Caption: p.text, ReplyParameters: reply, ReplyMarkup: markupOf})
}

// aboutMedia reports whether a refusal is about the photo rather than
// the message or the chat (a closed topic, no right to write at all).
func aboutMedia(err error) bool {
	e := strings.ToLower(err.Error())
	for _, w := range []string{"photo", "image", "media", "file", "http url", "dimensions"} {
		if strings.Contains(e, w) {
			return true
		}
	}
	return false
}

// inputFile gives a stored photo as an upload, or by the file id Telegram
// gave it before.
func (t *Telegram) inputFile(hash string) (models.InputFile, func(), error) {
	if id, ok := t.fileIDs.Get(hash); ok {
		return &models.InputFileString{Data: id}, func() {}, nil
	}
	f, err := t.media.Open(hash)
	if err != nil {
		return nil, nil, &bot.PermanentError{Reason: bot.ReasonMedia, Err: err}
	}
	return &models.InputFileUpload{Filename: hash[:16] + ".jpg", Data: f}, func() { f.Close() }, nil
}

// call runs one Bot API call within the rate limits: n messages against
// the global and the chat's limit. Waiting for a limit ends with ctx; a
// call that has started runs to its end.
func (t *Telegram) call(ctx context.Context, chatID int64, n int, fn func(context.Context) error) error {
	chat := t.chatLimiter(chatID)
	// One token at a time: an album may count more messages than a
	// limiter's burst, which WaitN would refuse.
	for range n {
		if err := t.global.Wait(ctx); err != nil {
			return err
		}
		if err := chat.Wait(ctx); err != nil {
			return err
		}
	}
	return t.do(ctx, fn)
}

// do runs one Bot API call outside the message limits (getFile,
// answerCallbackQuery), to its end even when ctx ends meanwhile.
func (t *Telegram) do(ctx context.Context, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	return classify(fn(cctx))
}

// ReadyIn says how long a chat must wait before its next message may go,
// by its own limit and the bot's overall limit.
func (t *Telegram) ReadyIn(chat flows.Chat) time.Duration {
	id, err := ParseChat(chat)
	if err != nil {
		return 0
	}
	now := time.Now()
	return max(waitFor(t.chatLimiter(id), now), waitFor(t.global, now))
}

// waitFor is how long until a limiter has a token.
func waitFor(l *rate.Limiter, now time.Time) time.Duration {
	tokens := l.TokensAt(now)
	if tokens >= 1 || l.Limit() <= 0 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(l.Limit()) * float64(time.Second))
}

// sweepAfter is how many chat limiters are kept before idle ones are
// swept out.
const sweepAfter = 512

// idleLimiter is how long a chat limiter must be unused before a sweep
// may drop it: far longer than any wait for it and the send after, so a
// limiter in use is never replaced by a fresh, full one.
const idleLimiter = time.Minute

// chatLimit is a chat's limiter and when it was last handed out.
type chatLimit struct {
	l    *rate.Limiter
	used time.Time
}

// chatLimiter returns a chat's limiter. The map holds at most about twice
// the chats that sent within the last minute: a sweep of idle, full
// limiters (as good as new ones) runs whenever the map doubled since the
// last one.
func (t *Telegram) chatLimiter(chatID int64) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if len(t.chats) > max(t.sweepAt, sweepAfter) {
		for id, c := range t.chats {
			if now.Sub(c.used) > idleLimiter && c.l.TokensAt(now) >= float64(c.l.Burst()) {
				delete(t.chats, id)
			}
		}
		t.sweepAt = 2 * len(t.chats)
	}
	c := t.chats[chatID]
	if c == nil {
		c = &chatLimit{}
		if chatID < 0 {
			c.l = rate.NewLimiter(t.limits.GroupRate, t.limits.GroupBurst)
		} else {
			c.l = rate.NewLimiter(t.limits.ChatRate, t.limits.ChatBurst)
		}
		t.chats[chatID] = c
	}
	c.used = now
	return c.l
}

// errUnreadable marks a call Telegram accepted (ok: true) whose result the
// library could not decode.
var errUnreadable = errors.New("telegram accepted the call, its result is unreadable")

// classify turns Bot API errors into the desk's delivery errors.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var tooMany *tg.TooManyRequestsError
	var migrate *tg.MigrateError
	var perm *bot.PermanentError
	switch {
	case errors.As(err, &perm):
		return err
	case strings.Contains(err.Error(), "error decode response result"):
		// go-telegram/bot's words when ok was true but the result did not
		// decode; it has no error type for it.
		return fmt.Errorf("%w: %v", errUnreadable, err)
	case errors.As(err, &tooMany):
		after := time.Duration(tooMany.RetryAfter) * time.Second
		if after <= 0 {
			after = time.Second
		}
		return &bot.RetryAfterError{After: after, Err: err}
	case errors.As(err, &migrate):
		return &bot.MovedError{To: MakeChat(int64(migrate.MigrateToChatID)), Err: err}
	case errors.Is(err, tg.ErrorForbidden):
		return &bot.PermanentError{Reason: bot.ReasonBlocked, Err: err}
	case errors.Is(err, tg.ErrorBadRequest):
		if strings.Contains(strings.ToLower(err.Error()), "chat not found") || strings.Contains(strings.ToLower(err.Error()), "user not found") {
			return &bot.PermanentError{Reason: bot.ReasonBlocked, Err: err}
		}
		return &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
	}
	return err
}

func replyParams(id string) *models.ReplyParameters {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return nil
	}
	return &models.ReplyParameters{MessageID: n, AllowSendingWithoutReply: true}
}

// markup renders a message's choices or keyboard change. A message
// carries inline buttons or a reply keyboard change, not both: choices
// that must also remove a reply keyboard become that keyboard's buttons
// (pressing one sends its label, which flows takes as the choice).
func markup(m flows.Message) models.ReplyMarkup {
	if len(m.Choices) > 0 && m.Keyboard == flows.KeyboardClear {
		rows := make([][]models.KeyboardButton, len(m.Choices))
		for i, c := range m.Choices {
			rows[i] = []models.KeyboardButton{{Text: c.Label}}
		}
		return &models.ReplyKeyboardMarkup{Keyboard: rows, ResizeKeyboard: true, OneTimeKeyboard: true}
	}
	if len(m.Choices) > 0 {
		rows := make([][]models.InlineKeyboardButton, len(m.Choices))
		for i, c := range m.Choices {
			rows[i] = []models.InlineKeyboardButton{{Text: c.Label, CallbackData: c.ID}}
		}
		return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
	}
	switch m.Keyboard {
	case flows.KeyboardLocation, flows.KeyboardQuick:
		var rows [][]models.KeyboardButton
		for i, q := range m.Quick {
			rows = append(rows, []models.KeyboardButton{{Text: q, RequestLocation: i == 0 && m.Keyboard == flows.KeyboardLocation}})
		}
		if len(rows) == 0 {
			return nil
		}
		return &models.ReplyKeyboardMarkup{Keyboard: rows, ResizeKeyboard: true, OneTimeKeyboard: true}
	case flows.KeyboardClear:
		return &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	}
	return nil
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// splitCaption splits a text into a photo caption and the rest. The
// caption ends at a line break where it can.
func splitCaption(text string) (caption, rest string) {
	if utf16Len(text) <= maxCaption {
		return text, ""
	}
	parts := splitText(text, maxCaption)
	return parts[0], strings.TrimSpace(strings.TrimPrefix(text, parts[0]))
}

// splitText cuts a text into pieces of at most limit UTF-16 units, at line
// breaks where it can, else at spaces, else anywhere. Each piece is
// scanned a bounded number of times, so the work is linear in the text.
func splitText(text string, limit int) []string {
	if text == "" {
		return []string{""}
	}
	var out []string
	for text != "" {
		units, end := 0, len(text)
		for i, r := range text {
			n := utf16.RuneLen(r)
			if n < 0 {
				n = 1
			}
			if units+n > limit {
				end = i
				break
			}
			units += n
		}
		if end == len(text) {
			out = append(out, text)
			break
		}
		if end == 0 { // one rune wider than the limit: take it alone
			_, end = utf8.DecodeRuneInString(text)
		}
		head := text[:end]
		if i := strings.LastIndex(head, "\n"); i > len(head)/2 {
			head = head[:i]
		} else if i := strings.LastIndex(head, " "); i > len(head)/2 {
			head = head[:i]
		}
		out = append(out, head)
		text = strings.TrimLeft(text[len(head):], "\n ")
	}
	return out
}
