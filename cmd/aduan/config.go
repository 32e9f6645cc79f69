package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.mau.fi/whatsmeow/types"
	"golang.org/x/crypto/bcrypt"

	"aduan/bot/telegram"
	"aduan/bot/web"
	"aduan/bot/whatsapp"
	"aduan/flows"
)

// fileConfig is config.yaml as written. Every scalar key can be overridden
// by ADUAN_<KEY> with dots as underscores.
type fileConfig struct {
	DataDir       string `mapstructure:"data_dir"`
	TicketPrefix  string `mapstructure:"ticket_prefix"`
	Timezone      string `mapstructure:"timezone"`
	LogLevel      string `mapstructure:"log_level"`
	LogFormat     string `mapstructure:"log_format"`
	Coordinator   string `mapstructure:"coordinator"`
	ShowAdminName bool   `mapstructure:"show_admin_name"`
	MaxPhotos     int    `mapstructure:"max_photos"`
	// FollowUpInterval and ThreadLimit keep one citizen from flooding an
	// admin group.
	FollowUpInterval time.Duration `mapstructure:"followup_interval"`
	ThreadLimit      int           `mapstructure:"thread_limit"`
	Description      struct {
		MinChars int `mapstructure:"min_chars"`
		MaxChars int `mapstructure:"max_chars"`
	} `mapstructure:"description"`
	HTTPAddr string `mapstructure:"http_addr"`
	Web      struct {
		Enabled       bool          `mapstructure:"enabled"`
		Title         string        `mapstructure:"title"`
		SecureCookies bool          `mapstructure:"secure_cookies"`
		PublicURL     string        `mapstructure:"public_url"`
		MaxPhotoMB    int           `mapstructure:"max_photo_mb"`
		ConsoleUsers  []consoleUser `mapstructure:"console_users"`
	} `mapstructure:"web"`
	Telegram struct {
		Token         string        `mapstructure:"token"`
		APIURL        string        `mapstructure:"api_url"`
		AdminChatID   int64         `mapstructure:"admin_chat_id"`
		AdminUserIDs  []string      `mapstructure:"admin_user_ids"`
		PollTimeout   time.Duration `mapstructure:"poll_timeout"`
		WebhookURL    string        `mapstructure:"webhook_url"`
		WebhookSecret string        `mapstructure:"webhook_secret"`
	} `mapstructure:"telegram"`
	WhatsApp struct {
		Enabled    bool          `mapstructure:"enabled"`
		AdminGroup string        `mapstructure:"admin_group"`
		LateAfter  time.Duration `mapstructure:"late_after"`
		PerChat    time.Duration `mapstructure:"per_chat"`
		PerMinute  int           `mapstructure:"per_minute"`
		Jitter     time.Duration `mapstructure:"jitter"`
	} `mapstructure:"whatsapp"`
	Offices []struct {
		ID             string `mapstructure:"id"`
		Name           string `mapstructure:"name"`
		TelegramChatID int64  `mapstructure:"telegram_chat_id"`
		WhatsAppGroup  string `mapstructure:"whatsapp_group"`
	} `mapstructure:"offices"`
	Categories []struct {
		ID               string        `mapstructure:"id"`
		Label            string        `mapstructure:"label"`
		Office           string        `mapstructure:"office"`
		PhotoRequired    bool          `mapstructure:"photo_required"`
		LocationRequired bool          `mapstructure:"location_required"`
		FirstResponse    time.Duration `mapstructure:"first_response"`
		RemindBefore     time.Duration `mapstructure:"remind_before"`
		Kind             string        `mapstructure:"kind"`
		Staff            string        `mapstructure:"staff"`
		PublicDesc       bool          `mapstructure:"public_description"`
		PublicLocation   bool          `mapstructure:"public_location"`
	} `mapstructure:"categories"`
	Public struct {
		MinSample int `mapstructure:"min_sample"`
	} `mapstructure:"public"`
	Metrics struct {
		Token string `mapstructure:"token"`
	} `mapstructure:"metrics"`
	// MaxOutboxAge makes /readyz fail while a message waits longer.
	MaxOutboxAge time.Duration `mapstructure:"max_outbox_age"`
	Prune        struct {
		InboundKeys time.Duration `mapstructure:"inbound_keys"`
		PostLinks   time.Duration `mapstructure:"post_links"`
	} `mapstructure:"prune"`
	Backup struct {
		Dir   string        `mapstructure:"dir"`
		Every time.Duration `mapstructure:"every"`
		Keep  int           `mapstructure:"keep"`
		Media bool          `mapstructure:"media"`
	} `mapstructure:"backup"`
	Deadlines struct {
		FirstResponse  time.Duration `mapstructure:"first_response"`
		RemindBefore   time.Duration `mapstructure:"remind_before"`
		ResolutionDays int           `mapstructure:"resolution_days"`
		WorkingDays    []string      `mapstructure:"working_days"`
		Holidays       []string      `mapstructure:"holidays"`
		ReopenWithin   time.Duration `mapstructure:"reopen_within"`
	} `mapstructure:"deadlines"`
	Emergency struct {
		Words   []string `mapstructure:"words"`
		Numbers []string `mapstructure:"numbers"`
	} `mapstructure:"emergency"`
	Privacy struct {
		Retention time.Duration `mapstructure:"retention"`
	} `mapstructure:"privacy"`
	DuplicateRadius float64           `mapstructure:"duplicate_radius"`
	Texts           map[string]string `mapstructure:"texts"`
}

