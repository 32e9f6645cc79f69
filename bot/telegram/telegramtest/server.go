// Package telegramtest is a local HTTP server that speaks the parts of the
// Telegram Bot API aduan uses, for tests: scripted citizens and admins send
// updates, and tests read what the bot sent. It parses parameters the way
// the Bot API does (query string, URL-encoded or multipart form, or JSON)
// and answers errors in the Bot API's shape, so the bot is tested against
// the protocol rather than against one client library.
package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token is the bot token the server accepts.
const Token = "123456:TEST-token"

// The bot, as getMe describes it.
const (
	BotID       = 123456
	BotUsername = "aduan_test_bot"
)

// Chat is a Telegram chat as the server describes it in updates.
type Chat struct {
	ID    int64
	Type  string // "private", "group" or "supergroup"
	Title string
}

// User is a Telegram user.
type User struct {
	ID        int64
	FirstName string
	LastName  string
	Username  string
}

// Private returns the private chat of a user with the bot.
func Private(u User) Chat { return Chat{ID: u.ID, Type: "private"} }

// Group returns a group chat.
func Group(id int64, title string) Chat { return Chat{ID: id, Type: "supergroup", Title: title} }

// Markup is a message's reply_markup, decoded.
type Markup struct {
	Inline   [][]InlineButton `json:"inline_keyboard"`
	Keyboard [][]KeyButton    `json:"keyboard"`
	Remove   bool             `json:"remove_keyboard"`
	OneTime  bool             `json:"one_time_keyboard"`
}

// InlineButton is an inline keyboard button.
type InlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// KeyButton is a reply keyboard button.
type KeyButton struct {
	Text            string `json:"text"`
	RequestLocation bool   `json:"request_location"`
}

// Sent is one message the bot sent.
type Sent struct {
	Method    string
	ChatID    int64
	MessageID int
	// Text is the text, or the caption of a photo.
	Text      string
	ParseMode string
	ReplyTo   int
	Markup    *Markup
	// Photo is set for a photo; Uploaded tells an upload from a file_id.
	Photo    bool
	Uploaded bool
	// PhotoData is the uploaded photo's content.
	PhotoData []byte
	// File is set for a document, video, voice note or audio: its kind
	// ("document", …), file name and content.
	File     string
	FileName string
	FileData []byte
	At       time.Time
}

// Failure makes the next Times calls of Method (to ChatID, or any chat when
// 0) fail with an error response. With Garble set, the call succeeds
// instead (the message is sent) but its result cannot be decoded.
type Failure struct {
	Method     string
	ChatID     int64
	Times      int
	Code       int
	Desc       string
	RetryAfter int
	// MigrateTo is the parameters.migrate_to_chat_id of the error.
	MigrateTo int64
	Garble    bool
}

// Server is the fake Bot API.
type Server struct {
	URL string
	srv *httptest.Server

	mu          sync.Mutex
	changed     chan struct{}
	updates     []map[string]any
	history     map[int64]map[string]any
	nextUpdate  int64
	offset      int64
	nextMsg     int
	sent        []Sent
	files       map[string][]byte
	failures    []*Failure
	blocked     map[int64]bool
	answered    map[string]bool
	calls       map[string]int
	nextFile    int
	migrated    map[int64]int64
	fileDelay   time.Duration
	delays      map[string]time.Duration
	lateAnswers map[string]time.Duration
	flood       *flood
	tooMany     int
	webhook     *webhook
	pushed      int
	closed      chan struct{}
}

// webhook is a webhook set with setWebhook.
type webhook struct {
	url, secret    string
	maxConnections int
	lastErrorDate  int64
	lastError      string
}

