package store

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"aduan/flows"
)

func TestChatLog(t *testing.T) {
	s := mustOpenTemp(t)
	a, b := flows.Chat{Channel: "web", ID: "a"}, flows.Chat{Channel: "web", ID: "b"}
	mustUpdate(t, s, func(tx *Tx) error {
		for i, e := range []string{"one", "two", "three"} {
			seq, err := tx.AppendChat(a, []byte(e), "hash"+e)
			if err != nil || seq != uint64(i+1) {
				t.Errorf("append %s: seq %d, err %v", e, seq, err)
			}
		}
		_, err := tx.AppendChat(b, []byte("other"))
		return err
	})
	mustView(t, s, func(tx *Tx) error {
		seqs, entries := tx.ChatLog(a, 1, 10)
		if len(seqs) != 2 || seqs[0] != 2 || string(entries[1]) != "three" {
			t.Errorf("after 1: %v %q", seqs, entries)
		}
		if seqs, _ := tx.ChatLog(a, 0, 2); len(seqs) != 2 || seqs[1] != 2 {
			t.Errorf("limit 2: %v", seqs)
		}
		if tail := tx.ChatLogTail(a, 2); tail != 1 {
			t.Errorf("tail of 2 = %d, want 1", tail)
		}
		if tail := tx.ChatLogTail(flows.Chat{Channel: "web", ID: "none"}, 2); tail != 0 {
			t.Errorf("tail of an empty chat = %d", tail)
		}
		if !tx.MediaGranted(a, "hashtwo") || tx.MediaGranted(b, "hashtwo") {
			t.Errorf("media granted to the wrong chat")
		}
		return nil
	})
}

func TestSessions(t *testing.T) {
	s := mustOpenTemp(t)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutSession("live", Session{Subject: "x", Expires: now.Add(time.Hour)}); err != nil {
			return err
		}
		return tx.PutSession("old", Session{Subject: "y", Expires: now.Add(-time.Second)})
	})
	mustView(t, s, func(tx *Tx) error {
		if got, err := tx.Session("live", now); err != nil || got.Subject != "x" {
			t.Errorf("live session: %+v, %v", got, err)
		}
		if _, err := tx.Session("old", now); !errors.Is(err, ErrNoSession) {
			t.Errorf("expired session: %v, want ErrNoSession", err)
		}
		if _, err := tx.Session("never", now); !errors.Is(err, ErrNoSession) {
			t.Errorf("unknown session: %v, want ErrNoSession", err)
		}
		return nil
	})
	mustUpdate(t, s, func(tx *Tx) error {
		n, err := tx.PruneSessions(now, 10)
		if n != 1 {
			t.Errorf("pruned %d, want 1", n)
		}
		return err
	})
	mustUpdate(t, s, func(tx *Tx) error { return tx.DeleteSession("live") })
	mustView(t, s, func(tx *Tx) error {
		if _, err := tx.Session("live", now); !errors.Is(err, ErrNoSession) {
			t.Errorf("deleted session still there: %v", err)
		}
		return nil
	})
}

