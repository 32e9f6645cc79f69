package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aduan/flows"
)

// BenchmarkThreadAppend adds an entry to a complaint whose thread already
// has n entries, as a citizen's message or an admin's reply does, and
// reports the bytes of pages a commit writes: with the thread stored an
// entry per key it does not grow with the thread (issue 10).
//
//	go test -run XXX -bench BenchmarkThreadAppend ./store
func BenchmarkThreadAppend(b *testing.B) {
	for _, n := range []int{3, 30, 300} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			s := mustOpen(b, filepath.Join(b.TempDir(), "aduan.db"))
			defer s.Close()
			c := threadComplaint(0)
			for i := range n {
				c.Thread = append(c.Thread, flows.Entry{At: c.Created.Add(time.Duration(i) * time.Minute), Kind: flows.EntryCitizen, Author: "Budi", Text: chatText(i)})
			}
			// Neighbours, so the complaint's pages are shared as in a
			// real store.
			err := s.Update(func(tx *Tx) error {
				for i := 1; i <= 200; i++ {
					other := threadComplaint(3)
					other.Ticket = flows.TicketNumber("ADU", 2026, uint64(i))
					if err := tx.PutComplaint(other); err != nil {
						return err
					}
				}
				return tx.PutComplaint(c)
			})
			if err != nil {
				b.Fatal(err)
			}
			before := written(s)
			b.ResetTimer()
			for i := range b.N {
				err := s.Update(func(tx *Tx) error {
					cp, err := tx.Complaint(c.Ticket)
					if err != nil {
						return err
					}
					cp.Thread = append(cp.Thread, flows.Entry{At: c.Created.Add(time.Duration(i) * time.Second), Kind: flows.EntryCitizen, Author: "Budi", Text: chatText(n + i)})
					return tx.PutComplaint(*cp)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(written(s)-before)/float64(b.N), "B-written/op")
		})
	}
}

// written is how many bytes of pages the store's commits wrote so far.
func written(s *Store) int64 {
	st := s.db.Stats()
	return st.TxStats.GetPageAlloc()
}

// chatText is a message as citizens and admins write them, different for
// each i.
func chatText(i int) string {
	words := []string{"jalan", "masih", "rusak", "sudah", "belum", "diperbaiki", "mohon", "segera", "lubang", "besar", "depan",
		"rumah", "pak", "tim", "kami", "datang", "besok", "pagi", "terima", "kasih", "air", "meluap", "saat", "hujan"}
	var sb strings.Builder
	x := uint32(i)*2654435761 + 1
	for range 16 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		sb.WriteString(words[x%uint32(len(words))])
		sb.WriteByte(' ')
	}
	fmt.Fprintf(&sb, "(%d)", i)
	return sb.String()
}