// New starts a server; it stops when the test ends.
func New(t interface {
	Cleanup(func())
}) *Server {
	s := &Server{changed: make(chan struct{}), nextUpdate: 1000, nextMsg: 100,
		files: map[string][]byte{}, history: map[int64]map[string]any{}, blocked: map[int64]bool{}, answered: map[string]bool{}, calls: map[string]int{},
		migrated: map[int64]int64{}, delays: map[string]time.Duration{}, lateAnswers: map[string]time.Duration{}, closed: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	pushing := make(chan struct{})
	go func() { s.push(); close(pushing) }()
	t.Cleanup(func() {
		close(s.closed)
		<-pushing
		s.srv.Close()
	})
	return s
}

// notify wakes everyone waiting for a change; call with mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

type apiError struct {
	code       int
	desc       string
	retryAfter int
	migrateTo  int64
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot"+Token+"/") {
		s.serveFile(w, r, strings.TrimPrefix(r.URL.Path, "/file/bot"+Token+"/"))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		writeError(w, apiError{code: 404, desc: "Not Found"})
		return
	}
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
	if token != Token {
		writeError(w, apiError{code: 401, desc: "Unauthorized"})
		return
	}
	p, err := parseParams(r)
	// Reading the body to its end lets net/http notice a client that
	// hangs up (a timed-out call) and cancel r.Context(); a JSON decoder
	// or a multipart reader may stop short of the end.
	io.Copy(io.Discard, r.Body)
	if err != nil {
		writeError(w, apiError{code: 400, desc: "Bad Request: " + err.Error()})
		return
	}
	s.mu.Lock()
	delay := s.delays[method]
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.closed:
			t.Stop()
			return
		}
	}
	if method == "getUpdates" {
		s.mu.Lock()
		hooked := s.webhook != nil
		s.mu.Unlock()
		if hooked {
			writeError(w, apiError{code: 409, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
			return
		}
		s.getUpdates(w, r, p)
		return
	}
	code, resp := s.call(method, p)
	s.mu.Lock()
	late := s.lateAnswers[method+":"+p.str("chat_id")]
	s.mu.Unlock()
	if late > 0 && code == http.StatusOK {
		// The call took effect (chats see the message) before its answer
		// reaches the bot.
		t := time.NewTimer(late)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
	writeJSON(w, code, resp)
}

// call runs one Bot API method and returns the HTTP status and body.
func (s *Server) call(method string, p params) (int, map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	garble := false
	if f := s.failure(method, p); f != nil {
		if !f.Garble {
			return errorBody(apiErrorOf(f))
		}
		garble = true
	}
	if e := s.floodCheck(method, p); e != nil {
		s.tooMany++
		return errorBody(*e)
	}
	var result any
	var apiErr *apiError
	switch method {
	case "getMe":
		result = map[string]any{"id": BotID, "is_bot": true, "first_name": "Aduan", "username": BotUsername}
	case "sendMessage":
		result, apiErr = s.sendMessage(p)
	case "sendPhoto":
		result, apiErr = s.sendPhoto(p)
	case "sendMediaGroup":
		result, apiErr = s.sendMediaGroup(p)
	case "sendDocument", "sendVideo", "sendVoice", "sendAudio":
		result, apiErr = s.sendFile(method, p)
	case "answerCallbackQuery":
		if p.str("callback_query_id") == "" {
			apiErr = &apiError{code: 400, desc: "Bad Request: query id is empty"}
		}
		s.answered[p.str("callback_query_id")] = true
		result = true
	case "getFile":
		id := p.str("file_id")
		data, ok := s.files[id]
		if !ok {
			apiErr = &apiError{code: 400, desc: "Bad Request: invalid file_id"}
			break
		}
		result = map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_size": len(data), "file_path": "photos/" + id + ".jpg"}
	case "setWebhook":
		result, apiErr = s.setWebhook(p)
	case "deleteWebhook":
		s.webhook = nil
		if p.str("drop_pending_updates") == "true" {
			s.updates = nil
		}
		result = true
	case "getWebhookInfo":
		info := map[string]any{"url": "", "has_custom_certificate": false, "pending_update_count": len(s.updates)}
		if h := s.webhook; h != nil {
			info["url"], info["max_connections"] = h.url, h.maxConnections
			if h.lastErrorDate != 0 {
				info["last_error_date"], info["last_error_message"] = h.lastErrorDate, h.lastError
			}
		}
		result = info
	default:
		apiErr = &apiError{code: 404, desc: "Not Found: method not found"}
	}
	if apiErr != nil {
		return errorBody(*apiErr)
	}
	if garble {
		// ok: true, but a result no client can read as a Message.
		return http.StatusOK, map[string]any{"ok": true, "result": map[string]any{"message_id": "not a number", "chat": 7}}
	}
	return http.StatusOK, map[string]any{"ok": true, "result": result}
}

func apiErrorOf(f *Failure) apiError {
	return apiError{f.Code, f.Desc, f.RetryAfter, f.MigrateTo}
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, path string) {
	id := strings.TrimSuffix(strings.TrimPrefix(path, "photos/"), ".jpg")
	s.mu.Lock()
	data, ok := s.files[id]
	delay := s.fileDelay
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, nil)
		return
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
	w.Write(data)
}

// failure returns the injected failure for this call, if any.
func (s *Server) failure(method string, p params) *Failure {
	chatID, _ := strconv.ParseInt(p.str("chat_id"), 10, 64)
	for _, f := range s.failures {
		if f.Times > 0 && f.Method == method && (f.ChatID == 0 || f.ChatID == chatID) {
			f.Times--
			return f
		}
	}
	if !strings.HasPrefix(method, "send") {
		return nil
	}
	if to, ok := s.migrated[chatID]; ok {
		return &Failure{Code: 400, Desc: "Bad Request: group chat was upgraded to a supergroup chat", MigrateTo: to}
	}
	if s.blocked[chatID] {
		return &Failure{Code: 403, Desc: "Forbidden: bot was blocked by the user"}
	}
	return nil
}

func writeError(w http.ResponseWriter, e apiError) {
	code, body := errorBody(e)
	writeJSON(w, code, body)
}

// errorBody is an error response in the Bot API's shape.
func errorBody(e apiError) (int, map[string]any) {
	body := map[string]any{"ok": false, "error_code": e.code, "description": e.desc}
	switch {
	case e.retryAfter > 0:
		body["parameters"] = map[string]any{"retry_after": e.retryAfter}
	case e.migrateTo != 0:
		body["parameters"] = map[string]any{"migrate_to_chat_id": e.migrateTo}
	}
	return e.code, body
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// params are a call's parameters, each as the text the Bot API would read:
// strings as they are, anything else as JSON.
type params struct {
	values map[string]string
	files  map[string][]byte
	// names are the uploaded files' names.
	names map[string]string
}

func (p params) str(k string) string { return p.values[k] }

func parseParams(r *http.Request) (params, error) {
	p := params{values: map[string]string{}, files: map[string][]byte{}, names: map[string]string{}}
	for k, v := range r.URL.Query() {
		p.values[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return p, fmt.Errorf("can't parse JSON: %w", err)
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				p.values[k] = s
			} else {
				p.values[k] = string(raw)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); errors.Is(err, io.EOF) {
			return p, nil // a call without parameters (getMe)
		} else if err != nil {
			return p, err
		}
		for k, v := range r.MultipartForm.Value {
			p.values[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return p, err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return p, err
			}
			p.files[k] = data
			p.names[k] = fhs[0].Filename
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return p, err
		}
		for k, v := range r.PostForm {
			p.values[k] = v[0]
		}
	}
	return p, nil
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p params) {
	offset, _ := strconv.ParseInt(p.str("offset"), 10, 64)
	timeout, _ := strconv.Atoi(p.str("timeout"))
	limit, _ := strconv.Atoi(p.str("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if f := s.failure("getUpdates", p); f != nil {
			s.mu.Unlock()
			writeError(w, apiErrorOf(f))
			return
		}
		// Calling getUpdates with an offset confirms every update before it:
		// the Bot API forgets them.
		if offset > s.offset {
			s.offset = offset
			kept := s.updates[:0]
			for _, u := range s.updates {
				if u["update_id"].(int64) >= offset {
					kept = append(kept, u)
				}
			}
			s.updates = kept
			s.notify()
		}
		var out []map[string]any
		for _, u := range s.updates {
			if len(out) < limit {
				out = append(out, u)
			}
		}
		changed := s.changed
		s.mu.Unlock()
		if len(out) > 0 {
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": out})
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": []any{}})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) record(method string, p params) (Sent, *apiError) {
	chatID, err := strconv.ParseInt(p.str("chat_id"), 10, 64)
	if err != nil {
		return Sent{}, &apiError{code: 400, desc: "Bad Request: chat not found"}
	}
	m := Sent{Method: method, ChatID: chatID, ParseMode: p.str("parse_mode"), At: time.Now()}
	if rp := p.str("reply_parameters"); rp != "" {
		var v struct {
			MessageID int `json:"message_id"`
		}
		if err := json.Unmarshal([]byte(rp), &v); err != nil {
			return Sent{}, &apiError{code: 400, desc: "Bad Request: can't parse reply parameters JSON object"}
		}
		m.ReplyTo = v.MessageID
	}
	if rm := p.str("reply_markup"); rm != "" {
		m.Markup = &Markup{}
		if err := json.Unmarshal([]byte(rm), m.Markup); err != nil {
			return Sent{}, &apiError{code: 400, desc: "Bad Request: can't parse reply keyboard markup JSON object"}
		}
		for _, row := range m.Markup.Inline {
			for _, b := range row {
				if len(b.CallbackData) > 64 || b.CallbackData == "" {
					return Sent{}, &apiError{code: 400, desc: "Bad Request: BUTTON_DATA_INVALID"}
				}
			}
		}
	}
	return m, nil
}

// utf16Len counts as Telegram does.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func (s *Server) store(m Sent) map[string]any {
	s.nextMsg++
	m.MessageID = s.nextMsg
	s.sent = append(s.sent, m)
	msg := map[string]any{"message_id": m.MessageID, "date": time.Now().Unix(),
		"chat": map[string]any{"id": m.ChatID, "type": chatType(m.ChatID)}}
	if m.Photo {
		s.nextFile++
		id := "sent-photo-" + strconv.Itoa(s.nextFile)
		s.files[id] = m.PhotoData
		msg["photo"] = []map[string]any{{"file_id": id, "file_unique_id": "u" + id, "width": 800, "height": 600}}
		if m.Text != "" {
			msg["caption"] = m.Text
		}
	} else {
		msg["text"] = m.Text
	}
	return msg
}

func chatType(id int64) string {
	if id < 0 {
		return "supergroup"
	}
	return "private"
}

func (s *Server) sendMessage(p params) (any, *apiError) {
	m, e := s.record("sendMessage", p)
	if e != nil {
		return nil, e
	}
	m.Text = p.str("text")
	switch n := utf16Len(m.Text); {
	case strings.TrimSpace(m.Text) == "":
		return nil, &apiError{code: 400, desc: "Bad Request: message text is empty"}
	case n > 4096:
		return nil, &apiError{code: 400, desc: "Bad Request: message is too long"}
	}
	return s.store(m), nil
}

// photo resolves a photo parameter: an upload ("attach://name" or the
// field itself) or a file_id the server knows.
func (s *Server) photo(v string, field string, p params) ([]byte, bool, *apiError) {
	if name, ok := strings.CutPrefix(v, "attach://"); ok {
		data, ok := p.files[name]
		if !ok {
			return nil, false, &apiError{code: 400, desc: "Bad Request: wrong file identifier/HTTP URL specified"}
		}
		return data, true, nil
	}
	if data, ok := p.files[field]; ok && v == "" {
		return data, true, nil
	}
	if data, ok := s.files[v]; ok {
		return data, false, nil
	}
	return nil, false, &apiError{code: 400, desc: "Bad Request: wrong file identifier/HTTP URL specified"}
}

func (s *Server) sendPhoto(p params) (any, *apiError) {
	m, e := s.record("sendPhoto", p)
	if e != nil {
		return nil, e
	}
	m.Text, m.Photo = p.str("caption"), true
	if utf16Len(m.Text) > 1024 {
		return nil, &apiError{code: 400, desc: "Bad Request: message caption is too long"}
	}
	data, up, e := s.photo(p.str("photo"), "photo", p)
	if e != nil {
		return nil, e
	}
	m.PhotoData, m.Uploaded = data, up
	return s.store(m), nil
}

// sendFile takes an uploaded document, video, voice note or audio.
func (s *Server) sendFile(method string, p params) (any, *apiError) {
	m, e := s.record(method, p)
	if e != nil {
		return nil, e
	}
	kind := strings.ToLower(strings.TrimPrefix(method, "send"))
	m.Text, m.File = p.str("caption"), kind
	if utf16Len(m.Text) > 1024 {
		return nil, &apiError{code: 400, desc: "Bad Request: message caption is too long"}
	}
	v := p.str(kind)
	name, ok := strings.CutPrefix(v, "attach://")
	if !ok {
		name = kind
	}
	data, ok := p.files[name]
	if !ok {
		return nil, &apiError{code: 400, desc: "Bad Request: there is no " + kind + " in the request"}
	}
	m.FileData, m.FileName = data, p.names[name]
	return s.store(m), nil
}

func (s *Server) sendMediaGroup(p params) (any, *apiError) {
	base, e := s.record("sendMediaGroup", p)
	if e != nil {
		return nil, e
	}
	var media []struct {
		Type    string `json:"type"`
		Media   string `json:"media"`
		Caption string `json:"caption"`
	}
	if err := json.Unmarshal([]byte(p.str("media")), &media); err != nil || len(media) < 2 || len(media) > 10 {
		return nil, &apiError{code: 400, desc: "Bad Request: wrong number of media or bad JSON"}
	}
	var out []any
	for _, md := range media {
		if utf16Len(md.Caption) > 1024 {
			return nil, &apiError{code: 400, desc: "Bad Request: message caption is too long"}
		}
		data, up, e := s.photo(md.Media, "", p)
		if e != nil {
			return nil, e
		}
		m := base
		m.Text, m.Photo, m.PhotoData, m.Uploaded = md.Caption, true, data, up
		out = append(out, s.store(m))
	}
	return out, nil
}

// Update queues an update; the server gives it an update_id and returns it.
func (s *Server) Update(u map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpdate++
	u["update_id"] = s.nextUpdate
	s.updates = append(s.updates, u)
	s.history[s.nextUpdate] = u
	s.notify()
	return s.nextUpdate
}

func (s *Server) message(chat Chat, from User, fields map[string]any) map[string]any {
	s.mu.Lock()
	s.nextMsg++
	id := s.nextMsg
	s.mu.Unlock()
	m := map[string]any{
		"message_id": id, "date": time.Now().Unix(),
		"chat": map[string]any{"id": chat.ID, "type": chat.Type, "title": chat.Title},
		"from": map[string]any{"id": from.ID, "is_bot": false, "first_name": from.FirstName, "last_name": from.LastName, "username": from.Username},
	}
	for k, v := range fields {
		m[k] = v
	}
	return m
}

// quoted is the reply_to_message of a reply: as in the Bot API, the whole
// message replied to, with its sender and text (or caption) when it is one
// the bot sent.
func (s *Server) quoted(chat Chat, id int) map[string]any {
	m := map[string]any{"message_id": id, "date": 0, "chat": map[string]any{"id": chat.ID, "type": chat.Type}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sent := range s.sent {
		if sent.ChatID == chat.ID && sent.MessageID == id {
			m["from"] = map[string]any{"id": BotID, "is_bot": true, "first_name": "Aduan", "username": BotUsername}
			if sent.Photo || sent.File != "" {
				m["caption"] = sent.Text
			} else {
				m["text"] = sent.Text
			}
			break
		}
	}
	return m
}

// Text sends a text message from a user.
func (s *Server) Text(chat Chat, from User, text string) int64 {
	return s.Update(map[string]any{"message": s.message(chat, from, map[string]any{"text": text})})
}

// Reply sends a text message that replies to a message.
func (s *Server) Reply(chat Chat, from User, replyTo int, text string) int64 {
	return s.Update(map[string]any{"message": s.message(chat, from, map[string]any{
		"text": text, "reply_to_message": s.quoted(chat, replyTo)})})
}

// ReplyPhoto sends a photo that replies to a message.
func (s *Server) ReplyPhoto(chat Chat, from User, replyTo int, data []byte, caption string) int64 {
	fields := s.photoFields(data, caption)
	fields["reply_to_message"] = s.quoted(chat, replyTo)
	return s.Update(map[string]any{"message": s.message(chat, from, fields)})
}

// Photo sends a photo (offered in two sizes, as Telegram does).
func (s *Server) Photo(chat Chat, from User, data []byte, caption string) int64 {
	return s.Update(map[string]any{"message": s.message(chat, from, s.photoFields(data, caption))})
}

func (s *Server) photoFields(data []byte, caption string) map[string]any {
	s.mu.Lock()
	s.nextFile++
	small, big := "in-small-"+strconv.Itoa(s.nextFile), "in-big-"+strconv.Itoa(s.nextFile)
	s.files[small] = []byte("thumbnail")
	s.files[big] = data
	s.mu.Unlock()
	f := map[string]any{"photo": []map[string]any{
		{"file_id": small, "file_unique_id": "u" + small, "width": 90, "height": 60, "file_size": 9},
		{"file_id": big, "file_unique_id": "u" + big, "width": 1280, "height": 960, "file_size": len(data)},
	}}
	if caption != "" {
		f["caption"] = caption
	}
	return f
}

// Location shares a location pin.
func (s *Server) Location(chat Chat, from User, lat, lon float64) int64 {
	return s.Update(map[string]any{"message": s.message(chat, from, map[string]any{"location": map[string]any{"latitude": lat, "longitude": lon}})})
}

// Sticker sends a sticker.
func (s *Server) Sticker(chat Chat, from User) int64 {
	return s.Update(map[string]any{"message": s.message(chat, from, map[string]any{"sticker": map[string]any{
		"file_id": "stk", "file_unique_id": "ustk", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false}})})
}

// Edit sends an edited_message update.
func (s *Server) Edit(chat Chat, from User, text string) int64 {
	return s.Update(map[string]any{"edited_message": s.message(chat, from, map[string]any{"text": text, "edit_date": time.Now().Unix()})})
}

// Press presses an inline button under a message the bot sent; it returns
// the callback query id.
func (s *Server) Press(chat Chat, from User, messageID int, data string) string {
	s.mu.Lock()
	s.nextFile++
	qid := "q" + strconv.Itoa(s.nextFile)
	s.mu.Unlock()
	s.Update(map[string]any{"callback_query": map[string]any{
		"id": qid, "chat_instance": "ci", "data": data,
		"from":    map[string]any{"id": from.ID, "is_bot": false, "first_name": from.FirstName, "last_name": from.LastName, "username": from.Username},
		"message": map[string]any{"message_id": messageID, "date": 1, "chat": map[string]any{"id": chat.ID, "type": chat.Type}, "text": "…"},
	}})
	return qid
}

// Redeliver sends an update again with the same update_id, as Telegram
// does when the bot's confirmation did not reach it.
func (s *Server) Redeliver(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, s.history[id])
	if s.offset > id {
		s.offset = id
	}
	s.notify()
}

// Fail injects a failure.
func (s *Server) Fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &f)
}

// ClearFailures removes the failures not yet used up.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
}

