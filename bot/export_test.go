package bot

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aduan/flows"
	"aduan/store"
)

func exportStore(t *testing.T) (*store.Store, []flows.Complaint) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "aduan.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var cps []flows.Complaint
	for i := range 30 {
		c := flows.Complaint{Ticket: flows.TicketNumber("ADU", 2026, uint64(i+1)), Category: "jalan", Office: []string{"dpupr", "disdik"}[i%2],
			Citizen: flows.Chat{Channel: "telegram", ID: "50" + string(rune('0'+i%10))}, CitizenName: "Budi Rahasia", Description: "Rumah saya di Jl. Mawar " + string(rune('A'+i)),
			Location: flows.Location{Text: "Gang Melati"}, Status: flows.StatusNew, Created: base.AddDate(0, 0, i*10)}
		if i%3 == 0 {
			c.FirstResponseAt = c.Created.Add(2 * time.Hour)
			c.Status, c.ResolvedAt = flows.StatusResolved, c.Created.Add(50*time.Hour)
			c.Thread = []flows.Entry{{At: c.Created.Add(2 * time.Hour), Kind: flows.EntryStatus, Text: "diproses"},
				{At: c.ResolvedAt, Kind: flows.EntryStatus, Text: "selesai sudah ditambal"}}
			c.Rating, c.RatedAt, c.RatingComment = 4, c.ResolvedAt.Add(time.Hour), "terima kasih, salam Budi Rahasia"
		}
		cps = append(cps, c)
	}
	err = st.Update(func(tx *store.Tx) error {
		for _, c := range cps {
			if err := tx.PutComplaint(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, cps
}

// The CSV export parses back to the same timelines; without personal data
// no name or free text appears.
func TestExportRoundTrip(t *testing.T) {
	st, cps := exportStore(t)
	from, to := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var want []Exported
	for i := range cps {
		if !cps[i].Created.Before(from) && cps[i].Created.Before(to) {
			want = append(want, exported(&cps[i], true))
		}
	}
	for _, personal := range []bool{false, true} {
		var buf bytes.Buffer
		n, err := Export(&buf, st, ExportOptions{From: from, To: to, Format: "csv", Personal: personal})
		if err != nil || n != len(want) {
			t.Fatalf("exported %d (%v), want %d", n, err, len(want))
		}
		out := buf.String()
		if hasPersonal := strings.Contains(out, "Budi") || strings.Contains(out, "Mawar") || strings.Contains(out, "Melati") || strings.Contains(out, "terima kasih"); hasPersonal != personal {
			t.Errorf("personal=%v: personal data in the export: %v", personal, hasPersonal)
		}
		got, err := ParseCSV(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			w := want[i]
			if !personal {
				w.CitizenName, w.Chat, w.Description, w.Location, w.Comment = "", "", "", "", ""
			}
			gj, _ := json.Marshal(got[i])
			wj, _ := json.Marshal(w)
			if string(gj) != string(wj) {
				t.Errorf("row %d:\n got %s\nwant %s", i, gj, wj)
			}
		}
	}
	// JSON: a valid array of the same.
	var buf bytes.Buffer
	if _, err := Export(&buf, st, ExportOptions{From: from, To: to, Format: "json"}); err != nil {
		t.Fatal(err)
	}
	var got []Exported
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || len(got) != len(want) || got[0].Ticket != want[0].Ticket || len(got[0].Changes) != len(want[0].Changes) {
		t.Errorf("json export: %d rows, %v", len(got), err)
	}
	if strings.Contains(buf.String(), "Budi") {
		t.Errorf("json export without personal data has a name")
	}
	if _, err := Export(&buf, st, ExportOptions{From: from, To: to, Format: "xml"}); err == nil {
		t.Errorf("xml accepted")
	}
}

// slowWriter is a download that takes its time: each write reports how
// many read transactions are open while it waits.
type slowWriter struct {
	st    *store.Store
	buf   bytes.Buffer
	reads []int
}

func (w *slowWriter) Write(p []byte) (int, error) {
	w.reads = append(w.reads, w.st.OpenReads())
	return w.buf.Write(p)
}

// The export reads the store in short transactions, a chunk at a time,
// and writes each chunk after its transaction ended: a slow download
// never holds a read transaction (which would stall the desk's writes
// when the database file must grow). It still exports every complaint,
// in order, across chunks.
func TestExportHoldsNoTransactionWhileWriting(t *testing.T) {
	st, cps := exportStore(t)
	old := exportChunk
	exportChunk = 7
	defer func() { exportChunk = old }()
	w := &slowWriter{st: st}
	n, err := Export(w, st, ExportOptions{From: cps[0].Created, To: cps[len(cps)-1].Created.Add(time.Hour), Format: "json"})
	if err != nil || n != len(cps) {
		t.Fatalf("exported %d (%v), want %d", n, err, len(cps))
	}
	for i, r := range w.reads {
		if r != 0 {
			t.Fatalf("write %d with %d read transactions open", i, r)
		}
	}
	var got []Exported
	if err := json.Unmarshal(w.buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i].Ticket != cps[i].Ticket {
			t.Fatalf("complaint %d is %s, want %s", i, got[i].Ticket, cps[i].Ticket)
		}
	}
}
