package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aduan/flows"
	"aduan/store"
)

// fakeChannel records what is sent and fails on demand.
type fakeChannel struct {
	mu   sync.Mutex
	sent map[string][]string // chat → texts in order
	fail func(m flows.Message) error
	// beforeSent runs after a send, before the desk hears of it.
	beforeSent func(m flows.Message, id string)
	order      []string // chat ids in the order sent
	nextID     atomic.Int64
	count      atomic.Int64
	notify     chan struct{}
}

func newFake() *fakeChannel {
	return &fakeChannel{sent: map[string][]string{}, notify: make(chan struct{}, 1)}
}

func (f *fakeChannel) Name() string { return "fake" }

func (f *fakeChannel) Send(_ context.Context, d *Delivery) error {
	m := d.Message
	if f.fail != nil {
		if err := f.fail(m); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.sent[d.Chat.ID] = append(f.sent[d.Chat.ID], m.Text)
	f.order = append(f.order, d.Chat.ID)
	f.mu.Unlock()
	id := strconv.FormatInt(f.nextID.Add(1), 10)
	if f.beforeSent != nil {
		f.beforeSent(m, id)
	}
	f.count.Add(1)
	d.Sent([]string{id})
	select {
	case f.notify <- struct{}{}:
	default:
	}
	return nil
}

func (f *fakeChannel) texts(chat string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent[chat]...)
}

// waitCount waits until n messages went out.
func (f *fakeChannel) waitCount(t testing.TB, n int64) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for f.count.Load() < n {
		select {
		case <-f.notify:
		case <-deadline:
			t.Fatalf("sent %d messages, want %d", f.count.Load(), n)
		}
	}
}

func benchConfig() *flows.Config {
	return &flows.Config{
		TicketPrefix: "ADU", Coordinator: "kominfo",
		CoordinatorChats: []flows.Chat{{Channel: "fake", ID: "-1"}},
		Offices:          []flows.Office{{ID: "kominfo", Name: "Diskominfo"}, {ID: "disdik", Name: "Disdik"}},
		Categories:       []flows.Category{{ID: "sekolah", Label: "Sekolah", Office: "disdik"}},
		DescriptionMin:   10, DescriptionMax: 2000, MaxPhotos: 5, ThreadLimit: 100, Texts: flows.DefaultTexts(),
	}
}

func mustDesk(t testing.TB, ch Channel) (*Desk, *store.Store) {
	t.Helper()
	return mustDeskWith(t, ch, Options{})
}

func mustDeskWith(t testing.TB, ch Channel, opt Options) (*Desk, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "aduan.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := benchConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	opt.Location = time.UTC
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d := New(st, cfg, opt)
	d.AddChannel(ch)
	return d, st
}

func runDesk(t testing.TB, d *Desk) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// conversation is one whole complaint, as a citizen types it.
var conversation = []flows.Input{
	{Kind: flows.InputCommand, Command: "start", Name: "Warga"},
	{Kind: flows.InputChoice, Choice: "menu:aduan"},
	{Kind: flows.InputChoice, Choice: "cat:sekolah"},
	{Kind: flows.InputText, Text: "Atap kelas 3 SD Negeri 1 bocor saat hujan"},
	{Kind: flows.InputText, Text: "SD Negeri 1 Klaten, Jl. Pemuda"},
	{Kind: flows.InputText, Text: "lewati"},
	{Kind: flows.InputChoice, Choice: "ok:kirim"},
}

func TestWholeComplaintThroughDesk(t *testing.T) {
	ch := newFake()
	d, st := mustDesk(t, ch)
	runDesk(t, d)
	chat := flows.Chat{Channel: "fake", ID: "77"}
	for i, in := range conversation {
		if err := d.Handle(context.Background(), Inbound{Key: fmt.Sprintf("k%d", i), Chat: chat, Private: true, Input: in}); err != nil {
			t.Fatal(err)
		}
	}
	// A repeated inbound key changes nothing.
	if err := d.Handle(context.Background(), Inbound{Key: "k6", Chat: chat, Private: true, Input: conversation[6]}); err != nil {
		t.Fatal(err)
	}
	// One message a step: greeting with menu, categories, description,
	// location, photo, summary, ticket; and the admin post.
	ch.waitCount(t, 8)
	deadline := time.Now().Add(10 * time.Second)
	for n, _ := d.OutboxLen(); n > 0 && time.Now().Before(deadline); n, _ = d.OutboxLen() {
		<-time.After(time.Millisecond)
	}
	if n := ch.count.Load(); n != 8 {
		t.Errorf("sent %d messages, want 8: the repeated inbound message was handled again", n)
	}
	var c *flows.Complaint
	_ = st.View(func(tx *store.Tx) error {
		c, _ = tx.Complaint(fmt.Sprintf("ADU-%d-000001", time.Now().UTC().Year()))
		return nil
	})
	if c == nil || c.Office != "disdik" {
		t.Fatalf("complaint = %+v", c)
	}
	if got := ch.texts("-1"); len(got) != 1 {
		t.Errorf("admin chat got %d posts, want 1: %q", len(got), got)
	}
}

