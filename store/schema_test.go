package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"aduan/flows"
)

// A store from before schema versions is migrated at open: a copy of it
// is kept first, the indexes are built, and the version is recorded, so
// the next open changes nothing.
func TestOldStoreMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	c := flows.Complaint{Ticket: "ADU-2026-000001", Office: "dpupr", Category: "jalan", Status: flows.StatusNew, Citizen: flows.Chat{Channel: "telegram", ID: "5001"},
		Created: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Location: flows.Location{Lat: 1, Lon: 2, HasPoint: true},
		Thread: []flows.Entry{{At: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Kind: flows.EntryReply, Author: "Sari", Text: "Sudah dicek."},
			{At: time.Date(2026, 11, 2, 11, 0, 0, 0, time.UTC), Kind: flows.EntryCitizen, Text: "Terima kasih."}}}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		// As a schema-1 store: no version, no indexes, no buckets added
		// since, the thread inside the complaint.
		inline, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if err := tx.tx.Bucket(bucketComplaints).Put([]byte(c.Ticket), inline); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketOpenPoints, bucketStats, bucketEntries} {
			if err := tx.tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		if err := tx.tx.Bucket(bucketConversations).Delete(listKey(c.Citizen)); err != nil {
			return err
		}
		return tx.tx.DeleteBucket(bucketMeta)
	})
	s.Close()

	var from int
	var backup string
	s, err := Open(path, Options{LockTimeout: 100 * time.Millisecond, OnMigrated: func(f int, b string) { from, backup = f, b }})
	if err != nil {
		t.Fatalf("open old store: %v", err)
	}
	if from != 1 || backup != path+".schema1.bak" {
		t.Errorf("migrated from %d, backup %q", from, backup)
	}
	mustView(t, s, func(tx *Tx) error {
		if v, _ := schemaOf(tx.tx); v != Schema {
			t.Errorf("schema after migration %d, want %d", v, Schema)
		}
		if ps := tx.OpenPoints("jalan"); len(ps) != 1 {
			t.Errorf("open points after migration: %+v", ps)
		}
		n := 0
		if err := tx.EachStat(false, func(flows.StatRecord) bool { n++; return true }); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("%d stat records after migration, want 1", n)
		}
		active, heads, err := tx.ActiveTickets(c.Citizen, c.Created, func(string) bool { return true })
		if err != nil || !active[c.Ticket] || heads[c.Ticket].Answer != "Sudah dicek." {
			t.Errorf("active list after migration: %v %+v %v", active, heads, err)
		}
		var rec complaintRecord
		if _, err := tx.get(bucketComplaints, c.Ticket, &rec); err != nil || len(rec.Thread) != 0 || rec.Entries != 2 {
			t.Errorf("after migration the complaint record holds %d entries inline, counts %d (%v)", len(rec.Thread), rec.Entries, err)
		}
		if n := tx.tx.Bucket(bucketEntries).Stats().KeyN; n != 2 {
			t.Errorf("%d thread entries stored apart, want 2", n)
		}
		got, err := tx.Complaint(c.Ticket)
		if err != nil || got == nil || !reflect.DeepEqual(got.Thread, c.Thread) {
			t.Errorf("thread after migration %+v (%v), want %+v", got, err, c.Thread)
		}
		return nil
	})
	s.Close()

	// The copy is the old store, untouched.
	b, err := OpenReadOnly(backup)
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	mustView(t, b, func(tx *Tx) error {
		if v, _ := schemaOf(tx.tx); v != 1 {
			t.Errorf("backup has schema %d, want 1", v)
		}
		if got, err := tx.Complaint(c.Ticket); err != nil || got == nil {
			t.Errorf("backup lacks the complaint: %v %v", got, err)
		}
		return nil
	})
	b.Close()

	// Opened again: nothing more to migrate.
	from, backup = 0, ""
	s, err = Open(path, Options{OnMigrated: func(f int, b string) { from, backup = f, b }})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if backup != "" {
		t.Errorf("migrated again from %d", from)
	}
}

// A new store is written at the current schema, with no backup.
func TestNewStoreHasSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	called := false
	s, err := Open(path, Options{OnMigrated: func(int, string) { called = true }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if called {
		t.Error("a new store was reported migrated")
	}
	mustView(t, s, func(tx *Tx) error {
		if v, _ := schemaOf(tx.tx); v != Schema {
			t.Errorf("schema %d, want %d", v, Schema)
		}
		return nil
	})
	if m, _ := filepath.Glob(path + ".schema*"); len(m) != 0 {
		t.Errorf("backup made for a new store: %v", m)
	}
}

// A store from a newer aduan is refused, by Open and OpenReadOnly, and
// left as it was.
func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	mustUpdate(t, s, func(tx *Tx) error { return tx.SetMeta(metaSchema, strconv.Itoa(Schema+1)) })
	s.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Open: %v, want ErrNewerSchema", err)
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("OpenReadOnly: %v, want ErrNewerSchema", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("the refused store was changed")
	}
}

// A version that is not a number is an error, not a guess.
func TestUnreadableSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	mustUpdate(t, s, func(tx *Tx) error { return tx.SetMeta(metaSchema, "dua") })
	s.Close()
	if _, err := Open(path, Options{}); err == nil {
		t.Error("opened a store with an unreadable schema version")
	}
}

