package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"aduan/store"
)

// verifyCommand checks a data directory read-only: the database's own
// consistency, links and lists that name missing complaints, and media a
// complaint shows that is missing. It exits 1 when something is wrong.
func verifyCommand(args []string, path string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "aduan: unexpected argument %q (aduan verify checks the config's data_dir)\n", args[0])
		return exitConfig
	}
	cfg, err := loadConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	dbPath := filepath.Join(cfg.DataDir, "aduan.db")
	if _, err := os.Stat(dbPath); err != nil {
		fmt.Fprintf(stderr, "aduan: verify: %v\n", err)
		return exitRuntime
	}
	st, err := store.OpenReadOnly(dbPath)
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintln(stderr, "aduan: aduan is running and holds the database; stop it to verify, or verify a backup")
		return exitRuntime
	}
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	defer st.Close()
	var media *store.Media
	if dir := filepath.Join(cfg.DataDir, "media"); dirExists(dir) {
		if media, err = store.OpenMedia(dir); err != nil {
			fmt.Fprintf(stderr, "aduan: %v\n", err)
			return exitRuntime
		}
	}
	problems, err := st.Verify(media)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitRuntime
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "aduan: %s: %d problems\n", cfg.DataDir, len(problems))
		return exitRuntime
	}
	fmt.Fprintf(stdout, "%s is consistent.\n", cfg.DataDir)
	return 0
}

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}
