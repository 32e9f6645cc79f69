package whatsapp

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"regexp"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"
	_ "modernc.org/sqlite" // the "sqlite" driver, pure Go: no cgo
)

// OpenDevices opens the WhatsApp session store (the linked device's keys;
// no complaints) at path, a SQLite file readable by the owner only.
func OpenDevices(ctx context.Context, path string, log *slog.Logger) (*sqlstore.Container, error) {
	// foreign_keys is required: whatsmeow's schema upgrade fails without.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("whatsapp session store %s: %w", path, err)
	}
	c, err := sqlstore.New(ctx, "sqlite", dsn, Logger(log.With("part", "store")))
	if err != nil {
		return nil, fmt.Errorf("whatsapp session store %s: %w", path, err)
	}
	return c, nil
}

// NewClient makes the whatsmeow client for a device, set for the desk's
// guarantees: a message is acknowledged only after the handlers return
// (SynchronousAck), and a decrypted message waits in the session store
// until then (EnableDecryptedEventBuffer), so a failed handler gets it
// again. A lost connection is made again in the background, also when the
// first one fails (the network is down when aduan starts).
func NewClient(device *store.Device, log *slog.Logger) *whatsmeow.Client {
	cli := whatsmeow.NewClient(device, Logger(log.With("part", "client")))
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	cli.EnableAutoReconnect = true
	cli.InitialAutoReconnect = true
	return cli
}

// Linked reports whether a device in the store is linked to a number.
func Linked(d *store.Device) bool { return d != nil && d.ID != nil }

// Logger passes whatsmeow's log to slog.
func Logger(l *slog.Logger) waLog.Logger { return slogLogger{l} }

type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Warnf(msg string, args ...any)  { s.l.Warn(redact(fmt.Sprintf(msg, args...))) }
func (s slogLogger) Errorf(msg string, args ...any) { s.l.Error(redact(fmt.Sprintf(msg, args...))) }
func (s slogLogger) Infof(msg string, args ...any)  { s.l.Debug(fmt.Sprintf(msg, args...)) }
func (s slogLogger) Debugf(msg string, args ...any) { s.l.Debug(fmt.Sprintf(msg, args...)) }
func (s slogLogger) Sub(module string) waLog.Logger { return slogLogger{s.l.With("module", module)} }

// personJID matches a person's JID (phone number or LID, with a device
// part), which is personal data.
var personJID = regexp.MustCompile(`\d+(?:[.:]\d+)*@(s\.whatsapp\.net|lid|c\.us)\b`)

// redact hides the people's JIDs in whatsmeow's warnings, which are
// logged at info level and above; groups keep theirs.
func redact(s string) string { return personJID.ReplaceAllString(s, "…@$1") }

// CopySession writes a consistent copy of the session store at path to
// target (SQLite's VACUUM INTO, safe while aduan runs), readable by the
// owner only: it holds the linked device's keys.
func CopySession(ctx context.Context, path, target string) error {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("copy whatsapp session: %w", err)
	}
	defer db.Close()
	tmp := target + ".tmp"
	os.Remove(tmp)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy whatsapp session %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy whatsapp session: %w", err)
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy whatsapp session: %w", err)
	}
	return nil
}
