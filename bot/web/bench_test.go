package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aduan/flows"
	"aduan/store"
)

// conversation is what each benchmark citizen sends, over and over: a
// whole complaint, seven messages.
var conversation = []map[string]any{
	{"command": "start"},
	{"choice": "menu:aduan", "label": "📝 Buat aduan"},
	{"choice": "cat:jalan", "label": "🛣️ Jalan"},
	{"text": "Jalan berlubang besar di depan pasar, sudah dua minggu."},
	{"location": true, "lat": -7.7056, "lon": 110.6063},
	{"text": "lewati"},
	{"choice": "ok:kirim", "label": "✅ Kirim"},
}

// BenchmarkWebChat sends citizen messages to the web chat over real HTTP
// on loopback, from many citizens at once (128 browsers; each starts a new
// session, a new citizen, after its complaint), with fsync on. A message's
// request returns only once the message and its effects are committed;
// the clock stops when every answer has been delivered to its citizen's
// transcript. It reports messages/s and the p50 and p99 of a request.
//
//	go test -run XXX -bench BenchmarkWebChat -benchtime 20000x ./bot/web
func BenchmarkWebChat(b *testing.B) {
	const citizens = 128
	f := mustFixture(b, nil)
	transport := &http.Transport{MaxIdleConnsPerHost: citizens, MaxConnsPerHost: citizens}
	type citizen struct {
		client *http.Client
		csrf   string
	}
	// open starts a new citizen: a browser without cookies opens the page.
	open := func(c *citizen) {
		jar, _ := cookiejar.New(nil)
		c.client = &http.Client{Jar: jar, Transport: transport}
		resp, err := c.client.Get(f.srv.URL + "/api/obrolan")
		if err != nil {
			b.Error(err)
			return
		}
		var data struct{ CSRF string }
		json.NewDecoder(resp.Body).Decode(&data)
		resp.Body.Close()
		c.csrf = data.CSRF
	}
	cs := make([]*citizen, citizens)
	for i := range cs {
		cs[i] = &citizen{}
		open(cs[i])
	}
	var next atomic.Int64
	lat := make([][]time.Duration, citizens)
	var failed, submitted atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				if next.Add(1) > int64(b.N) {
					return
				}
				if n > 0 && n%len(conversation) == 0 {
					open(c)
				}
				msg := conversation[n%len(conversation)]
				body := fmt.Sprintf(`{"id":"b%d",%s`, n, string(mustJSON(msg))[1:])
				req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/kirim", bytes.NewReader([]byte(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", c.csrf)
				t0 := time.Now()
				resp, err := c.client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				} else if msg["choice"] == "ok:kirim" {
					submitted.Add(1)
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	// Every answer out: the outbox is empty.
	for {
		n, err := f.desk.OutboxLen()
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d requests failed", failed.Load())
	}
	// Every submitted complaint is stored, and its citizen was told.
	var stored int64
	f.store.View(func(tx *store.Tx) error {
		return tx.EachComplaint(false, func(*flows.Complaint) bool { stored++; return true })
	})
	if stored != submitted.Load() {
		b.Fatalf("%d complaints stored, %d submitted", stored, submitted.Load())
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
	f.srv.Close()
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}
