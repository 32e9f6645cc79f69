package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"aduan/flows"
)

// At info level and above the logs name no citizen: not their chat (a
// phone number on WhatsApp), not their name, not their words. An admin
// chat keeps its id, which the operator needs.
func TestLogsHoldNoPersonalData(t *testing.T) {
	ch := newFake()
	var fails atomic.Int64
	ch.fail = func(m flows.Message) error {
		if m.To.ID != "628123456789" {
			return nil
		}
		switch fails.Add(1) {
		case 1:
			return errors.New("connection reset by 628123456789")
		case 2:
			return &RetryAfterError{After: time.Millisecond}
		default:
			return &PermanentError{Reason: ReasonBlocked, Err: errors.New("Forbidden: bot was blocked by the user")}
		}
	}
	var logs safeBuffer
	d, _ := mustDeskWith(t, ch, Options{MinBackoff: time.Microsecond, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	runDesk(t, d)
	chat := flows.Chat{Channel: "fake", ID: "628123456789"}
	for i, in := range conversation {
		in.Name = "Sutinah Rahayu"
		if err := d.Handle(context.Background(), Inbound{Key: fmt.Sprintf("k%d", i), Chat: chat, UserID: "628123456789", Private: true, Input: in}); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, func() bool { n, _ := d.OutboxLen(); return n == 0 && strings.Contains(logs.String(), "undeliverable") })
	out := logs.String()
	for _, personal := range []string{"628123456789", "Sutinah", "Atap kelas 3", "Jl. Pemuda"} {
		if strings.Contains(out, personal) {
			t.Errorf("the logs hold %q:\n%s", personal, out)
		}
	}
	pseudonym := d.LogChat(chat)
	if !strings.HasPrefix(pseudonym, "fake:~") || !strings.Contains(out, `"chat":"`+pseudonym+`"`) {
		t.Errorf("the citizen's chat is not followed by its pseudonym %q:\n%s", pseudonym, out)
	}
	if !strings.Contains(out, "complaint stored") {
		t.Errorf("the complaint was not logged:\n%s", out)
	}
	if got := d.LogChat(flows.Chat{Channel: "fake", ID: "-1"}); got != "fake:-1" {
		t.Errorf("an admin chat is logged as %q, want its id", got)
	}
	// Another run keys its pseudonyms anew.
	d2, _ := mustDesk(t, newFake())
	if d2.LogChat(chat) == pseudonym {
		t.Error("the pseudonym is the same in another run")
	}
}
