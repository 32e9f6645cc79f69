package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"aduan/store"
)

// BenchmarkPrunePostLinks measures the hourly pruning of post links on a
// store of 100,000 complaints (storetest.FillYears, two years of them)
// once the links closed over a year ago are gone: a round then reads
// only the closed list's front, not every link.
//
//	go test -run XXX -bench BenchmarkPrunePostLinks -benchtime 100x ./store
func BenchmarkPrunePostLinks(b *testing.B) {
	s := filledStore(b, filepath.Join(b.TempDir(), "aduan.db"))
	defer s.Close()
	before := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC).AddDate(-1, 0, 0)
	round := func() (n int) {
		for more := true; more; {
			err := s.Update(func(tx *store.Tx) error {
				var forgot int
				var err error
				forgot, more, err = tx.PrunePostLinks(before, 200)
				n += forgot
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		return n
	}
	if n := round(); n < 40000 {
		b.Fatalf("the first round forgot %d links, want those of the first year (over 40,000)", n)
	}
	b.ResetTimer()
	for range b.N {
		if n := round(); n != 0 {
			b.Fatalf("a later round forgot %d links, want none", n)
		}
	}
}
