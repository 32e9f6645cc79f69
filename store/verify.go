package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"aduan/flows"
)

// OpenReadOnly opens the database without changing it, for checks and
// exports while nothing else holds it.
func OpenReadOnly(path string) (*Store, error) {
	db, err := openBolt(path, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w (is another aduan running with the same data_dir?)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var version int
	if err := db.View(func(tx *bolt.Tx) error {
		return guarded(tx, func(tx *bolt.Tx) error {
			version, err = schemaOf(tx)
			return err
		})
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if version > Schema {
		db.Close()
		return nil, newerSchema(path, version)
	}
	return &Store{db: db}, nil
}

// maxProblems bounds what Verify reports of one kind.
const maxProblems = 100

// Verify checks the database, read-only: bbolt's own consistency, links
// that name no complaint or that pruning cannot find, conversations and
// citizens' lists that name a missing complaint, lists that do not read,
// closed complaints missing from the retention list, status lines that no
// longer match their complaint, and media a complaint shows that is
// missing from media (when given).
// It returns the problems found, in words; none means all is well.
func (s *Store) Verify(media *Media) ([]string, error) {
	var problems []string
	add := func(format string, args ...any) {
		if len(problems) < maxProblems*4 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		return guarded(tx, func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				add("database: %v", err)
			}
			for _, b := range allBuckets {
				if tx.Bucket(b) == nil {
					add("database: bucket %q is missing", b)
				}
			}
			if len(problems) > 0 {
				return nil // the structure is broken: reading it further can mislead
			}
			t := &Tx{tx: tx}
			exists := func(ticket string) bool { return tx.Bucket(bucketComplaints).Get([]byte(ticket)) != nil }
			err := tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
				ticket, ok := linkTicket(v)
				switch {
				case !ok:
					add("post link %s: unreadable: %q", k, v)
				case !exists(ticket):
					add("post link %s names %s, which does not exist", k, ticket)
				case !t.linkOwned(ticket, k):
					add("post link %s is not listed under %s: pruning would never forget it", k, ticket)
				}
				return nil
			})
			if err != nil {
				return err
			}
			err = tx.Bucket(bucketConversations).ForEach(func(k, v []byte) error {
				if isListKey(k) {
					list, err := decodeList(v)
					if err != nil {
						add("the list of %s's complaints: %v", k[:len(k)-1], err)
					}
					for _, e := range list {
						if !exists(e.ticket) {
							add("the list of %s's complaints names %s, which does not exist", k[:len(k)-1], e.ticket)
						}
					}
					return nil
				}
				var c flows.Conversation
				data, err := decodeValue(v)
				if err == nil {
					err = json.Unmarshal(data, &c)
				}
				if err != nil {
					add("conversation %s: unreadable: %v", k, err)
					return nil
				}
				for _, ticket := range c.Tickets {
					if !exists(ticket) {
						add("conversation %s lists %s, which does not exist", k, ticket)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			var last []byte // the ticket whose entries were last checked
			err = tx.Bucket(bucketEntries).ForEach(func(k, _ []byte) error {
				if len(k) < 6 || k[len(k)-5] != 0 {
					add("thread entry %q: not a thread entry's key", k)
					return nil
				}
				if ticket := k[:len(k)-5]; !bytes.Equal(ticket, last) {
					last = ticket
					if !exists(string(ticket)) {
						add("thread entries of %s, which does not exist", ticket)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			return tx.Bucket(bucketComplaints).ForEach(func(k, v []byte) error {
				c, err := t.decodeComplaint(k, v)
				if err != nil {
					add("%v", err)
					return nil
				}
				if key := retainKey(&c); key != nil && tx.Bucket(bucketRetain).Get(key) == nil {
					add("complaint %s is closed but not in the retention list: its personal data would never be erased", c.Ticket)
				}
				if list, err := decodeList(tx.Bucket(bucketConversations).Get(listKey(c.Citizen))); err == nil {
					if i, found := findEntry(list, c.Ticket); found && !bytes.Equal(list[i].line, lineOf(&c).encode()) {
						add("complaint %s: its status line in its citizen's list is out of date", c.Ticket)
					}
				}
				if media == nil {
					return nil
				}
				hashes := flows.MediaOf(c)
				for _, e := range c.Thread {
					if e.Kind != flows.EntryCitizen {
						hashes = append(hashes, e.Photos...)
						for _, f := range e.Files {
							hashes = append(hashes, f.Hash)
						}
					}
				}
				for _, h := range hashes {
					f, err := media.Open(h)
					if err != nil {
						add("complaint %s shows media %s, which is missing", c.Ticket, shortHash(h))
						continue
					}
					f.Close()
				}
				return nil
			})
		})
	})
	if errors.Is(err, ErrDamaged) {
		add("database: %v", err)
		return problems, nil
	}
	if err != nil {
		return problems, fmt.Errorf("verify: %w", err)
	}
	return problems, nil
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// Backup writes a consistent copy of the database to path, while it is in
// use: one read transaction (bbolt's Tx.WriteTo) into a temporary file,
// synced, then renamed into place. It returns the copy's size.
func (s *Store) Backup(path string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".aduan-backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	var n int64
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(tmp)
		return err
	})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	return n, nil
}
