package whatsapp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"golang.org/x/time/rate"
	"google.golang.org/protobuf/proto"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

// part is one WhatsApp message of an outbox message: a photo, a file, or
// the text.
type part struct {
	kind  string // "photo", a flows.File kind, or "text"
	hash  string
	file  flows.File
	text  string
	quote bool
}

// maxCaption is the longest text sent as a photo's caption; a longer one
// follows the photo as its own message.
const maxCaption = 1024

// render plans an outbox message as WhatsApp messages: each photo, each
// file, then the text with its choices as a numbered list. One photo and
// a short text go as one message, the text as the caption.
func render(m flows.Message) []part {
	if len(m.Photos) == 1 && len(m.Files) == 0 && len(m.Choices) == 0 && m.Text != "" && len([]rune(m.Text)) <= maxCaption {
		return []part{{kind: "photo", hash: m.Photos[0], text: m.Text, quote: true}}
	}
	var parts []part
	for _, h := range m.Photos {
		parts = append(parts, part{kind: "photo", hash: h})
	}
	for _, f := range m.Files {
		parts = append(parts, part{kind: f.Kind, hash: f.Hash, file: f})
	}
	text := m.Text
	if len(m.Choices) > 0 {
		var b strings.Builder
		b.WriteString(text)
		b.WriteString("\n")
		for i, c := range m.Choices {
			fmt.Fprintf(&b, "\n%d. %s", i+1, c.Label)
		}
		text = b.String()
	}
	if strings.TrimSpace(text) != "" {
		parts = append(parts, part{kind: "text", text: text})
	}
	if len(parts) > 0 {
		parts[0].quote = true // the first part answers the message replied to
	}
	return parts
}

// messageID is the WhatsApp id of one part of an outbox message: the same
// on every try, so a retry after a timeout is not a second message. It has
// the form of whatsmeow's GenerateMessageID.
func messageID(key string, i int, kind string) types.MessageID {
	sum := sha256.Sum256([]byte(key + "#" + strconv.Itoa(i) + "#" + kind))
	return whatsmeow.WebMessageIDPrefix + strings.ToUpper(hex.EncodeToString(sum[:9]))
}

// Send delivers one outbox message part by part, each paced.
func (w *WhatsApp) Send(ctx context.Context, d *bot.Delivery) error {
	to, err := w.target(d.Chat)
	if err != nil {
		return &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
	}
	if to.Server != types.GroupServer && !w.wroteFirst(d.Chat) {
		// Never message a number that has not written: that is how
		// numbers get banned.
		return &bot.PermanentError{Reason: bot.ReasonNoChat, Err: fmt.Errorf("%s never wrote to this number", d.Chat.ID)}
	}
	if !w.cli.IsConnected() {
		return errors.New("whatsapp: not connected")
	}
	parts := render(d.Message)
	for i := len(d.Done); i < len(parts); i++ {
		p := parts[i]
		msg, err := w.build(ctx, p, d, to)
		if err != nil {
			return err
		}
		if err := w.pace.wait(ctx, d.Chat.ID); err != nil {
			return err
		}
		id := messageID(d.Key, i, p.kind)
		if _, err := w.cli.SendMessage(ctx, to, msg, whatsmeow.SendRequestExtra{ID: id}); err != nil {
			return classify(err)
		}
		w.senders.Add(id, w.me.jid())
		d.Sent([]string{id})
	}
	return nil
}

// target is the JID a chat's messages go to: a group, or the chat a
// citizen wrote from.
func (w *WhatsApp) target(chat flows.Chat) (types.JID, error) {
	if from, ok := w.chats.Get(chat.ID); ok {
		chat = flows.Chat{Channel: ChannelName, ID: from}
	}
	return ParseChat(chat)
}

// wroteFirst reports whether a citizen ever wrote to the desk.
func (w *WhatsApp) wroteFirst(chat flows.Chat) bool {
	var wrote bool
	err := w.store.View(func(tx *store.Tx) error {
		conv, err := tx.Conversation(chat)
		wrote = !conv.Updated.IsZero()
		return err
	})
	return err == nil && wrote
}

func (s self) jid() string {
	if s.Phone == "" {
		return ""
	}
	return types.NewJID(s.Phone, types.DefaultUserServer).String()
}

