package store_test

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"aduan/store"
)

// BenchmarkMigration opens a store of 100,000 complaints
// (storetest.FillYears) as schema 6 left it, as far as the migration
// sees: the backup copy, then the rebuild of the citizens' lists beside
// their conversations (schema 7), which reads every complaint whole. (The
// lists are there already, so the rebuild writes over them rather than
// beside schema 6's bucket; the bucket's removal is not timed.)
//
//	go test -run XXX -bench BenchmarkMigration -benchtime 1x ./store
func BenchmarkMigration(b *testing.B) {
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "aduan.db")
		filledStore(b, path).Close()
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			meta := tx.Bucket([]byte("meta"))
			if err := meta.Delete([]byte("index:lists")); err != nil {
				return err
			}
			return meta.Put([]byte("schema"), []byte("6"))
		})
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		migrated := 0
		b.StartTimer()
		s, err := store.Open(path, store.Options{OnMigrated: func(from int, _ string) { migrated = from }})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		if migrated != 6 {
			b.Fatalf("migrated from %d, want 6", migrated)
		}
	}
}
