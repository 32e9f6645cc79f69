// Package whatsapp is the WhatsApp channel, over go.mau.fi/whatsmeow as a
// linked device of the regency's number. Citizens write in private chats;
// admins work in groups, answering by quoting the bot's posts. Whatsmeow
// is reached through Client, so tests fake it.
package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

// ChannelName is the channel's name in flows.Chat.
const ChannelName = "whatsapp"

// Caps are WhatsApp's capabilities for a linked device: interactive
// buttons do not render, so choices are a numbered list, a location is a
// shared pin, and commands are words.
var Caps = flows.Caps{}

// Client is what the channel needs of *whatsmeow.Client.
type Client interface {
	SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error)
	Download(ctx context.Context, msg whatsmeow.DownloadableMessage) ([]byte, error)
	Upload(ctx context.Context, plaintext []byte, appInfo whatsmeow.MediaType) (whatsmeow.UploadResponse, error)
	IsConnected() bool
}

var _ Client = (*whatsmeow.Client)(nil)

// Desk is what the channel needs of the desk.
type Desk interface {
	Accept(ctx context.Context, channel string, rs []store.Received) error
	Alert(ctx context.Context, from, reason string) error
}

// Config tunes the channel.
type Config struct {
	// Phone and LID are the linked number's users (from the device
	// store), to tell quotes of the bot's own messages.
	Phone, LID string
	// LateAfter: a message this old that arrives in the backlog after a
	// reconnect gets one apology per chat, not an answer each (default
	// 10 minutes).
	LateAfter time.Duration
	// PerChat is the least time between two messages to one chat (default
	// 3 s); PerMinute caps messages overall (default 20); Jitter adds up to
	// this much at random to each wait (default 1 s).
	PerChat   time.Duration
	PerMinute int
	Jitter    time.Duration
	// TellAfter is how long a lost connection may take to come back
	// before the coordinators are told (default 45 s: within a minute).
	TellAfter time.Duration
	// MaxMedia caps a download (default 20 MB).
	MaxMedia int64
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// WhatsApp is the WhatsApp channel.
type WhatsApp struct {
	cfg   Config
	cli   Client
	desk  Desk
	flows *flows.Config
	store *store.Store
	media *store.Media
	log   *slog.Logger
	me    self
	pace  *pacer

	// syncing is set between OfflineSyncPreview and OfflineSyncCompleted.
	syncing atomic.Bool
	mu      sync.Mutex
	// apologized are the chats that got their late-message apology in
	// this backlog.
	apologized map[string]bool
	// down says why the link is not usable now, nil when it is; told says
	// which trouble the coordinators were told of.
	down error
	told string
	// senders remembers who sent a group message, to quote it; chats
	// remembers where a citizen's messages came from (Info.Chat).
	senders *lru.Cache[string, string]
	chats   *lru.Cache[string, string]
}

var (
	_ bot.Receiver = (*WhatsApp)(nil)
	_ bot.Pacer    = (*WhatsApp)(nil)
	_ bot.Checker  = (*WhatsApp)(nil)
)

// New makes the channel over a client. Register HandleEvent with the
// client's AddEventHandlerWithSuccessStatus, and set the client's
// SynchronousAck and EnableDecryptedEventBuffer, before connecting.
func New(cfg Config, cli Client, desk Desk, fc *flows.Config, st *store.Store, media *store.Media) (*WhatsApp, error) {
	if cfg.LateAfter <= 0 {
		cfg.LateAfter = 10 * time.Minute
	}
	if cfg.PerChat <= 0 {
		cfg.PerChat = 3 * time.Second
	}
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = 20
	}
	if cfg.Jitter < 0 {
		cfg.Jitter = 0
	}
	if cfg.TellAfter <= 0 {
		cfg.TellAfter = 45 * time.Second
	}
	if cfg.MaxMedia <= 0 {
		cfg.MaxMedia = 20 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	senders, err := lru.New[string, string](10000)
	if err != nil {
		return nil, err
	}
	chats, err := lru.New[string, string](10000)
	if err != nil {
		return nil, err
	}
	return &WhatsApp{cfg: cfg, cli: cli, desk: desk, flows: fc, store: st, media: media,
		log: cfg.Logger.With("channel", ChannelName), me: self{Phone: cfg.Phone, LID: cfg.LID},
		pace: newPacer(cfg.PerChat, cfg.PerMinute, cfg.Jitter, cfg.Now), apologized: map[string]bool{},
		down: errors.New("not connected yet"), senders: senders, chats: chats}, nil
}

// Name is the channel's name in flows.Chat.
func (w *WhatsApp) Name() string { return ChannelName }

// Ready reports whether the link works: nil when connected, else why not.
func (w *WhatsApp) Ready() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.down
}

