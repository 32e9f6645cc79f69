package telegram_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"aduan/bot"
	"aduan/bot/telegram"
	"aduan/bot/telegram/telegramtest"
	"aduan/flows"
	"aduan/store"
)

// drainer runs the desk's sender over a pre-filled outbox against the fake
// Bot API with Telegram's flood limits on, and the adapter's default
// limits.
type drainer struct {
	srv    *telegramtest.Server
	st     *store.Store
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func mustDrainer(t testing.TB, citizens, perCitizen, groupMsgs int) *drainer {
	t.Helper()
	srv := telegramtest.New(t)
	srv.SetFloodLimits(telegramtest.TelegramLimits())
	st, media := mustStore(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	cfg := testConfig(false)
	err := st.Update(func(tx *store.Tx) error {
		// Interleaved as an outage leaves them: the group's posts among the
		// citizens' messages.
		g := 0
		for i := range perCitizen {
			for c := range citizens {
				if err := tx.Enqueue(flows.Message{To: telegram.MakeChat(int64(10000 + c)), Text: fmt.Sprintf("pesan %d", i)}); err != nil {
					return err
				}
				if g < groupMsgs && (c*perCitizen+i)%max(1, citizens*perCitizen/max(groupMsgs, 1)) == 0 {
					g++
					if err := tx.Enqueue(flows.Message{To: flows.OfficeChat("telegram", "dpupr"), Text: fmt.Sprintf("aduan %d", g), Ticket: "ADU-2026-000001", Relay: true}); err != nil {
						return err
					}
				}
			}
		}
		for ; g < groupMsgs; g++ {
			if err := tx.Enqueue(flows.Message{To: flows.OfficeChat("telegram", "dpupr"), Text: fmt.Sprintf("aduan %d", g+1), Ticket: "ADU-2026-000001", Relay: true}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	desk := bot.New(st, cfg, bot.Options{Location: time.UTC, Logger: log})
	tg, err := telegram.New(telegram.Config{Token: telegramtest.Token, APIURL: srv.URL, Logger: log}, desk, media)
	if err != nil {
		t.Fatal(err)
	}
	desk.AddChannel(tg)
	ctx, cancel := context.WithCancel(context.Background())
	d := &drainer{srv: srv, st: st, cancel: cancel}
	d.done.Add(1)
	go func() { defer d.done.Done(); desk.Run(ctx) }()
	t.Cleanup(d.stop)
	return d
}

func (d *drainer) stop() {
	d.cancel()
	d.done.Wait()
}

// A backlog drains within Telegram's limits: no 429, each chat in order.
func TestBacklogDrainsWithoutFloodErrors(t *testing.T) {
	const citizens, each, group = 60, 4, 3
	d := mustDrainer(t, citizens, each, group)
	total := citizens*each + group
	if !d.srv.Wait(time.Minute, func() bool { return len(d.srv.Sent(0)) >= total }) {
		t.Fatalf("sent %d of %d", len(d.srv.Sent(0)), total)
	}
	if n := d.srv.TooMany(); n != 0 {
		t.Errorf("%d sends refused with 429", n)
	}
	for c := range citizens {
		for i, m := range d.srv.Sent(int64(10000 + c)) {
			if m.Text != fmt.Sprintf("pesan %d", i) {
				t.Fatalf("chat %d: message %d is %q, out of order", 10000+c, i, m.Text)
			}
		}
	}
}

var drainFor = flag.Duration("drain.for", 30*time.Second, "how long BenchmarkDrain measures")

// BenchmarkDrain measures how fast a backlog after an outage drains:
// 20,000 messages, 4,000 of them for one admin group and the rest over
// 1,500 citizen chats, against the fake Bot API with Telegram's flood
// limits enforced. Run with -benchtime 1x; -drain.for, after the package
// path, sets the window (5m for the figure in the README).
func BenchmarkDrain(b *testing.B) {
	for range b.N {
		d := mustDrainer(b, 1500, 16000/1500+1, 4000)
		start := time.Now()
		d.srv.Wait(*drainFor, func() bool { return false })
		elapsed := time.Since(start)
		sent := d.srv.Sent(0)
		group := 0
		for _, m := range sent {
			if m.ChatID == dpuID || m.ChatID == coordID {
				group++
			}
		}
		b.ReportMetric(float64(len(sent))/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(group)/elapsed.Minutes(), "group-msgs/min")
		b.ReportMetric(float64(d.srv.TooMany()), "429s")
		d.stop()
	}
}
