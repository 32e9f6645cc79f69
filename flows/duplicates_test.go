package flows

import (
	"math"
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	a := Location{Lat: -7.7056, Lon: 110.6063, HasPoint: true}
	b := Location{Lat: -7.7056, Lon: 110.6072, HasPoint: true} // about 99 m east
	if d := Distance(a, b); math.Abs(d-99) > 2 {
		t.Errorf("distance %.1f m, want about 99", d)
	}
	cfg := mustConfig(t)
	cfg.DuplicateRadius = 100
	far := Location{Lat: -7.7066, Lon: 110.6063, HasPoint: true} // about 111 m south
	if !cfg.Near(a, b) || cfg.Near(a, far) || cfg.Near(a, Location{Text: "Jl. Pemuda"}) {
		t.Errorf("Near: %v %v", cfg.Near(a, b), cfg.Near(a, far))
	}
}

// A new complaint near an open one of the same category: the citizen is
// told before sending, the admins see "mungkin sama dengan".
func TestPossibleDuplicate(t *testing.T) {
	cfg := mustConfig(t)
	cfg.DuplicateRadius = 100
	old := *mustComplaint(t, StatusInProgress)
	old.Location = Location{Lat: -7.7056, Lon: 110.6063, HasPoint: true}
	here := Location{Lat: -7.7057, Lon: 110.6064, HasPoint: true}
	conv := Conversation{Chat: Chat{Channel: "telegram", ID: "2002"}, Updated: now, State: StatePhoto,
		Draft: Draft{Category: "jalan", Description: goodDesc, Location: &here, Photos: []string{"p"}}}
	env := Env{Now: now, NextTicket: "ADU-2026-000008", Nearby: []Complaint{old}}
	out := Step(cfg, conv, txt("lanjut"), env)
	if got := textsTo(out, conv.Chat); !strings.Contains(got, "Masalah serupa di dekat lokasi ini sedang ditangani (ADU-2026-000007)") {
		t.Errorf("summary: %q", got)
	}
	out = Step(cfg, out.Conversation, choose(choiceSend), env)
	post := relayedText(out)
	if !strings.Contains(post, "🔁 Mungkin sama dengan ADU-2026-000007 (lokasi") {
		t.Errorf("post: %q", post)
	}
	// With the console's public address, the post links to the older one.
	cfg.ConsoleURL = "https://aduan.klatenkab.go.id/"
	out = Step(cfg, conv, txt("lanjut"), env)
	out = Step(cfg, out.Conversation, choose(choiceSend), env)
	if post := relayedText(out); !strings.Contains(post, "🔁 Mungkin sama dengan ADU-2026-000007 (https://aduan.klatenkab.go.id/konsol/aduan/ADU-2026-000007)") {
		t.Errorf("post with the console's address: %q", post)
	}
	cfg.ConsoleURL = ""
	// Another category, or an answered-and-closed one, is no duplicate.
	other := old
	other.Category = "sekolah"
	env.Nearby = []Complaint{other}
	conv.State = StatePhoto
	if got := textsTo(Step(cfg, conv, txt("lanjut"), env), conv.Chat); strings.Contains(got, "serupa") {
		t.Errorf("another category flagged: %q", got)
	}
}

// /gabung merges the newer complaint into the older: its citizen is told,
// and gets the older one's answers from then on.
func TestMerge(t *testing.T) {
	cfg := mustConfig(t)
	older := *mustComplaint(t, StatusInProgress)
	newer := *mustComplaint(t, StatusNew)
	newer.Ticket, newer.Citizen = "ADU-2026-000008", Chat{Channel: "whatsapp", ID: "123@lid"}
	in := AdminInput{Chat: dpuChat, UserID: "9", UserName: "Sari", Text: "/gabung ADU-2026-000007", ReplyTicket: newer.Ticket, ReplyRelay: true}
	if got := AdminTicket(cfg, in); got != newer.Ticket {
		t.Fatalf("AdminTicket = %q, want the replied post's", got)
	}
	if got := MergeTarget(cfg, in); got != older.Ticket {
		t.Fatalf("MergeTarget = %q", got)
	}
	in.Target = &older
	out := Admin(cfg, in, &newer, now)
	if len(out.Complaints) != 2 {
		t.Fatalf("changed %d complaints, want both", len(out.Complaints))
	}
	merged, target := out.Complaints[0], out.Complaints[1]
	if merged.Status != StatusMerged || merged.MergedInto != older.Ticket || len(target.Followers) != 1 || target.Followers[0].Chat != newer.Citizen {
		t.Fatalf("merge: %+v / %+v", merged, target)
	}
	if got := textsTo(out, newer.Citizen); !strings.Contains(got, "digabung dengan ADU-2026-000007") {
		t.Errorf("the newer citizen: %q", got)
	}
	// An answer to the older complaint reaches both citizens.
	reply := Admin(cfg, AdminInput{Chat: dpuChat, UserID: "9", Text: "Besok ditambal.", ReplyTicket: target.Ticket, ReplyRelay: true}, &target, now)
	if !strings.Contains(textsTo(reply, older.Citizen), "Besok ditambal.") || !strings.Contains(textsTo(reply, newer.Citizen), "ADU-2026-000007 (ADU-2026-000008)") {
		t.Errorf("answer: to the first %q, to the follower %q", textsTo(reply, older.Citizen), textsTo(reply, newer.Citizen))
	}
	// /selesai asks only the older complaint's citizen for the rating.
	done := Admin(cfg, AdminInput{Chat: dpuChat, UserID: "9", Text: "/selesai", ReplyTicket: target.Ticket, ReplyRelay: true}, &target, now)
	for _, m := range done.Messages {
		if m.To == newer.Citizen && len(m.Choices) > 0 {
			t.Errorf("the follower is asked to rate")
		}
		if m.To == older.Citizen && len(m.Choices) != 6 {
			t.Errorf("the citizen is not asked to rate: %+v", m)
		}
	}
	// Refusals.
	for _, tt := range []struct {
		target *Complaint
		want   string
	}{
		{nil, "Sertakan aduan tujuan"},
		{&newer, "dengan dirinya sendiri"},
		{func() *Complaint { c := older; c.Status = StatusResolved; return &c }(), "sudah berstatus selesai"},
	} {
		in.Target = tt.target
		o := Admin(cfg, in, &newer, now)
		if len(o.Complaints) != 0 || !strings.Contains(o.Messages[0].Text, tt.want) {
			t.Errorf("merge into %v: %+v", tt.target, o.Messages)
		}
	}
}