// Block makes every send to a chat fail with 403, as when a user blocked
// the bot.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Sent returns what the bot sent to a chat (all chats for 0), in order.
func (s *Server) Sent(chatID int64) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, m := range s.sent {
		if chatID == 0 || m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// Calls counts the calls of a method.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Answered reports whether a callback query was answered.
func (s *Server) Answered(queryID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answered[queryID]
}

// Pending counts the updates not yet confirmed by the bot.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Offset is the highest offset the bot confirmed with.
func (s *Server) Offset() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset
}

// Wait blocks until cond holds or the timeout passes; it reports whether
// cond held. cond runs with the server's state locked out of changes.
func (s *Server) Wait(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return cond()
		}
	}
}

// RestartIDs makes the next update ids start at next, as Telegram does
// after a week without updates, when it may choose the next id at random
// (and lower).
func (s *Server) RestartIDs(next int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpdate = next - 1
}

// Raw queues an update given as JSON without its update_id, such as
// `{"message": {...}}`, for updates the helpers do not make (new or odd
// fields). It returns the update's id.
func (s *Server) Raw(update string) int64 {
	var u map[string]any
	if err := json.Unmarshal([]byte(update), &u); err != nil {
		panic("telegramtest: Raw: " + err.Error())
	}
	return s.Update(u)
}

