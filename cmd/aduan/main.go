// Command aduan runs the complaint desk: one binary, one config file.
//
//	aduan [-config config.yaml] [-check]
//	aduan version
//	aduan hash-password
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	_ "time/tzdata" // Asia/Jakarta on machines without a zoneinfo database

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"aduan/bot"
	"aduan/bot/telegram"
	"aduan/bot/web"
	"aduan/bot/whatsapp"
	"aduan/store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes: 2 for a config the operator must fix, 1 for failures at run
// time.
const (
	exitRuntime = 1
	exitConfig  = 2
)

const usage = `aduan: a complaint desk for local governments.

Usage:
  aduan [-config FILE]          run the desk (web chat, console, and Telegram when a token is set)
  aduan -check [-config FILE]   check the config file and the environment, then exit
  aduan version                 print the version (also: aduan --version)
  aduan hash-password           print a bcrypt hash for a console user's password (read from the terminal or stdin)
  aduan whatsapp login          link the regency's WhatsApp number (a QR code, or --phone 62812… for a pairing code)
  aduan whatsapp logout         unlink it
  aduan whatsapp groups         list the number's groups with their ids, for the config
  aduan verify                  check data_dir read-only: the database, its links, the media
  aduan backup PATH             a consistent copy of the database, also while aduan runs
  aduan export [--from --to --format csv|json --personal --out FILE]
                                every complaint of a period with its timeline (personal data only with --personal)

Flags:
`

const usageEnv = `
Every config key can be set by an environment variable: ADUAN_ and the key in capitals with dots
as underscores, e.g. ADUAN_TELEGRAM_TOKEN, ADUAN_HTTP_ADDR, ADUAN_DATA_DIR. ADUAN_CONFIG names the
config file. An ADUAN_ variable that names no key stops the start.
`

func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aduan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFlag := fs.String("config", "", "config file (default $ADUAN_CONFIG, else ./config.yaml)")
	check := fs.Bool("check", false, "check the config file and the environment, then exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, usageEnv)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitConfig
	}
	if *showVersion {
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	if rest := fs.Args(); len(rest) > 0 {
		switch {
		case rest[0] == "version" && len(rest) == 1:
			fmt.Fprintln(stdout, versionLine())
			return 0
		case rest[0] == "hash-password" && len(rest) == 1:
			return hashPassword(stdin, stdout, stderr)
		case rest[0] == "whatsapp":
			return whatsappCommand(rest[1:], configPath(*configFlag), stdout, stderr)
		case rest[0] == "export":
			return exportCommand(rest[1:], configPath(*configFlag), stdout, stderr)
		case rest[0] == "verify":
			return verifyCommand(rest[1:], configPath(*configFlag), stdout, stderr)
		case rest[0] == "backup":
			return backupCommand(rest[1:], configPath(*configFlag), stdout, stderr)
		}
		fmt.Fprintf(stderr, "aduan: unexpected argument %q (see aduan -h)\n", rest[0])
		return exitConfig
	}
	path := configPath(*configFlag)
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	if *check {
		if err := checkDataDir(cfg.DataDir); err != nil {
			fmt.Fprintf(stderr, "aduan: %v\n", err)
			return exitConfig
		}
		fmt.Fprintf(stderr, "aduan: %s is valid: %d offices, %d categories; channels: %s\n", path, len(cfg.Flows.Offices), len(cfg.Flows.Categories), cfg.channels())
		return 0
	}
	log := newLogger(cfg.LogFormat, cfg.LogLevel, stderr)
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log, nil); err != nil {
		log.Error("aduan stopped", "err", err)
		return exitRuntime
	}
	return 0
}

// channels names the channels a config turns on.
func (c *appConfig) channels() string {
	s := "console"
	if c.Web.Citizen {
		s = "web chat, " + s
	}
	if c.WhatsApp.Enabled {
		s = "whatsapp, " + s
	}
	if c.Telegram.Token != "" {
		s = "telegram, " + s
	}
	return s
}

// waLink is serve's way to WhatsApp: the client and its linked number.
type waLink struct {
	client     whatsapp.Client
	phone, lid string
	linked     bool
	register   func(handler func(evt any) bool)
	connect    func() error
	close      func()
}

// whatsAppLink opens the session store and makes the client; tests put a
// fake in its place.
var whatsAppLink = func(ctx context.Context, cfg *appConfig, log *slog.Logger) (*waLink, error) {
	devices, err := whatsapp.OpenDevices(ctx, filepath.Join(cfg.DataDir, "whatsapp.db"), log)
	if err != nil {
		return nil, err
	}
	device, err := devices.GetFirstDevice(ctx)
	if err != nil {
		devices.Close()
		return nil, fmt.Errorf("whatsapp session store: %w", err)
	}
	cli := whatsapp.NewClient(device, log)
	l := &waLink{client: cli, linked: whatsapp.Linked(device), connect: cli.Connect,
		register: func(h func(evt any) bool) { cli.AddEventHandlerWithSuccessStatus(h) },
		close:    func() { cli.Disconnect(); devices.Close() }}
	if l.linked {
		l.phone, l.lid = device.ID.User, device.LID.User
	}
	return l, nil
}

