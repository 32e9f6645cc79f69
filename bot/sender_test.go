package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aduan/flows"
	"aduan/store"
)

var (
	adminChat = flows.Chat{Channel: "fake", ID: "-1"}
	citizen77 = flows.Chat{Channel: "fake", ID: "77"}
)

func mustComplaint(t *testing.T, st *store.Store, ticket string) {
	t.Helper()
	err := st.Update(func(tx *store.Tx) error {
		return tx.PutComplaint(flows.Complaint{Ticket: ticket, Citizen: citizen77, Category: "sekolah", Office: "disdik", Status: flows.StatusNew, Description: "Atap bocor"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustEnqueue(t *testing.T, st *store.Store, msgs ...flows.Message) {
	t.Helper()
	if err := st.Update(func(tx *store.Tx) error { return tx.Enqueue(msgs...) }); err != nil {
		t.Fatal(err)
	}
}

// An admin who replies to a post before the desk recorded it still
// reaches the complaint: the post is still its queue's head.
func TestReplyBeforePostRecorded(t *testing.T) {
	ch := newFake()
	d, st := mustDesk(t, ch)
	mustComplaint(t, st, "ADU-2026-000001")
	post := flows.Message{To: flows.OfficeChat("fake", "disdik"), Text: "📢 ADUAN ADU-2026-000001\nAtap bocor", Ticket: "ADU-2026-000001", Relay: true}
	ack := flows.Message{To: adminChat, Text: "📝 Catatan disimpan untuk ADU-2026-000001", Ticket: "ADU-2026-000001"}
	mustEnqueue(t, st, post, ack)
	var once sync.Map
	ch.beforeSent = func(m flows.Message, id string) {
		if _, done := once.LoadOrStore(m.Text, true); done {
			return
		}
		// The admin is fast: the reply is handled before the send returns.
		reply := "Besok diperbaiki"
		if m.Text == ack.Text {
			reply = "siap dicatat"
		}
		err := d.Handle(context.Background(), Inbound{Key: "reply:" + id, Chat: adminChat, MessageID: "90" + id, UserID: "9",
			ReplyToID: id, ReplyToBot: true, ReplyText: m.Text, RawText: reply, Input: flows.Input{Kind: flows.InputText, Text: reply}})
		if err != nil {
			t.Error(err)
		}
	}
	runDesk(t, d)
	ch.waitCount(t, 4) // post, ack, the reply to the citizen, the notice
	got := strings.Join(ch.texts("77"), "\n")
	if !strings.Contains(got, "Besok diperbaiki") {
		t.Errorf("reply to the unrecorded post did not reach the citizen: %q", got)
	}
	if strings.Contains(got, "siap dicatat") {
		t.Errorf("reply to an unrecorded acknowledgement reached the citizen")
	}
	if admins := strings.Join(ch.texts("-1"), "\n"); !strings.Contains(admins, "pesan internal") {
		t.Errorf("admins not told their reply stayed internal: %q", admins)
	}
}

// A post can go out twice: the process dies between the platform's answer
// and the commit that records it, and sends it again at the next start.
// Only the second copy is linked; an admin's reply to the first still
// reaches the citizen, while a reply to a copy of an internal message
// stays internal.
func TestReplyToUnrecordedCopy(t *testing.T) {
	ch := newFake()
	d, st := mustDesk(t, ch)
	mustComplaint(t, st, "ADU-2026-000001")
	post := flows.Message{To: flows.OfficeChat("fake", "disdik"), Text: "📢 ADUAN ADU-2026-000001\nAtap bocor", Ticket: "ADU-2026-000001", Relay: true}
	ack := flows.Message{To: adminChat, Text: "📝 Catatan disimpan untuk ADU-2026-000001", Ticket: "ADU-2026-000001"}
	mustEnqueue(t, st, post, ack)
	runDesk(t, d)
	ch.waitCount(t, 2)
	waitUntil(t, func() bool { n, _ := d.OutboxLen(); return n == 0 })
	for i, r := range []struct{ quoted, text string }{{post.Text, "Besok diperbaiki"}, {ack.Text, "siap dicatat"}} {
		err := d.Handle(context.Background(), Inbound{Key: fmt.Sprintf("reply%d", i), Chat: adminChat, MessageID: fmt.Sprintf("90%d", i), UserID: "9",
			ReplyToID: fmt.Sprintf("5%d", i), ReplyToBot: true, ReplyText: r.quoted, RawText: r.text, Input: flows.Input{Kind: flows.InputText, Text: r.text}})
		if err != nil {
			t.Fatal(err)
		}
	}
	ch.waitCount(t, 4) // post, ack, the reply to the citizen, the notice
	got := strings.Join(ch.texts("77"), "\n")
	if !strings.Contains(got, "Besok diperbaiki") {
		t.Errorf("reply to the unrecorded copy of the post did not reach the citizen: %q", got)
	}
	if strings.Contains(got, "siap dicatat") {
		t.Errorf("reply to an unrecorded copy of an acknowledgement reached the citizen")
	}
}

// The sender serves the oldest waiting message first across chats, and a
// chat that just sent goes behind the others.
func TestSenderOldestFirst(t *testing.T) {
	ch := newFake()
	d, st := mustDeskWith(t, ch, Options{MaxInFlight: 1})
	a, b, c := flows.Chat{Channel: "fake", ID: "a"}, flows.Chat{Channel: "fake", ID: "b"}, flows.Chat{Channel: "fake", ID: "c"}
	mustEnqueue(t, st, flows.Message{To: c, Text: "c1"}, flows.Message{To: a, Text: "a1"}, flows.Message{To: a, Text: "a2"},
		flows.Message{To: a, Text: "a3"}, flows.Message{To: b, Text: "b1"}, flows.Message{To: c, Text: "c2"})
	runDesk(t, d)
	ch.waitCount(t, 6)
	ch.mu.Lock()
	got := strings.Join(ch.order, "")
	ch.mu.Unlock()
	if got != "cabcaa" {
		t.Errorf("send order %q, want cabcaa: oldest first, a chat that sent goes behind", got)
	}
}

// slowPacer makes one chat wait long for its limit.
type slowPacer struct {
	*fakeChannel
	slow flows.Chat
}

func (p slowPacer) ReadyIn(chat flows.Chat) time.Duration {
	if chat == p.slow {
		return time.Hour
	}
	return 0
}

// A chat that must wait for its limit holds no sending slot.
func TestWaitingChatHoldsNoSlot(t *testing.T) {
	ch := newFake()
	group := flows.Chat{Channel: "fake", ID: "-5"}
	d, st := mustDeskWith(t, slowPacer{ch, group}, Options{MaxInFlight: 1})
	mustEnqueue(t, st, flows.Message{To: group, Text: "later"}, flows.Message{To: citizen77, Text: "now"})
	runDesk(t, d)
	ch.waitCount(t, 1)
	if got := ch.texts("77"); len(got) != 1 {
		t.Errorf("citizen got %q behind a waiting group", got)
	}
	if got := ch.texts("-5"); len(got) != 0 {
		t.Errorf("group sent %q before its limit allowed", got)
	}
}

// A long outage does not write a log line per attempt: repeats of the
// same failure are counted.
func TestRepeatedFailuresLoggedWithCount(t *testing.T) {
	ch := newFake()
	var tries sync.WaitGroup
	tries.Add(12)
	var n int
	var mu sync.Mutex
	ch.fail = func(m flows.Message) error {
		mu.Lock()
		defer mu.Unlock()
		if n++; n <= 12 {
			tries.Done()
			return errors.New("connection refused")
		}
		return nil
	}
	var logs safeBuffer
	d, st := mustDeskWith(t, ch, Options{MinBackoff: time.Microsecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	mustEnqueue(t, st, flows.Message{To: citizen77, Text: "halo"})
	runDesk(t, d)
	ch.waitCount(t, 1)
	waitUntil(t, func() bool { return strings.Contains(logs.String(), "delivering again") })
	out := logs.String()
	if c := strings.Count(out, "connection refused"); c < 1 || c > 2 {
		t.Errorf("12 identical failures logged %d times, want once or twice:\n%s", c, out)
	}
	if !strings.Contains(out, "after_failures=12") {
		t.Errorf("recovery not logged with the count:\n%s", out)
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitUntil waits for cond on a short tick, failing the test after a while.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		<-time.After(5 * time.Millisecond)
	}
}

// Follow-ups that come in a burst reach the admins as one post when the
// interval has passed; the schedule lives in the store, so a restart
// does not lose it.
func TestFollowUpsPostedTogether(t *testing.T) {
	ch := newFake()
	var clock atomic.Int64
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	clock.Store(start.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	st, err := store.Open(filepath.Join(t.TempDir(), "aduan.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := benchConfig()
	cfg.FollowUpInterval = 5 * time.Minute
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d := New(st, cfg, Options{Location: time.UTC, Now: now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	d.AddChannel(ch)
	runDesk(t, d)
	for i, in := range conversation {
		if err := d.Handle(context.Background(), Inbound{Key: fmt.Sprint("c", i), Chat: citizen77, Private: true, Input: in}); err != nil {
			t.Fatal(err)
		}
	}
	ch.waitCount(t, 8)
	for i, text := range []string{"Hujan lagi", "Kelas 3 tidak bisa dipakai", "Mohon segera"} {
		clock.Add(int64(time.Minute))
		if err := d.Handle(context.Background(), Inbound{Key: fmt.Sprint("f", i), Chat: citizen77, Private: true, Input: flows.Input{Kind: flows.InputText, Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	ch.waitCount(t, 8+3+1) // three acknowledgements, the first follow-up at once
	if got := ch.texts("-1"); len(got) != 2 || !strings.Contains(got[1], "Hujan lagi") {
		t.Fatalf("admins got %q, want the post and the first follow-up", got)
	}
	clock.Add(int64(3 * time.Minute)) // five minutes after the first follow-up
	select {
	case d.dueWake <- struct{}{}:
	default:
	}
	ch.waitCount(t, 13)
	got := ch.texts("-1")
	if len(got) != 3 || !strings.Contains(got[2], "Kelas 3 tidak bisa dipakai") || !strings.Contains(got[2], "Mohon segera") {
		t.Errorf("admins got %q, want the other two merged in one post", got)
	}
}

// A delivery that went out but could not be recorded is recorded again
// later, without sending the message a second time.
func TestUnrecordedDeliveryNotSentTwice(t *testing.T) {
	ch := newFake()
	d, st := mustDeskWith(t, ch, Options{MinBackoff: time.Millisecond})
	var faults atomic.Int64
	d.recordFault = func() error {
		if faults.Add(1) <= 3 {
			return errors.New("disk full")
		}
		return nil
	}
	mustEnqueue(t, st, flows.Message{To: citizen77, Text: "sekali saja"}, flows.Message{To: citizen77, Text: "berikutnya"})
	runDesk(t, d)
	ch.waitCount(t, 2)
	waitUntil(t, func() bool { n, _ := d.OutboxLen(); return n == 0 })
	if got := ch.texts("77"); len(got) != 2 || got[0] != "sekali saja" || got[1] != "berikutnya" {
		t.Errorf("citizen got %q, want each message once, in order", got)
	}
}