// HandleEvent takes whatsmeow's events. It reports false when a message
// could not be stored, so WhatsApp delivers it again; everything else is
// true. A panic becomes false, never a crash.
func (w *WhatsApp) HandleEvent(evt any) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			w.log.Error("event handler panicked; the message will be delivered again", "event", fmt.Sprintf("%T", evt), "panic", r)
			ok = false
		}
	}()
	switch e := evt.(type) {
	case *events.Message:
		return w.receive(e)
	case *events.OfflineSyncPreview:
		w.syncing.Store(true)
		w.log.Info("receiving the backlog", "messages", e.Messages)
	case *events.OfflineSyncCompleted:
		w.syncing.Store(false)
		w.mu.Lock()
		clear(w.apologized)
		w.mu.Unlock()
	case *events.Connected, *events.KeepAliveRestored:
		w.up()
	case *events.Disconnected:
		w.disconnected()
	case *events.KeepAliveTimeout:
		if e.ErrorCount >= 3 {
			w.setDown(fmt.Errorf("no answer to keep-alive pings since %s", e.LastSuccess.Format(time.RFC3339)), true)
		}
	case *events.LoggedOut:
		w.setDown(fmt.Errorf("the device was unlinked (%s); link it again with: aduan whatsapp login", e.Reason), true)
	case *events.StreamReplaced:
		w.setDown(errors.New("another program connected with this device's keys; stop it, or unlink and link again"), true)
	case *events.TemporaryBan:
		w.setDown(fmt.Errorf("WhatsApp banned the number for a while (code %d: %s), for %s", int(e.Code), e.Code, e.Expire), true)
	case *events.ClientOutdated:
		w.setDown(errors.New("WhatsApp refuses this client version; update aduan"), true)
	case *events.ConnectFailure:
		w.setDown(fmt.Errorf("connection refused (%d: %s)", int(e.Reason), e.Message), true)
	case *events.NotifyAccountReachoutTimelock:
		if e.IsActive {
			w.setDown(fmt.Errorf("WhatsApp holds the number back from writing to new contacts (%s) until %s",
				e.EnforcementType, e.TimeEnforcementEnds.Time.Format(time.RFC3339)), true)
		} else {
			w.up()
		}
	}
	return true
}

// ErrNotLinked means no device is linked to a number yet.
var ErrNotLinked = errors.New("no WhatsApp number is linked; run: aduan whatsapp login")

// NotLinked marks the channel as waiting for a linked device: messages
// for WhatsApp wait in the outbox, the other channels go on.
func (w *WhatsApp) NotLinked() {
	w.mu.Lock()
	w.down = ErrNotLinked
	w.mu.Unlock()
}

// ConnectFailed marks the channel as down after a first connection that
// will not be tried again (whatsmeow retries only network trouble), and
// tells the coordinators.
func (w *WhatsApp) ConnectFailed(err error) {
	w.setDown(fmt.Errorf("cannot connect (%w); restart aduan once that is fixed", err), true)
}

// disconnected marks the link as lost. Whatsmeow reconnects by itself; if
// it has not within TellAfter, the coordinators are told.
func (w *WhatsApp) disconnected() {
	w.mu.Lock()
	if errors.Is(w.down, errDisconnected) || w.told != "" || errors.Is(w.down, ErrNotLinked) {
		// Already lost and timed, or a trouble the coordinators were told
		// of: that is what the channel goes on showing.
		w.mu.Unlock()
		return
	}
	since := w.cfg.Now()
	err := fmt.Errorf("%w since %s; reconnecting", errDisconnected, since.Format(time.RFC3339))
	w.down = err
	w.mu.Unlock()
	w.log.Warn("link interrupted", "reason", err)
	time.AfterFunc(w.cfg.TellAfter, func() {
		w.mu.Lock()
		still := w.down == err
		w.mu.Unlock()
		if still {
			w.setDown(fmt.Errorf("disconnected for %s and not yet back; whatsmeow keeps trying", w.cfg.TellAfter), true)
		}
	})
}

// errDisconnected is the link lost, and being made again.
var errDisconnected = errors.New("disconnected")

