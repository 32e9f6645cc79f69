package web

import (
	"bytes"
	"html/template"
	"iter"
	"net/http"
	"strconv"
	"sync"
	"time"

	"aduan/flows"
	"aduan/store"
)

// publicTTL is how long the public page is served from cache: a crowd of
// readers costs one computation a minute.
const publicTTL = time.Minute

// publicPage caches the rendered public performance page.
type publicPage struct {
	mu   sync.Mutex
	html []byte
	at   time.Time
	tmpl *template.Template
}

type publicRowView struct {
	Name                         string
	Received, Answered, Resolved int
	Median, InTime, Rating       string
}

type bar struct {
	X, XAnswered, W                            int
	YReceived, HReceived, YAnswered, HAnswered int
	Received, Answered                         int
	Label                                      string
}

func (w *Web) publicRoutes(mux *http.ServeMux) {
	funcs := template.FuncMap{"inc": func(i int) int { return i + 1 }}
	w.public = &publicPage{tmpl: template.Must(template.New("kinerja.html").Funcs(funcs).ParseFS(assets, "assets/kinerja.html"))}
	mux.HandleFunc("GET /kinerja", w.kinerja)
}

// kinerja serves the public performance page, recomputed at most once a
// minute.
func (w *Web) kinerja(rw http.ResponseWriter, r *http.Request) {
	p := w.public
	p.mu.Lock()
	defer p.mu.Unlock()
	now := w.cfg.Now()
	if p.html == nil || now.Sub(p.at) >= publicTTL || now.Before(p.at) {
		html, err := w.renderPublic(now)
		if err != nil {
			w.log.Error("public page", "err", err)
			if p.html == nil {
				http.Error(rw, "Halaman kinerja tidak dapat dibuat. Coba lagi nanti.", http.StatusServiceUnavailable)
				return
			}
		} else {
			p.html, p.at = html, now
		}
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "public, max-age=60")
	rw.Write(p.html)
}

func (w *Web) renderPublic(now time.Time) ([]byte, error) {
	if w.cfg.Location != nil {
		now = now.In(w.cfg.Location)
	}
	var perf flows.Performance
	err := w.store.View(func(tx *store.Tx) error {
		var readErr error
		records := func() iter.Seq[flows.StatRecord] { return tx.Stats(&readErr) }
		perf = flows.PublicPerformance(w.flows, records, w.cfg.MinSample, now)
		return readErr
	})
	if err != nil {
		return nil, err
	}
	view := func(rows []flows.PublicRow) []publicRowView {
		var out []publicRowView
		for _, r := range rows {
			v := publicRowView{Name: w.flows.OfficeName(r.Office), Received: r.Received, Answered: r.Answered, Resolved: r.Resolved,
				Median: "-", InTime: "-", Rating: "-"}
			if r.Answered > 0 {
				v.Median = flows.Since(r.MedianFirst)
			}
			if r.InTimePct >= 0 {
				v.InTime = strconv.Itoa(r.InTimePct) + "%"
			}
			if r.Rated > 0 {
				v.Rating = strconv.FormatFloat(r.Rating, 'f', 1, 64) + " (" + strconv.Itoa(r.Rated) + ")"
			}
			out = append(out, v)
		}
		return out
	}
	type periodView struct {
		Days             int
		Ranked, Unranked []publicRowView
	}
	var periods []periodView
	for _, p := range perf.Periods {
		periods = append(periods, periodView{Days: p.Days, Ranked: view(p.Ranked), Unranked: view(p.Unranked)})
	}
	const width, height, gap = 520, 160, 4
	peak := 1
	for _, wk := range perf.Weeks {
		peak = max(peak, wk.Received, wk.Answered)
	}
	slot := width / max(1, len(perf.Weeks))
	barW := max(1, (slot-gap)/2)
	var bars []bar
	for i, wk := range perf.Weeks {
		hr, ha := wk.Received*(height-10)/peak, wk.Answered*(height-10)/peak
		bars = append(bars, bar{X: i * slot, XAnswered: i*slot + barW, W: barW, YReceived: height - hr, HReceived: hr,
			YAnswered: height - ha, HAnswered: ha, Received: wk.Received, Answered: wk.Answered, Label: wk.Start.Format("02-01-2006")})
	}
	var buf bytes.Buffer
	err = w.public.tmpl.Execute(&buf, map[string]any{
		"Title": w.cfg.Title, "At": perf.At.Format("02-01-2006 15:04"), "MinSample": w.cfg.MinSample, "Periods": periods,
		"Chart": map[string]any{"Width": width, "Height": height, "Bars": bars},
	})
	return buf.Bytes(), err
}