func TestSenderKeepsOrderThroughFailures(t *testing.T) {
	ch := newFake()
	var calls atomic.Int64
	ch.fail = func(m flows.Message) error {
		switch calls.Add(1) {
		case 1:
			return errors.New("connection reset")
		case 2:
			return &RetryAfterError{After: 10 * time.Millisecond, Err: errors.New("429")}
		}
		return nil
	}
	d, st := mustDesk(t, ch)
	chat := flows.Chat{Channel: "fake", ID: "5"}
	err := st.Update(func(tx *store.Tx) error {
		for i := range 5 {
			if err := tx.Enqueue(flows.Message{To: chat, Text: strconv.Itoa(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runDesk(t, d)
	ch.waitCount(t, 5)
	if got := fmt.Sprint(ch.texts("5")); got != "[0 1 2 3 4]" {
		t.Errorf("delivered %s, want [0 1 2 3 4]", got)
	}
}

func TestPermanentFailureNotifiesAdmins(t *testing.T) {
	ch := newFake()
	citizen := flows.Chat{Channel: "fake", ID: "9"}
	admin := flows.Chat{Channel: "fake", ID: "-1"}
	ch.fail = func(m flows.Message) error {
		if m.To == citizen {
			return &PermanentError{Reason: ReasonBlocked, Err: errors.New("403")}
		}
		return nil
	}
	d, st := mustDesk(t, ch)
	err := st.Update(func(tx *store.Tx) error {
		return tx.Enqueue(flows.Message{To: citizen, Text: "balasan", OnFail: &flows.Message{To: admin, Text: "gagal: {alasan}"}},
			flows.Message{To: citizen, Text: "tanpa pemberitahuan"})
	})
	if err != nil {
		t.Fatal(err)
	}
	runDesk(t, d)
	ch.waitCount(t, 1)
	want := "gagal: " + flows.DefaultTexts().ReasonBlocked
	if got := ch.texts("-1"); len(got) != 1 || got[0] != want {
		t.Errorf("admins got %q, want [%q]", got, want)
	}
}

// BenchmarkDesk runs whole complaint conversations for many citizens at
// once through flows and the store (fsync on), with the outbox drained by
// a channel that answers at once. msgs/s counts inbound messages, each
// committed before its replies go out.
func BenchmarkDesk(b *testing.B) {
	ch := newFake()
	d, _ := mustDesk(b, ch)
	runDesk(b, d)
	var citizens atomic.Int64
	b.SetParallelism(64) // 64 × GOMAXPROCS citizens typing at once
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := strconv.FormatInt(citizens.Add(1), 10)
			chat := flows.Chat{Channel: "fake", ID: id}
			for i, in := range conversation {
				err := d.Handle(context.Background(), Inbound{Key: id + ":" + strconv.Itoa(i), Chat: chat, Private: true, Input: in})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	msgs := float64(b.N * len(conversation))
	b.ReportMetric(msgs/elapsed.Seconds(), "msgs/s")
}

func TestAdminChatUnreachableKeepsPosts(t *testing.T) {
	ch := newFake()
	admin := flows.Chat{Channel: "fake", ID: "-1"}
	var kicked atomic.Bool
	kicked.Store(true)
	var tries atomic.Int64
	ch.fail = func(m flows.Message) error {
		if m.To == admin && kicked.Load() {
			tries.Add(1)
			return &PermanentError{Reason: ReasonBlocked, Err: errors.New("403 bot was kicked")}
		}
		return nil
	}
	d, st := mustDesk(t, ch)
	if err := st.Update(func(tx *store.Tx) error {
		return tx.Enqueue(flows.Message{To: admin, Text: "aduan baru", Ticket: "ADU-2026-000001"})
	}); err != nil {
		t.Fatal(err)
	}
	runDesk(t, d)
	deadline := time.Now().Add(10 * time.Second)
	for tries.Load() == 0 && time.Now().Before(deadline) {
		<-time.After(time.Millisecond)
	}
	if n, _ := d.OutboxLen(); n != 1 {
		t.Fatalf("post to an unreachable admin chat was dropped (outbox %d)", n)
	}
	kicked.Store(false) // the bot is added back; the retry (after 2s) delivers
	ch.waitCount(t, 1)
	if got := ch.texts("-1"); len(got) != 1 || got[0] != "aduan baru" {
		t.Errorf("admin chat got %q", got)
	}
}