func TestEachComplaint(t *testing.T) {
	s := mustOpenTemp(t)
	mustUpdate(t, s, func(tx *Tx) error {
		for _, tk := range []string{"ADU-2026-000002", "ADU-2025-000009", "ADU-2026-000010"} {
			if err := tx.PutComplaint(flows.Complaint{Ticket: tk}); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tt := range []struct {
		newest bool
		want   []string
	}{
		{false, []string{"ADU-2025-000009", "ADU-2026-000002"}},
		{true, []string{"ADU-2026-000010", "ADU-2026-000002"}},
	} {
		var got []string
		mustView(t, s, func(tx *Tx) error {
			return tx.EachComplaint(tt.newest, func(c *flows.Complaint) bool {
				got = append(got, c.Ticket)
				return len(got) < 2
			})
		})
		if len(got) != 2 || got[0] != tt.want[0] || got[1] != tt.want[1] {
			t.Errorf("newest=%v: %v, want %v", tt.newest, got, tt.want)
		}
	}
}

func mustOpenTemp(t *testing.T) *Store {
	t.Helper()
	s := mustOpen(t, filepath.Join(t.TempDir(), "aduan.db"))
	t.Cleanup(func() { s.Close() })
	return s
}

func mustView(t *testing.T, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.View(fn); err != nil {
		t.Fatalf("view: %v", err)
	}
}

// The open-points index follows each complaint stored: open with a point
// is in, closed or without a point is out.
func TestOpenPoints(t *testing.T) {
	s := mustOpenTemp(t)
	pt := flows.Location{Lat: -7.7, Lon: 110.6, HasPoint: true}
	put := func(c flows.Complaint) {
		mustUpdate(t, s, func(tx *Tx) error { return tx.PutComplaint(c) })
	}
	put(flows.Complaint{Ticket: "ADU-2026-000001", Category: "jalan", Status: flows.StatusNew, Location: pt})
	put(flows.Complaint{Ticket: "ADU-2026-000002", Category: "jalan", Status: flows.StatusNew, Location: flows.Location{Text: "Jl. Pemuda"}})
	put(flows.Complaint{Ticket: "ADU-2026-000003", Category: "sekolah", Status: flows.StatusNew, Location: pt})
	got := func() []OpenPoint {
		var out []OpenPoint
		mustView(t, s, func(tx *Tx) error { out = tx.OpenPoints("jalan"); return nil })
		return out
	}
	if ps := got(); len(ps) != 1 || ps[0].Ticket != "ADU-2026-000001" || ps[0].Lat != -7.7 || ps[0].Lon != 110.6 {
		t.Errorf("open points: %+v", ps)
	}
	put(flows.Complaint{Ticket: "ADU-2026-000001", Category: "jalan", Status: flows.StatusResolved, Location: pt})
	if ps := got(); len(ps) != 0 {
		t.Errorf("a resolved complaint is still indexed: %+v", ps)
	}
}

// A store from before the open-points index gets it built at open.
func TestOpenPointsBuiltAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	c := flows.Complaint{Ticket: "ADU-2026-000001", Category: "jalan", Status: flows.StatusNew, Location: flows.Location{Lat: 1, Lon: 2, HasPoint: true}}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		// As an old store: no index, no mark.
		if err := tx.tx.DeleteBucket(bucketOpenPoints); err != nil {
			return err
		}
		if _, err := tx.tx.CreateBucket(bucketOpenPoints); err != nil {
			return err
		}
		if err := tx.tx.Bucket(bucketMeta).Delete([]byte(metaSchema)); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Delete([]byte(metaOpenPoints))
	})
	s.Close()
	s = mustOpen(t, path)
	defer s.Close()
	mustView(t, s, func(tx *Tx) error {
		if ps := tx.OpenPoints("jalan"); len(ps) != 1 || ps[0].Ticket != c.Ticket {
			t.Errorf("after reopening an old store: %+v", ps)
		}
		return nil
	})
}

// Statistics records follow each complaint stored, round-trip every
// field statistics read, and are built once for a store from before them.
func TestStatRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	s := mustOpen(t, path)
	at := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	c := flows.Complaint{Ticket: "ADU-2026-000001", Office: "dpupr", Category: "jalan", Status: flows.StatusResolved, Created: at,
		FirstResponseAt: at.Add(time.Hour), ResolvedAt: at.Add(30 * time.Hour), Rating: 4}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.PutComplaint(c); err != nil {
			return err
		}
		// As an old store: no records, no mark.
		if err := tx.tx.DeleteBucket(bucketStats); err != nil {
			return err
		}
		if _, err := tx.tx.CreateBucket(bucketStats); err != nil {
			return err
		}
		if err := tx.tx.Bucket(bucketMeta).Delete([]byte(metaSchema)); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Delete([]byte(metaStats))
	})
	s.Close()
	s = mustOpen(t, path)
	defer s.Close()
	var got []flows.StatRecord
	mustView(t, s, func(tx *Tx) error {
		return tx.EachStat(false, func(r flows.StatRecord) bool { got = append(got, r); return true })
	})
	want := c.StatRecord()
	if len(got) != 1 || got[0].Ticket != want.Ticket || got[0].Office != want.Office || got[0].Category != want.Category || got[0].Status != want.Status ||
		!got[0].Created.Equal(want.Created) || !got[0].FirstResponseAt.Equal(want.FirstResponseAt) || !got[0].ResolvedAt.Equal(want.ResolvedAt) || got[0].Rating != 4 {
		t.Errorf("record %+v, want %+v", got, want)
	}
	// An unanswered complaint: zero times stay zero.
	mustUpdate(t, s, func(tx *Tx) error {
		return tx.PutComplaint(flows.Complaint{Ticket: "ADU-2026-000002", Office: "dpupr", Category: "jalan", Status: flows.StatusNew, Created: at})
	})
	got = nil
	mustView(t, s, func(tx *Tx) error {
		return tx.EachStat(false, func(r flows.StatRecord) bool { got = append(got, r); return true })
	})
	if len(got) != 2 || !got[1].FirstResponseAt.IsZero() || !got[1].ResolvedAt.IsZero() {
		t.Errorf("unanswered record: %+v", got)
	}
}

