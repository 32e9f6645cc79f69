package store_test

import (
	"os"
	"path/filepath"
	"testing"

	"aduan/store"
	"aduan/store/storetest"
)

// BenchmarkStoreSize reports the size of the file for 100,000 complaints
// (issue 10 wants ≤ 150 MB).
//
//	go test -run XXX -bench BenchmarkStoreSize -benchtime 1x ./store
func BenchmarkStoreSize(b *testing.B) {
	for range b.N {
		path := filepath.Join(b.TempDir(), "aduan.db")
		filledStore(b, path).Close()
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size())/1e6, "MB")
	}
}

// filledStore opens a new store at path with 100,000 complaints of
// storetest.FillYears in it.
func filledStore(b *testing.B, path string) *store.Store {
	b.Helper()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := storetest.FillYears(s, 100000); err != nil {
		s.Close()
		b.Fatal(err)
	}
	return s
}
