package whatsapp

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"
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
	c.Close()
	c, err = OpenDevices(context.Background(), path, log)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err = c.GetFirstDevice(context.Background())
	if err != nil || !Linked(d) || d.ID.User != "6281100000000" {
		t.Errorf("reopened: %+v, %v", d, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session store mode %v, want 0600 (%v)", fi.Mode().Perm(), err)
	}
}
