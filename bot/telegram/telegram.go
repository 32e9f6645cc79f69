// Package telegram connects the desk to Telegram through the Bot API, with
// github.com/go-telegram/bot for the calls. It polls getUpdates itself, so
// that an update is confirmed to Telegram only after the desk stored it.
package telegram

import (
	"bytes"
	"context"
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
	"golang.org/x/time/rate"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

var _ bot.Channel = (*Telegram)(nil)

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

// DefaultLimits are Telegram's documented limits for bots.
func DefaultLimits() Limits {
	return Limits{
		Global: 30, GlobalBurst: 30,
		ChatRate: 1, ChatBurst: 3,
		GroupRate: rate.Every(time.Minute / 20), GroupBurst: 5,
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
	Limits      Limits
	// HTTPClient makes the requests; a client with sane timeouts by default.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Desk is what the adapter needs of the desk.
type Desk interface {
	Handle(ctx context.Context, in bot.Inbound) error
}

// Telegram is the Telegram channel.
type Telegram struct {
	cfg    Config
	api    *tg.Bot
	http   *http.Client
	desk   Desk
	store  *store.Store
	media  *store.Media
	log    *slog.Logger
	limits Limits
	global *rate.Limiter

	mu      sync.Mutex
	chats   map[int64]*rate.Limiter
	fileIDs map[string]string
}

// metaOffset is the store key of the next getUpdates offset.
const metaOffset = "telegram.offset"

// New makes the channel. It does not reach the network.
func New(cfg Config, desk Desk, st *store.Store, media *store.Media) (*Telegram, error) {
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
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.PollTimeout + 30*time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
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
		cfg: cfg, api: api, http: cfg.HTTPClient, desk: desk, store: st, media: media,
		log: cfg.Logger.With("channel", channelName), limits: cfg.Limits,
		global:  rate.NewLimiter(cfg.Limits.Global, cfg.Limits.GlobalBurst),
		chats:   map[int64]*rate.Limiter{},
		fileIDs: map[string]string{},
	}, nil
}

// Name is the channel's name in flows.Chat.
func (t *Telegram) Name() string { return channelName }

// ErrUnauthorized means the Bot API rejected the token.
var ErrUnauthorized = errors.New("telegram rejected the bot token: check telegram.token (ADUAN_TELEGRAM_TOKEN) and telegram.api_url")

// Run polls for updates until ctx ends. Each batch of updates is handled
// (concurrently across chats, in order within a chat) and stored before
// the next getUpdates confirms it. It returns nil when ctx ends, and
// ErrUnauthorized when the token is rejected.
func (t *Telegram) Run(ctx context.Context) error {
	offset, err := t.loadOffset()
	if err != nil {
		return err
	}
	failures := 0
	fetchFailures := map[int64]int{}
	for ctx.Err() == nil {
		updates, err := t.getUpdates(ctx, offset)
		if ctx.Err() != nil {
			return nil
		}
		var retry *bot.RetryAfterError
		switch {
		case errors.Is(err, ErrUnauthorized):
			return err
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
		failures = 0
		if len(updates) == 0 {
			continue
		}
		next, err := t.handleBatch(ctx, updates, fetchFailures)
		if next > offset {
			offset = next
			if err := t.saveOffset(offset); err != nil {
				t.log.Error("save update offset", "err", err)
			}
		}
		if err != nil && ctx.Err() == nil {
			failures++
			t.log.Error("handle updates, will retry", "err", err)
			sleep(ctx, pollBackoff(failures))
		}
	}
	return nil
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

func (t *Telegram) loadOffset() (int64, error) {
	var offset int64
	err := t.store.View(func(tx *store.Tx) error {
		v := tx.Meta(metaOffset)
		if v == "" {
			return nil
		}
		var err error
		offset, err = strconv.ParseInt(v, 10, 64)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("load telegram offset: %w", err)
	}
	return offset, nil
}

func (t *Telegram) saveOffset(offset int64) error {
	return t.store.Update(func(tx *store.Tx) error {
		return tx.SetMeta(metaOffset, strconv.FormatInt(offset, 10))
	})
}

// handleBatch hands a batch of updates to the desk: chats in parallel,
// each chat's updates in order. It returns the offset that confirms every
// update up to the first one that failed.
func (t *Telegram) handleBatch(ctx context.Context, updates []*models.Update, fetchFailures map[int64]int) (int64, error) {
	type job struct {
		u *models.Update
		c converted
	}
	byChat := map[string][]job{}
	var order []string
	for _, u := range updates {
		c, ok := convert(u)
		if !ok {
			continue
		}
		k := c.in.Chat.ID
		if _, seen := byChat[k]; !seen {
			order = append(order, k)
		}
		byChat[k] = append(byChat[k], job{u, c})
	}
	var (
		mu       sync.Mutex
		firstErr error
		failedAt int64 = -1
		wg       sync.WaitGroup
	)
	for _, k := range order {
		jobs := byChat[k]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, j := range jobs {
				err := t.handleOne(ctx, j.u, j.c, fetchFailures, &mu)
				if err != nil {
					mu.Lock()
					if failedAt < 0 || j.u.ID < failedAt {
						failedAt, firstErr = j.u.ID, err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if failedAt >= 0 {
		// Updates after the failed one that were handled are recorded and
		// will be skipped when Telegram sends them again.
		return failedAt, firstErr
	}
	return updates[len(updates)-1].ID + 1, nil
}

// maxFetchTries is how often a photo download is tried before the citizen
// is asked to send it again.
const maxFetchTries = 5

func (t *Telegram) handleOne(ctx context.Context, u *models.Update, c converted, fetchFailures map[int64]int, mu *sync.Mutex) error {
	if c.photo != nil {
		hash, err := t.download(ctx, c.photo.FileID)
		switch {
		case err == nil:
			c.in.Input.Photos = []string{hash}
			t.mu.Lock()
			t.fileIDs[hash] = c.photo.FileID
			t.mu.Unlock()
			mu.Lock()
			delete(fetchFailures, u.ID)
			mu.Unlock()
		case errors.Is(err, store.ErrTooLarge) || isPermanent(err):
			t.log.Warn("photo not taken", "update", u.ID, "err", err)
			c.in.Input.Kind, c.in.Input.Other = flows.InputOther, flows.OtherTooLarge
		default:
			mu.Lock()
			fetchFailures[u.ID]++
			n := fetchFailures[u.ID]
			mu.Unlock()
			if n < maxFetchTries {
				return fmt.Errorf("download photo of update %d: %w", u.ID, err)
			}
			t.log.Error("photo download keeps failing, asking the citizen again", "update", u.ID, "err", err)
			c.in.Input.Kind, c.in.Input.Other = flows.InputOther, flows.OtherTooLarge
		}
	}
	if err := t.desk.Handle(ctx, c.in); err != nil {
		return err
	}
	if c.callbackID != "" {
		// Answer every button press, so the client stops its spinner.
		err := t.do(ctx, func(ctx context.Context) error {
			_, err := t.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: c.callbackID})
			return err
		})
		if err != nil {
			t.log.Warn("answerCallbackQuery", "err", err)
		}
	}
	return nil
}

func isPermanent(err error) bool {
	var p *bot.PermanentError
	return errors.As(err, &p)
}

// download fetches a file with getFile and keeps it in the media store.
func (t *Telegram) download(ctx context.Context, fileID string) (string, error) {
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
		return "", fmt.Errorf("download file: %s", strings.ReplaceAll(err.Error(), t.cfg.Token, "***"))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("download file: HTTP %d", resp.StatusCode)
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusBadRequest {
			return "", &bot.PermanentError{Reason: bot.ReasonRejected, Err: err}
		}
		return "", err
	}
	return t.media.Put(resp.Body, maxDownload)
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
// this one request is made here.
func (t *Telegram) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
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
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %s", strings.ReplaceAll(err.Error(), t.cfg.Token, "***"))
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
		case http.StatusTooManyRequests:
			return nil, &bot.RetryAfterError{After: time.Duration(max(r.Parameters.RetryAfter, 1)) * time.Second, Err: errors.New(r.Description)}
		}
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	var updates []*models.Update
	if err := json.Unmarshal(r.Result, &updates); err != nil {
		return nil, fmt.Errorf("getUpdates: decode updates: %w", err)
	}
	return updates, nil
}