// A schema-4 store gets its closed list and the owner entries of its post
// links (old plain links, links with kinds, reply links) at open, so
// pruning finds them.
func TestSchema4Migrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	group := flows.Chat{Channel: "telegram", ID: "-1001"}
	closed := flows.Complaint{Ticket: "ADU-2024-000001", Status: flows.StatusResolved, Created: now.AddDate(-2, 0, 0), ResolvedAt: now.AddDate(-2, 0, 1)}
	open := flows.Complaint{Ticket: "ADU-2024-000002", Status: flows.StatusInProgress, Created: now.AddDate(-2, 0, 0)}
	mustUpdate(t, s, func(tx *Tx) error {
		for _, c := range []flows.Complaint{closed, open} {
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
			if err := tx.LinkPost(group, "p"+c.Ticket, Link{Ticket: c.Ticket, Relay: true}); err != nil {
				return err
			}
			if err := tx.LinkReply(group, "r"+c.Ticket, c.Ticket); err != nil {
				return err
			}
			// A link from before links had kinds: the plain ticket.
			if err := tx.tx.Bucket(bucketPosts).Put([]byte(postKey(group, "q"+c.Ticket)), []byte(c.Ticket)); err != nil {
				return err
			}
		}
		// As schema 4 left it: no closed list, only the thread's post
		// under the complaint.
		for _, c := range []flows.Complaint{closed, open} {
			if err := tx.tx.Bucket(bucketThreads).Put([]byte(c.Ticket+"|"+group.String()), []byte("p"+c.Ticket)); err != nil {
				return err
			}
		}
		for _, m := range []string{metaClosed, metaLinkOwners} {
			if err := tx.tx.Bucket(bucketMeta).Delete([]byte(m)); err != nil {
				return err
			}
		}
		if err := tx.tx.DeleteBucket(bucketClosed); err != nil {
			return err
		}
		return tx.SetMeta(metaSchema, "4")
	})
	s.Close()

	var from int
	s, err := Open(path, Options{OnMigrated: func(f int, _ string) { from = f }})
	if err != nil {
		t.Fatalf("open schema-4 store: %v", err)
	}
	defer s.Close()
	if from != 4 {
		t.Errorf("migrated from %d, want 4", from)
	}
	var n int
	mustUpdate(t, s, func(tx *Tx) error {
		n, _, err = tx.PrunePostLinks(now.AddDate(-1, 0, 0), 10)
		return err
	})
	if n != 3 {
		t.Errorf("pruned %d links after migration, want the 3 of %s", n, closed.Ticket)
	}
	mustView(t, s, func(tx *Tx) error {
		for _, id := range []string{"p", "q"} {
			if _, ok, _ := tx.PostLink(group, id+closed.Ticket); ok {
				t.Errorf("post %s of the long-closed complaint kept", id)
			}
			if _, ok, _ := tx.PostLink(group, id+open.Ticket); !ok {
				t.Errorf("post %s of the open complaint pruned", id)
			}
		}
		if tx.RelayedReply(group, "r"+closed.Ticket) != "" || tx.RelayedReply(group, "r"+open.Ticket) == "" {
			t.Error("reply links: the closed complaint's should go, the open one's stay")
		}
		return nil
	})
}

// A schema-5 or -6 store gets its citizens' lists rebuilt with status
// lines, beside their conversations: the newest ten of each citizen, and
// older ones only while open or resolved. The bucket that held the lists
// goes, and schema 6's flag with it.
func TestSchema5ActiveRebuilt(t *testing.T) {
	for _, version := range []int{5, 6} {
		t.Run(fmt.Sprint("schema ", version), func(t *testing.T) { testListsRebuilt(t, version) })
	}
}

func testListsRebuilt(t *testing.T, version int) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	chat := flows.Chat{Channel: "telegram", ID: "5001"}
	mustUpdate(t, s, func(tx *Tx) error {
		for i := 1; i <= 14; i++ {
			c := flows.Complaint{Ticket: fmt.Sprintf("A-%02d", i), Citizen: chat, Category: "jalan", Status: flows.StatusRejected, Created: at,
				Thread: []flows.Entry{{At: at, Kind: flows.EntryReply, Text: fmt.Sprintf("Jawaban %d", i)}}}
			switch i {
			case 1:
				c.Status = flows.StatusInProgress
			case 2:
				c.Status, c.ResolvedAt = flows.StatusResolved, at
			}
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
		}
		// As schema 5 left it: a bucket of entries without lines, only
		// the open and resolved ones (schema 6 had lines, and a flag).
		if err := tx.tx.Bucket(bucketConversations).Delete(listKey(chat)); err != nil {
			return err
		}
		if err := tx.tx.Bucket(bucketMeta).Delete([]byte(metaLists)); err != nil {
			return err
		}
		b, err := tx.tx.CreateBucket(bucketActive)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(chat.String()+"|A-01"), []byte{}); err != nil {
			return err
		}
		if err := b.Put([]byte(chat.String()+"|A-02"), binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano()))); err != nil {
			return err
		}
		if version == 6 {
			if err := tx.SetMeta(metaActiveLines, "1"); err != nil {
				return err
			}
		}
		return tx.SetMeta(metaSchema, strconv.Itoa(version))
	})
	s.Close()
	s = mustOpen(t, path)
	defer s.Close()
	var listed []string
	var answer string
	mustUpdate(t, s, func(tx *Tx) error {
		_, heads, err := tx.ActiveTickets(chat, at.Add(-time.Hour), func(string) bool { return true })
		listed, answer = slices.Sorted(maps.Keys(heads)), heads["A-14"].Answer
		return err
	})
	want := []string{"A-01", "A-02", "A-05", "A-06", "A-07", "A-08", "A-09", "A-10", "A-11", "A-12", "A-13", "A-14"}
	if !slices.Equal(listed, want) || answer != "Jawaban 14" {
		t.Errorf("after migration listed %v (A-14 answered %q), want %v", listed, answer, want)
	}
	mustView(t, s, func(tx *Tx) error {
		if tx.tx.Bucket(bucketActive) != nil || tx.Meta(metaActiveLines) != "" {
			t.Error("schema 6's bucket of lists (or its flag) outlived the migration")
		}
		return nil
	})
}
