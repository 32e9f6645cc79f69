// Package telegram connects the desk to Telegram through the Bot API, with
// github.com/go-telegram/bot for the calls. It polls getUpdates itself, so
// that an update is confirmed to Telegram only after the desk stored it.
package telegram

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

var (
	_ bot.Receiver = (*Telegram)(nil)
	_ bot.Pacer    = (*Telegram)(nil)
)

// Limits are the sending rates the adapter keeps to.
type Limits struct {
	// Global is for all chats together (Telegram: about 30 messages/s).
	Global      rate.Limit
	GlobalBurst int
	// ChatRate is for one private chat (about 1/s, short bursts allowed).
	ChatRate  rate.Limit
	ChatBurst int
	// GroupRate is for one group (20 messages a minute).
	GroupRate  rate.Limit
	GroupBurst int
}

// DefaultLimits keep a little under Telegram's documented limits for bots
// (30 messages/s overall, about 1/s per chat, 20 a minute per group), so
// that timing jitter on the way never makes the bot exceed them.
func DefaultLimits() Limits {
	return Limits{
		Global: 29, GlobalBurst: 5,
		ChatRate: 1, ChatBurst: 2,
		GroupRate: rate.Every(3100 * time.Millisecond), GroupBurst: 1,
	}
}

// Config is how to reach the Bot API.
type Config struct {
	Token string
	// APIURL is the Bot API base URL, https://api.telegram.org by default;
	// a self-hosted Bot API server or a test server otherwise.
	APIURL string
	// PollTimeout is getUpdates' long-poll timeout (default 30 s).
	PollTimeout time.Duration
	// ConflictTimeout is how long getUpdates may answer 409 Conflict
	// before Run gives up (default 1 minute).
	ConflictTimeout time.Duration
	Limits          Limits
	// WebhookURL, when set, has Telegram push updates to this public URL
	// (set with setWebhook at start) instead of aduan polling for them;
	// WebhookHandler serves it. Empty: polling, and a webhook left from
	// before is deleted at start.
	WebhookURL string
	// WebhookSecret is the secret_token Telegram sends with each update
	// (1–256 of A–Z, a–z, 0–9, _ and -); random at each start when empty.
	WebhookSecret string
	// HTTPClient makes the requests; a client with sane timeouts by default.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Desk is what the adapter needs of the desk.
type Desk interface {
	Accept(ctx context.Context, channel string, rs []store.Received) error
	// LogChat names a chat for the logs without personal data.
	LogChat(chat flows.Chat) string
}

// logChat names a Telegram chat for the logs (see Desk.LogChat).
func (t *Telegram) logChat(id int64) string {
	if t.desk == nil { // sending only, with no desk to ask: name no one
		return ChannelName + ":~"
	}
	return t.desk.LogChat(flows.Chat{Channel: ChannelName, ID: strconv.FormatInt(id, 10)})
}

// Telegram is the Telegram channel.
type Telegram struct {
	cfg     Config
	api     *tg.Bot
	http    *http.Client
	desk    Desk
	media   *store.Media
	log     *slog.Logger
	limits  Limits
	global  *rate.Limiter
	answers chan string

	// me is the bot itself, learned with getMe at start.
	meMu sync.RWMutex
	me   models.User

	// down says why the channel is not connected now; nil when the last
	// getUpdates succeeded.
	downMu sync.Mutex
	down   error

	mu      sync.Mutex
	chats   map[int64]*chatLimit
	sweepAt int
	// fileIDs maps a stored photo's hash to the file id Telegram gave it,
	// so it is not uploaded again; bounded, least recently used goes.
	fileIDs *lru.Cache[string, string]
}

// fileIDCacheSize bounds the file id cache.
const fileIDCacheSize = 10000

// New makes the channel. It does not reach the network.
func New(cfg Config, desk Desk, media *store.Media) (*Telegram, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("telegram: empty token")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.telegram.org"
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.ConflictTimeout <= 0 {
		cfg.ConflictTimeout = time.Minute
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.PollTimeout + 30*time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.WebhookURL != "" {
		if _, err := WebhookPath(cfg.WebhookURL); err != nil {
			return nil, err
		}
		if cfg.WebhookSecret == "" {
			cfg.WebhookSecret = rand.Text()
		} else if !validSecret(cfg.WebhookSecret) {
			return nil, errors.New("telegram: webhook secret: use 1 to 256 of A-Z, a-z, 0-9, _ and -")
		}
	}
	fileIDs, err := lru.New[string, string](fileIDCacheSize)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	api, err := tg.New(cfg.Token,
		tg.WithServerURL(cfg.APIURL),
		tg.WithSkipGetMe(),
		tg.WithHTTPClient(cfg.PollTimeout, cfg.HTTPClient),
		tg.WithErrorsHandler(func(err error) { cfg.Logger.Error("telegram library", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	return &Telegram{
		cfg: cfg, api: api, http: cfg.HTTPClient, desk: desk, media: media,
		log: cfg.Logger.With("channel", ChannelName), limits: cfg.Limits,
		global:  rate.NewLimiter(cfg.Limits.Global, cfg.Limits.GlobalBurst),
		answers: make(chan string, 256),
		chats:   map[int64]*chatLimit{},
		fileIDs: fileIDs,
		down:    errors.New("not connected yet"),
	}, nil
}

// Name is the channel's name in flows.Chat.
func (t *Telegram) Name() string { return ChannelName }

// ErrUnauthorized means the Bot API rejected the token.
var ErrUnauthorized = errors.New("telegram rejected the bot token: check telegram.token (ADUAN_TELEGRAM_TOKEN) and telegram.api_url")

// Ready reports whether the channel is connected: nil once getUpdates
// answers, else why not.
func (t *Telegram) Ready() error {
	t.downMu.Lock()
	defer t.downMu.Unlock()
	return t.down
}

func (t *Telegram) setDown(err error) {
	t.downMu.Lock()
	t.down = err
	t.downMu.Unlock()
}

// ErrConflict means getUpdates kept answering 409 Conflict: a webhook is
// set, or another process polls with the same token.
var ErrConflict = errors.New("telegram: getUpdates conflict")

// Run learns who the bot is (getMe), then polls for updates until ctx
// ends. Each batch is stored in the desk's inbox before the next
// getUpdates confirms it; the desk handles it afterwards, per chat in
// order. It returns nil when ctx ends, ErrUnauthorized when the token is
// rejected, and ErrConflict when another poller or a webhook holds the
// updates.
func (t *Telegram) Run(ctx context.Context) error {
	if err := t.getMe(ctx); err != nil || ctx.Err() != nil {
		t.setDown(err)
		return err
	}
	for range 4 {
		go t.answerLoop(ctx)
	}
	if t.cfg.WebhookURL != "" {
		return t.runWebhook(ctx)
	}
	if err := t.leaveWebhook(ctx); err != nil || ctx.Err() != nil {
		t.setDown(err)
		return err
	}
	// offset is sent only to confirm the batch just received: update ids
	// may restart lower after a week without updates, and an offset from
	// before would confirm (and lose) them. Redeliveries after a restart
	// are skipped by the stored update keys.
	var offset int64
	failures := 0
	var conflictSince time.Time
	for ctx.Err() == nil {
		raw, err := t.getUpdates(ctx, offset)
		if ctx.Err() != nil {
			return nil
		}
		t.setDown(err)
		var retry *bot.RetryAfterError
		switch {
		case errors.Is(err, ErrUnauthorized):
			return err
		case errors.Is(err, ErrConflict):
			if conflictSince.IsZero() {
				conflictSince = time.Now()
			}
			if time.Since(conflictSince) >= t.cfg.ConflictTimeout {
				return conflictAdvice(err)
			}
			t.log.Warn("getUpdates conflict", "err", err)
			sleep(ctx, min(2*time.Second, t.cfg.ConflictTimeout/4))
			continue
		case errors.As(err, &retry):
			t.log.Warn("getUpdates rate limited", "retry_after", retry.After)
			sleep(ctx, retry.After)
			continue
		case err != nil:
			failures++
			t.log.Error("getUpdates failed", "err", err, "failures", failures)
			sleep(ctx, pollBackoff(failures))
			continue
		}
		failures, conflictSince, offset = 0, time.Time{}, 0
		if len(raw) == 0 {
			continue
		}
		rs, callbacks, last := t.receive(raw)
		if err := t.desk.Accept(ctx, ChannelName, rs); err != nil {
			failures++
			t.log.Error("store updates, will fetch them again", "err", err)
			sleep(ctx, pollBackoff(failures))
			continue
		}
		offset = last + 1
		for _, id := range callbacks {
			select {
			case t.answers <- id:
			default: // a flood of button presses: the spinners time out
			}
		}
	}
	return nil
}

func conflictAdvice(err error) error {
	if strings.Contains(strings.ToLower(err.Error()), "webhook") {
		return fmt.Errorf("%w: a webhook is set for this bot; remove it (Bot API deleteWebhook) so aduan can poll: %v", ErrConflict, err)
	}
	return fmt.Errorf("%w: another program polls with this bot's token; stop it, or give aduan its own bot: %v", ErrConflict, err)
}

// getMe asks who the bot is, retrying network failures until ctx ends.
func (t *Telegram) getMe(ctx context.Context) error {
	for failures := 1; ; failures++ {
		var me *models.User
		err := t.do(ctx, func(ctx context.Context) (err error) {
			me, err = t.api.GetMe(ctx)
			return err
		})
		switch {
		case err == nil:
			t.meMu.Lock()
			t.me = *me
			t.meMu.Unlock()
			t.log.Info("connected", "bot", "@"+me.Username)
			return nil
		case errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound):
			return ErrUnauthorized
		}
		t.log.Error("getMe failed, will retry", "err", redact(err, t.cfg.Token))
		sleep(ctx, pollBackoff(failures))
		if ctx.Err() != nil {
			return nil
		}
	}
}

func (t *Telegram) self() models.User {
	t.meMu.RLock()
	defer t.meMu.RUnlock()
	return t.me
}

// answerLoop answers button presses, so the client stops its spinner. It
// runs beside intake: a slow answer holds up nobody.
func (t *Telegram) answerLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-t.answers:
			err := t.do(ctx, func(ctx context.Context) error {
				_, err := t.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id})
				return err
			})
			if err != nil {
				t.log.Warn("answerCallbackQuery", "err", err)
			}
		}
	}
}

