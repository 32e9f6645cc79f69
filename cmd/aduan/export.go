package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"aduan/bot"
	"aduan/store"
)

const exportUsage = `Usage:
  aduan [-config FILE] export [--from 2026-01-01] [--to 2026-12-31] [--format csv|json] [--personal] [--out FILE]
`

// exportCommand writes the complaints that came in a period, with their
// timelines. While aduan runs it holds the database, so the running aduan
// writes the export, over its control socket; else the store is opened
// read-only here.
func exportCommand(args []string, path string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aduan export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	year := time.Now().Year()
	from := fs.String("from", fmt.Sprintf("%d-01-01", year), "first day (YYYY-MM-DD)")
	to := fs.String("to", fmt.Sprintf("%d-12-31", year), "last day, included (YYYY-MM-DD)")
	format := fs.String("format", "csv", "csv or json")
	personal := fs.Bool("personal", false, "include personal data: the citizen's name, chat and free text")
	out := fs.String("out", "", "write to this file instead of stdout")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "aduan: unexpected argument %q\n%s", fs.Arg(0), exportUsage)
		return exitConfig
	}
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	first, err1 := time.ParseInLocation(time.DateOnly, *from, cfg.Location)
	last, err2 := time.ParseInLocation(time.DateOnly, *to, cfg.Location)
	switch {
	case err1 != nil:
		fmt.Fprintf(stderr, "aduan: --from %q is not a date like 2026-01-01\n", *from)
		return exitConfig
	case err2 != nil:
		fmt.Fprintf(stderr, "aduan: --to %q is not a date like 2026-12-31\n", *to)
		return exitConfig
	case last.Before(first):
		fmt.Fprintln(stderr, "aduan: --to is before --from")
		return exitConfig
	case *format != "csv" && *format != "json":
		fmt.Fprintf(stderr, "aduan: --format %q must be csv or json\n", *format)
		return exitConfig
	}
	opt := bot.ExportOptions{From: first, To: last.AddDate(0, 0, 1), Format: *format, Personal: *personal}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "aduan: --out: %v\n", err)
			return exitRuntime
		}
		defer f.Close()
		w = f
	}
	if conn, err := net.DialTimeout("unix", filepath.Join(cfg.DataDir, controlSocket), 2*time.Second); err == nil {
		defer conn.Close()
		n, err := exportFrom(conn, opt, w)
		if err != nil {
			fmt.Fprintf(stderr, "aduan: export by the running aduan: %v\n", err)
			return exitRuntime
		}
		fmt.Fprintf(stderr, "aduan: %d complaints exported by the running aduan\n", n)
		return 0
	}
	st, err := store.OpenReadOnly(filepath.Join(cfg.DataDir, "aduan.db"))
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintln(stderr, "aduan: the database is held by a running aduan whose control socket does not answer; try again, download the export from the console (Ekspor), or stop aduan")
		return exitRuntime
	}
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	defer st.Close()
	n, err := bot.Export(w, st, opt)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stderr, "aduan: %d complaints exported\n", n)
	return 0
}

// An export over the control socket: the client sends "export" and the
// options as JSON on one line; the running aduan answers with the export
// in frames, each its length on a line and then its bytes, and ends with
// "end <count>" or "error: <why>" on a line of its own.

// exportFrom asks the running aduan for an export and writes it to w.
func exportFrom(conn net.Conn, opt bot.ExportOptions, w io.Writer) (int, error) {
	req, err := json.Marshal(opt)
	if err != nil {
		return 0, err
	}
	if _, err := fmt.Fprintf(conn, "export %s\n", req); err != nil {
		return 0, err
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, fmt.Errorf("the answer broke off: %w", err)
		}
		line = strings.TrimSpace(line)
		if count, ok := strings.CutPrefix(line, "end "); ok {
			return strconv.Atoi(count)
		}
		if why, ok := strings.CutPrefix(line, "error: "); ok {
			return 0, errors.New(why)
		}
		size, err := strconv.Atoi(line)
		if err != nil || size < 0 || size > maxFrame {
			return 0, fmt.Errorf("unreadable answer %q", line)
		}
		if _, err := io.CopyN(w, r, int64(size)); err != nil {
			return 0, err
		}
	}
}

// maxFrame bounds one frame of an export over the control socket.
const maxFrame = 1 << 20

// exportTo answers an export request on the control socket.
func exportTo(conn net.Conn, arg string, st *store.Store, log *slog.Logger) {
	var opt bot.ExportOptions
	if err := json.Unmarshal([]byte(arg), &opt); err != nil {
		fmt.Fprintf(conn, "error: export options unreadable: %v\n", err)
		return
	}
	fw := &frameWriter{conn: conn}
	bw := bufio.NewWriterSize(fw, 64<<10)
	n, err := bot.Export(bw, st, opt)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		log.Error("export", "err", err)
		fmt.Fprintf(conn, "error: %v\n", err)
		return
	}
	log.Info("export written", "complaints", n)
	fmt.Fprintf(conn, "end %d\n", n)
}

// frameWriter writes each Write as one frame, giving a slow reader a
// minute for each.
type frameWriter struct {
	conn net.Conn
	err  error
}

func (f *frameWriter) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0 && f.err == nil; {
		chunk := rest[:min(len(rest), maxFrame)]
		f.conn.SetWriteDeadline(time.Now().Add(time.Minute))
		if _, f.err = fmt.Fprintf(f.conn, "%d\n", len(chunk)); f.err == nil {
			_, f.err = f.conn.Write(chunk)
		}
		rest = rest[len(chunk):]
	}
	if f.err != nil {
		return 0, f.err
	}
	return len(p), nil
}
