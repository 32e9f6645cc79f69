package store

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged means the database file is damaged: truncated, or pages
// overwritten. bbolt panics on what it cannot read; the store turns that
// into this error, so aduan keeps running (and says so on /readyz)
// instead of dying on every message.
var ErrDamaged = errors.New("the database file is damaged")

// damageAdvice is what an operator does about a damaged file.
const damageAdvice = "stop aduan, move the damaged file aside and put the latest backup in its place (README: Back up and restore)"

// guarded runs fn over a transaction, turning a panic while reading the
// file (a page bbolt cannot parse, a fault on a truncated mapping) into
// ErrDamaged.
func guarded(tx *bolt.Tx, fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !inBolt() {
				panic(r) // a bug of ours, not the file's fault
			}
			err = fmt.Errorf("%w (%v): %s", ErrDamaged, r, damageAdvice)
		}
	}()
	return fn(tx)
}

// inBolt reports, from a deferred call during a panic, whether bbolt
// panicked (reading a page it cannot parse, or a fault on the mapping)
// rather than aduan's own code.
func inBolt() bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		switch {
		case strings.HasPrefix(f.Function, "runtime."):
			// gopanic, sigpanic, panicIndex…: look further down.
		default:
			return strings.HasPrefix(f.Function, "go.etcd.io/bbolt")
		}
		if !more {
			return false
		}
	}
}

// openBolt opens the file, turning bbolt's panics on a damaged file into
// ErrDamaged, and refuses a file shorter than the database it holds.
func openBolt(path string, opt *bolt.Options) (db *bolt.DB, err error) {
	if info, err := os.Stat(path); err == nil && info.Size() > 0 && !opt.ReadOnly {
		// A read-write open reads the free page list at once, and panics
		// on a truncated file with the file still mapped and locked (the
		// lock lasts as long as the mapping). A read-only open reads only
		// the meta pages: check the size that way first.
		ro, err := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: opt.Timeout})
		if err != nil {
			return nil, err
		}
		ro.Close()
	}
	var file *os.File
	opt.OpenFile = func(name string, flag int, mode os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, mode)
		file = f
		return f, err
	}
	func() {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				// bbolt left the file open: let go of it (its lock goes
				// with the mapping, when the process ends).
				if file != nil {
					file.Close()
				}
				err = fmt.Errorf("%w (%v): %s", ErrDamaged, r, damageAdvice)
			}
		}()
		db, err = bolt.Open(path, 0o600, opt)
	}()
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		db.Close()
		return nil, err
	}
	var size int64
	err = db.View(func(tx *bolt.Tx) error {
		return guarded(tx, func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	})
	if err == nil && info.Size() < size {
		err = fmt.Errorf("%w (truncated: %d bytes of %d): %s", ErrDamaged, info.Size(), size, damageAdvice)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
