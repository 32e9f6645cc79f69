package telegram_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"aduan/bot"
	"aduan/bot/telegram"
	"aduan/bot/telegram/telegramtest"
)

// BenchmarkReplyLatency has 20 citizens file complaints at once, each
// answering the bot's question one to two seconds after it appears (a
// quick typist), against the fake Bot API with Telegram's flood limits and the
// adapter's default limits. It reports the time from a citizen's message
// to the bot's next question: p50 and p99.
func BenchmarkReplyLatency(b *testing.B) {
	const citizens = 20
	script := []string{"/aduan", "2", "Atap kelas 3 SD Negeri 1 bocor saat hujan", "SD Negeri 1 Klaten, Jl. Pemuda", "lewati", "✅ Kirim"}
	var mu sync.Mutex
	var lat []time.Duration
	for n := range b.N {
		srv := telegramtest.New(b)
		srv.SetFloodLimits(telegramtest.TelegramLimits())
		st, media := mustStore(b, b.TempDir())
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		desk := bot.New(st, testConfig(false), bot.Options{Location: time.UTC, Logger: log})
		tg, err := telegram.New(telegram.Config{Token: telegramtest.Token, APIURL: srv.URL, PollTimeout: time.Second, Logger: log}, desk, media)
		if err != nil {
			b.Fatal(err)
		}
		desk.AddChannel(tg)
		ctx, cancel := context.WithCancel(context.Background())
		var run sync.WaitGroup
		run.Add(2)
		go func() { defer run.Done(); desk.Run(ctx) }()
		go func() { defer run.Done(); tg.Run(ctx) }()
		var wg sync.WaitGroup
		for c := range citizens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := telegramtest.User{ID: int64(20000 + n*100 + c), FirstName: fmt.Sprint("Warga ", c)}
				time.Sleep(time.Duration(c) * 50 * time.Millisecond) // all within a second
				for i, text := range script {
					start := time.Now()
					srv.Text(telegramtest.Private(u), u, text)
					if !srv.Wait(30*time.Second, func() bool { return len(srv.Sent(u.ID)) > i }) {
						b.Errorf("citizen %d got no answer to %q", c, text)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(start))
					mu.Unlock()
					// Reading and typing: about a second, not all at once.
					time.Sleep(time.Second + time.Duration((c*7+i*3)%20)*50*time.Millisecond)
				}
			}()
		}
		wg.Wait()
		if tm := srv.TooMany(); tm > 0 {
			b.Errorf("%d sends refused with 429", tm)
		}
		cancel()
		run.Wait()
		st.Close()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
