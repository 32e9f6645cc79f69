package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"aduan/bot/whatsapp"
	"aduan/store"
)

// controlSocket is the running aduan's local socket in data_dir: commands
// that need the database while aduan holds it (backup, export) ask it
// there.
const controlSocket = "aduan.sock"

// serveControl answers "backup <path>" and "export <options>" on the
// control socket until ctx ends. Only the data_dir's owner can reach it
// (0600).
func serveControl(ctx context.Context, dataDir string, st *store.Store, log *slog.Logger) (func(), error) {
	path := filepath.Join(dataDir, controlSocket)
	os.Remove(path) // a socket left by a killed run
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Minute))
				line, err := bufio.NewReader(io.LimitReader(conn, 4096)).ReadString('\n')
				if err != nil {
					return
				}
				cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
				if cmd == "export" {
					exportTo(conn, arg, st, log)
					return
				}
				if cmd != "backup" || !filepath.IsAbs(arg) {
					fmt.Fprintln(conn, "error: only \"backup <absolute path>\" and \"export <options>\" are understood")
					return
				}
				n, err := st.Backup(arg)
				if err != nil {
					log.Error("backup", "err", err)
					fmt.Fprintf(conn, "error: %v\n", err)
					return
				}
				log.Info("backup written", "path", arg, "bytes", n)
				fmt.Fprintf(conn, "ok %d\n", n)
			}()
		}
	}()
	return func() { ln.Close(); os.Remove(path) }, nil
}

// backupCommand writes a consistent copy of the database: asked of the
// running aduan over its control socket, or made here when none runs.
func backupCommand(args []string, path string, stdout, stderr io.Writer) int {
	all := len(args) == 2 && (args[0] == "--all" || args[0] == "-all")
	if all {
		args = args[1:]
	}
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "Usage: aduan [-config FILE] backup PATH\n       aduan [-config FILE] backup --all DIR   (the database, the WhatsApp session and the media, into DIR)")
		return exitConfig
	}
	target, err := filepath.Abs(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "aduan: backup: %v\n", err)
		return exitConfig
	}
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	if all {
		dir := target
		if err := os.MkdirAll(dir, 0o700); err != nil {
			fmt.Fprintf(stderr, "aduan: backup: %v\n", err)
			return exitRuntime
		}
		target = filepath.Join(dir, "aduan.db")
		if code := backupDatabase(cfg, target, stdout, stderr); code != 0 {
			return code
		}
		if session := filepath.Join(cfg.DataDir, "whatsapp.db"); fileExists(session) {
			if err := whatsapp.CopySession(context.Background(), session, filepath.Join(dir, "whatsapp.db")); err != nil {
				fmt.Fprintf(stderr, "aduan: %v\n", err)
				return exitRuntime
			}
			fmt.Fprintf(stdout, "WhatsApp session copied: %s\n", filepath.Join(dir, "whatsapp.db"))
		}
		media, err := store.OpenMedia(filepath.Join(cfg.DataDir, "media"))
		if err != nil {
			fmt.Fprintf(stderr, "aduan: %v\n", err)
			return exitRuntime
		}
		copied, removed, err := media.Mirror(filepath.Join(dir, "media"))
		if err != nil {
			fmt.Fprintf(stderr, "aduan: %v\n", err)
			return exitRuntime
		}
		fmt.Fprintf(stdout, "Media mirrored: %s (%d copied, %d removed)\n", filepath.Join(dir, "media"), copied, removed)
		return 0
	}
	return backupDatabase(cfg, target, stdout, stderr)
}

// backupDatabase writes the database copy to target.
func backupDatabase(cfg *appConfig, target string, stdout, stderr io.Writer) int {
	if conn, err := net.DialTimeout("unix", filepath.Join(cfg.DataDir, controlSocket), 2*time.Second); err == nil {
		defer conn.Close()
		fmt.Fprintf(conn, "backup %s\n", target)
		answer, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			fmt.Fprintf(stderr, "aduan: backup: no answer from the running aduan: %v\n", err)
			return exitRuntime
		}
		answer = strings.TrimSpace(answer)
		if size, ok := strings.CutPrefix(answer, "ok "); ok {
			fmt.Fprintf(stdout, "Backup written by the running aduan: %s (%s bytes)\n", target, size)
			return 0
		}
		fmt.Fprintf(stderr, "aduan: backup: %s\n", answer)
		return exitRuntime
	}
	st, err := store.OpenReadOnly(filepath.Join(cfg.DataDir, "aduan.db"))
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintln(stderr, "aduan: the database is held by a running aduan whose control socket does not answer; try again, or stop it")
		return exitRuntime
	}
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	defer st.Close()
	n, err := st.Backup(target)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stdout, "Backup written: %s (%d bytes)\n", target, n)
	return 0
}
