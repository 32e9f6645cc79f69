package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"syscall"
	"time"

	"github.com/mdp/qrterminal/v3"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"

	"aduan/bot/whatsapp"
)

const whatsappUsage = `Usage:
  aduan [-config FILE] whatsapp login [--phone 62812...]   link this aduan to the regency's number
  aduan [-config FILE] whatsapp logout                    unlink it
  aduan [-config FILE] whatsapp groups                    list the number's groups and their ids
`

// linkTimeout bounds a login: the QR codes or the pairing code expire.
const linkTimeout = 3 * time.Minute

// whatsappCommand runs `aduan whatsapp …`: linking, unlinking, and listing
// groups, with the session store in data_dir.
func whatsappCommand(args []string, path string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, whatsappUsage)
		return exitConfig
	}
	fs := flag.NewFlagSet("aduan whatsapp "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	phone := fs.String("phone", "", "link with a pairing code for this number (international form, e.g. 6281234567890) instead of a QR code")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "aduan: unexpected argument %q\n%s", fs.Arg(0), whatsappUsage)
		return exitConfig
	}
	switch args[0] {
	case "login", "logout", "groups":
	default:
		fmt.Fprintf(stderr, "aduan: unknown whatsapp command %q\n%s", args[0], whatsappUsage)
		return exitConfig
	}
	if *phone != "" && args[0] != "login" {
		fmt.Fprintln(stderr, "aduan: --phone goes with whatsapp login")
		return exitConfig
	}
	if *phone != "" && !phonePattern.MatchString(*phone) {
		fmt.Fprintf(stderr, "aduan: --phone %q: write the number in international form, digits only (e.g. 6281234567890)\n", *phone)
		return exitConfig
	}
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	if err := checkDataDir(cfg.DataDir); err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	devices, err := whatsapp.OpenDevices(ctx, filepath.Join(cfg.DataDir, "whatsapp.db"), log)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	defer devices.Close()
	switch args[0] {
	case "login":
		return login(ctx, devices, *phone, log, stdout, stderr)
	case "logout":
		return logout(ctx, devices, log, stdout, stderr)
	}
	return groups(ctx, devices, log, stdout, stderr)
}

var phonePattern = regexp.MustCompile(`^[1-9][0-9]{7,14}$`)

// login links a new device, by QR code or by pairing code.
func login(ctx context.Context, devices *sqlstore.Container, phone string, log *slog.Logger, stdout, stderr io.Writer) int {
	device, err := devices.GetFirstDevice(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp session store: %v\n", err)
		return exitRuntime
	}
	if whatsapp.Linked(device) {
		fmt.Fprintf(stdout, "Already linked to +%s. To link another number, run `aduan whatsapp logout` first.\n", device.ID.User)
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, linkTimeout)
	defer cancel()
	cli := commandClient(device, log)
	defer cli.Disconnect()
	done := make(chan error, 1)
	cli.AddEventHandler(func(evt any) {
		switch e := evt.(type) {
		case *events.PairSuccess:
			select {
			case done <- nil:
			default:
			}
		case *events.PairError:
			select {
			case done <- e.Error:
			default:
			}
		}
	})
	if phone == "" {
		qr, err := cli.GetQRChannel(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "aduan: whatsapp login: %v\n", err)
			return exitRuntime
		}
		if err := cli.Connect(); err != nil {
			fmt.Fprintf(stderr, "aduan: whatsapp login: connect: %v\n", err)
			return exitRuntime
		}
		for item := range qr {
			switch {
			case item.Event == whatsmeow.QRChannelEventCode:
				fmt.Fprintln(stdout, "Scan this code with WhatsApp on the regency's phone: Settings → Linked devices → Link a device.")
				qrterminal.GenerateHalfBlock(item.Code, qrterminal.L, stdout)
				fmt.Fprintf(stdout, "(a new code follows in %s)\n", item.Timeout.Round(time.Second))
			case item == whatsmeow.QRChannelSuccess:
				return linked(cli, stdout)
			case item.Event == whatsmeow.QRChannelEventError:
				fmt.Fprintf(stderr, "aduan: linking failed: %v\n", item.Error)
				return exitRuntime
			default:
				fmt.Fprintf(stderr, "aduan: linking failed (%s): no code was scanned in time; run the command again\n", item.Event)
				return exitRuntime
			}
		}
		fmt.Fprintln(stderr, "aduan: linking stopped before it finished; run the command again")
		return exitRuntime
	}
	if err := cli.Connect(); err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp login: connect: %v\n", err)
		return exitRuntime
	}
	code, err := cli.PairPhone(ctx, phone, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp login: pairing code: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stdout, "On the phone of +%s: WhatsApp → Settings → Linked devices → Link a device → Link with phone number instead, and enter:\n\n    %s\n\n", phone, code)
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "aduan: linking failed: %v\n", err)
			return exitRuntime
		}
		return linked(cli, stdout)
	case <-ctx.Done():
		fmt.Fprintln(stderr, "aduan: linking failed: the code was not entered in time; run the command again")
		return exitRuntime
	}
}

