package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// The session store opens on the pure-Go SQLite driver, keeps a linked
// device across a reopen, and is readable by its owner only.
func TestOpenDevices(t *testing.T) {
	path := filepath.Join(t.TempDir(), "whatsapp.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := OpenDevices(context.Background(), path, log)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.GetFirstDevice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if Linked(d) {
		t.Errorf("a new store has a linked device")
	}
	jid := types.NewJID("6281100000000", types.DefaultUserServer)
	jid.Device = 12
	d.ID = &jid
	// What pairing stores; the schema checks the lengths.
	d.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64),
		AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := c.PutDevice(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	// A copy made while the store is open holds the device too.
	backup := filepath.Join(t.TempDir(), "whatsapp-copy.db")
	if err := CopySession(context.Background(), path, backup); err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, p := range []string{path, backup} {
		c, err = OpenDevices(context.Background(), p, log)
		if err != nil {
			t.Fatal(err)
		}
		d, err = c.GetFirstDevice(context.Background())
		if err != nil || !Linked(d) || d.ID.User != "6281100000000" {
			t.Errorf("reopened %s: %+v, %v", p, d, err)
		}
		c.Close()
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session copy mode %v, want 0600 (%v)", fi.Mode().Perm(), err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session store mode %v, want 0600 (%v)", fi.Mode().Perm(), err)
	}
}

// whatsmeow's warnings reach the log without people's JIDs; a group's
// JID, which an operator needs, stays.
func TestWhatsmeowWarningsRedacted(t *testing.T) {
	var buf bytes.Buffer
	l := Logger(slog.New(slog.NewTextHandler(&buf, nil)))
	person := types.NewJID("628123456789", types.DefaultUserServer)
	device := types.JID{User: "628123456789", Device: 12, Server: types.DefaultUserServer}
	lid := types.NewJID("98765432101234", types.HiddenUserServer)
	group := types.NewJID("120363025246125486", types.GroupServer)
	l.Warnf("failed to decrypt message from %s (%s) in %s", device, lid, group)
	l.Sub("Send").Errorf("failed to send to %s: %v", person, io.ErrUnexpectedEOF)
	out := buf.String()
	for _, personal := range []string{"628123456789", "98765432101234"} {
		if strings.Contains(out, personal) {
			t.Errorf("the log holds %s:\n%s", personal, out)
		}
	}
	for _, kept := range []string{group.String(), "@lid", "@s.whatsapp.net", "failed to send to", "unexpected EOF"} {
		if !strings.Contains(out, kept) {
			t.Errorf("the log lost %q:\n%s", kept, out)
		}
	}
}

// A linked client whose first connection fails (the network is down when
// aduan starts) keeps trying in the background instead of giving up.
// The dialer fails here; nothing reaches the network.
func TestClientRetriesFirstConnect(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := OpenDevices(context.Background(), filepath.Join(t.TempDir(), "whatsapp.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.GetFirstDevice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	jid := types.NewJID("6281100000000", types.DefaultUserServer)
	d.ID = &jid // linked
	cli := NewClient(d, log)
	var dials atomic.Int32
	cli.SetWebsocketHTTPClient(&http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("network is unreachable")}
		},
	}})
	down := make(chan struct{}, 1)
	cli.AddEventHandler(func(evt any) {
		if _, ok := evt.(*events.Disconnected); ok {
			select {
			case down <- struct{}{}:
			default:
			}
		}
	})
	if err := cli.Connect(); err != nil {
		t.Fatalf("the first connection gave up: %v", err)
	}
	defer cli.Disconnect()
	select {
	case <-down: // the channel learns it is not connected
	case <-time.After(10 * time.Second):
		t.Fatal("no Disconnected event after the failed first connection")
	}
	deadline := time.Now().Add(10 * time.Second)
	for dials.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := dials.Load(); n < 2 {
		t.Errorf("dialled %d times in 10 s: no retry in the background", n)
	}
}
