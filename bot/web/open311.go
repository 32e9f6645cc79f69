package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"aduan/flows"
	"aduan/store"
)

// The Open311 GeoReport v2 read API over the public view: categories as
// services, complaints as requests, no personal data; a description only
// for a category marked public, a place only for a category whose
// location is public, rounded to about 100 m.

type service struct {
	Code        string `json:"service_code"`
	Name        string `json:"service_name"`
	Description string `json:"description"`
	Metadata    bool   `json:"metadata"`
	Type        string `json:"type"`
	Keywords    string `json:"keywords"`
	Group       string `json:"group"`
}

type request struct {
	ID          string   `json:"service_request_id"`
	Status      string   `json:"status"`
	ServiceName string   `json:"service_name"`
	ServiceCode string   `json:"service_code"`
	Description string   `json:"description,omitempty"`
	Agency      string   `json:"agency_responsible"`
	Requested   string   `json:"requested_datetime"`
	Updated     string   `json:"updated_datetime"`
	Lat         *float64 `json:"lat,omitempty"`
	Long        *float64 `json:"long,omitempty"`
}

type open311Error struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

func (w *Web) open311Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /open311/v2/services.json", w.services)
	mux.HandleFunc("GET /open311/v2/requests.json", w.requests)
	mux.HandleFunc("GET /open311/v2/requests/{id}", w.oneRequest)
}

// open311Fail answers in GeoReport's error format: a list of errors.
func open311Fail(rw http.ResponseWriter, status int, msg string) {
	writeJSON(rw, status, []open311Error{{Code: status, Description: msg}})
}

func (w *Web) services(rw http.ResponseWriter, r *http.Request) {
	out := []service{}
	for _, k := range w.flows.Categories {
		out = append(out, service{Code: k.ID, Name: k.Label, Description: k.Label + " (" + w.flows.OfficeName(k.Office) + ")",
			Type: "realtime", Group: w.flows.OfficeName(k.Office)})
	}
	writeJSON(rw, http.StatusOK, out)
}

// publicRequest is a complaint as the public may see it.
func (w *Web) publicRequest(c *flows.Complaint) request {
	cat, _ := w.flows.Category(c.Category)
	status := "open"
	if !c.Status.Open() {
		status = "closed"
	}
	updated := c.Updated
	if updated.IsZero() {
		updated = c.Created
	}
	req := request{ID: c.Ticket, Status: status, ServiceName: cat.Label, ServiceCode: c.Category, Agency: w.flows.OfficeName(c.Office),
		Requested: c.Created.Format(time.RFC3339), Updated: updated.Format(time.RFC3339)}
	if cat.PublicDescription && !c.Erased {
		req.Description = c.Description
	}
	if cat.PublicLocation && c.Location.HasPoint && !c.Erased {
		// Three decimals: about 100 m, never the citizen's doorstep.
		lat, lon := math.Round(c.Location.Lat*1000)/1000, math.Round(c.Location.Lon*1000)/1000
		req.Lat, req.Long = &lat, &lon
	}
	return req
}

// maxPageSize bounds one page of requests.
const maxPageSize = 1000

func (w *Web) requests(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if ids := q.Get("service_request_id"); ids != "" {
		w.requestsByID(rw, strings.Split(ids, ","))
		return
	}
	var start, end time.Time
	for name, t := range map[string]*time.Time{"start_date": &start, "end_date": &end} {
		if v := q.Get(name); v != "" {
			parsed, err := time.Parse(time.RFC3339, v)
			if err != nil {
				open311Fail(rw, http.StatusBadRequest, name+" must be a w3 date time, e.g. 2026-01-01T00:00:00+07:00")
				return
			}
			*t = parsed
		}
	}
	status := q.Get("status")
	if status != "" && status != "open" && status != "closed" {
		open311Fail(rw, http.StatusBadRequest, "status must be open or closed")
		return
	}
	codes := map[string]bool{}
	for _, code := range strings.Split(q.Get("service_code"), ",") {
		if code = strings.TrimSpace(code); code != "" {
			if _, ok := w.flows.Category(code); !ok {
				open311Fail(rw, http.StatusBadRequest, "service_code "+code+" is no service")
				return
			}
			codes[code] = true
		}
	}
	page, size := 1, 50
	for _, p := range []struct {
		name string
		v    *int
		max  int
	}{{"page", &page, math.MaxInt32}, {"page_size", &size, maxPageSize}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > p.max {
				open311Fail(rw, http.StatusBadRequest, p.name+" must be a number from 1 to "+strconv.Itoa(p.max))
				return
			}
			*p.v = n
		}
	}
	skip := (page - 1) * size
	w.writeRequests(rw, func(tx *store.Tx) ([]string, error) {
		// The compact statistics records say enough to filter and page;
		// only the page's complaints are read.
		var tickets []string
		err := tx.EachStat(true, func(c flows.StatRecord) bool {
			switch {
			case c.Status == flows.StatusMerged,
				!start.IsZero() && c.Created.Before(start),
				!end.IsZero() && c.Created.After(end),
				status == "open" && !c.Status.Open(),
				status == "closed" && c.Status.Open(),
				len(codes) > 0 && !codes[c.Category]:
				return true
			}
			if skip > 0 {
				skip--
				return true
			}
			tickets = append(tickets, c.Ticket)
			return len(tickets) < size
		})
		return tickets, err
	})
}

// requestsByID answers GeoReport's service_request_id: the requests named,
// comma delimited, whatever the other arguments say; unknown ones are
// left out.
func (w *Web) requestsByID(rw http.ResponseWriter, ids []string) {
	if len(ids) > maxPageSize {
		open311Fail(rw, http.StatusBadRequest, "service_request_id names at most "+strconv.Itoa(maxPageSize)+" requests")
		return
	}
	w.writeRequests(rw, func(*store.Tx) ([]string, error) {
		tickets := make([]string, len(ids))
		for i, id := range ids {
			tickets[i] = strings.ToUpper(strings.TrimSpace(id))
		}
		return tickets, nil
	})
}

// writeRequests answers with the public view of the complaints whose
// tickets pick chooses, in its order; missing and merged ones are left
// out.
func (w *Web) writeRequests(rw http.ResponseWriter, pick func(tx *store.Tx) ([]string, error)) {
	out := []request{}
	err := w.store.View(func(tx *store.Tx) error {
		tickets, err := pick(tx)
		if err != nil {
			return err
		}
		for _, t := range tickets {
			c, err := tx.ComplaintHead(t)
			if err != nil {
				return err
			}
			if c != nil && c.Status != flows.StatusMerged {
				out = append(out, w.publicRequest(c))
			}
		}
		return nil
	})
	if err != nil {
		w.log.Error("open311 requests", "err", err)
		open311Fail(rw, http.StatusInternalServerError, "requests cannot be read")
		return
	}
	writeJSON(rw, http.StatusOK, out)
}

func (w *Web) oneRequest(rw http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("id"), ".json")
	if !ok {
		open311Fail(rw, http.StatusNotFound, "only .json is served")
		return
	}
	var c *flows.Complaint
	err := w.store.View(func(tx *store.Tx) error {
		var err error
		c, err = tx.ComplaintHead(strings.ToUpper(id))
		return err
	})
	switch {
	case err != nil:
		w.log.Error("open311 request", "err", err)
		open311Fail(rw, http.StatusInternalServerError, "request cannot be read")
	case c == nil || c.Status == flows.StatusMerged:
		open311Fail(rw, http.StatusNotFound, "no request "+id)
	default:
		writeJSON(rw, http.StatusOK, []request{w.publicRequest(c)})
	}
}
