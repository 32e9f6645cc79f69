package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"aduan/bot/whatsapp"
	"aduan/store"
)

// backupStamp names a scheduled backup: UTC, so names sort by time.
const backupStamp = "20060102T150405Z"

// backupSet writes one full copy of data_dir into dir: the database as
// aduan-<stamp>.db (made by st, consistent while aduan runs), the
// WhatsApp session as whatsapp-<stamp>.db when there is one, and, with
// media, dir/media mirrored from data_dir/media.
func backupSet(ctx context.Context, st *store.Store, media *store.Media, dataDir, dir string, withMedia bool, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	stamp := now.UTC().Format(backupStamp)
	name := filepath.Join(dir, "aduan-"+stamp+".db")
	if _, err := st.Backup(name); err != nil {
		return "", err
	}
	if session := filepath.Join(dataDir, "whatsapp.db"); fileExists(session) {
		if err := whatsapp.CopySession(ctx, session, filepath.Join(dir, "whatsapp-"+stamp+".db")); err != nil {
			return name, err
		}
	}
	if withMedia && media != nil {
		if _, _, err := media.Mirror(filepath.Join(dir, "media")); err != nil {
			return name, err
		}
	}
	return name, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// backupsIn lists the scheduled backups in dir by their stamps, oldest
// first.
func backupsIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var stamps []string
	for _, e := range entries {
		stamp, ok := strings.CutPrefix(e.Name(), "aduan-")
		stamp, ok2 := strings.CutSuffix(stamp, ".db")
		if !ok || !ok2 {
			continue
		}
		if _, err := time.Parse(backupStamp, stamp); err == nil {
			stamps = append(stamps, stamp)
		}
	}
	sort.Strings(stamps)
	return stamps, nil
}

// rotateBackups keeps the newest keep backups in dir (the database and
// the WhatsApp session of each) and removes the rest.
func rotateBackups(dir string, keep int) (int, error) {
	stamps, err := backupsIn(dir)
	if err != nil || len(stamps) <= keep {
		return 0, err
	}
	removed := 0
	for _, stamp := range stamps[:len(stamps)-keep] {
		for _, name := range []string{"aduan-" + stamp + ".db", "whatsapp-" + stamp + ".db"} {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return removed, err
			}
		}
		removed++
	}
	return removed, nil
}

// scheduleBackups writes a backup set every cfg.Backup.Every (the first
// at once when the newest one is older than that, or there is none) and
// keeps the newest cfg.Backup.Keep, until ctx ends. A failure is logged
// and tried again in a tenth of the interval.
func scheduleBackups(ctx context.Context, cfg *appConfig, st *store.Store, media *store.Media, log *slog.Logger) {
	b := cfg.Backup
	next := time.Now()
	if stamps, err := backupsIn(b.Dir); err == nil && len(stamps) > 0 {
		last, _ := time.Parse(backupStamp, stamps[len(stamps)-1])
		next = last.Add(b.Every)
	}
	for {
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		start := time.Now()
		name, err := backupSet(ctx, st, media, cfg.DataDir, b.Dir, b.Media, start)
		if err != nil {
			log.Error("scheduled backup failed; trying again soon", "dir", b.Dir, "err", err)
			next = time.Now().Add(max(b.Every/10, time.Second))
			continue
		}
		removed, err := rotateBackups(b.Dir, b.Keep)
		if err != nil {
			log.Error("removing old backups", "dir", b.Dir, "err", err)
		}
		log.Info("scheduled backup written", "path", name, "took", time.Since(start).Round(time.Millisecond), "removed_old", removed)
		next = start.Add(b.Every)
	}
}
