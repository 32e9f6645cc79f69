// Package storetest makes stores for tests and benchmarks: FillYears
// writes what a regency's desk holds after years.
package storetest

import (
	"fmt"
	"time"

	"aduan/flows"
	"aduan/store"
)

// FillYears writes a store as a regency has after years: n complaints of
// citizens (most with one or two, a few with hundreds), each with a thread
// of a few entries, its admin post links and the citizens' conversations.
// As on the desk, a complaint and its citizen's conversation are written
// in the same transaction.
// It is the generator the size and memory measures of issue 10 use.
func FillYears(s *store.Store, n int) error {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	citizens := n * 6 / 10
	convs := map[int][]string{}
	group := flows.Chat{Channel: "telegram", ID: "-1001234567890"}
	places := []string{"Klaten Tengah", "Wedi", "Prambanan", "Delanggu", "Cawas", "Jatinom", "Karanganom", "Pedan"}
	for start := 0; start < n; start += 2000 {
		err := s.Update(func(tx *store.Tx) error {
			for i := start; i < start+2000 && i < n; i++ {
				who := i % citizens
				if i%50 == 0 {
					who = i % 20 // a few citizens with hundreds
				}
				chat := flows.Chat{Channel: "telegram", ID: fmt.Sprint(5000000000 + who)}
				created := now.Add(-time.Duration(n-i) * 10 * time.Minute)
				c := flows.Complaint{Ticket: flows.TicketNumber("ADU", 2026, uint64(i+1)), Citizen: chat, CitizenName: "Warga Klaten",
					Category: "jalan", Office: "dpupr", Description: fmt.Sprintf("Jalan berlubang di depan pasar %s nomor %d, sudah dua minggu tidak diperbaiki dan membahayakan pengendara motor pada malam hari.", places[i%len(places)], i),
					Location: flows.Location{Lat: -7.7, Lon: 110.6, HasPoint: true, Text: "Jl. Pemuda"}, Status: flows.StatusResolved,
					Created: created, Updated: created.Add(50 * time.Hour), FirstResponseAt: created.Add(3 * time.Hour), ResolvedAt: created.Add(50 * time.Hour), Rating: 4}
				c.Thread = []flows.Entry{
					{At: created.Add(3 * time.Hour), Kind: flows.EntryReply, Author: "Sari", Text: "Sudah kami cek, tim berangkat besok pagi."},
					{At: created.Add(5 * time.Hour), Kind: flows.EntryCitizen, Text: "Terima kasih, ditunggu."},
					{At: created.Add(50 * time.Hour), Kind: flows.EntryStatus, Author: "Sari", Text: "selesai"},
				}
				if err := tx.PutComplaint(c); err != nil {
					return err
				}
				if err := tx.LinkPost(group, fmt.Sprint(100000+i), store.Link{Ticket: c.Ticket, Relay: true}); err != nil {
					return err
				}
				convs[who] = append(convs[who], c.Ticket)
				if err := tx.PutConversation(flows.Conversation{Chat: chat, Name: "Warga Klaten", State: flows.StateIdle, Tickets: convs[who], Updated: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
