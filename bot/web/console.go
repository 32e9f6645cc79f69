package web

import (
	"errors"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"aduan/bot"
	"aduan/flows"
	"aduan/store"
)

// pageSize is how many complaints one console page lists.
const pageSize = 25

type templates struct {
	list, detail, login, stats *template.Template
}

func parseTemplates() (*templates, error) {
	funcs := template.FuncMap{"join": strings.Join}
	parse := func(name string) (*template.Template, error) {
		return template.New("console.html").Funcs(funcs).ParseFS(assets, "assets/console.html", "assets/"+name)
	}
	var t templates
	var err error
	if t.list, err = parse("list.html"); err != nil {
		return nil, err
	}
	if t.detail, err = parse("detail.html"); err != nil {
		return nil, err
	}
	if t.login, err = parse("login.html"); err != nil {
		return nil, err
	}
	if t.stats, err = parse("stats.html"); err != nil {
		return nil, err
	}
	return &t, nil
}

func (w *Web) consoleRoutes(mux *http.ServeMux, t *templates) {
	mux.HandleFunc("GET /konsol", func(rw http.ResponseWriter, r *http.Request) { w.list(rw, r, t) })
	mux.HandleFunc("GET /konsol/masuk", func(rw http.ResponseWriter, r *http.Request) { w.loginPage(rw, r, t, "", http.StatusOK) })
	mux.HandleFunc("POST /konsol/masuk", func(rw http.ResponseWriter, r *http.Request) { w.loginPost(rw, r, t) })
	mux.HandleFunc("POST /konsol/keluar", w.logout)
	mux.HandleFunc("GET /konsol/aduan/{ticket}", func(rw http.ResponseWriter, r *http.Request) { w.detail(rw, r, t) })
	mux.HandleFunc("POST /konsol/aduan/{ticket}", w.act)
	mux.HandleFunc("GET /konsol/media/{ticket}/{hash}", w.consoleMedia)
	mux.HandleFunc("GET /konsol/statistik", func(rw http.ResponseWriter, r *http.Request) { w.stats(rw, r, t) })
	mux.HandleFunc("GET /konsol/ekspor", w.export)
	if !w.cfg.Citizen {
		static, _ := fs.Sub(assets, "assets")
		mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	}
}

// operator is the console user of a request.
type operator struct {
	Name    string
	Display string
	Offices []string
	CSRF    string
	// Open is set when the console needs no login (loopback, no users).
	Open bool
	// Problems are the channels or the store not working now, shown on
	// every page (a WhatsApp number unlinked, say).
	Problems []string
	key      string
}

// operator returns the request's console user. Without one it answers the
// request itself: a login page for a page, 401 for an action. A
// state-changing request must carry the session's CSRF token.
func (w *Web) operator(rw http.ResponseWriter, r *http.Request) (operator, bool) {
	op, ok := w.user(rw, r)
	if ok {
		if err := w.desk.Ready(); err != nil {
			op.Problems = strings.Split(err.Error(), "\n")
		}
	}
	return op, ok
}