// consoleUser is one entry of web.console_users.
type consoleUser struct {
	Name         string   `mapstructure:"name"`
	DisplayName  string   `mapstructure:"display_name"`
	PasswordHash string   `mapstructure:"password_hash"`
	Offices      []string `mapstructure:"offices"`
}

// defaults are the values of keys the file may leave out. Each is also
// where the environment can override it.
var defaults = map[string]any{
	"data_dir":                  "./data",
	"ticket_prefix":             "ADU",
	"timezone":                  "Asia/Jakarta",
	"log_level":                 "info",
	"log_format":                "text",
	"coordinator":               "diskominfo",
	"show_admin_name":           false,
	"max_photos":                5,
	"followup_interval":         "5m",
	"thread_limit":              100,
	"description.min_chars":     15,
	"description.max_chars":     2000,
	"http_addr":                 "127.0.0.1:8080",
	"web.enabled":               true,
	"web.title":                 "Aduan Masyarakat",
	"web.secure_cookies":        false,
	"web.public_url":            "",
	"web.max_photo_mb":          10,
	"telegram.token":            "",
	"telegram.api_url":          "https://api.telegram.org",
	"telegram.admin_chat_id":    0,
	"telegram.admin_user_ids":   nil, // no default: an env list "1,2" must reach the decoder as text
	"telegram.poll_timeout":     "30s",
	"telegram.webhook_url":      "",
	"telegram.webhook_secret":   "",
	"deadlines.first_response":  "24h",
	"deadlines.remind_before":   "2h",
	"deadlines.resolution_days": 5,
	"deadlines.working_days":    nil, // no default: an env list "mon,tue" must reach the decoder as text
	"deadlines.holidays":        nil,
	"deadlines.reopen_within":   "168h",
	"emergency.words":           nil, // lists: an env list "a,b" must reach the decoder as text
	"emergency.numbers":         nil,
	"privacy.retention":         "17520h",
	"duplicate_radius":          100,
	"public.min_sample":         10,
	"metrics.token":             "",
	"max_outbox_age":            "15m",
	"prune.inbound_keys":        "72h",
	"prune.post_links":          "8760h",
	"backup.dir":                "",
	"backup.every":              "24h",
	"backup.keep":               7,
	"backup.media":              true,
	"whatsapp.enabled":          false,
	"whatsapp.admin_group":      "",
	"whatsapp.late_after":       "10m",
	"whatsapp.per_chat":         "3s",
	"whatsapp.per_minute":       20,
	"whatsapp.jitter":           "1s",
}

// appConfig is the checked configuration the program runs with.
type appConfig struct {
	DataDir   string
	Location  *time.Location
	LogLevel  string
	LogFormat string
	// MaxOutboxAge: /readyz fails while a message waits longer (0: never).
	MaxOutboxAge time.Duration
	// KeepInbound and KeepPostLinks: what pruning keeps (see bot.Options).
	KeepInbound, KeepPostLinks time.Duration
	// Backup: scheduled copies into Backup.Dir ("" : none).
	Backup struct {
		Dir   string
		Every time.Duration
		Keep  int
		Media bool
	}
	HTTPAddr string
	Web      web.Config
	Telegram struct {
		Token         string
		APIURL        string
		PollTimeout   time.Duration
		WebhookURL    string
		WebhookSecret string
	}
	WhatsApp struct {
		Enabled bool
		whatsapp.Config
	}
	Flows flows.Config
}

