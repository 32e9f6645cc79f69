package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=…
// -X main.date=…"; otherwise read from the build info.
var version, commit, date string

// versionLine says which aduan this is.
func versionLine() string {
	v, c, d := version, commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			case s.Key == "vcs.modified" && s.Value == "true" && c != "" && !strings.HasSuffix(c, "-dirty"):
				c += "-dirty"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("aduan %s (commit %s, built %s)", v, c, d)
}

// minPassword is the shortest password hash-password takes.
const minPassword = 10

// hashPassword prints a bcrypt hash of a password read from the terminal
// (asked twice, not echoed) or from the first line of stdin.
func hashPassword(stdin *os.File, stdout, stderr io.Writer) int {
	var password string
	if term.IsTerminal(int(stdin.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		first, err := term.ReadPassword(int(stdin.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			fmt.Fprintf(stderr, "aduan: read password: %v\n", err)
			return exitRuntime
		}
		fmt.Fprint(stderr, "Again: ")
		again, err := term.ReadPassword(int(stdin.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			fmt.Fprintf(stderr, "aduan: read password: %v\n", err)
			return exitRuntime
		}
		if string(first) != string(again) {
			fmt.Fprintln(stderr, "aduan: the two passwords differ")
			return exitConfig
		}
		password = string(first)
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintf(stderr, "aduan: read password: %v\n", err)
			return exitRuntime
		}
		password = strings.TrimRight(line, "\r\n")
	}
	hash, err := hashOf(password)
	if err != nil {
		fmt.Fprintf(stderr, "aduan: %v\n", err)
		return exitConfig
	}
	fmt.Fprintln(stdout, hash)
	return 0
}

func hashOf(password string) (string, error) {
	if len([]rune(password)) < minPassword {
		return "", fmt.Errorf("the password must have at least %d characters", minPassword)
	}
	if len(password) > 72 {
		return "", errors.New("the password must be at most 72 bytes (bcrypt's limit)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}
