package web

import (
	"net/http"
	"testing"

	"aduan/store/storetest"
)

// BenchmarkConsoleList opens console pages (the first, a filter, a search
// in the texts, a search for an office's name, a far page)
// on a store of 100,000 complaints (storetest.FillYears).
//
//	go test -run XXX -bench BenchmarkConsoleList -benchtime 10x ./bot/web
func BenchmarkConsoleList(b *testing.B) {
	f := mustFixture(b, nil)
	if err := storetest.FillYears(f.store, 100000); err != nil {
		b.Fatal(err)
	}
	br := f.browser()
	for _, path := range []string{"/konsol", "/konsol?status=terbuka", "/konsol?q=nomor+99999", "/konsol?q=dpu-pr", "/konsol?hal=2000"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				resp, _ := br.get(path)
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %s", path, resp.Status)
				}
			}
		})
	}
}

// BenchmarkOpen311 asks the public API for requests over a store of
// 100,000 complaints: the newest page, open ones only (FillYears' are all
// closed: a whole scan), and a far page.
//
//	go test -run XXX -bench BenchmarkOpen311 -benchtime 10x ./bot/web
func BenchmarkOpen311(b *testing.B) {
	f := mustFixture(b, nil)
	if err := storetest.FillYears(f.store, 100000); err != nil {
		b.Fatal(err)
	}
	br := f.browser()
	for _, path := range []string{"/open311/v2/requests.json", "/open311/v2/requests.json?status=open", "/open311/v2/requests.json?page=1900&page_size=50"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				resp, _ := br.get(path)
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %s", path, resp.Status)
				}
			}
		})
	}
}