// TestSieve checks the search's sieve against a plain search of the
// complaints' texts: it passes every complaint whose text holds the needle
// in any case, and for a needle it can sieve for, not the others.
func TestSieve(t *testing.T) {
	s := mustOpenTemp(t)
	defer s.Close()
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	long := strings.Repeat("Air PDAM keruh sejak pekan lalu di Wedi. ", 20) // compressed when stored
	complaints := []flows.Complaint{
		{Ticket: "ADU-2026-000001", CitizenName: "Budi", Description: "Jalan berlubang di depan PASAR Klaten.", Location: flows.Location{Text: "Jl. Pemuda"}},
		{Ticket: "ADU-2026-000002", CitizenName: "Sari", Description: long, Thread: []flows.Entry{
			{At: at, Kind: flows.EntryCitizen, Author: "Sari", Text: "Masih keruh, ÜBER parah."},
			{At: at, Kind: flows.EntryReply, Author: "Petugas Joko", Text: "Tim menuju lokasi <segera> & cek pipa."},
		}},
		{Ticket: "ADU-2026-000003", CitizenName: "Ani", Description: "Sekolah roboh \"atapnya\" di Cawas.", Thread: []flows.Entry{
			{At: at, Kind: flows.EntryReply, Author: "Disdik", Text: strings.Repeat("Sudah kami catat dan teruskan. ", 10)},
		}},
	}
	mustUpdate(t, s, func(tx *Tx) error {
		for _, c := range complaints {
			c.Created, c.Status, c.Office, c.Category = at, flows.StatusNew, "dpupr", "jalan"
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
		}
		return nil
	})
	shows := func(c flows.Complaint, needle string) bool {
		texts := []string{c.Ticket, c.CitizenName, c.Description, c.Location.Text}
		for _, e := range c.Thread {
			texts = append(texts, e.Text, e.Author)
		}
		for _, s := range texts {
			if strings.Contains(strings.ToLower(s), needle) {
				return true
			}
		}
		return false
	}
	tests := []struct {
		needle string
		passed []string // numbers of the tickets the sieve passes
	}{
		{"pasar", []string{"1"}},
		{"pasar klaten", []string{"1"}},
		{"keruh", []string{"2"}},
		{"über parah", []string{"2"}}, // in a thread entry, in another case
		{"joko", []string{"2"}},
		{"wedi. air", []string{"2"}}, // inside a compressed value
		{"teruskan.", []string{"3"}},
		{"adu-2026-000003", []string{"3"}},
		{"tidak ada", nil},
		{"<segera>", []string{"1", "2", "3"}}, // escaped when stored: not sieved
		{"& cek", []string{"1", "2", "3"}},
		{"\"atapnya\"", []string{"1", "2", "3"}},
	}
	for _, tt := range tests {
		var passed []string
		mustView(t, s, func(tx *Tx) error {
			sieve := tx.Sieve(tt.needle)
			for _, c := range complaints {
				ok, err := sieve.MayContain(c.Ticket)
				if err != nil {
					return err
				}
				if ok {
					passed = append(passed, strings.TrimLeft(strings.TrimPrefix(c.Ticket, "ADU-2026-"), "0"))
				} else if shows(c, tt.needle) {
					t.Errorf("needle %q: the sieve stops %s, which shows it", tt.needle, c.Ticket)
				}
			}
			if ok, err := sieve.MayContain("ADU-2026-000009"); ok || err != nil {
				t.Errorf("needle %q: a missing complaint passes (%v)", tt.needle, err)
			}
			return nil
		})
		if !slices.Equal(passed, tt.passed) {
			t.Errorf("needle %q: passed %v, want %v", tt.needle, passed, tt.passed)
		}
	}
}