func pollBackoff(failures int) time.Duration {
	return min(100*time.Millisecond<<min(failures, 10), 30*time.Second)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// receive turns a batch into inbox entries: each update decoded on its
// own, so one the library cannot read costs only itself. It returns the
// callback queries to answer and the id of the batch's last update.
func (t *Telegram) receive(raw []json.RawMessage) (rs []store.Received, callbacks []string, last int64) {
	for _, r := range raw {
		var head struct {
			ID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(r, &head); err != nil {
			t.log.Error("update without an id, skipped", "err", err)
			continue
		}
		last = head.ID
		key := updateKey(head.ID)
		var u models.Update
		if err := json.Unmarshal(r, &u); err != nil {
			chat, ok := peekChat(r)
			t.log.Error("update cannot be decoded; its sender is asked again", "update", head.ID, "chat", t.logChat(chat), "err", err)
			if ok {
				rs = append(rs, store.Received{Key: key, Queue: strconv.FormatInt(chat, 10), Payload: r})
			}
			continue
		}
		c, ok := convert(&u, t.self())
		if !ok {
			continue
		}
		rs = append(rs, store.Received{Key: key, Queue: c.in.Chat.ID, Payload: r})
		if c.callbackID != "" {
			callbacks = append(callbacks, c.callbackID)
		}
	}
	return rs, callbacks, last
}

// maxFetchTries is how often a photo download is tried before the citizen
// is asked to send it again.
const maxFetchTries = 5

// Convert turns a stored update into the desk's terms, downloading its
// photo. An update the library cannot decode becomes a message the desk
// answers with a prompt.
func (t *Telegram) Convert(ctx context.Context, payload []byte, attempt int) (*bot.Inbound, error) {
	var u models.Update
	if err := json.Unmarshal(payload, &u); err != nil {
		chat, ok := peekChat(payload)
		if !ok {
			return nil, nil
		}
		return &bot.Inbound{Chat: MakeChat(chat), Private: chat > 0, Input: flows.Input{Kind: flows.InputOther, Other: flows.OtherUnknown}}, nil
	}
	c, ok := convert(&u, t.self())
	if !ok {
		return nil, nil
	}
	if c.file == nil {
		return &c.in, nil
	}
	if c.file.kind != "" {
		return t.convertFile(ctx, u.ID, c, attempt)
	}
	hash, err := t.download(ctx, c.file.id, c.file.size, true)
	var perm *bot.PermanentError
	switch {
	case err == nil:
		c.in.Input.Photos = []string{hash}
		t.fileIDs.Add(hash, c.file.id)
	case errors.Is(err, store.ErrNotImage):
		t.log.Warn("photo cannot be read", "update", u.ID, "err", err)
		c.in.Input.Kind, c.in.Input.Other = flows.InputOther, flows.OtherBadPhoto
	case errors.Is(err, store.ErrTooLarge) || errors.As(err, &perm):
		t.log.Warn("photo not taken", "update", u.ID, "err", err)
		c.in.Input.Kind, c.in.Input.Other = flows.InputOther, flows.OtherTooLarge
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case attempt < maxFetchTries:
		return nil, fmt.Errorf("download photo of update %d: %w", u.ID, err)
	default:
		t.log.Error("photo download keeps failing, asking the citizen again", "update", u.ID, "err", err)
		c.in.Input.Kind, c.in.Input.Other = flows.InputOther, flows.OtherTooLarge
	}
	return &c.in, nil
}

// convertFile fetches an admin's document, video, voice note or audio so
// it can be relayed. One that cannot be fetched is left out: the desk then
// tells the admin it was not sent.
func (t *Telegram) convertFile(ctx context.Context, update int64, c converted, attempt int) (*bot.Inbound, error) {
	f := c.file
	hash, err := t.download(ctx, f.id, f.size, false)
	var perm *bot.PermanentError
	switch {
	case err == nil:
		c.in.Input.Files = []flows.File{{Hash: hash, Kind: f.kind, Name: f.name, MIME: f.mime}}
	case errors.Is(err, store.ErrTooLarge) || errors.As(err, &perm):
		t.log.Warn("file not taken", "update", update, "err", err)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case attempt < maxFetchTries:
		return nil, fmt.Errorf("download file of update %d: %w", update, err)
	default:
		t.log.Error("file download keeps failing; the admin is told it was not sent", "update", update, "err", err)
	}
	return &c.in, nil
}

// download fetches a file with getFile and keeps it in the media store; a
// photo must be a readable image.
func (t *Telegram) download(ctx context.Context, fileID string, size int64, photo bool) (string, error) {
	var f *models.File
	err := t.do(ctx, func(ctx context.Context) (err error) {
		f, err = t.api.GetFile(ctx, &tg.GetFileParams{FileID: fileID})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("getFile: %w", err)
	}
	if f.FileSize > maxDownload {
		return "", store.ErrTooLarge
	}
	if f.FilePath == "" {
		return "", &bot.PermanentError{Reason: bot.ReasonRejected, Err: errors.New("getFile gave no file_path")}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.api.FileDownloadLink(f), nil)
	if err != nil {
		return "", err
	}
	resp, err := t.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("download file: %w", redact(err, t.cfg.Token))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("download file: HTTP %d", resp.StatusCode)
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusBadRequest {
			return "", &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
		}
		return "", err
	}
	if photo {
		return t.media.PutImage(resp.Body, maxDownload)
	}
	return t.media.Put(resp.Body, maxDownload)
}

func redact(err error, token string) error {
	return errors.New(strings.ReplaceAll(err.Error(), token, "***"))
}

// getUpdatesRequest is the getUpdates call, sent as JSON.
type getUpdatesRequest struct {
	Offset         int64    `json:"offset,omitempty"`
	Timeout        int      `json:"timeout"`
	AllowedUpdates []string `json:"allowed_updates"`
}

type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// getUpdates long-polls the Bot API. go-telegram/bot has no public call
// for it (its own poller confirms updates before they are handled), so
// this one request is made here. Updates come back undecoded, one by one.
func (t *Telegram) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	body, err := json.Marshal(getUpdatesRequest{
		Offset: offset, Timeout: int(t.cfg.PollTimeout / time.Second),
		AllowedUpdates: []string{"message", "edited_message", "callback_query"},
	})
	if err != nil {
		return nil, err
	}
	url := t.cfg.APIURL + "/bot" + t.cfg.Token + "/getUpdates"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", redact(err, t.cfg.Token))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", redact(err, t.cfg.Token))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: read: %w", err)
	}
	var r apiResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d, bad response: %w", resp.StatusCode, err)
	}
	if !r.OK {
		switch r.ErrorCode {
		case http.StatusUnauthorized, http.StatusNotFound:
			return nil, ErrUnauthorized
		case http.StatusConflict:
			return nil, fmt.Errorf("%w: %s", ErrConflict, r.Description)
		case http.StatusTooManyRequests:
			return nil, &bot.RetryAfterError{After: time.Duration(max(r.Parameters.RetryAfter, 1)) * time.Second, Err: errors.New(r.Description)}
		}
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	var updates []json.RawMessage
	if err := json.Unmarshal(r.Result, &updates); err != nil {
		return nil, fmt.Errorf("getUpdates: result is not a list: %w", err)
	}
	return updates, nil
}