// configPath picks the config file: the -config flag, else ADUAN_CONFIG,
// else ./config.yaml.
func configPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv("ADUAN_CONFIG"); p != "" {
		return p
	}
	return "config.yaml"
}

// loadConfig reads and checks the config file with its environment
// overrides. Errors name the key at fault.
func loadConfig(path string) (*appConfig, error) {
	if err := checkEnvironment(); err != nil {
		return nil, err
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	v.SetEnvPrefix("ADUAN")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if defaults[k] != nil {
			v.SetDefault(k, defaults[k])
		}
		if err := v.BindEnv(k); err != nil {
			return nil, fmt.Errorf("bind %s: %w", k, err)
		}
	}
	if err := secretFiles(v); err != nil {
		return nil, err
	}
	if err := v.ReadInConfig(); err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, fmt.Errorf("config file %s: %w (choose the file with -config PATH or ADUAN_CONFIG)", path, pathErr.Err)
		}
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	if data, err := os.ReadFile(path); err == nil {
		if err := checkFileKeys(data); err != nil {
			return nil, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	var fc fileConfig
	err := v.UnmarshalExact(&fc, func(dc *mapstructure.DecoderConfig) {
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		)
	})
	if err != nil {
		err = plainDecodeError(err)
		if err, fromEnv := blameEnvironment(err); fromEnv {
			return nil, err
		}
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	ac, err := fc.check()
	if err != nil {
		err, _ = blameEnvironment(err)
		return nil, err
	}
	// A relative data_dir is read from the config file's folder, so a start
	// from another working directory never opens an empty database (and
	// ticket numbers that start again at 000001).
	if !filepath.IsAbs(ac.DataDir) {
		dir, err := filepath.Abs(filepath.Dir(path))
		if err != nil {
			return nil, fmt.Errorf("data_dir: %w", err)
		}
		ac.DataDir = filepath.Join(dir, ac.DataDir)
	}
	if ac.Backup.Dir != "" && !filepath.IsAbs(ac.Backup.Dir) {
		dir, err := filepath.Abs(filepath.Dir(path))
		if err != nil {
			return nil, fmt.Errorf("backup.dir: %w", err)
		}
		ac.Backup.Dir = filepath.Join(dir, ac.Backup.Dir)
	}
	return ac, nil
}

// check turns the file's values into the running config, or an error that
// names the key at fault.
func (fc *fileConfig) check() (*appConfig, error) {
	ac := &appConfig{DataDir: fc.DataDir, LogLevel: fc.LogLevel, LogFormat: fc.LogFormat, MaxOutboxAge: fc.MaxOutboxAge}
	if fc.MaxOutboxAge < 0 {
		return nil, fmt.Errorf("max_outbox_age: %s must not be negative (0 turns the check off)", fc.MaxOutboxAge)
	}
	if p := fc.Prune; p.InboundKeys < 24*time.Hour {
		return nil, fmt.Errorf("prune.inbound_keys: %s must be at least 24h (platforms deliver a message again within a day)", p.InboundKeys)
	} else if p.PostLinks < 0 {
		return nil, fmt.Errorf("prune.post_links: %s must not be negative (0 keeps them all)", p.PostLinks)
	}
	ac.KeepInbound, ac.KeepPostLinks = fc.Prune.InboundKeys, fc.Prune.PostLinks
	if b := fc.Backup; b.Dir != "" {
		if b.Every < time.Second {
			return nil, fmt.Errorf("backup.every: %s must be at least 1s (24h is usual)", b.Every)
		}
		if b.Keep < 1 {
			return nil, fmt.Errorf("backup.keep: %d must be at least 1", b.Keep)
		}
		if filepath.Clean(b.Dir) == filepath.Clean(fc.DataDir) {
			return nil, errors.New("backup.dir: must not be data_dir itself; a backup belongs on another disk")
		}
		ac.Backup.Dir, ac.Backup.Every, ac.Backup.Keep, ac.Backup.Media = b.Dir, b.Every, b.Keep, b.Media
	}
	if fc.LogFormat != "text" && fc.LogFormat != "json" {
		return nil, fmt.Errorf("log_format: %q must be text or json", fc.LogFormat)
	}
	if strings.TrimSpace(fc.DataDir) == "" {
		return nil, errors.New("data_dir: must not be empty")
	}
	loc, err := time.LoadLocation(fc.Timezone)
	if err != nil {
		return nil, fmt.Errorf("timezone: %q is not a time zone (e.g. Asia/Jakarta): %w", fc.Timezone, err)
	}
	ac.Location = loc
	switch fc.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return nil, fmt.Errorf("log_level: %q must be debug, info, warn or error", fc.LogLevel)
	}
	tgc := fc.Telegram
	if tgc.Token != "" && !strings.Contains(tgc.Token, ":") {
		return nil, errors.New("telegram.token: does not look like a bot token (123456:ABC…, from @BotFather)")
	}
	if !strings.HasPrefix(tgc.APIURL, "http://") && !strings.HasPrefix(tgc.APIURL, "https://") {
		return nil, fmt.Errorf("telegram.api_url: %q must start with http:// or https://", tgc.APIURL)
	}
	if tgc.PollTimeout < time.Second || tgc.PollTimeout > 5*time.Minute {
		return nil, fmt.Errorf("telegram.poll_timeout: %s must be between 1s and 5m", tgc.PollTimeout)
	}
	if tgc.WebhookURL != "" {
		if _, err := telegram.WebhookPath(tgc.WebhookURL); err != nil {
			return nil, fmt.Errorf("telegram.webhook_url: %w", err)
		}
		if strings.HasPrefix(tgc.WebhookURL, "http://") && strings.Contains(tgc.APIURL, "api.telegram.org") {
			return nil, fmt.Errorf("telegram.webhook_url: %q: Telegram pushes only to https URLs (ports 443, 80, 88 or 8443); put a TLS proxy in front of aduan", tgc.WebhookURL)
		}
		if tgc.Token == "" {
			return nil, errors.New("telegram.webhook_url: set telegram.token too; the webhook is the bot's")
		}
	}
	if tgc.WebhookSecret != "" && !validWebhookSecret(tgc.WebhookSecret) {
		return nil, errors.New("telegram.webhook_secret: use 1 to 256 of A-Z, a-z, 0-9, _ and - (or leave it empty for a random one at each start)")
	}
	ac.Telegram.Token, ac.Telegram.APIURL, ac.Telegram.PollTimeout = tgc.Token, tgc.APIURL, tgc.PollTimeout
	ac.Telegram.WebhookURL, ac.Telegram.WebhookSecret = tgc.WebhookURL, tgc.WebhookSecret
	if err := fc.checkWeb(ac); err != nil {
		return nil, err
	}

	f := &ac.Flows
	f.Channels = map[string]flows.Caps{telegram.ChannelName: telegram.Caps, web.ChannelName: web.Caps, whatsapp.ChannelName: whatsapp.Caps}
	f.TicketPrefix = fc.TicketPrefix
	f.Coordinator = fc.Coordinator
	f.ShowAdminName = fc.ShowAdminName
	f.MaxPhotos = fc.MaxPhotos
	f.FollowUpInterval, f.ThreadLimit = fc.FollowUpInterval, fc.ThreadLimit
	f.DescriptionMin, f.DescriptionMax = fc.Description.MinChars, fc.Description.MaxChars
	if tgc.AdminChatID != 0 {
		f.CoordinatorChats = []flows.Chat{telegram.MakeChat(tgc.AdminChatID)}
	}
	if len(tgc.AdminUserIDs) > 0 {
		f.AdminUsers = map[string]bool{}
		for _, id := range tgc.AdminUserIDs {
			id = strings.TrimSpace(id)
			if _, err := strconv.ParseInt(id, 10, 64); err != nil {
				return nil, fmt.Errorf("telegram.admin_user_ids: %q is not a Telegram user id (a number)", id)
			}
			f.AdminUsers["telegram:"+id] = true
		}
	}
	wa := fc.WhatsApp
	ac.WhatsApp.Enabled = wa.Enabled
	ac.WhatsApp.Config = whatsapp.Config{LateAfter: wa.LateAfter, PerChat: wa.PerChat, PerMinute: wa.PerMinute, Jitter: wa.Jitter}
	switch {
	case wa.LateAfter < time.Minute:
		return nil, fmt.Errorf("whatsapp.late_after: %s must be at least 1m", wa.LateAfter)
	case wa.PerChat < 500*time.Millisecond || wa.PerChat > time.Minute:
		return nil, fmt.Errorf("whatsapp.per_chat: %s must be between 500ms and 1m", wa.PerChat)
	case wa.PerMinute < 1 || wa.PerMinute > 60:
		return nil, fmt.Errorf("whatsapp.per_minute: %d must be between 1 and 60 (more gets numbers restricted)", wa.PerMinute)
	case wa.Jitter < 0 || wa.Jitter > 10*time.Second:
		return nil, fmt.Errorf("whatsapp.jitter: %s must be between 0s and 10s", wa.Jitter)
	}
	if wa.AdminGroup != "" {
		chat, err := groupChat("whatsapp.admin_group", wa.AdminGroup)
		if err != nil {
			return nil, err
		}
		f.CoordinatorChats = append(f.CoordinatorChats, chat)
	}
	for i, o := range fc.Offices {
		office := flows.Office{ID: o.ID, Name: o.Name}
		if o.TelegramChatID != 0 {
			office.Chats = append(office.Chats, telegram.MakeChat(o.TelegramChatID))
		}
		if o.WhatsAppGroup != "" {
			chat, err := groupChat(fmt.Sprintf("offices[%d].whatsapp_group", i), o.WhatsAppGroup)
			if err != nil {
				return nil, err
			}
			office.Chats = append(office.Chats, chat)
		}
		f.Offices = append(f.Offices, office)
	}
	for _, k := range fc.Categories {
		f.Categories = append(f.Categories, flows.Category{ID: k.ID, Label: k.Label, Office: k.Office,
			PhotoRequired: k.PhotoRequired, LocationRequired: k.LocationRequired, FirstResponse: k.FirstResponse, RemindBefore: k.RemindBefore,
			Kind: strings.TrimSpace(k.Kind), Staff: k.Staff, PublicDescription: k.PublicDesc, PublicLocation: k.PublicLocation})
	}
	dl, err := fc.deadlines(loc)
	if err != nil {
		return nil, err
	}
	f.Deadlines = dl
	f.Emergency = flows.Emergency{Words: fc.Emergency.Words, Numbers: fc.Emergency.Numbers}
	if len(f.Emergency.Words) == 0 {
		f.Emergency.Words = []string{"darurat", "kecelakaan", "kebakaran", "pingsan", "sesak napas"}
	}
	if fc.Privacy.Retention < 0 {
		return nil, fmt.Errorf("privacy.retention: %s must not be negative (0 keeps personal data)", fc.Privacy.Retention)
	}
	f.Retention = fc.Privacy.Retention
	if fc.DuplicateRadius < 0 || fc.DuplicateRadius > 5000 {
		return nil, fmt.Errorf("duplicate_radius: %g must be between 0 (off) and 5000 metres", fc.DuplicateRadius)
	}
	f.DuplicateRadius = fc.DuplicateRadius
	if len(f.Emergency.Numbers) == 0 {
		f.Emergency.Numbers = []string{"112 (panggilan darurat)", "119 (ambulans)"}
	}
	f.Texts = flows.DefaultTexts()
	textKeys := make([]string, 0, len(fc.Texts))
	for k := range fc.Texts {
		textKeys = append(textKeys, k)
	}
	sort.Strings(textKeys)
	for _, k := range textKeys {
		if err := f.Texts.Set(k, fc.Texts[k]); err != nil {
			return nil, err
		}
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	for i, u := range ac.Web.Users {
		for _, o := range u.Offices {
			if _, ok := f.Office(o); !ok {
				return nil, fmt.Errorf("web.console_users[%d].offices: %q is not an office id", i, o)
			}
		}
	}
	return ac, nil
}

// checkWeb checks the HTTP server's keys: an address that is not loopback
// needs console users, each with a name and a bcrypt hash.
func (fc *fileConfig) checkWeb(ac *appConfig) error {
	host, port, err := net.SplitHostPort(fc.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http_addr: %q must be host:port, e.g. 127.0.0.1:8080 or :8080", fc.HTTPAddr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("http_addr: port %q must be a number from 0 to 65535", port)
	}
	ac.HTTPAddr = fc.HTTPAddr
	w := fc.Web
	if w.MaxPhotoMB < 1 || w.MaxPhotoMB > 50 {
		return fmt.Errorf("web.max_photo_mb: %d must be between 1 and 50", w.MaxPhotoMB)
	}
	if n := len([]rune(w.Title)); n == 0 || n > 80 {
		return fmt.Errorf("web.title: %q must be 1 to 80 characters", w.Title)
	}
	if fc.Public.MinSample < 1 || fc.Public.MinSample > 10000 {
		return fmt.Errorf("public.min_sample: %d must be between 1 and 10000", fc.Public.MinSample)
	}
	if w.PublicURL != "" {
		u, err := url.Parse(w.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("web.public_url: %q must be the address admins open aduan at, e.g. https://aduan.klatenkab.go.id", w.PublicURL)
		}
		ac.Flows.ConsoleURL = strings.TrimRight(w.PublicURL, "/")
	}
	ac.Web = web.Config{Citizen: w.Enabled, Title: w.Title, MinSample: fc.Public.MinSample, MetricsToken: fc.Metrics.Token, SecureCookies: w.SecureCookies, MaxPhoto: int64(w.MaxPhotoMB) << 20}
	seen := map[string]bool{}
	for i, u := range w.ConsoleUsers {
		key := fmt.Sprintf("web.console_users[%d]", i)
		switch {
		case !consoleName.MatchString(u.Name):
			return fmt.Errorf("%s.name: %q must be 1 to 32 letters, digits, '.', '-' or '_'", key, u.Name)
		case seen[u.Name]:
			return fmt.Errorf("%s.name: %q is listed twice", key, u.Name)
		}
		seen[u.Name] = true
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return fmt.Errorf("%s.password_hash: not a bcrypt hash; make one with: aduan hash-password", key)
		}
		ac.Web.Users = append(ac.Web.Users, web.User{Name: u.Name, Display: u.DisplayName, Hash: u.PasswordHash, Offices: u.Offices})
	}
	if len(ac.Web.Users) == 0 && !web.Loopback(host) {
		return fmt.Errorf("http_addr: %q is reachable from other computers, so the console needs a login: add web.console_users (hash a password with: aduan hash-password), or bind to 127.0.0.1", fc.HTTPAddr)
	}
	return nil
}