// build makes one part's WhatsApp message, uploading its media.
func (w *WhatsApp) build(ctx context.Context, p part, d *bot.Delivery, to types.JID) (*waE2E.Message, error) {
	var ci *waE2E.ContextInfo
	if p.quote && d.ReplyTo != "" {
		ci = &waE2E.ContextInfo{StanzaID: proto.String(d.ReplyTo), QuotedMessage: &waE2E.Message{Conversation: proto.String("")}}
		if who, ok := w.senders.Get(d.ReplyTo); ok && who != "" {
			ci.Participant = proto.String(who)
		}
	}
	if p.kind == "text" {
		if ci == nil {
			return &waE2E.Message{Conversation: proto.String(p.text)}, nil
		}
		return &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(p.text), ContextInfo: ci}}, nil
	}
	data, err := w.read(p.hash)
	if err != nil {
		return nil, &bot.PermanentError{Reason: bot.ReasonMedia, Err: err}
	}
	mime := p.file.MIME
	if mime == "" {
		mime = http.DetectContentType(data)
	}
	appInfo := map[string]whatsmeow.MediaType{"photo": whatsmeow.MediaImage, flows.FileVideo: whatsmeow.MediaVideo,
		flows.FileVoice: whatsmeow.MediaAudio, flows.FileAudio: whatsmeow.MediaAudio}[p.kind]
	if appInfo == "" {
		appInfo = whatsmeow.MediaDocument
	}
	up, err := w.cli.Upload(ctx, data, appInfo)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: upload: %w", err)
	}
	length := uint64(len(data))
	switch p.kind {
	case "photo":
		img := &waE2E.ImageMessage{URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
			Mimetype: proto.String(mime), FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &length, ContextInfo: ci}
		if p.text != "" {
			img.Caption = proto.String(p.text)
		}
		return &waE2E.Message{ImageMessage: img}, nil
	case flows.FileVideo:
		return &waE2E.Message{VideoMessage: &waE2E.VideoMessage{URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
			Mimetype: proto.String(mime), FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &length, ContextInfo: ci}}, nil
	case flows.FileVoice, flows.FileAudio:
		return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
			Mimetype: proto.String(mime), FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &length,
			PTT: proto.Bool(p.kind == flows.FileVoice), ContextInfo: ci}}, nil
	}
	name := p.file.Name
	if name == "" {
		name = "berkas"
	}
	return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
		Mimetype: proto.String(mime), FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &length,
		FileName: proto.String(name), Title: proto.String(name), ContextInfo: ci}}, nil
}

func (w *WhatsApp) read(hash string) ([]byte, error) {
	f, err := w.media.Open(hash)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// classify turns a send error into the desk's terms: WhatsApp's 463 (no
// recent chat with that contact) and other refusals are never retried;
// a dropped connection or a timeout is.
func classify(err error) error {
	switch {
	case errors.Is(err, whatsmeow.ErrServerReturnedError):
		code := serverCode(err)
		switch {
		case code == 463:
			return &bot.PermanentError{Reason: bot.ReasonNoChat, Err: err}
		case code == 429:
			return &bot.RetryAfterError{After: time.Minute, Err: err}
		case code >= 400 && code < 500:
			return &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
		}
	case errors.Is(err, os.ErrNotExist):
		return &bot.PermanentError{Reason: bot.ReasonMedia, Err: err}
	}
	return fmt.Errorf("whatsapp: %w", err)
}

// serverCode reads the code of whatsmeow's "server returned error N".
func serverCode(err error) int {
	msg := err.Error()
	i := strings.LastIndex(msg, whatsmeow.ErrServerReturnedError.Error())
	if i < 0 {
		return 0
	}
	fields := strings.Fields(msg[i+len(whatsmeow.ErrServerReturnedError.Error()):])
	if len(fields) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimRight(fields[0], ":,"))
	return n
}

// ReadyIn tells the sender how long a chat must wait for its next message.
func (w *WhatsApp) ReadyIn(chat flows.Chat) time.Duration { return w.pace.readyIn(chat.ID) }

// pacer keeps sends below what gets a number restricted: a least time
// between two messages to one chat, a cap overall, a little jitter.
type pacer struct {
	perChat time.Duration
	jitter  time.Duration
	now     func() time.Time
	overall *rate.Limiter
	mu      sync.Mutex
	next    map[string]time.Time
}

func newPacer(perChat time.Duration, perMinute int, jitter time.Duration, now func() time.Time) *pacer {
	return &pacer{perChat: perChat, jitter: jitter, now: now, next: map[string]time.Time{},
		overall: rate.NewLimiter(rate.Limit(float64(perMinute)/60), max(1, perMinute/10))}
}

func (p *pacer) readyIn(chat string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	wait := p.next[chat].Sub(now)
	if t := p.overall.TokensAt(now); t < 1 {
		wait = max(wait, time.Duration((1-t)/float64(p.overall.Limit())*float64(time.Second)))
	}
	return max(wait, 0)
}

// wait blocks until chat may get its next message, and books it.
func (p *pacer) wait(ctx context.Context, chat string) error {
	for {
		d := p.readyIn(chat)
		if d <= 0 {
			p.mu.Lock()
			now := p.now()
			if p.next[chat].After(now) || p.overall.TokensAt(now) < 1 {
				p.mu.Unlock()
				continue // another send took the slot
			}
			p.overall.AllowN(now, 1)
			gap := p.perChat
			if p.jitter > 0 {
				gap += rand.N(p.jitter)
			}
			p.next[chat] = now.Add(gap)
			if len(p.next) > 10000 {
				for k, t := range p.next {
					if t.Before(now) {
						delete(p.next, k)
					}
				}
			}
			p.mu.Unlock()
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
