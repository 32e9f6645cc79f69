package bot

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"aduan/flows"
	"aduan/store"
)

// ExportOptions choose what an export holds.
type ExportOptions struct {
	// From and To bound the complaints' arrival, To exclusive.
	From, To time.Time
	// Format is "csv" or "json".
	Format string
	// Personal adds the citizen's name, chat and free text.
	Personal bool
	// Offices limits the export to these offices' complaints (empty: all).
	Offices []string
}

// Change is one status change in an exported timeline.
type Change struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
}

// Exported is one complaint as exported: its timeline, and its personal
// data only when asked.
type Exported struct {
	Ticket        string     `json:"ticket"`
	Category      string     `json:"category"`
	Office        string     `json:"office"`
	Status        string     `json:"status"`
	Channel       string     `json:"channel"`
	Submitted     time.Time  `json:"submitted"`
	FirstResponse *time.Time `json:"first_response,omitempty"`
	Resolved      *time.Time `json:"resolved,omitempty"`
	Changes       []Change   `json:"changes,omitempty"`
	Rating        int        `json:"rating,omitempty"`
	RatedAt       *time.Time `json:"rated_at,omitempty"`
	Erased        bool       `json:"erased,omitempty"`
	// Personal data, with ExportOptions.Personal only.
	CitizenName string `json:"citizen_name,omitempty"`
	Chat        string `json:"chat,omitempty"`
	Description string `json:"description,omitempty"`
	Location    string `json:"location,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// exported turns a complaint into its exported form. Times are whole
// seconds, so CSV and JSON say the same.
func exported(c *flows.Complaint, personal bool) Exported {
	e := Exported{Ticket: c.Ticket, Category: c.Category, Office: c.Office, Status: string(c.Status), Channel: c.Citizen.Channel,
		Submitted: c.Created.Truncate(time.Second), Rating: c.Rating, Erased: c.Erased}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.Truncate(time.Second)
		return &t
	}
	e.FirstResponse, e.Resolved, e.RatedAt = opt(c.FirstResponseAt), opt(c.ResolvedAt), opt(c.RatedAt)
	for _, en := range c.Thread {
		if en.Kind == flows.EntryStatus {
			status, _, _ := strings.Cut(en.Text, " ")
			e.Changes = append(e.Changes, Change{At: en.At.Truncate(time.Second), Status: status})
		}
	}
	if personal {
		e.CitizenName, e.Chat, e.Description, e.Location, e.Comment = c.CitizenName, c.Citizen.String(), c.Description, c.Location.Describe(), c.RatingComment
	}
	return e
}

// csvHeader are the export's CSV columns; the personal ones only with
// ExportOptions.Personal.
var csvHeader = []string{"ticket", "category", "office", "status", "channel", "submitted", "first_response", "resolved", "changes", "rating", "rated_at", "erased"}
var csvPersonal = []string{"citizen_name", "chat", "description", "location", "comment"}

// exportChunk is how many complaints one read transaction of an export
// reads.
var exportChunk = 500

// Export writes the complaints that came in a period, with their
// timelines, as CSV or JSON, streamed: exportChunk complaints at a time
// are read in a short read transaction and written, never the whole set
// at once. Each complaint is as one transaction saw it; one that changes
// during a long export shows its state when its chunk was read. It
// returns how many it wrote.
func Export(w io.Writer, st *store.Store, opt ExportOptions) (int, error) {
	if opt.Format != "csv" && opt.Format != "json" {
		return 0, fmt.Errorf("export: format %q must be csv or json", opt.Format)
	}
	n := 0
	var cw *csv.Writer
	var jw *json.Encoder
	if opt.Format == "csv" {
		cw = csv.NewWriter(w)
		header := csvHeader
		if opt.Personal {
			header = append(append([]string(nil), csvHeader...), csvPersonal...)
		}
		if err := cw.Write(header); err != nil {
			return 0, err
		}
	} else {
		jw = json.NewEncoder(w)
		if _, err := io.WriteString(w, "[\n"); err != nil {
			return 0, err
		}
	}
	// A chunk of complaints is read in a short transaction, then written:
	// a slow reader of w never holds a transaction open, which would stall
	// the desk's writes when the database file must grow.
	var batch []Exported
	for after, more := "", true; more; {
		batch, more = batch[:0], false
		err := st.View(func(tx *store.Tx) error {
			read := 0
			return tx.EachComplaintAfter(after, func(c *flows.Complaint) bool {
				after, read = c.Ticket, read+1
				if !c.Created.Before(opt.From) && c.Created.Before(opt.To) && (len(opt.Offices) == 0 || flows.ConsoleMayAct(opt.Offices, c)) {
					batch = append(batch, exported(c, opt.Personal))
				}
				more = read == exportChunk
				return !more
			})
		})
		if err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		for _, e := range batch {
			if cw != nil {
				err = cw.Write(csvRecord(e, opt.Personal))
			} else {
				if n > 0 {
					_, err = io.WriteString(w, ",")
				}
				if err == nil {
					err = jw.Encode(e)
				}
			}
			if err != nil {
				return n, fmt.Errorf("export: %w", err)
			}
			n++
		}
	}
	if cw != nil {
		cw.Flush()
		return n, cw.Error()
	}
	_, err := io.WriteString(w, "]\n")
	return n, err
}

func csvRecord(e Exported, personal bool) []string {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	changes := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		changes[i] = c.At.Format(time.RFC3339) + "=" + c.Status
	}
	rating := ""
	if e.Rating > 0 {
		rating = strconv.Itoa(e.Rating)
	}
	rec := []string{e.Ticket, e.Category, e.Office, e.Status, e.Channel, e.Submitted.Format(time.RFC3339), ts(e.FirstResponse), ts(e.Resolved),
		strings.Join(changes, ";"), rating, ts(e.RatedAt), strconv.FormatBool(e.Erased)}
	if personal {
		rec = append(rec, e.CitizenName, e.Chat, e.Description, e.Location, e.Comment)
	}
	return rec
}

// ParseCSV reads an export's CSV back, as a check that it round-trips.
func ParseCSV(r io.Reader) ([]Exported, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var out []Exported
	for _, row := range rows[1:] {
		e := Exported{Ticket: row[0], Category: row[1], Office: row[2], Status: row[3], Channel: row[4]}
		var err error
		if e.Submitted, err = time.Parse(time.RFC3339, row[5]); err != nil {
			return nil, err
		}
		parse := func(s string) (*time.Time, error) {
			if s == "" {
				return nil, nil
			}
			t, err := time.Parse(time.RFC3339, s)
			return &t, err
		}
		if e.FirstResponse, err = parse(row[6]); err != nil {
			return nil, err
		}
		if e.Resolved, err = parse(row[7]); err != nil {
			return nil, err
		}
		if row[8] != "" {
			for _, ch := range strings.Split(row[8], ";") {
				at, status, _ := strings.Cut(ch, "=")
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return nil, err
				}
				e.Changes = append(e.Changes, Change{At: t, Status: status})
			}
		}
		if row[9] != "" {
			if e.Rating, err = strconv.Atoi(row[9]); err != nil {
				return nil, err
			}
		}
		if e.RatedAt, err = parse(row[10]); err != nil {
			return nil, err
		}
		e.Erased = row[11] == "true"
		if len(row) > len(csvHeader) {
			e.CitizenName, e.Chat, e.Description, e.Location, e.Comment = row[12], row[13], row[14], row[15], row[16]
		}
		out = append(out, e)
	}
	return out, nil
}
