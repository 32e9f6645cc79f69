// Package whatsapptest is a fake WhatsApp client for tests: it satisfies
// whatsapp.Client with real whatsmeow types, records what is sent, serves
// downloads, and fails on demand. The WhatsApp network cannot be reached
// from tests; this is the edge that is faked.
package whatsapptest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// Sent is one message the client sent.
type Sent struct {
	To  types.JID
	ID  types.MessageID
	Msg *waE2E.Message
	// Text is the text or caption.
	Text string
}

// Client is the fake client.
type Client struct {
	mu    sync.Mutex
	sent  []Sent
	tries []types.MessageID
	// Fail, when set, may fail a send before it is recorded.
	Fail      func(to types.JID, id types.MessageID) error
	downloads map[string][]byte
	uploads   map[string][]byte
	offline   bool
	notify    chan struct{}
}

// New makes a connected fake client.
func New() *Client {
	return &Client{downloads: map[string][]byte{}, uploads: map[string][]byte{}, notify: make(chan struct{}, 1)}
}

// SendMessage records a message, unless Fail fails it.
func (c *Client) SendMessage(_ context.Context, to types.JID, m *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	var id types.MessageID
	if len(extra) > 0 {
		id = extra[0].ID
	}
	if id == "" {
		return whatsmeow.SendResponse{}, errors.New("whatsapptest: send without a message id")
	}
	c.mu.Lock()
	c.tries = append(c.tries, id)
	fail := c.Fail
	c.mu.Unlock()
	if fail != nil {
		if err := fail(to, id); err != nil {
			return whatsmeow.SendResponse{}, err
		}
	}
	c.mu.Lock()
	c.sent = append(c.sent, Sent{To: to, ID: id, Msg: m, Text: TextOf(m)})
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
	return whatsmeow.SendResponse{ID: id, Timestamp: time.Now()}, nil
}

// Serve makes a download of the media at directPath return data.
func (c *Client) Serve(directPath string, data []byte) {
	c.mu.Lock()
	c.downloads[directPath] = data
	c.mu.Unlock()
}

// Download returns what Serve put at the media's direct path; uploaded
// media can be downloaded too.
func (c *Client) Download(_ context.Context, m whatsmeow.DownloadableMessage) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if data, ok := c.downloads[m.GetDirectPath()]; ok {
		return data, nil
	}
	if data, ok := c.uploads[m.GetDirectPath()]; ok {
		return data, nil
	}
	return nil, errors.New("whatsapptest: download failed with status code 404")
}

// Upload keeps the data under a new direct path.
func (c *Client) Upload(_ context.Context, data []byte, _ whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	path := fmt.Sprintf("/up/%d", len(c.uploads)+1)
	c.uploads[path] = append([]byte(nil), data...)
	return whatsmeow.UploadResponse{URL: "https://mmg.whatsapp.net" + path, DirectPath: path, MediaKey: []byte{1}, FileLength: uint64(len(data))}, nil
}

// IsConnected reports false after SetOffline(true).
func (c *Client) IsConnected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.offline
}

// SetOffline makes the client disconnected, or connected again.
func (c *Client) SetOffline(off bool) {
	c.mu.Lock()
	c.offline = off
	c.mu.Unlock()
}

// To returns what was sent to a JID, in order.
func (c *Client) To(jid types.JID) []Sent {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Sent
	for _, s := range c.sent {
		if s.To == jid {
			out = append(out, s)
		}
	}
	return out
}

// Tries returns the message ids of every send tried, failed ones too.
func (c *Client) Tries() []types.MessageID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]types.MessageID(nil), c.tries...)
}

// Uploaded returns the data behind an uploaded direct path.
func (c *Client) Uploaded(directPath string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.uploads[directPath]
}

// Wait waits until jid got a message whose text contains want, and
// returns it.
func (c *Client) Wait(timeout time.Duration, jid types.JID, want string) (Sent, bool) {
	deadline := time.After(timeout)
	for {
		for _, s := range c.To(jid) {
			if strings.Contains(s.Text, want) {
				return s, true
			}
		}
		select {
		case <-c.notify:
		case <-deadline:
			return Sent{}, false
		}
	}
}

// TextOf is a message's text or caption.
func TextOf(m *waE2E.Message) string {
	switch {
	case m == nil:
		return ""
	case m.GetConversation() != "":
		return m.GetConversation()
	case m.GetExtendedTextMessage() != nil:
		return m.GetExtendedTextMessage().GetText()
	case m.GetImageMessage() != nil:
		return m.GetImageMessage().GetCaption()
	case m.GetDocumentMessage() != nil:
		return m.GetDocumentMessage().GetCaption()
	}
	return ""
}
