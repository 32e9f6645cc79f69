package store

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Mirror copies what is new and removes what the desk erased, so a backup
// holds the same files as the desk.
func TestMediaMirror(t *testing.T) {
	m, err := OpenMedia(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	put := func(s string) string {
		h, err := m.Put(strings.NewReader(s), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a, b := put("foto a"), put("foto b")
	dst := filepath.Join(t.TempDir(), "backup", "media")
	if copied, removed, err := m.Mirror(dst); err != nil || copied != 2 || removed != 0 {
		t.Fatalf("first mirror: %d copied, %d removed, %v", copied, removed, err)
	}
	if err := m.Delete(a); err != nil {
		t.Fatal(err)
	}
	c := put("foto c")
	if copied, removed, err := m.Mirror(dst); err != nil || copied != 1 || removed != 1 {
		t.Fatalf("second mirror: %d copied, %d removed, %v", copied, removed, err)
	}
	var got []string
	filepath.WalkDir(dst, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			got = append(got, d.Name()+"="+string(data))
		}
		return nil
	})
	want := []string{b + "=foto b", c + "=foto c"}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("mirror holds %v, want %v", got, want)
	}
}