// user is operator without the problems.
func (w *Web) user(rw http.ResponseWriter, r *http.Request) (operator, bool) {
	s, key, ok := w.session(r, consoleCookie, "konsol")
	if len(w.users) == 0 {
		if !madeHere(r) {
			http.Error(rw, "Konsol tanpa login hanya melayani komputer ini (alamat lokal), bukan lewat proxy atau nama lain. "+
				"Tambahkan pengguna (web.console_users) untuk membukanya di jaringan.", http.StatusForbidden)
			return operator{}, false
		}
		if !ok {
			var err error
			if s, err = w.newSession(rw, consoleCookie, "konsol", "/konsol", "", w.cfg.ConsoleSessionTTL); err != nil {
				http.Error(rw, "Sesi tidak dapat dibuat. Coba lagi.", http.StatusServiceUnavailable)
				return operator{}, false
			}
			if r.Method != http.MethodGet {
				http.Error(rw, "Sesi baru dibuat. Muat ulang halaman lalu ulangi.", http.StatusForbidden)
				return operator{}, false
			}
		}
		return operator{Name: "admin", Display: "Admin", CSRF: s.CSRF, Open: true, key: key}, true
	}
	u, known := w.users[s.Subject]
	if !ok || !known {
		if r.Method == http.MethodGet {
			http.Redirect(rw, r, "/konsol/masuk?ke="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		} else {
			http.Error(rw, "Sesi berakhir. Silakan masuk lagi.", http.StatusUnauthorized)
		}
		return operator{}, false
	}
	display := u.Display
	if display == "" {
		display = u.Name
	}
	op := operator{Name: u.Name, Display: display, Offices: u.Offices, CSRF: s.CSRF, key: key}
	if r.Method != http.MethodGet && !sameToken(r.FormValue("csrf"), s.CSRF) {
		http.Error(rw, "Token keamanan tidak cocok. Muat ulang halaman lalu ulangi.", http.StatusForbidden)
		return operator{}, false
	}
	return op, true
}

// checkCSRF checks an open console's form token (a logged-in user's is
// checked by operator).
func checkCSRF(rw http.ResponseWriter, r *http.Request, op operator) bool {
	if op.Open && !sameToken(r.FormValue("csrf"), op.CSRF) {
		http.Error(rw, "Token keamanan tidak cocok. Muat ulang halaman lalu ulangi.", http.StatusForbidden)
		return false
	}
	return true
}

// row is one complaint in the console's list.
type row struct {
	Ticket, Status, Office, Category, Age, Channel string
	Waiting                                        bool
	// Due says the next deadline ("jawaban 2 jam lagi"), Overdue that it
	// has passed.
	Due     string
	Overdue bool
}

type listPage struct {
	Op                       operator
	Rows                     []row
	Total, Page, Pages       int
	Status, Office, Q, Order string
	Offices                  []flows.Office
	Statuses                 []string
	Prev, Next               string
}

func (w *Web) list(rw http.ResponseWriter, r *http.Request, t *templates) {
	op, ok := w.operator(rw, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	p := listPage{Op: op, Status: q.Get("status"), Office: q.Get("dinas"), Q: strings.TrimSpace(q.Get("q")), Order: q.Get("urut"),
		Statuses: []string{"terbuka", string(flows.StatusNew), string(flows.StatusInProgress), string(flows.StatusResolved), string(flows.StatusRejected), string(flows.StatusMerged)}}
	for _, o := range w.flows.Offices {
		if len(op.Offices) == 0 || slices.Contains(op.Offices, o.ID) {
			p.Offices = append(p.Offices, o)
		}
	}
	p.Page, _ = strconv.Atoi(q.Get("hal"))
	p.Page = max(p.Page, 1)
	now := w.cfg.Now()
	needle := strings.ToLower(p.Q)
	newest := p.Order != "lama"
	// inPage counts one more complaint listed and says whether it is on
	// the page shown.
	inPage := func() bool {
		p.Total++
		return p.Total > (p.Page-1)*pageSize && p.Total <= p.Page*pageSize
	}
	err := w.store.View(func(tx *store.Tx) error {
		// The compact statistics records say enough to filter, count and
		// match the config's names; a complaint is read whole only to show
		// it, or when the sieve finds that the search may be in its texts.
		var sieve *store.Sieve
		if needle != "" {
			sieve = tx.Sieve(needle)
			if w.shownAsConfigured(needle) {
				sieve = tx.Sieve("") // a name the complaint's bytes do not hold: read them all
			}
		}
		var tickets []string
		read := map[string]*flows.Complaint{}
		var readErr error
		err := tx.EachStat(newest, func(r flows.StatRecord) bool {
			head := &flows.Complaint{Ticket: r.Ticket, Office: r.Office, Category: r.Category, Status: r.Status}
			if !w.listed(op, head, p.Status, p.Office, "") {
				return true
			}
			if sieve != nil && !w.namedAs(head, needle) {
				var may bool
				var c *flows.Complaint
				if may, readErr = sieve.MayContain(r.Ticket); !may || readErr != nil {
					return readErr == nil
				}
				if c, readErr = tx.Complaint(r.Ticket); c == nil || readErr != nil || !w.listed(op, c, p.Status, p.Office, needle) {
					return readErr == nil
				}
				if inPage() {
					tickets, read[r.Ticket] = append(tickets, r.Ticket), c
				}
				return true
			}
			if inPage() {
				tickets = append(tickets, r.Ticket)
			}
			return true
		})
		for _, tk := range tickets {
			if err != nil || readErr != nil {
				break
			}
			c := read[tk]
			if c == nil {
				c, readErr = tx.Complaint(tk)
			}
			if c != nil {
				p.Rows = append(p.Rows, w.rowOf(c, now))
			}
		}
		return errors.Join(err, readErr)
	})
	if err != nil {
		w.log.Error("console list", "err", err)
		http.Error(rw, "Daftar aduan tidak dapat dibaca.", http.StatusInternalServerError)
		return
	}
	p.Pages = max(1, (p.Total+pageSize-1)/pageSize)
	link := func(page int) string {
		v := url.Values{}
		for k, val := range map[string]string{"status": p.Status, "dinas": p.Office, "q": p.Q, "urut": p.Order} {
			if val != "" {
				v.Set(k, val)
			}
		}
		v.Set("hal", strconv.Itoa(page))
		return "/konsol?" + v.Encode()
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	render(rw, t.list, http.StatusOK, p, w)
}

// listed reports whether a complaint passes the list's filters and the
// user's offices.
func (w *Web) listed(op operator, c *flows.Complaint, status, office, needle string) bool {
	switch {
	case !flows.ConsoleMayAct(op.Offices, c):
		return false
	case status == "terbuka" && !c.Status.Open():
		return false
	case status != "" && status != "terbuka" && string(c.Status) != status:
		return false
	case office != "" && c.Office != office:
		return false
	case needle == "":
		return true
	}
	cat, _ := w.flows.Category(c.Category)
	name := flows.Reporter(w.flows, c, len(op.Offices) == 0)
	for _, s := range []string{c.Ticket, c.Description, name, c.Location.Text, cat.Label, w.flows.OfficeName(c.Office)} {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	for _, e := range c.Thread {
		if strings.Contains(strings.ToLower(e.Text), needle) || strings.Contains(strings.ToLower(flows.EntryAuthor(w.flows, c, e, len(op.Offices) == 0)), needle) {
			return true
		}
	}
	return false
}

// namedAs reports whether a search matches a complaint by the names of
// its category or office, which come from the config.
func (w *Web) namedAs(c *flows.Complaint, needle string) bool {
	cat, _ := w.flows.Category(c.Category)
	return strings.Contains(strings.ToLower(cat.Label), needle) || strings.Contains(strings.ToLower(w.flows.OfficeName(c.Office)), needle)
}

// shownAsConfigured reports whether a search may match what the console
// shows in place of a citizen's name (a confidential or erased one).
func (w *Web) shownAsConfigured(needle string) bool {
	return strings.Contains(strings.ToLower(w.flows.Texts.ConfidentialName), needle) || needle == "-"
}

func (w *Web) rowOf(c *flows.Complaint, now time.Time) row {
	cat, _ := w.flows.Category(c.Category)
	r := row{Ticket: c.Ticket, Status: string(c.Status), Office: w.flows.OfficeName(c.Office), Category: cat.Label,
		Age: flows.Since(now.Sub(c.Created)), Channel: c.Citizen.Channel, Waiting: waiting(c)}
	r.Due, r.Overdue = w.due(c, now)
	return r
}

// due says a complaint's next deadline, and whether it has passed.
func (w *Web) due(c *flows.Complaint, now time.Time) (string, bool) {
	at, resolution, ok := w.flows.NextDue(c)
	if !ok {
		return "", false
	}
	what := "jawaban"
	if resolution {
		what = "selesai"
	}
	return what + " " + flows.DeadlineWords(at, now), !at.After(now)
}

// waiting reports whether an open complaint waits for its office: nobody
// answered yet, or the citizen wrote after the last answer.
func waiting(c *flows.Complaint) bool {
	if !c.Status.Open() {
		return false
	}
	for i := len(c.Thread) - 1; i >= 0; i-- {
		switch c.Thread[i].Kind {
		case flows.EntryCitizen:
			return true
		case flows.EntryReply, flows.EntryStatus:
			return false
		}
	}
	return true
}

type shownEntry struct {
	At, Kind, Author, Text string
	Photos                 []string
	Files                  []flows.File
}

type detailPage struct {
	Op       operator
	Due      string
	Overdue  bool
	C        *flows.Complaint
	Category string
	Office   string
	Created  string
	MapsURL  string
	Location string
	Entries  []shownEntry
	Offices  []flows.Office
	Result   string
	Waiting  bool
	Reporter string
	// Key gives a fresh token for each form, so a form sent twice acts
	// once.
	Key func() string
}

func (w *Web) detail(rw http.ResponseWriter, r *http.Request, t *templates) {
	op, c, ok := w.operatorComplaint(rw, r)
	if !ok {
		return
	}
	cat, _ := w.flows.Category(c.Category)
	p := detailPage{Op: op, C: c, Category: cat.Label, Office: w.flows.OfficeName(c.Office), Created: w.when(c.Created),
		MapsURL: c.Location.MapsURL(), Location: c.Location.Describe(), Offices: w.flows.Offices,
		Result: r.URL.Query().Get("hasil"), Waiting: waiting(c), Reporter: flows.Reporter(w.flows, c, len(op.Offices) == 0), Key: func() string { return newToken()[:24] }}
	p.Due, p.Overdue = w.due(c, w.cfg.Now())
	for _, e := range c.Thread {
		p.Entries = append(p.Entries, shownEntry{At: w.when(e.At), Kind: string(e.Kind), Author: flows.EntryAuthor(w.flows, c, e, len(op.Offices) == 0),
			Text: e.Text, Photos: e.Photos, Files: e.Files})
	}
	render(rw, t.detail, http.StatusOK, p, w)
}

func (w *Web) when(t time.Time) string {
	if w.cfg.Location != nil {
		t = t.In(w.cfg.Location)
	}
	return t.Format("02-01-2006 15:04")
}

// operatorComplaint is operator, then complaintFor.
func (w *Web) operatorComplaint(rw http.ResponseWriter, r *http.Request) (operator, *flows.Complaint, bool) {
	op, ok := w.operator(rw, r)
	if !ok {
		return op, nil, false
	}
	c, ok := w.complaintFor(rw, r, op)
	return op, c, ok
}

// complaintFor loads the complaint of the request's {ticket}, if the user
// may see it; else it answers 404 (a user limited to other offices learns
// nothing about it).
func (w *Web) complaintFor(rw http.ResponseWriter, r *http.Request, op operator) (*flows.Complaint, bool) {
	ticket := strings.ToUpper(r.PathValue("ticket"))
	var c *flows.Complaint
	err := w.store.View(func(tx *store.Tx) error {
		var err error
		c, err = tx.Complaint(ticket)
		return err
	})
	switch {
	case err != nil:
		w.log.Error("console complaint", "ticket", ticket, "err", err)
		http.Error(rw, "Aduan tidak dapat dibaca.", http.StatusInternalServerError)
		return nil, false
	case c == nil || !flows.ConsoleMayAct(op.Offices, c):
		http.Error(rw, "Aduan "+ticket+" tidak ditemukan.", http.StatusNotFound)
		return nil, false
	}
	return c, true
}

// act runs one action form of a complaint's page through the desk.
func (w *Web) act(rw http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(rw, r.Body, w.cfg.MaxPhoto+maxBody)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(rw, "Berkas terlalu besar.", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(rw, "Formulir tidak dapat dibaca.", http.StatusBadRequest)
		return
	}
	op, c, ok := w.operatorComplaint(rw, r)
	if !ok || !checkCSRF(rw, r, op) {
		return
	}
	in := flows.ConsoleInput{User: op.Name, Name: op.Display, Offices: op.Offices, Action: r.FormValue("aksi"), Text: r.FormValue("teks")}
	if f, _, err := r.FormFile("foto"); err == nil {
		hash, err := w.media.PutImage(f, w.cfg.MaxPhoto)
		f.Close()
		switch {
		case errors.Is(err, store.ErrNotImage):
			http.Error(rw, "Berkas itu bukan foto yang dapat dibaca (JPEG, PNG atau GIF).", http.StatusUnsupportedMediaType)
			return
		case errors.Is(err, store.ErrTooLarge):
			http.Error(rw, "Foto terlalu besar.", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			w.log.Error("console photo", "err", err)
			http.Error(rw, "Foto tidak dapat disimpan.", http.StatusInternalServerError)
			return
		}
		in.Photos = []string{hash}
	}
	key := r.FormValue("kunci")
	if key != "" && !idPattern.MatchString(key) {
		http.Error(rw, "Formulir tidak sah. Muat ulang halaman.", http.StatusBadRequest)
		return
	}
	res, err := w.desk.Console(r.Context(), c.Ticket, key, in)
	if errors.Is(err, bot.ErrDone) {
		res.Text = "Tindakan ini sudah dijalankan (formulir terkirim dua kali)."
		err = nil
	}
	if err != nil {
		w.log.Error("console action", "ticket", c.Ticket, "err", err)
		http.Error(rw, "Tindakan belum tersimpan. Coba lagi.", http.StatusServiceUnavailable)
		return
	}
	http.Redirect(rw, r, "/konsol/aduan/"+c.Ticket+"?hasil="+url.QueryEscape(res.Text), http.StatusSeeOther)
}

// consoleMedia serves a photo or file of a complaint the user may see.
func (w *Web) consoleMedia(rw http.ResponseWriter, r *http.Request) {
	_, c, ok := w.operatorComplaint(rw, r)
	if !ok {
		return
	}
	hash := r.PathValue("hash")
	found := slices.Contains(c.Photos, hash)
	for _, e := range c.Thread {
		found = found || slices.Contains(e.Photos, hash) || slices.ContainsFunc(e.Files, func(f flows.File) bool { return f.Hash == hash })
	}
	if !found {
		http.NotFound(rw, r)
		return
	}
	w.serveMedia(rw, r, hash)
}

type loginPage struct {
	Error, Next string
	Op          operator
}

func (w *Web) loginPage(rw http.ResponseWriter, r *http.Request, t *templates, msg string, status int) {
	if len(w.users) == 0 {
		http.Redirect(rw, r, "/konsol", http.StatusSeeOther)
		return
	}
	render(rw, t.login, status, loginPage{Error: msg, Next: safeNext(r.FormValue("ke"))}, w)
}

// safeNext keeps a post-login redirect on this site's console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/konsol") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/konsol"
	}
	return next
}

// dummyHash is compared against when the user is unknown, so a wrong name
// takes as long as a wrong password. It is a constant (a bcrypt hash of
// "aduan" at the default cost, as `aduan hash-password` makes them):
// computing it at start cost 85 ms of every start.
var dummyHash = []byte("$2a$10$9uo3v67CLupd/ohoEtqIqeSBL6n90btdEs9apwAIQGsax4mPAmNNe")

func (w *Web) loginPost(rw http.ResponseWriter, r *http.Request, t *templates) {
	if len(w.users) == 0 {
		http.Redirect(rw, r, "/konsol", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(rw, r.Body, maxBody)
	name, password := strings.TrimSpace(r.FormValue("pengguna")), r.FormValue("sandi")
	if !w.login.allow("user:"+name) || !w.login.allow("addr:"+clientIP(r)) {
		w.log.Warn("console login rate limited", "user", name, "addr", clientIP(r))
		w.loginPage(rw, r, t, "Terlalu banyak percobaan masuk. Coba lagi beberapa menit lagi.", http.StatusTooManyRequests)
		return
	}
	u, known := w.users[name]
	hash := dummyHash
	if known {
		hash = []byte(u.Hash)
	}
	if err := bcrypt.CompareHashAndPassword(hash, []byte(password)); err != nil || !known {
		w.log.Warn("console login failed", "user", name, "addr", clientIP(r))
		w.loginPage(rw, r, t, "Nama pengguna atau kata sandi salah.", http.StatusUnauthorized)
		return
	}
	if _, err := w.newSession(rw, consoleCookie, "konsol", "/konsol", u.Name, w.cfg.ConsoleSessionTTL); err != nil {
		w.log.Error("console session", "err", err)
		w.loginPage(rw, r, t, "Sesi tidak dapat dibuat. Coba lagi.", http.StatusServiceUnavailable)
		return
	}
	w.log.Info("console login", "user", u.Name)
	http.Redirect(rw, r, safeNext(r.FormValue("ke")), http.StatusSeeOther)
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request) {
	op, ok := w.operator(rw, r)
	if !ok || !checkCSRF(rw, r, op) {
		return
	}
	if op.key != "" {
		if err := w.store.Update(func(tx *store.Tx) error { return tx.DeleteSession(op.key) }); err != nil {
			w.log.Error("end console session", "err", err)
		}
	}
	w.setCookie(rw, consoleCookie, "", "/konsol", -time.Second)
	http.Redirect(rw, r, "/konsol/masuk", http.StatusSeeOther)
}

// madeHere reports whether a request comes from this computer to a
// loopback name: not through a proxy (which would bring anyone's request
// from 127.0.0.1), and not to another name (a web page whose name was made
// to point to 127.0.0.1, to use the open console from the browser of
// whoever sits at this computer).
func madeHere(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return Loopback(strings.Trim(host, "[]")) && Loopback(clientIP(r))
}

// Loopback reports whether a host name or address is this computer's
// own: only there may the console be open without login.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clientIP is the request's address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter rate-limits login attempts per key: a burst of 5, then one
// attempt every 30 s.
type limiter struct {
	mu   sync.Mutex
	keys map[string]*rate.Limiter
}

func newLimiter() *limiter { return &limiter{keys: map[string]*rate.Limiter{}} }

// maxLimited bounds the limiter's memory; when full it starts over.
const maxLimited = 10000

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.keys[key]
	if !ok {
		if len(l.keys) >= maxLimited {
			clear(l.keys)
		}
		lim = rate.NewLimiter(rate.Every(30*time.Second), 5)
		l.keys[key] = lim
	}
	return lim.Allow()
}

func render(rw http.ResponseWriter, t *template.Template, status int, data any, w *Web) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	if err := t.Execute(rw, data); err != nil {
		w.log.Error("render console page", "err", err)
	}
}

type statsRow struct {
	Office                                       string
	Received, Answered, Resolved, Rejected, Open int
	First, Resolution, InTime, Rating            string
	Oldest                                       []string
}

// stats shows the offices' figures, as /statistik does, for the user's
// offices.
func (w *Web) stats(rw http.ResponseWriter, r *http.Request, t *templates) {
	op, ok := w.operator(rw, r)
	if !ok {
		return
	}
	days, err := strconv.Atoi(r.URL.Query().Get("hari"))
	if err != nil || (days != 7 && days != 365) {
		days = 30
	}
	now := w.cfg.Now()
	if w.cfg.Location != nil {
		now = now.In(w.cfg.Location)
	}
	var figures []flows.OfficeStats
	err = w.store.View(func(tx *store.Tx) error {
		var readErr error
		figures = flows.Stats(w.flows, tx.Stats(&readErr), op.Offices, now.AddDate(0, 0, -days), now)
		return readErr
	})
	if err != nil {
		w.log.Error("console statistics", "err", err)
		http.Error(rw, "Statistik tidak dapat dibaca.", http.StatusInternalServerError)
		return
	}
	dur := func(p flows.Percentiles) string {
		if p.N == 0 {
			return "-"
		}
		return flows.Since(p.Median) + " / " + flows.Since(p.P90)
	}
	var rows []statsRow
	for _, st := range figures {
		row := statsRow{Office: w.flows.OfficeName(st.Office), Received: st.Received, Answered: st.Answered, Resolved: st.Resolved,
			Rejected: st.Rejected, Open: st.Open, First: dur(st.FirstResponse), Resolution: dur(st.Resolution), InTime: "-", Rating: "-"}
		if st.Due > 0 {
			row.InTime = strconv.Itoa(st.InTime*100/st.Due) + "%"
		}
		if st.Rated > 0 {
			row.Rating = strconv.FormatFloat(float64(st.RatingSum)/float64(st.Rated), 'f', 1, 64) + " (" + strconv.Itoa(st.Rated) + ")"
		}
		for _, c := range st.Oldest {
			row.Oldest = append(row.Oldest, c.Ticket)
		}
		rows = append(rows, row)
	}
	render(rw, t.stats, http.StatusOK, struct {
		Op   operator
		Days int
		Rows []statsRow
	}{op, days, rows}, w)
}

// export downloads the complaints of a period with their timelines, for
// the user's offices; personal data only for a user of all offices who
// asks (pribadi=1).
func (w *Web) export(rw http.ResponseWriter, r *http.Request) {
	op, ok := w.operator(rw, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	loc := w.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	now := w.cfg.Now().In(loc)
	from, to := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc), time.Date(now.Year()+1, 1, 1, 0, 0, 0, 0, loc)
	if v := q.Get("dari"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			http.Error(rw, "Tanggal \"dari\" harus seperti 2026-01-01.", http.StatusBadRequest)
			return
		}
		from = t
	}
	if v := q.Get("sampai"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			http.Error(rw, "Tanggal \"sampai\" harus seperti 2026-12-31.", http.StatusBadRequest)
			return
		}
		to = t.AddDate(0, 0, 1)
	}
	format := q.Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		http.Error(rw, "Format harus csv atau json.", http.StatusBadRequest)
		return
	}
	personal := q.Get("pribadi") == "1"
	if personal && len(op.Offices) > 0 {
		http.Error(rw, "Data pribadi hanya untuk koordinator.", http.StatusForbidden)
		return
	}
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}[format]
	rw.Header().Set("Content-Type", ct)
	rw.Header().Set("Content-Disposition", "attachment; filename=\"aduan-"+from.Format("20060102")+"-"+to.AddDate(0, 0, -1).Format("20060102")+"."+format+"\"")
	rw.Header().Set("Cache-Control", "no-store")
	n, err := bot.Export(rw, w.store, bot.ExportOptions{From: from, To: to, Format: format, Personal: personal, Offices: op.Offices})
	if err != nil {
		w.log.Error("console export", "err", err, "written", n)
		return
	}
	w.log.Info("console export", "user", op.Name, "complaints", n, "personal", personal)
}
