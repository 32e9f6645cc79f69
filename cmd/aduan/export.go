package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"aduan/bot"
	"aduan/store"
)

const exportUsage = `Usage:
  aduan [-config FILE] export [--from 2026-01-01] [--to 2026-12-31] [--format csv|json] [--personal] [--out FILE]
`

// exportCommand writes the complaints that came in a period, with their
// timelines. The store is read in one read transaction; while aduan runs
// it holds the database, so the console's export (Ekspor) serves then.
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
	st, err := store.OpenReadOnly(filepath.Join(cfg.DataDir, "aduan.db"))
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintln(stderr, "aduan: aduan is running and holds the database; download the export from the console (Ekspor), or stop aduan first")
		return exitRuntime
	}
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	defer st.Close()
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
	n, err := bot.Export(w, st, bot.ExportOptions{From: first, To: last.AddDate(0, 0, 1), Format: *format, Personal: *personal})
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stderr, "aduan: %d complaints exported\n", n)
	return 0
}
