package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aduan/bot/whatsapp"
	"aduan/store"
)

// backupHolds checks that a database copy holds the ticket and is sound.
func backupHolds(t *testing.T, path, ticket string) {
	t.Helper()
	st, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer st.Close()
	st.View(func(tx *store.Tx) error {
		if c, err := tx.Complaint(ticket); err != nil || c == nil {
			t.Errorf("%s lacks %s: %v", path, ticket, err)
		}
		return nil
	})
	if problems, err := st.Verify(nil); err != nil || len(problems) > 0 {
		t.Errorf("%s: %v %v", path, problems, err)
	}
}

// putMedia stores a media file in data_dir as the desk would.
func putMedia(t *testing.T, dataDir, content string) string {
	t.Helper()
	m, err := store.OpenMedia(filepath.Join(dataDir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.Put(strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// backup --all copies the database (from the running aduan), the
// WhatsApp session and the media into one directory.
func TestBackupAll(t *testing.T) {
	dataDir := t.TempDir()
	t.Setenv("ADUAN_DATA_DIR", dataDir)
	t.Setenv("ADUAN_HTTP_ADDR", "127.0.0.1:0")
	mustLinkedStore(t, dataDir)
	path := mustWrite(t, shipped(t))
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := mustServe(t, cfg, io.Discard)
	ticket := fileWebSchool(t, newClient(t, base))
	hash := putMedia(t, dataDir, "foto jalan")
	dir := filepath.Join(t.TempDir(), "cadangan")
	var out bytes.Buffer
	if code := run([]string{"-config", path, "backup", "--all", dir}, os.Stdin, &out, &out); code != 0 {
		t.Fatalf("backup --all: %d %q", code, out.String())
	}
	backupHolds(t, filepath.Join(dir, "aduan.db"), ticket)
	devices, err := whatsapp.OpenDevices(context.Background(), filepath.Join(dir, "whatsapp.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := devices.GetFirstDevice(context.Background())
	devices.Close()
	if err != nil || !whatsapp.Linked(d) {
		t.Errorf("the session copy has no linked device: %v", err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "media", hash[:2], hash)); err != nil || string(data) != "foto jalan" {
		t.Errorf("media not copied: %q %v", data, err)
	}
	for _, want := range []string{"by the running aduan", "WhatsApp session copied", "Media mirrored"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the command did not say %q: %q", want, out.String())
		}
	}
}

// With backup.dir set, the running aduan writes a backup set every
// backup.every and keeps the newest backup.keep.
func TestScheduledBackups(t *testing.T) {
	dataDir, dir := t.TempDir(), filepath.Join(t.TempDir(), "cadangan")
	t.Setenv("ADUAN_DATA_DIR", dataDir)
	t.Setenv("ADUAN_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("ADUAN_BACKUP_DIR", dir)
	t.Setenv("ADUAN_BACKUP_EVERY", "1s")
	t.Setenv("ADUAN_BACKUP_KEEP", "2")
	mustLinkedStore(t, dataDir)
	cfg, err := loadConfig(mustWrite(t, shipped(t)))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncWriter
	logs.w = &bytes.Buffer{}
	base, stop := mustServe(t, cfg, &logs)
	ticket := fileWebSchool(t, newClient(t, base))
	hash := putMedia(t, dataDir, "foto sekolah")
	if !waitForIn(20*time.Second, func() bool { return strings.Count(logs.String(), "scheduled backup written") >= 4 }) {
		t.Fatalf("not four rounds of backups:\n%s", logs.String())
	}
	stop()
	stamps, err := backupsIn(dir)
	if err != nil || len(stamps) != 2 {
		t.Fatalf("backups kept: %v %v, want the newest 2", stamps, err)
	}
	backupHolds(t, filepath.Join(dir, "aduan-"+stamps[1]+".db"), ticket)
	sessions, _ := filepath.Glob(filepath.Join(dir, "whatsapp-*.db"))
	if len(sessions) != 2 {
		t.Errorf("session copies kept: %v, want 2", sessions)
	}
	if _, err := os.Stat(filepath.Join(dir, "media", hash[:2], hash)); err != nil {
		t.Errorf("media not mirrored: %v", err)
	}
}