func (w *WhatsApp) up() {
	w.mu.Lock()
	was := w.down
	w.down, w.told = nil, ""
	w.mu.Unlock()
	if was != nil {
		w.log.Info("connected")
	}
}

// setDown records why the link is not usable. Trouble that needs the
// operator is logged and told to the coordinators on the other channels,
// once per kind of trouble.
func (w *WhatsApp) setDown(err error, tell bool) {
	w.mu.Lock()
	w.down = err
	first := tell && w.told != err.Error()
	if first {
		w.told = err.Error()
	}
	w.mu.Unlock()
	if !tell {
		w.log.Warn("link interrupted", "reason", err)
		return
	}
	if !first {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := w.desk.Alert(ctx, ChannelName, err.Error()); err != nil {
			w.log.Error("tell the coordinators", "err", err)
		}
	}()
}

// receive stores one message for the desk, before WhatsApp is told it
// arrived.
func (w *WhatsApp) receive(e *events.Message) bool {
	if why := skip(e, w.flows.IsAdminChat); why != "" {
		w.log.Debug("message ignored", "id", e.Info.ID, "why", why)
		return true
	}
	late := w.syncing.Load() && w.cfg.Now().Sub(e.Info.Timestamp) > w.cfg.LateAfter
	apology := false
	src := e.Info.MessageSource
	key := citizenKey(src).String()
	if src.Chat.Server == types.GroupServer {
		w.senders.Add(e.Info.ID, src.Sender.ToNonAD().String())
	} else {
		w.chats.Add(key, src.Chat.ToNonAD().String())
	}
	if late {
		w.mu.Lock()
		apology = !w.apologized[key]
		w.apologized[key] = true
		w.mu.Unlock()
	}
	r, err := received(e, late, apology)
	if err != nil {
		w.log.Error("message cannot be stored", "id", e.Info.ID, "err", err)
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.desk.Accept(ctx, ChannelName, []store.Received{r}); err != nil {
		w.log.Error("store message; WhatsApp will deliver it again", "id", e.Info.ID, "err", err)
		if apology {
			w.mu.Lock()
			delete(w.apologized, key)
			w.mu.Unlock()
		}
		return false
	}
	return true
}

// maxFetchTries is how often media is tried before the citizen is asked
// to send it again.
const maxFetchTries = 4

// Convert turns a stored message into the desk's terms, downloading its
// photo or an admin's file.
func (w *WhatsApp) Convert(ctx context.Context, data []byte, attempt int) (*bot.Inbound, error) {
	var p payload
	if err := json.Unmarshal(data, &p); err != nil {
		w.log.Error("stored message unreadable, skipped", "err", err)
		return nil, nil
	}
	var msg waE2E.Message
	if err := proto.Unmarshal(p.Message, &msg); err != nil {
		w.log.Error("stored message unreadable, skipped", "id", p.ID, "err", err)
		return nil, nil
	}
	in, f := convert(p, &msg, w.me)
	if in == nil || f == nil {
		return in, nil
	}
	hash, err := w.fetch(ctx, f)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotImage):
		in.Input.Kind, in.Input.Other, in.Input.Photos = flows.InputOther, flows.OtherBadPhoto, nil
		return in, nil
	case errors.Is(err, store.ErrTooLarge) || attempt >= maxFetchTries:
		w.log.Warn("media not fetched; the sender is asked again", "id", p.ID, "err", err)
		in.Input.Kind, in.Input.Other = flows.InputOther, flows.OtherTooLarge
		return in, nil
	default:
		return nil, fmt.Errorf("fetch media of %s: %w", p.ID, err)
	}
	if f.kind == "photo" {
		in.Input.Photos = []string{hash}
	} else {
		in.Input.Files = []flows.File{{Hash: hash, Kind: f.kind, Name: f.name, MIME: f.mime}}
	}
	return in, nil
}

// fetch downloads media into the store by its hash.
func (w *WhatsApp) fetch(ctx context.Context, f *fetch) (string, error) {
	if f.size > uint64(w.cfg.MaxMedia) {
		return "", store.ErrTooLarge
	}
	data, err := w.cli.Download(ctx, f.media)
	if err != nil {
		return "", err
	}
	if f.kind == "photo" {
		return w.media.PutImage(bytes.NewReader(data), w.cfg.MaxMedia)
	}
	return w.media.Put(bytes.NewReader(data), w.cfg.MaxMedia)
}