// SetFileDelay makes every file download wait d before it answers, like a
// slow connection to Telegram's file servers.
func (s *Server) SetFileDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fileDelay = d
}

// Migrate upgrades a basic group to a supergroup with a new id: sends to
// the old id fail with 400 and parameters.migrate_to_chat_id, and the bot
// gets the two service messages Telegram sends (migrate_to_chat_id in the
// old chat, migrate_from_chat_id in the new one), from user by.
func (s *Server) Migrate(oldID, newID int64, by User) {
	s.mu.Lock()
	s.migrated[oldID] = newID
	s.mu.Unlock()
	s.Update(map[string]any{"message": s.message(Chat{ID: oldID, Type: "group"}, by, map[string]any{"migrate_to_chat_id": newID})})
	s.Update(map[string]any{"message": s.message(Chat{ID: newID, Type: "supergroup"}, by, map[string]any{"migrate_from_chat_id": oldID})})
}

// FloodLimits are the send limits the server enforces, answering 429 with
// retry_after past them: a token bucket over all chats and one per private
// chat, and for each group at most GroupPerMinute messages in any minute.
// An album counts one message per photo.
type FloodLimits struct {
	Global         float64
	GlobalBurst    int
	Private        float64
	PrivateBurst   int
	GroupPerMinute int
}

