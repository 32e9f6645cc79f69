// Command aduan runs the complaint desk: one binary, one config file.
//
//	aduan [-config config.yaml] [-check]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	_ "time/tzdata" // Asia/Jakarta on machines without a zoneinfo database

	"aduan/bot"
	"aduan/bot/telegram"
	"aduan/store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// Exit codes: 2 for a config the operator must fix, 1 for failures at run
// time.
const (
	exitRuntime = 1
	exitConfig  = 2
)

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("aduan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFlag := fs.String("config", "", "config file (default $ADUAN_CONFIG, else ./config.yaml)")
	check := fs.Bool("check", false, "check the config file and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitConfig
	}
	path := configPath(*configFlag)
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	if err := cfg.needTelegram(); err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	if *check {
		fmt.Fprintf(stderr, "aduan: %s is valid: %d offices, %d categories\n", path, len(cfg.Flows.Offices), len(cfg.Flows.Categories))
		return 0
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(cfg.LogLevel)}))
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("aduan stopped", "err", err)
		return exitRuntime
	}
	return 0
}

// needTelegram checks what the Telegram channel cannot run without.
func (c *appConfig) needTelegram() error {
	if c.Telegram.Token == "" {
		return errors.New("telegram.token is not set: create a bot with @BotFather and set ADUAN_TELEGRAM_TOKEN=<token> (or telegram.token in the config file)")
	}
	if len(c.Flows.CoordinatorChats) == 0 {
		return errors.New("telegram.admin_chat_id is not set: add the bot to the coordinators' group and set ADUAN_TELEGRAM_ADMIN_CHAT_ID=<group chat id, e.g. -1001234567890>")
	}
	return nil
}

func logLevel(s string) slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(s))
	return l
}

// serve runs the desk until ctx ends: it stops taking updates, lets the
// sends in flight finish, and closes the store.
func serve(ctx context.Context, cfg *appConfig, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "aduan.db"), store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	media, err := store.OpenMedia(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		return err
	}
	desk := bot.New(st, &cfg.Flows, bot.Options{Location: cfg.Location, Logger: log})
	tg, err := telegram.New(telegram.Config{
		Token: cfg.Telegram.Token, APIURL: cfg.Telegram.APIURL, PollTimeout: cfg.Telegram.PollTimeout, Logger: log,
	}, desk, media)
	if err != nil {
		return err
	}
	desk.AddChannel(tg)
	if n, err := desk.OutboxLen(); err == nil && n > 0 {
		log.Info("resuming outbox", "messages", n)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		desk.Run(ctx)
	}()
	log.Info("aduan started", "data_dir", cfg.DataDir, "api_url", cfg.Telegram.APIURL)
	runErr := tg.Run(ctx)
	cancel()
	wg.Wait()
	if runErr == nil {
		log.Info("aduan stopped cleanly")
	}
	return runErr
}
