package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aduan/flows"
)

// filledStore writes n complaints into a new store at path and closes it.
func filledStore(t *testing.T, path string, n int) {
	t.Helper()
	s := mustOpen(t, path)
	defer s.Close()
	mustUpdate(t, s, func(tx *Tx) error {
		for i := range n {
			err := tx.PutComplaint(flows.Complaint{Ticket: fmt.Sprintf("ADU-2026-%06d", i+1), Office: "dpupr", Category: "jalan",
				Status: flows.StatusNew, Created: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Description: strings.Repeat("Jalan berlubang. ", 10)})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// A truncated file is refused at open with a clear error, by Open and
// OpenReadOnly, without a panic.
func TestTruncatedStoreRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	filledStore(t, path, 500)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{info.Size() / 2, 3 * 4096} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(path, Options{}); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "put the latest backup in its place") {
			t.Errorf("Open of a file truncated to %d: %v, want ErrDamaged with advice", size, err)
		}
		if _, err := OpenReadOnly(path); !errors.Is(err, ErrDamaged) {
			t.Errorf("OpenReadOnly of a file truncated to %d: %v, want ErrDamaged", size, err)
		}
	}
}

// Overwritten pages make reads and writes fail with ErrDamaged, not
// crash the process; Verify reports the damage.
func TestOverwrittenPagesDoNotCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	filledStore(t, path, 500)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := []byte(strings.Repeat("\xff\x13", 4096*10))
	if _, err := f.WriteAt(junk, 4096*8); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("open: %v; the damage is in complaints' pages, which open does not read", err)
	}
	defer s.Close()
	read := s.View(func(tx *Tx) error {
		return tx.EachComplaint(false, func(*flows.Complaint) bool { return true })
	})
	if !errors.Is(read, ErrDamaged) {
		t.Errorf("reading every complaint: %v, want ErrDamaged", read)
	}
	write := s.Update(func(tx *Tx) error {
		for i := range 500 {
			c, err := tx.Complaint(fmt.Sprintf("ADU-2026-%06d", i+1))
			if err != nil {
				return err
			}
			if c != nil {
				c.Status = flows.StatusInProgress
				if err := tx.PutComplaint(*c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if !errors.Is(write, ErrDamaged) {
		t.Errorf("changing every complaint: %v, want ErrDamaged", write)
	}
	if p := s.Problem(); !errors.Is(p, ErrDamaged) {
		t.Errorf("the store's problem: %v, want ErrDamaged", p)
	}
	s.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	problems, err := ro.Verify(nil)
	if err != nil || len(problems) == 0 {
		t.Errorf("verify of a damaged file: %v %q", err, problems)
	}
}

// A panic in aduan's own code is a bug, not damage: it is not hidden as
// one, and the store is not marked damaged.
func TestOwnPanicIsNotDamage(t *testing.T) {
	s := mustOpenTemp(t)
	defer func() {
		if r := recover(); r == nil {
			t.Error("the panic was swallowed")
		}
		if p := s.Problem(); p != nil {
			t.Errorf("a bug marked the store: %v", p)
		}
	}()
	_ = s.View(func(tx *Tx) error {
		var c *flows.Complaint
		_ = c.Ticket // nil dereference
		return nil
	})
}