// checkDataDir checks that data_dir can be created and written.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	f, err := os.CreateTemp(dir, ".check-*")
	if err != nil {
		return fmt.Errorf("data_dir: %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// newLogger logs as text or JSON (log_format) from a level (log_level).
func newLogger(format, level string, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevel(level)}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func logLevel(s string) slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(s))
	return l
}

// serve runs the desk until ctx ends: it stops taking messages, lets the
// sends in flight finish, and closes the store. listening, when set,
// receives the HTTP server's address once it listens.
func serve(ctx context.Context, cfg *appConfig, log *slog.Logger, listening chan<- string) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "aduan.db"), store.Options{
		OnMigrated: func(from int, backup string) {
			log.Warn("store migrated to a new schema; the copy from before is kept", "from", from, "to", store.Schema, "backup", backup)
		},
	})
	if err != nil {
		return err
	}
	defer st.Close()
	media, err := store.OpenMedia(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		return err
	}
	desk := bot.New(st, &cfg.Flows, bot.Options{Location: cfg.Location, Logger: log, Media: media, MaxOutboxAge: cfg.MaxOutboxAge,
		KeepInbound: cfg.KeepInbound, KeepPostLinks: cfg.KeepPostLinks})
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := desk.EnableMetrics(reg); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	webCfg := cfg.Web
	webCfg.Logger, webCfg.Location = log, cfg.Location
	webCfg.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	site, err := web.New(webCfg, &cfg.Flows, desk, st, media)
	if err != nil {
		return err
	}
	desk.AddChannel(site)
	var handler http.Handler = site
	var tg *telegram.Telegram
	if cfg.Telegram.Token != "" {
		tg, err = telegram.New(telegram.Config{
			Token: cfg.Telegram.Token, APIURL: cfg.Telegram.APIURL, PollTimeout: cfg.Telegram.PollTimeout, Logger: log,
			WebhookURL: cfg.Telegram.WebhookURL, WebhookSecret: cfg.Telegram.WebhookSecret,
		}, desk, media)
		if err != nil {
			return err
		}
		desk.AddChannel(tg)
		if cfg.Telegram.WebhookURL != "" {
			path, _ := telegram.WebhookPath(cfg.Telegram.WebhookURL) // checked with the config
			mux := http.NewServeMux()
			mux.Handle(path, tg.WebhookHandler())
			mux.Handle("/", site)
			handler = mux
		}
		if len(cfg.Flows.CoordinatorChats) == 0 {
			log.Warn("telegram.admin_chat_id is not set: complaints are kept and answered from the console; add the bot to the coordinators' group, send /chatid there and put the id in the config")
		}
	}
	if cfg.WhatsApp.Enabled {
		link, err := whatsAppLink(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer link.close()
		wc := cfg.WhatsApp.Config
		wc.Logger, wc.Phone, wc.LID = log, link.phone, link.lid
		wa, err := whatsapp.New(wc, link.client, desk, &cfg.Flows, st, media)
		if err != nil {
			return err
		}
		desk.AddChannel(wa)
		link.register(wa.HandleEvent)
		if !link.linked {
			wa.NotLinked()
			log.Error("whatsapp.enabled is set but no number is linked: run `aduan whatsapp login`; the other channels serve meanwhile")
		} else if err := link.connect(); err != nil {
			// Network trouble is retried in the background; what comes
			// back here is not, so the coordinators are told.
			log.Error("whatsapp: cannot connect; the other channels serve meanwhile", "err", err)
			wa.ConnectFailed(err)
		}
	}
	stopControl, err := serveControl(ctx, cfg.DataDir, st, log)
	if err != nil {
		return err
	}
	defer stopControl()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http_addr %s: %w (is another program using the port? choose another with http_addr or ADUAN_HTTP_ADDR; port 0 picks a free one)", cfg.HTTPAddr, err)
	}
	if waiting, err := desk.OutboxWaiting(); err == nil && waiting {
		// Not counted: a start does not walk the whole outbox
		// (aduan_outbox_messages tells how many).
		log.Info("resuming the outbox")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		desk.Run(ctx)
	}()
	if cfg.Backup.Dir != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scheduleBackups(ctx, cfg, st, media, log)
		}()
	}
	// Requests end with ctx, so a live event stream does not hold up the
	// shutdown.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return ctx }, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errs := make(chan error, 2)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http server: %w", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	log.Info("aduan started", "data_dir", cfg.DataDir, "channels", cfg.channels(), "http", base)
	if cfg.Web.Citizen {
		log.Info("citizen chat: " + base + "/")
	}
	log.Info("admin console: " + base + "/konsol")
	if listening != nil {
		listening <- ln.Addr().String()
	}
	if tg != nil {
		go func() {
			if err := tg.Run(ctx); err != nil {
				errs <- err
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	cancel()
	shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Warn("http server shutdown", "err", err)
	}
	wg.Wait()
	if runErr == nil {
		log.Info("aduan stopped cleanly")
	}
	return runErr
}