// weekdays are the names working_days takes, in English or Indonesian.
var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"minggu": time.Sunday, "senin": time.Monday, "selasa": time.Tuesday, "rabu": time.Wednesday,
	"kamis": time.Thursday, "jumat": time.Friday, "sabtu": time.Saturday,
}

// deadlines checks the deadlines section; working days default to Monday
// to Friday.
func (fc *fileConfig) deadlines(loc *time.Location) (flows.Deadlines, error) {
	d := fc.Deadlines
	out := flows.Deadlines{FirstResponse: d.FirstResponse, RemindBefore: d.RemindBefore, ResolutionDays: d.ResolutionDays,
		Holidays: map[string]bool{}, Location: loc, ReopenWithin: d.ReopenWithin}
	switch {
	case d.FirstResponse < time.Second:
		return out, fmt.Errorf("deadlines.first_response: %s must be at least 1s (24h is the regency's rule)", d.FirstResponse)
	case d.RemindBefore < 0 || d.RemindBefore >= d.FirstResponse:
		return out, fmt.Errorf("deadlines.remind_before: %s must be at least 0s and shorter than first_response (%s)", d.RemindBefore, d.FirstResponse)
	}
	days := d.WorkingDays
	if len(days) == 0 {
		days = []string{"monday", "tuesday", "wednesday", "thursday", "friday"}
	}
	for _, name := range days {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			return out, fmt.Errorf("deadlines.working_days: %q is not a day (monday … sunday, or senin … minggu)", name)
		}
		out.WorkingDays[wd] = true
	}
	for _, h := range d.Holidays {
		day, err := time.Parse(time.DateOnly, strings.TrimSpace(h))
		if err != nil {
			return out, fmt.Errorf("deadlines.holidays: %q is not a date like 2026-12-25", h)
		}
		out.Holidays[day.Format(time.DateOnly)] = true
	}
	return out, nil
}

// groupChat checks a WhatsApp group JID from the config.
func groupChat(key, jid string) (flows.Chat, error) {
	j, err := types.ParseJID(jid)
	if err != nil || j.Server != types.GroupServer || j.User == "" {
		return flows.Chat{}, fmt.Errorf("%s: %q is not a WhatsApp group id (like 120363012345678901@g.us); list the groups with: aduan whatsapp groups", key, jid)
	}
	return whatsapp.MakeChat(j), nil
}

var consoleName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// loopback reports whether a listen host is reachable only from this
// machine.
func validWebhookSecret(s string) bool {
	return len(s) <= 256 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == ""
}
