package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

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

// Send delivers one message: text with its keyboard, or photos with the
// text as caption (split when too long for one). It returns the ids of all
// messages it sent.
func (t *Telegram) Send(ctx context.Context, m flows.Message, replyTo string) ([]string, error) {
	chatID, err := ParseChat(m.To)
	if err != nil {
		return nil, &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
	}
	var ids []string
	reply := replyParams(replyTo)
	text := m.Text
	if len(m.Photos) > 0 {
		caption, rest := splitCaption(text)
		photoIDs, err := t.sendPhotos(ctx, chatID, m, caption, reply, rest == "")
		if err != nil {
			return nil, err
		}
		ids = append(ids, photoIDs...)
		if rest == "" {
			return ids, nil
		}
		// The rest of the text follows as a reply to the photo, with the
		// keyboard.
		text = rest
		if len(photoIDs) > 0 {
			reply = replyParams(photoIDs[0])
		}
	}
	chunks := splitText(text, maxText)
	for i, chunk := range chunks {
		p := &tg.SendMessageParams{ChatID: chatID, Text: chunk, ReplyParameters: reply,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
		if i == len(chunks)-1 {
			p.ReplyMarkup = markup(m)
		}
		var msg *models.Message
		send := func(ctx context.Context) (err error) {
			msg, err = t.api.SendMessage(ctx, p)
			return err
		}
		if len(ids) == 0 {
			err = t.call(ctx, chatID, 1, send)
		} else {
			err = t.callRest(ctx, chatID, send)
		}
		if err != nil {
			if len(ids) > 0 {
				// Part went out: the whole message is tried again later.
				t.log.Warn("message partly sent", "chat", chatID, "parts", len(ids), "err", err)
			}
			return nil, err
		}
		ids = append(ids, strconv.Itoa(msg.ID))
		reply = nil
	}
	return ids, nil
}

// sendPhotos sends one photo with sendPhoto, or up to ten as an album.
func (t *Telegram) sendPhotos(ctx context.Context, chatID int64, m flows.Message, caption string, reply *models.ReplyParameters, withMarkup bool) ([]string, error) {
	photos := m.Photos
	if len(photos) > maxAlbum {
		photos = photos[:maxAlbum]
	}
	if len(photos) == 1 {
		var msg *models.Message
		err := t.call(ctx, chatID, 1, func(ctx context.Context) error {
			file, closeFile, err := t.inputFile(photos[0])
			if err != nil {
				return err
			}
			defer closeFile()
			p := &tg.SendPhotoParams{ChatID: chatID, Photo: file, Caption: caption, ReplyParameters: reply}
			if withMarkup {
				p.ReplyMarkup = markup(m)
			}
			msg, err = t.api.SendPhoto(ctx, p)
			return err
		})
		if err != nil {
			return nil, err
		}
		t.remember(photos[0], msg)
		return []string{strconv.Itoa(msg.ID)}, nil
	}
	var msgs []*models.Message
	err := t.call(ctx, chatID, len(photos), func(ctx context.Context) error {
		media := make([]models.InputMedia, len(photos))
		for i, h := range photos {
			p := &models.InputMediaPhoto{}
			if id := t.fileID(h); id != "" {
				p.Media = id
			} else {
				f, err := t.media.Open(h)
				if err != nil {
					return &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
				}
				defer f.Close()
				p.Media, p.MediaAttachment = "attach://photo"+strconv.Itoa(i), f
			}
			if i == 0 {
				p.Caption = caption
			}
			media[i] = p
		}
		var err error
		msgs, err = t.api.SendMediaGroup(ctx, &tg.SendMediaGroupParams{ChatID: chatID, Media: media, ReplyParameters: reply})
		return err
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(msgs))
	for i, msg := range msgs {
		if i < len(photos) {
			t.remember(photos[i], msg)
		}
		ids = append(ids, strconv.Itoa(msg.ID))
	}
	if withMarkup && markup(m) != nil {
		// An album cannot carry a keyboard; it follows on its own.
		more, err := t.Send(ctx, flows.Message{To: m.To, Text: "⬆️", Choices: m.Choices, Keyboard: m.Keyboard, Quick: m.Quick}, "")
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	return ids, nil
}

// inputFile gives a stored photo as an upload, or by the file id Telegram
// gave it before.
func (t *Telegram) inputFile(hash string) (models.InputFile, func(), error) {
	if id := t.fileID(hash); id != "" {
		return &models.InputFileString{Data: id}, func() {}, nil
	}
	f, err := t.media.Open(hash)
	if err != nil {
		return nil, nil, &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
	}
	return &models.InputFileUpload{Filename: hash[:16] + ".jpg", Data: f}, func() { f.Close() }, nil
}

func (t *Telegram) fileID(hash string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fileIDs[hash]
}

// remember keeps the file id Telegram gave a photo, so it is not uploaded
// again.
func (t *Telegram) remember(hash string, msg *models.Message) {
	if msg == nil || len(msg.Photo) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fileIDs[hash] = largest(msg.Photo).FileID
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

// restTries bounds how often a later part of a split message is tried
// before the whole message goes back to the outbox (and its first part
// would be sent twice).
const restTries = 5

// callRest sends a later part of a message whose first part went out. It
// waits out 429s and brief failures here, so the first part is not sent
// again by a retry of the whole message.
func (t *Telegram) callRest(ctx context.Context, chatID int64, fn func(context.Context) error) error {
	var err error
	for try := 1; try <= restTries; try++ {
		err = t.call(ctx, chatID, 1, fn)
		var retry *bot.RetryAfterError
		var perm *bot.PermanentError
		switch {
		case err == nil || errors.As(err, &perm) || ctx.Err() != nil:
			return err
		case errors.As(err, &retry):
			sleep(ctx, retry.After)
		default:
			sleep(ctx, time.Duration(try)*time.Second)
		}
	}
	return err
}

// do runs one Bot API call outside the message limits (getFile,
// answerCallbackQuery), to its end even when ctx ends meanwhile.
func (t *Telegram) do(ctx context.Context, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	return classify(fn(cctx))
}

func (t *Telegram) chatLimiter(chatID int64) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.chats[chatID]
	if l == nil {
		if chatID < 0 {
			l = rate.NewLimiter(t.limits.GroupRate, t.limits.GroupBurst)
		} else {
			l = rate.NewLimiter(t.limits.ChatRate, t.limits.ChatBurst)
		}
		t.chats[chatID] = l
	}
	return l
}

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
	case errors.As(err, &tooMany):
		after := time.Duration(tooMany.RetryAfter) * time.Second
		if after <= 0 {
			after = time.Second
		}
		return &bot.RetryAfterError{After: after, Err: err}
	case errors.As(err, &migrate):
		return &bot.PermanentError{Reason: bot.ReasonRejected, Err: fmt.Errorf("group became supergroup %d, update the chat id in config: %w", migrate.MigrateToChatID, err)}
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

// markup renders a message's choices or keyboard change.
func markup(m flows.Message) models.ReplyMarkup {
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
// breaks where it can, else at spaces, else anywhere.
func splitText(text string, limit int) []string {
	var out []string
	for utf16Len(text) > limit {
		runes := []rune(text)
		cut, units := 0, 0
		for i, r := range runes {
			units += utf16.RuneLen(r)
			if units > limit {
				cut = i
				break
			}
		}
		cut = max(cut, 1)
		head := string(runes[:cut])
		if i := strings.LastIndex(head, "\n"); i > len(head)/2 {
			head = head[:i]
		} else if i := strings.LastIndex(head, " "); i > len(head)/2 {
			head = head[:i]
		}
		out = append(out, head)
		text = strings.TrimLeft(text[len(head):], "\n ")
	}
	if text != "" || len(out) == 0 {
		out = append(out, text)
	}
	return out
}