// TelegramLimits are Telegram's documented limits for bots: about 30
// messages a second overall, about one a second per private chat with a
// short burst, 20 a minute per group.
func TelegramLimits() FloodLimits {
	return FloodLimits{Global: 30, GlobalBurst: 30, Private: 1, PrivateBurst: 3, GroupPerMinute: 20}
}

type flood struct {
	limits  FloodLimits
	global  bucket
	private map[int64]*bucket
	groups  map[int64][]time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// take takes n tokens from a bucket of the given rate and burst, or
// reports how long until it could.
func (b *bucket) take(now time.Time, rate float64, burst, n int) (time.Duration, bool) {
	if b.last.IsZero() {
		b.tokens = float64(burst)
	} else {
		b.tokens = min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
	if b.tokens >= float64(n) {
		b.tokens -= float64(n)
		return 0, true
	}
	return time.Duration((float64(n) - b.tokens) / rate * float64(time.Second)), false
}

// SetFloodLimits switches Telegram's flood control on.
func (s *Server) SetFloodLimits(l FloodLimits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flood = &flood{limits: l, private: map[int64]*bucket{}, groups: map[int64][]time.Time{}}
}

// TooMany counts the 429 answers flood control gave.
func (s *Server) TooMany() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooMany
}

// floodCheck applies flood control to a send; call with mu held.
func (s *Server) floodCheck(method string, p params) *apiError {
	f := s.flood
	if f == nil || !strings.HasPrefix(method, "send") {
		return nil
	}
	n := 1
	if method == "sendMediaGroup" {
		var media []any
		if json.Unmarshal([]byte(p.str("media")), &media) == nil && len(media) > 0 {
			n = len(media)
		}
	}
	chatID, _ := strconv.ParseInt(p.str("chat_id"), 10, 64)
	now := time.Now()
	tooMany := func(wait time.Duration) *apiError {
		secs := int(wait/time.Second) + 1
		return &apiError{code: 429, desc: "Too Many Requests: retry after " + strconv.Itoa(secs), retryAfter: secs}
	}
	if chatID < 0 {
		sent := f.groups[chatID]
		for len(sent) > 0 && now.Sub(sent[0]) >= time.Minute {
			sent = sent[1:]
		}
		if len(sent)+n > f.limits.GroupPerMinute {
			f.groups[chatID] = sent
			return tooMany(time.Minute - now.Sub(sent[0]))
		}
		if wait, ok := f.global.take(now, f.limits.Global, f.limits.GlobalBurst, n); !ok {
			f.groups[chatID] = sent
			return tooMany(wait)
		}
		for range n {
			sent = append(sent, now)
		}
		f.groups[chatID] = sent
		return nil
	}
	b := f.private[chatID]
	if b == nil {
		b = &bucket{}
		f.private[chatID] = b
	}
	// Check the chat's bucket on a copy first, so a refusal by the global
	// bucket does not use up the chat's tokens.
	trial := *b
	if wait, ok := trial.take(now, f.limits.Private, f.limits.PrivateBurst, n); !ok {
		*b = trial
		return tooMany(wait)
	}
	if wait, ok := f.global.take(now, f.limits.Global, f.limits.GlobalBurst, n); !ok {
		return tooMany(wait)
	}
	*b = trial
	return nil
}

// SetMigrated makes sends to oldID fail as if the group had become a
// supergroup, without the service messages (the bot missed them).
func (s *Server) SetMigrated(oldID, newID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.migrated[oldID] = newID
}

// ReplyToBot sends a text that replies to a message of the bot, quoting
// it as Telegram does (with its sender and text).
func (s *Server) ReplyToBot(chat Chat, from User, replyTo int, quoted, text string) int64 {
	return s.Update(map[string]any{"message": s.message(chat, from, map[string]any{
		"text": text, "reply_to_message": s.botMessage(chat, replyTo, quoted)})})
}

// botMessage is a message of the bot as it appears quoted in a reply.
func (s *Server) botMessage(chat Chat, id int, text string) map[string]any {
	return map[string]any{"message_id": id, "date": 0, "text": text,
		"chat": map[string]any{"id": chat.ID, "type": chat.Type},
		"from": map[string]any{"id": BotID, "is_bot": true, "first_name": "Aduan", "username": BotUsername}}
}

// MessageID returns the message_id of the message an update carried.
func (s *Server) MessageID(update int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []string{"message", "edited_message"} {
		if m, ok := s.history[update][k].(map[string]any); ok {
			id, _ := m["message_id"].(int)
			return id
		}
	}
	return 0
}

// EditText sends an edited_message update: the user changed the text of
// their message messageID.
func (s *Server) EditText(chat Chat, from User, messageID int, text string) int64 {
	m := s.message(chat, from, map[string]any{"text": text, "edit_date": time.Now().Unix()})
	m["message_id"] = messageID
	return s.Update(map[string]any{"edited_message": m})
}

// ReplyFile sends a document, video, voice note or audio (kind as in the
// Bot API: "document", "video", "voice", "audio") that replies to a
// message.
func (s *Server) ReplyFile(chat Chat, from User, replyTo int, kind string, data []byte, name, caption string) int64 {
	s.mu.Lock()
	s.nextFile++
	id := "in-" + kind + "-" + strconv.Itoa(s.nextFile)
	s.files[id] = data
	s.mu.Unlock()
	f := map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_size": len(data)}
	switch kind {
	case "document", "audio":
		f["file_name"], f["mime_type"] = name, "application/octet-stream"
	case "video":
		f["width"], f["height"], f["duration"], f["file_name"] = 640, 480, 3, name
	case "voice":
		f["duration"], f["mime_type"] = 3, "audio/ogg"
	}
	fields := map[string]any{kind: f,
		"reply_to_message": map[string]any{"message_id": replyTo, "date": 0, "chat": map[string]any{"id": chat.ID, "type": chat.Type}}}
	if caption != "" {
		fields["caption"] = caption
	}
	return s.Update(map[string]any{"message": s.message(chat, from, fields)})
}

// ReplySticker sends a sticker that replies to a message.
func (s *Server) ReplySticker(chat Chat, from User, replyTo int) int64 {
	return s.Update(map[string]any{"message": s.message(chat, from, map[string]any{
		"sticker":          map[string]any{"file_id": "stk", "file_unique_id": "ustk", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false},
		"reply_to_message": map[string]any{"message_id": replyTo, "date": 0, "chat": map[string]any{"id": chat.ID, "type": chat.Type}}})})
}

// SetDelay makes every call of a method (getUpdates too) wait d before it
// is served, like a slow or hanging Bot API; a call its client gives up
// on meanwhile has no effect.
func (s *Server) SetDelay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[method] = d
}

