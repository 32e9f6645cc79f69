package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"aduan/flows"
	"aduan/store"
)

// BenchmarkStart measures exec → serving (/healthz answers) of the real
// binary on a data_dir of 100,000 complaints with 20,000 messages waiting
// in the outbox (issue 10 wants ≤ 100 ms).
//
//	go test -run XXX -bench BenchmarkStart -benchtime 20x ./cmd/aduan
func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	fillStartStore(b, filepath.Join(dir, "aduan.db"), 100000, 20000)
	bin := filepath.Join(b.TempDir(), "aduan")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	config, _ := filepath.Abs("../../config.yaml")
	env := append(os.Environ(), "ADUAN_CONFIG="+config, "ADUAN_DATA_DIR="+dir, "ADUAN_HTTP_ADDR="+addr, "ADUAN_TELEGRAM_TOKEN=")
	client := &http.Client{Timeout: time.Second}
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(bin)
		cmd.Env = env
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			resp, err := client.Get("http://" + addr + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				b.Fatalf("not serving after 10 s: %v", err)
			}
			time.Sleep(200 * time.Microsecond)
		}
		total += time.Since(start)
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start")
}

// fillStartStore writes n complaints and queued outbox messages.
func fillStartStore(b *testing.B, path string, n, queued int) {
	b.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	for start := 0; start < n; start += 5000 {
		err := st.Update(func(tx *store.Tx) error {
			for i := start; i < start+5000 && i < n; i++ {
				c := flows.Complaint{Ticket: flows.TicketNumber("ADU", 2026, uint64(i+1)), Category: "jalan", Office: "dpupr",
					Citizen: flows.Chat{Channel: "telegram", ID: fmt.Sprint(100000 + i%60000)}, CitizenName: "Warga",
					Description: "Jalan berlubang besar di depan pasar, sudah dua minggu.", Status: flows.StatusResolved,
					Created: now.Add(-time.Duration(i%8000) * time.Hour)}
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
	for start := 0; start < queued; start += 5000 {
		err := st.Update(func(tx *store.Tx) error {
			var msgs []flows.Message
			for i := start; i < start+5000 && i < queued; i++ {
				msgs = append(msgs, flows.Message{To: flows.Chat{Channel: "telegram", ID: fmt.Sprint(100000 + i%1500)}, Text: "Balasan dari DPU-PR: sudah kami cek."})
			}
			return tx.Enqueue(msgs...)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