func linked(cli *whatsmeow.Client, stdout io.Writer) int {
	user := "?"
	if cli.Store.ID != nil {
		user = cli.Store.ID.User
	}
	fmt.Fprintf(stdout, "Linked to +%s. Set whatsapp.enabled: true and start aduan.\n", user)
	return 0
}

// logout unlinks the device from the number.
func logout(ctx context.Context, devices *sqlstore.Container, log *slog.Logger, stdout, stderr io.Writer) int {
	device, err := devices.GetFirstDevice(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp session store: %v\n", err)
		return exitRuntime
	}
	if !whatsapp.Linked(device) {
		fmt.Fprintln(stdout, "No number is linked; nothing to unlink.")
		return 0
	}
	cli := commandClient(device, log)
	defer cli.Disconnect()
	if err := connected(ctx, cli); err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp logout: %v\n", err)
		return exitRuntime
	}
	if err := cli.Logout(ctx); err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp logout: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintln(stdout, "Unlinked. The session keys are deleted from whatsapp.db.")
	return 0
}

// groups lists the groups the linked number is in.
func groups(ctx context.Context, devices *sqlstore.Container, log *slog.Logger, stdout, stderr io.Writer) int {
	device, err := devices.GetFirstDevice(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp session store: %v\n", err)
		return exitRuntime
	}
	if !whatsapp.Linked(device) {
		fmt.Fprintln(stderr, "aduan: no number is linked; run `aduan whatsapp login` first")
		return exitConfig
	}
	cli := commandClient(device, log)
	defer cli.Disconnect()
	if err := connected(ctx, cli); err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp groups: %v\n", err)
		return exitRuntime
	}
	list, err := cli.GetJoinedGroups(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: whatsapp groups: %v\n", err)
		return exitRuntime
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	fmt.Fprintln(stdout, "Put a group's id in whatsapp.admin_group (the coordinators) or an office's whatsapp_group:")
	for _, g := range list {
		fmt.Fprintf(stdout, "%s\t%s\n", g.JID, g.Name)
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "(the number is in no group yet: add it to the admin groups first)")
	}
	return 0
}

// commandClient is the client for a command: one that says at once when
// it cannot connect, instead of trying again in the background as the
// running aduan does.
func commandClient(device *store.Device, log *slog.Logger) *whatsmeow.Client {
	cli := whatsapp.NewClient(device, log)
	cli.InitialAutoReconnect = false
	return cli
}

// connected connects and waits until the connection is ready, or fails
// within a minute.
func connected(ctx context.Context, cli *whatsmeow.Client) error {
	ready := make(chan error, 1)
	cli.AddEventHandler(func(evt any) {
		var err error
		switch e := evt.(type) {
		case *events.Connected:
		case *events.LoggedOut:
			err = fmt.Errorf("the number was unlinked on the phone (%s); run `aduan whatsapp login`", e.Reason)
		case *events.ConnectFailure:
			err = fmt.Errorf("connection refused (%d: %s)", int(e.Reason), e.Message)
		case *events.TemporaryBan:
			err = fmt.Errorf("the number is banned for a while: %s", e)
		case *events.ClientOutdated:
			err = errors.New("WhatsApp refuses this client version; update aduan")
		default:
			return
		}
		select {
		case ready <- err:
		default:
		}
	})
	if err := cli.Connect(); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	select {
	case err := <-ready:
		return err
	case <-time.After(time.Minute):
		return errors.New("connect: no answer from WhatsApp within a minute")
	case <-ctx.Done():
		return ctx.Err()
	}
}