// SetLateAnswer makes a method's calls to a chat take effect at once but
// answer the bot only after d, like a slow network on the way back: a
// message is in the chat (and can be replied to) before the bot learns
// its id.
func (s *Server) SetLateAnswer(method string, chatID int64, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lateAnswers[method+":"+strconv.FormatInt(chatID, 10)] = d
}

// setWebhook checks its parameters as the Bot API does. Unlike
// api.telegram.org, which wants HTTPS on port 443, 80, 88 or 8443, it
// takes any http(s) URL, as a self-hosted Bot API server does.
func (s *Server) setWebhook(p params) (any, *apiError) {
	raw := p.str("url")
	if raw == "" {
		s.webhook = nil
		return true, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &apiError{code: 400, desc: "Bad Request: bad webhook: invalid webhook URL specified"}
	}
	secret := p.str("secret_token")
	if len(secret) > 256 || strings.Trim(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		return nil, &apiError{code: 400, desc: "Bad Request: secret token contains unallowed characters"}
	}
	maxConn := 40
	if v := p.str("max_connections"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, &apiError{code: 400, desc: "Bad Request: bad webhook: invalid max_connections specified"}
		}
		maxConn = n
	}
	if p.str("drop_pending_updates") == "true" {
		s.updates = nil
	}
	s.webhook = &webhook{url: raw, secret: secret, maxConnections: maxConn}
	return true, nil
}

