package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"aduan/flows"
	"aduan/store"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func deadlineDesk(t testing.TB, path string, clock *testClock) *Desk {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := benchConfig()
	cfg.Offices = append(cfg.Offices, flows.Office{ID: "dpupr", Name: "DPU-PR", Chats: []flows.Chat{{Channel: "fake", ID: "-2"}}})
	cfg.Categories = append(cfg.Categories, flows.Category{ID: "jalan", Label: "Jalan", Office: "dpupr"})
	cfg.Deadlines = flows.Deadlines{FirstResponse: 24 * time.Hour, RemindBefore: 2 * time.Hour, ResolutionDays: 5,
		WorkingDays: [7]bool{1: true, 2: true, 3: true, 4: true, 5: true}, Location: time.UTC}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return New(st, cfg, Options{Now: clock.Now, Location: time.UTC, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// outbox lists the texts queued for a chat, in order.
func outbox(t *testing.T, d *Desk, queue flows.Chat) []string {
	t.Helper()
	var out []string
	err := d.store.View(func(tx *store.Tx) error {
		for seq := uint64(1); seq <= tx.OutboxSeq(); seq++ {
			if o, err := tx.Outgoing(queue, seq); err == nil && o != nil {
				out = append(out, o.Message.Text)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fileRoad files a road complaint as a citizen types it.
func fileRoad(t *testing.T, d *Desk, chat string) {
	t.Helper()
	steps := []flows.Input{
		{Kind: flows.InputChoice, Choice: "menu:aduan"}, {Kind: flows.InputChoice, Choice: "cat:jalan"},
		{Kind: flows.InputText, Text: "Jalan berlubang besar di depan pasar"}, {Kind: flows.InputText, Text: "Jl. Pemuda 1 Klaten"},
		{Kind: flows.InputText, Text: "lewati"}, {Kind: flows.InputChoice, Choice: "ok:kirim"},
	}
	for i, in := range steps {
		err := d.Handle(context.Background(), Inbound{Key: "fake:" + chat + ":" + string(rune('a'+i)), Chat: flows.Chat{Channel: "fake", ID: chat}, Private: true, Input: in})
		if err != nil {
			t.Error(err) // may run in a goroutine: no Fatal
			return
		}
	}
}

// A deadline that falls while the desk is down is acted on once at the
// next start; the schedule comes from the store.
func TestDeadlinesAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aduan.db")
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)} // a Monday
	d := deadlineDesk(t, path, clock)
	fileRoad(t, d, "501")
	office, coord := flows.OfficeChat("fake", "dpupr"), flows.OfficeChat("fake", "kominfo")
	clock.Add(21 * time.Hour)
	if err := d.runDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := outbox(t, d, office); len(got) != 1 || !strings.Contains(got[0], "ADU-2026-000001") {
		t.Fatalf("before the reminder's time: %q", got)
	}
	d.store.Close()

	// Down across the reminder and the deadline; back a day later.
	clock.Add(27 * time.Hour)
	d = deadlineDesk(t, path, clock)
	for range 3 {
		if err := d.runDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var reminders, escalations int
	for _, m := range outbox(t, d, office) {
		if strings.Contains(m, "⏰") {
			reminders++
		}
	}
	for _, m := range outbox(t, d, coord) {
		if strings.Contains(m, "🚨 1 aduan lewat batas jawaban pertama") && strings.Contains(m, "ADU-2026-000001") {
			escalations++
		}
	}
	if reminders != 0 || escalations != 1 {
		t.Errorf("after the restart: %d reminders, %d escalations; want none and one", reminders, escalations)
	}
}

// 500 overdue complaints make a bounded number of messages: one per chat
// per round of the schedule.
func TestOverdueBacklogBounded(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	var wg sync.WaitGroup
	for i := range 500 { // at once, so commits are shared
		wg.Go(func() { fileRoad(t, d, "c"+string(rune('A'+i/26))+string(rune('a'+i%26))) })
	}
	wg.Wait()
	clock.Add(25 * time.Hour)
	for range 10 {
		if err := d.runDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	coord := outbox(t, d, flows.OfficeChat("fake", "kominfo"))
	listed := 0
	for _, m := range coord {
		listed += strings.Count(m, "\n• ")
	}
	if listed != 500 || len(coord) > 500/maxDuePerRound+1 {
		t.Errorf("%d escalation messages listing %d complaints; want at most %d listing 500", len(coord), listed, 500/maxDuePerRound+1)
	}
}

// Retention erases, on the store, the personal data of complaints closed
// long enough ago, and nothing else.
func TestRetentionOnTheStore(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	d.cfg.Retention = 24 * time.Hour
	old := flows.Complaint{Ticket: "ADU-2026-000001", Citizen: flows.Chat{Channel: "fake", ID: "501"}, CitizenName: "Budi", Category: "jalan",
		Office: "dpupr", Description: "Jalan rusak di depan rumah saya", Location: flows.Location{Text: "Jl. Mawar 3", Lat: -7.7, Lon: 110.6, HasPoint: true},
		Photos: []string{"p1"}, Status: flows.StatusResolved, Created: clock.now.Add(-72 * time.Hour), Updated: clock.now.Add(-48 * time.Hour),
		Thread: []flows.Entry{{Kind: flows.EntryCitizen, Author: "Budi", Text: "nomor saya 0812"}, {Kind: flows.EntryReply, Author: "Sari", Text: "Sudah ditambal."}},
		Rating: 5, RatingComment: "terima kasih, Budi"}
	open := old
	open.Ticket, open.Status = "ADU-2026-000002", flows.StatusInProgress
	err := d.store.Update(func(tx *store.Tx) error {
		if err := tx.PutComplaint(old); err != nil {
			return err
		}
		return tx.PutComplaint(open)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.retain(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.store.View(func(tx *store.Tx) error {
		c, _ := tx.Complaint(old.Ticket)
		checks := []struct {
			what string
			ok   bool
		}{
			{"marked erased", c.Erased},
			{"name", c.CitizenName == ""},
			{"chat", c.Citizen.ID == flows.ErasedChat},
			{"description", c.Description == d.cfg.Texts.ErasedText},
			{"location", c.Location.IsZero()},
			{"photos", len(c.Photos) == 0},
			{"citizen's thread entry", c.Thread[0].Text == d.cfg.Texts.ErasedText && c.Thread[0].Author == ""},
			{"rating comment", c.RatingComment == ""},
			{"office's reply kept", c.Thread[1].Text == "Sudah ditambal."},
			{"rating kept", c.Rating == 5},
			{"status, office, category, times kept", c.Status == flows.StatusResolved && c.Office == "dpupr" && c.Category == "jalan" && c.Created.Equal(old.Created)},
		}
		for _, ch := range checks {
			if !ch.ok {
				t.Errorf("%s: %+v", ch.what, c)
			}
		}
		if o, _ := tx.Complaint(open.Ticket); o.Erased || o.CitizenName != "Budi" {
			t.Errorf("an open complaint was erased: %+v", o)
		}
		return nil
	})
}

// The first round of pruning and retention waits MaintenanceAfter after
// the start (its walks read much of the store), then runs on its own.
func TestMaintenanceWaitsAfterStart(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	d.cfg.Retention = 24 * time.Hour
	d.opt.MaintenanceAfter = 2 * time.Second
	old := flows.Complaint{Ticket: "ADU-2026-000001", Citizen: flows.Chat{Channel: "fake", ID: "501"}, CitizenName: "Budi", Category: "jalan",
		Office: "dpupr", Description: "Jalan rusak di depan rumah saya", Status: flows.StatusResolved,
		Created: clock.now.Add(-72 * time.Hour), Updated: clock.now.Add(-48 * time.Hour)}
	if err := d.store.Update(func(tx *store.Tx) error { return tx.PutComplaint(old) }); err != nil {
		t.Fatal(err)
	}
	erased := func() bool {
		var c *flows.Complaint
		d.store.View(func(tx *store.Tx) error {
			c, _ = tx.Complaint(old.Ticket)
			return nil
		})
		return c != nil && c.Erased
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(300 * time.Millisecond)
	if erased() {
		t.Fatal("retention ran at start, not after MaintenanceAfter")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !erased() {
		if time.Now().After(deadline) {
			t.Fatal("retention did not run after MaintenanceAfter")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A second complaint at the same place in the same category: the desk
// finds the first in the store's index and the citizen is told.
func TestNearbyFromTheStore(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	d.cfg.DuplicateRadius = 100
	file := func(chat string, lat float64) {
		steps := []flows.Input{
			{Kind: flows.InputChoice, Choice: "menu:aduan"}, {Kind: flows.InputChoice, Choice: "cat:jalan"},
			{Kind: flows.InputText, Text: "Jalan berlubang besar di depan pasar"},
			{Kind: flows.InputLocation, Location: flows.Location{Lat: lat, Lon: 110.6063, HasPoint: true}},
			{Kind: flows.InputText, Text: "lewati"},
		}
		for i, in := range steps {
			if err := d.Handle(context.Background(), Inbound{Key: "fake:" + chat + ":" + string(rune('a'+i)), Chat: flows.Chat{Channel: "fake", ID: chat}, Private: true, Input: in}); err != nil {
				t.Fatal(err)
			}
		}
		d.Handle(context.Background(), Inbound{Key: "fake:" + chat + ":z", Chat: flows.Chat{Channel: "fake", ID: chat}, Private: true, Input: flows.Input{Kind: flows.InputChoice, Choice: "ok:kirim"}})
	}
	file("601", -7.7056)
	file("602", -7.7057) // about 11 m away
	file("603", -7.7156) // about 1.1 km away
	said := func(chat string) string {
		return strings.Join(outbox(t, d, flows.Chat{Channel: "fake", ID: chat}), "\n")
	}
	if !strings.Contains(said("602"), "Masalah serupa di dekat lokasi ini sedang ditangani (ADU-2026-000001)") {
		t.Errorf("the near citizen was not told")
	}
	if strings.Contains(said("603"), "serupa") || strings.Contains(said("601"), "serupa") {
		t.Errorf("a far or first citizen was told of a duplicate")
	}
}

// The first response is the delivery of an answer: one that could not be
// delivered does not count.
func TestFirstResponseOnDelivery(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	fake := newFake()
	d.AddChannel(fake)
	fileRoad(t, d, "701")
	fileRoad(t, d, "702")
	blocked := map[string]bool{"702": true}
	fake.fail = func(m flows.Message) error {
		if blocked[m.To.ID] {
			return &PermanentError{Reason: ReasonBlocked, Err: errors.New("Forbidden: bot was blocked by the user")}
		}
		return nil
	}
	runDesk(t, d)
	admin := flows.Chat{Channel: "fake", ID: "-2"}
	for i, ticket := range []string{"ADU-2026-000001", "ADU-2026-000002"} {
		err := d.Handle(context.Background(), Inbound{Key: "fake:admin:" + ticket, Chat: admin, UserID: "9", MessageID: "m" + string(rune('0'+i)),
			RawText: "/proses " + ticket, Input: flows.Input{Kind: flows.InputText, Text: "/proses " + ticket}})
		if err != nil {
			t.Fatal(err)
		}
	}
	first := func(ticket string) time.Time {
		var at time.Time
		d.store.View(func(tx *store.Tx) error {
			c, _ := tx.Complaint(ticket)
			at = c.FirstResponseAt
			return nil
		})
		return at
	}
	// Wait until the one answer is delivered and the other dropped (the
	// admins are told it did not arrive).
	settled := func() bool {
		return !first("ADU-2026-000001").IsZero() && strings.Contains(strings.Join(fake.texts("-2"), "\n"), "ADU-2026-000002 tidak terkirim")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !settled() && time.Now().Before(deadline) {
		select {
		case <-fake.notify:
		case <-time.After(100 * time.Millisecond):
		}
	}
	if first("ADU-2026-000001").IsZero() {
		t.Logf("sent to 701: %q; to admins: %q", fake.texts("701"), fake.texts("-2"))
		t.Errorf("a delivered answer is no first response")
	}
	if !first("ADU-2026-000002").IsZero() {
		t.Errorf("an answer the citizen never got counts as the first response")
	}
}

// /statistik in an admin chat reads the complaints from the store.
func TestStatsFromTheStore(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	fileRoad(t, d, "801")
	fileRoad(t, d, "802")
	admin := flows.Chat{Channel: "fake", ID: "-2"}
	if err := d.Handle(context.Background(), Inbound{Key: "fake:stats", Chat: admin, UserID: "9", MessageID: "s1", RawText: "/statistik 7",
		Input: flows.Input{Kind: flows.InputText, Text: "/statistik 7"}}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(outbox(t, d, admin), "\n")
	if !strings.Contains(got, "Statistik 7 hari") || !strings.Contains(got, "DPU-PR\nMasuk 2 · dijawab 0") {
		t.Errorf("/statistik: %q", got)
	}
}

// The sender's results reach the metrics: sent, and why not.
func TestSendMetrics(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	d := deadlineDesk(t, filepath.Join(t.TempDir(), "aduan.db"), clock)
	if err := d.EnableMetrics(prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	fake := newFake()
	fake.fail = func(m flows.Message) error {
		if m.To.ID == "902" {
			return &PermanentError{Reason: ReasonBlocked, Err: errors.New("blocked")}
		}
		return nil
	}
	d.AddChannel(fake)
	runDesk(t, d)
	fileRoad(t, d, "901")
	fileRoad(t, d, "902")
	sent := func() float64 { return testutil.ToFloat64(d.metrics.outbound.WithLabelValues("fake", "sent")) }
	blocked := func() float64 { return testutil.ToFloat64(d.metrics.outbound.WithLabelValues("fake", "blocked")) }
	deadline := time.Now().Add(10 * time.Second)
	for (sent() < 8 || blocked() < 6) && time.Now().Before(deadline) {
		select {
		case <-fake.notify:
		case <-time.After(20 * time.Millisecond):
		}
	}
	// 901's six answers and both complaints' posts went out; 902 blocked
	// all six of its answers.
	if sent() != 8 || blocked() != 6 {
		t.Errorf("sent %v, blocked %v; want 8 and 6", sent(), blocked())
	}
	if got := testutil.ToFloat64(d.metrics.inbound.WithLabelValues("fake", "choice")); got != 6 {
		t.Errorf("inbound choices %v, want 6", got)
	}
}

// A message that waits too long in the outbox makes the desk unready,
// with the reason; the metrics show its age.
func TestReadyWhenTheOutboxWaits(t *testing.T) {
	fake := newFake()
	fake.fail = func(flows.Message) error { return errors.New("platform down") }
	d, _ := mustDeskWith(t, fake, Options{MaxOutboxAge: 50 * time.Millisecond, MinBackoff: time.Hour})
	reg := prometheus.NewRegistry()
	if err := d.EnableMetrics(reg); err != nil {
		t.Fatal(err)
	}
	runDesk(t, d)
	if err := d.Handle(context.Background(), Inbound{Key: "fake:w:1", Chat: flows.Chat{Channel: "fake", ID: "950"}, Private: true,
		Input: flows.Input{Kind: flows.InputCommand, Command: "start"}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Ready(); err != nil {
		t.Fatalf("ready with a fresh outbox: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for d.Ready() == nil && time.Now().Before(deadline) {
		<-time.After(10 * time.Millisecond)
	}
	if err := d.Ready(); err == nil || !strings.Contains(err.Error(), "fake: the oldest message has waited") {
		t.Errorf("Ready = %v, want the outbox's age", err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var age float64
	for _, f := range families {
		if f.GetName() == "aduan_outbox_oldest_seconds" {
			age = f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if age <= 0 {
		t.Errorf("aduan_outbox_oldest_seconds = %v", age)
	}
}
