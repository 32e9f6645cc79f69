package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"aduan/flows"
	"aduan/store"
)

// journalChannel is a channel whose messages are written in the producing
// transaction.
type journalChannel struct {
	mu       sync.Mutex
	recorded []string // texts, in order
	notified int
	fail     error
}

func (j *journalChannel) Name() string { return "book" }

func (j *journalChannel) Send(context.Context, *Delivery) error {
	return errors.New("a journal's messages never reach the outbox")
}

func (j *journalChannel) Record(tx *store.Tx, m flows.Message) error {
	if j.fail != nil {
		return j.fail
	}
	_, err := tx.AppendChat(m.To, []byte(m.Text))
	return err
}

func (j *journalChannel) Notify(flows.Chat) {
	j.mu.Lock()
	j.notified++
	j.mu.Unlock()
}

func TestJournalTakesMessagesInTheSameTransaction(t *testing.T) {
	admins := newFake()
	d, st := mustDesk(t, admins)
	book := &journalChannel{}
	d.AddChannel(book)
	chat := flows.Chat{Channel: "book", ID: "w1"}
	for i, in := range conversation {
		if err := d.Handle(context.Background(), Inbound{Key: "book:" + string(rune('a'+i)), Chat: chat, Private: true, Input: in}); err != nil {
			t.Fatal(err)
		}
	}
	var texts []string
	st.View(func(tx *store.Tx) error {
		_, entries := tx.ChatLog(chat, 0, 100)
		for _, e := range entries {
			texts = append(texts, string(e))
		}
		return nil
	})
	if len(texts) != len(conversation) || !strings.Contains(texts[len(texts)-1], "ADU-") {
		t.Errorf("the citizen's transcript: %q", texts)
	}
	if n, _ := d.OutboxLen(); n != 1 {
		t.Errorf("outbox holds %d messages, want only the post to the admins", n)
	}
	if book.notified != len(conversation) {
		t.Errorf("notified %d times, want once per answer", book.notified)
	}

	// When the journal cannot write, nothing of the message is stored.
	book.fail = errors.New("disk full")
	err := d.Handle(context.Background(), Inbound{Key: "book:z", Chat: chat, Private: true, Input: flows.Input{Kind: flows.InputText, Text: "status"}})
	if err == nil {
		t.Fatal("a failed journal write was not reported")
	}
	book.fail = nil
	if err := d.Handle(context.Background(), Inbound{Key: "book:z", Chat: chat, Private: true, Input: flows.Input{Kind: flows.InputText, Text: "status"}}); err != nil {
		t.Fatal(err)
	}
	st.View(func(tx *store.Tx) error {
		if _, entries := tx.ChatLog(chat, 0, 100); len(entries) != len(conversation)+1 {
			t.Errorf("after a failed and a retried message: %d entries, want %d (the retry was taken)", len(entries), len(conversation)+1)
		}
		return nil
	})
}