// Webhook returns the webhook's URL and secret token; "" when none is set.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		return "", ""
	}
	return s.webhook.url, s.webhook.secret
}

// Pushed counts the updates the webhook accepted.
func (s *Server) Pushed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushed
}

// push delivers pending updates to the webhook while one is set, one at a
// time and in order (as with max_connections 1): an update leaves the
// queue when the webhook answers 2xx; any other answer is recorded for
// getWebhookInfo and the update is tried again.
func (s *Server) push() {
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		s.mu.Lock()
		h, changed := s.webhook, s.changed
		var u map[string]any
		if h != nil && len(s.updates) > 0 {
			u = s.updates[0]
		}
		s.mu.Unlock()
		if u == nil {
			select {
			case <-changed:
				continue
			case <-s.closed:
				return
			}
		}
		body, _ := json.Marshal(u)
		req, _ := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if h.secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", h.secret)
		}
		resp, err := client.Do(req)
		problem := ""
		switch {
		case err != nil:
			problem = "Connection refused"
		case resp.StatusCode < 200 || resp.StatusCode > 299:
			problem = fmt.Sprintf("Wrong response from the webhook: %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		if resp != nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		s.mu.Lock()
		if problem == "" {
			for i, p := range s.updates {
				if p["update_id"] == u["update_id"] {
					s.updates = append(s.updates[:i], s.updates[i+1:]...)
					break
				}
			}
			s.pushed++
		} else if s.webhook != nil {
			s.webhook.lastErrorDate, s.webhook.lastError = time.Now().Unix(), problem
		}
		s.notify()
		s.mu.Unlock()
		if problem != "" {
			select {
			case <-time.After(50 * time.Millisecond):
			case <-s.closed:
				return
			}
		}
	}
}
