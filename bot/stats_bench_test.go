package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"aduan/flows"
	"aduan/store"
)

// BenchmarkStats answers /statistik 365 over 100,000 complaints in the
// store, as the desk does today: a scan of every complaint, then
// flows.Stats. (Issue 9 asks for ≤ 100 ms.)
//
//	go test -run XXX -bench BenchmarkStats -benchtime 5x ./bot
func BenchmarkStats(b *testing.B) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(b, filepath.Join(b.TempDir(), "aduan.db"), clock)
	const n = 100000
	for start := 0; start < n; start += 5000 {
		err := d.store.Update(func(tx *store.Tx) error {
			for i := start; i < start+5000; i++ {
				c := flows.Complaint{Ticket: flows.TicketNumber("ADU", 2026, uint64(i+1)), Category: "jalan", Office: "dpupr",
					Citizen: flows.Chat{Channel: "fake", ID: fmt.Sprint(i % 60000)}, CitizenName: "Warga", Description: "Jalan berlubang besar di depan pasar, sudah dua minggu.",
					Status: flows.StatusResolved, Created: clock.now.Add(-time.Duration(i%8000) * time.Hour)}
				c.FirstResponseAt, c.ResolvedAt, c.Rating = c.Created.Add(3*time.Hour), c.Created.Add(50*time.Hour), 1+i%5
				c.Thread = []flows.Entry{{At: c.Created, Kind: flows.EntryReply, Text: "Sudah kami cek."}}
				if err := tx.PutComplaint(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	admin := flows.Chat{Channel: "fake", ID: "-1"}
	b.ResetTimer()
	for i := range b.N {
		err := d.Handle(context.Background(), Inbound{Key: fmt.Sprint("fake:stats:", i), Chat: admin, UserID: "9", MessageID: fmt.Sprint(i),
			RawText: "/statistik 365", Input: flows.Input{Kind: flows.InputText, Text: "/statistik 365"}})
		if err != nil {
			b.Fatal(err)
		}
	}
}
