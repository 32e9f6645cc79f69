package telegram

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"aduan/flows"
)

func mustUpdate(t testing.TB, raw string) *models.Update {
	t.Helper()
	var u models.Update
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return &u
}

const (
	private = `"chat":{"id":5001,"type":"private"},"from":{"id":5001,"is_bot":false,"first_name":"Budi","last_name":"S"}`
	group   = `"chat":{"id":-100,"type":"supergroup","title":"Admin"},"from":{"id":7,"is_bot":false,"first_name":"Sari"}`
)

var me = models.User{ID: 123456, IsBot: true, FirstName: "Aduan", Username: "aduan_bot"}

func TestConvert(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		ok      bool
		want    flows.Input
		private bool
		replyTo string
		photo   string
	}{
		{"text", `{"update_id":1,"message":{"message_id":10,"date":1,` + private + `,"text":"Jalan <b>rusak</b>"}}`, true,
			flows.Input{Kind: flows.InputText, Text: "Jalan <b>rusak</b>", Name: "Budi S"}, true, "", ""},
		{"command with bot name", `{"update_id":2,"message":{"message_id":11,"date":1,` + private + `,"text":"/batal@aduan_bot"}}`, true,
			flows.Input{Kind: flows.InputCommand, Command: "batal", Name: "Budi S"}, true, "", ""},
		{"location", `{"update_id":3,"message":{"message_id":12,"date":1,` + private + `,"location":{"latitude":-7.7,"longitude":110.6}}}`, true,
			flows.Input{Kind: flows.InputLocation, Location: flows.Location{Lat: -7.7, Lon: 110.6, HasPoint: true}, Name: "Budi S"}, true, "", ""},
		{"venue", `{"update_id":3,"message":{"message_id":12,"date":1,` + private + `,"location":{"latitude":-7.7,"longitude":110.6},"venue":{"location":{"latitude":-7.7,"longitude":110.6},"title":"Pasar Klaten","address":"Jl. Pemuda"}}}`, true,
			flows.Input{Kind: flows.InputLocation, Location: flows.Location{Lat: -7.7, Lon: 110.6, HasPoint: true, Text: "Pasar Klaten, Jl. Pemuda"}, Name: "Budi S"}, true, "", ""},
		{"photo takes the largest", `{"update_id":4,"message":{"message_id":13,"date":1,` + private + `,"media_group_id":"g1","caption":"ini","photo":[{"file_id":"s","file_unique_id":"us","width":90,"height":90},{"file_id":"b","file_unique_id":"ub","width":1280,"height":960},{"file_id":"m","file_unique_id":"um","width":320,"height":320}]}}`, true,
			flows.Input{Kind: flows.InputPhoto, Text: "ini", Group: "g1", Name: "Budi S"}, true, "", "b"},
		{"photo too large", `{"update_id":4,"message":{"message_id":13,"date":1,` + private + `,"photo":[{"file_id":"b","file_unique_id":"ub","width":1280,"height":960,"file_size":30000000}]}}`, true,
			flows.Input{Kind: flows.InputOther, Other: flows.OtherTooLarge, Name: "Budi S"}, true, "", ""},
		{"sticker", `{"update_id":5,"message":{"message_id":14,"date":1,` + private + `,"sticker":{"file_id":"x","file_unique_id":"u","type":"regular","width":1,"height":1,"is_animated":false,"is_video":false}}}`, true,
			flows.Input{Kind: flows.InputOther, Other: flows.OtherSticker, Name: "Budi S"}, true, "", ""},
		{"voice", `{"update_id":6,"message":{"message_id":15,"date":1,` + private + `,"voice":{"file_id":"x","file_unique_id":"u","duration":3}}}`, true,
			flows.Input{Kind: flows.InputOther, Other: flows.OtherVoice, Name: "Budi S"}, true, "", ""},
		{"document", `{"update_id":7,"message":{"message_id":16,"date":1,` + private + `,"document":{"file_id":"x","file_unique_id":"u"}}}`, true,
			flows.Input{Kind: flows.InputOther, Other: flows.OtherDocument, Name: "Budi S"}, true, "", ""},
		{"edited", `{"update_id":8,"edited_message":{"message_id":17,"date":1,"edit_date":2,` + private + `,"text":"ubah"}}`, true,
			flows.Input{Kind: flows.InputOther, Other: flows.OtherEdited, Name: "Budi S"}, true, "", ""},
		{"admin reply", `{"update_id":9,"message":{"message_id":18,"date":1,` + group + `,"text":"/selesai beres","reply_to_message":{"message_id":99,"date":1,"chat":{"id":-100,"type":"supergroup"}}}}`, true,
			flows.Input{Kind: flows.InputCommand, Command: "selesai", Text: "beres", Name: "Sari"}, false, "99", ""},
		{"button", `{"update_id":10,"callback_query":{"id":"q1","chat_instance":"c","data":"cat:jalan","from":{"id":5001,"is_bot":false,"first_name":"Budi"},"message":{"message_id":20,"date":1,"chat":{"id":5001,"type":"private"},"text":"x"}}}`, true,
			flows.Input{Kind: flows.InputChoice, Choice: "cat:jalan", Name: "Budi"}, true, "", ""},
		{"button on old message", `{"update_id":11,"callback_query":{"id":"q2","chat_instance":"c","data":"ok:kirim","from":{"id":5001,"is_bot":false,"first_name":"Budi"},"message":{"message_id":20,"date":0,"chat":{"id":5001,"type":"private"}}}}`, true,
			flows.Input{Kind: flows.InputChoice, Choice: "ok:kirim", Name: "Budi"}, true, "", ""},
		{"command for another bot ignored", `{"update_id":13,"message":{"message_id":21,"date":1,` + group + `,"text":"/selesai@other_bot beres"}}`, false,
			flows.Input{}, false, "", ""},
		{"command for this bot, any case", `{"update_id":14,"message":{"message_id":22,"date":1,` + group + `,"text":"/selesai@Aduan_Bot beres"}}`, true,
			flows.Input{Kind: flows.InputCommand, Command: "selesai", Text: "beres", Name: "Sari"}, false, "", ""},
		{"image sent as a file is a photo", `{"update_id":15,"message":{"message_id":23,"date":1,` + private + `,"caption":"foto","document":{"file_id":"doc1","file_unique_id":"u","mime_type":"image/jpeg","file_size":1000}}}`, true,
			flows.Input{Kind: flows.InputPhoto, Text: "foto", Name: "Budi S"}, true, "", "doc1"},
		{"member update ignored", `{"update_id":12,"my_chat_member":{"chat":{"id":-100,"type":"supergroup"},"from":{"id":7,"is_bot":false,"first_name":"S"},"date":1,"old_chat_member":{"status":"left","user":{"id":1,"is_bot":true,"first_name":"b"}},"new_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"b"}}}}`, false,
			flows.Input{}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := convert(mustUpdate(t, tt.raw), me)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			got := c.in.Input
			if got.Kind != tt.want.Kind || got.Text != tt.want.Text || got.Command != tt.want.Command || got.Choice != tt.want.Choice ||
				got.Location != tt.want.Location || got.Other != tt.want.Other || got.Group != tt.want.Group || got.Name != tt.want.Name {
				t.Errorf("input = %+v\nwant    %+v", got, tt.want)
			}
			if c.in.Private != tt.private || c.in.ReplyToID != tt.replyTo {
				t.Errorf("private %v reply %q, want %v %q", c.in.Private, c.in.ReplyToID, tt.private, tt.replyTo)
			}
			if (c.file == nil) != (tt.photo == "") || (c.file != nil && c.file.id != tt.photo) {
				t.Errorf("photo to fetch = %+v, want %q", c.file, tt.photo)
			}
			if !strings.HasPrefix(c.in.Key, "telegram:update:") {
				t.Errorf("key = %q", c.in.Key)
			}
		})
	}
}

func TestMarkup(t *testing.T) {
	inline := markup(flows.Message{Choices: []flows.Choice{{ID: "a", Label: "A"}, {ID: "b", Label: "B"}}})
	if m, ok := inline.(*models.InlineKeyboardMarkup); !ok || len(m.InlineKeyboard) != 2 || m.InlineKeyboard[1][0].CallbackData != "b" {
		t.Errorf("choices → %#v", inline)
	}
	// Choices that must also remove a reply keyboard replace it instead.
	keys := markup(flows.Message{Choices: []flows.Choice{{ID: "a", Label: "✅ Kirim"}, {ID: "b", Label: "❌ Batal"}}, Keyboard: flows.KeyboardClear})
	if m, ok := keys.(*models.ReplyKeyboardMarkup); !ok || len(m.Keyboard) != 2 || m.Keyboard[0][0].Text != "✅ Kirim" || m.Keyboard[0][0].RequestLocation {
		t.Errorf("choices with clear → %#v", keys)
	}
	loc := markup(flows.Message{Keyboard: flows.KeyboardLocation, Quick: []string{"📍 Kirim lokasi", "lewati"}})
	if m, ok := loc.(*models.ReplyKeyboardMarkup); !ok || !m.Keyboard[0][0].RequestLocation || m.Keyboard[1][0].RequestLocation || !m.OneTimeKeyboard {
		t.Errorf("location → %#v", loc)
	}
	if m, ok := markup(flows.Message{Keyboard: flows.KeyboardClear}).(*models.ReplyKeyboardRemove); !ok || !m.RemoveKeyboard {
		t.Errorf("clear → %#v", m)
	}
	if m := markup(flows.Message{}); m != nil {
		t.Errorf("plain → %#v", m)
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		parts int
	}{
		{"short", "halo", 10, 1},
		{"empty", "", 10, 1},
		{"lines", "aaaa\nbbbb\ncccc", 10, 2},
		{"no breaks", strings.Repeat("x", 25), 10, 3},
		{"emoji count double", strings.Repeat("😀", 6), 10, 2},
	}
	for _, tt := range tests {
		parts := splitText(tt.text, tt.limit)
		if len(parts) != tt.parts {
			t.Errorf("%s: %d parts %q, want %d", tt.name, len(parts), parts, tt.parts)
		}
		for _, p := range parts {
			if utf16Len(p) > tt.limit || !utf8.ValidString(p) {
				t.Errorf("%s: part %q over the limit or broken", tt.name, p)
			}
		}
	}
}

// FuzzConvert feeds arbitrary JSON updates through decoding and
// conversion: nothing may panic, and what comes out is well formed.
func FuzzConvert(f *testing.F) {
	f.Add(`{"update_id":1,"message":{"message_id":10,"date":1,` + private + `,"text":"/start"}}`)
	f.Add(`{"update_id":4,"message":{"message_id":13,"date":1,` + private + `,"photo":[]}}`)
	f.Add(`{"update_id":10,"callback_query":{"id":"q1","data":"x","from":{"id":1},"message":{"message_id":0,"date":0,"chat":{"id":1,"type":"private"}}}}`)
	f.Add(`{"update_id":8,"edited_message":{"message_id":17,"chat":{"id":-1,"type":"group"}}}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var u models.Update
		if json.Unmarshal([]byte(raw), &u) != nil {
			peekChat([]byte(raw)) // what the library cannot decode is read by hand
			return
		}
		c, ok := convert(&u, me)
		if !ok {
			return
		}
		if c.in.Chat.Channel != ChannelName || c.in.Chat.ID == "" || (c.in.Input.Kind == "") == c.in.MovedTo.IsZero() {
			t.Fatalf("bad conversion %+v", c.in)
		}
		if c.file != nil && c.in.Input.Kind != flows.InputPhoto {
			t.Fatalf("photo to fetch for a %s", c.in.Input.Kind)
		}
	})
}

func FuzzSplitText(f *testing.F) {
	f.Add("aaaa\nbbbb cccc", 5)
	f.Add("😀😀😀", 3)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if limit < 2 || limit > 5000 || !utf8.ValidString(text) {
			return
		}
		parts := splitText(text, limit)
		for _, p := range parts {
			if utf16Len(p) > limit {
				t.Fatalf("part %q over %d", p, limit)
			}
		}
		if strings.Join(strings.Fields(strings.Join(parts, " ")), "") != strings.Join(strings.Fields(text), "") {
			t.Fatalf("text changed by splitting: %q → %q", text, parts)
		}
	})
}

// BenchmarkSplitText splits a long text; the time per byte stays flat as
// the text grows (linear work).
func BenchmarkSplitText(b *testing.B) {
	for _, size := range []int{10_000, 100_000, 1_000_000} {
		text := strings.Repeat("Jalan rusak parah di depan pasar. ", size/34)
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for range b.N {
				splitText(text, maxText)
			}
		})
	}
}

// Per-chat limiters do not pile up with every chat ever seen; a limiter
// in use is never replaced by a fresh one; the file id cache is bounded.
func TestMemoryBounded(t *testing.T) {
	tg, err := New(Config{Token: "1:x", APIURL: "http://127.0.0.1:1"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Handed out to a send that has not taken its token yet.
	group := tg.chatLimiter(-5)
	for i := range 20000 {
		tg.chatLimiter(int64(i + 1))
		tg.fileIDs.Add(strconv.Itoa(i), "file")
	}
	if n := tg.fileIDs.Len(); n > fileIDCacheSize {
		t.Errorf("file id cache holds %d", n)
	}
	// A minute later those chats are idle; the next sweep drops them.
	for id, c := range tg.chats {
		if id > 0 {
			c.used = c.used.Add(-2 * idleLimiter)
		}
	}
	tg.sweepAt = 0
	tg.ReadyIn(MakeChat(99999))
	if n := len(tg.chats); n > 2 {
		t.Errorf("%d chat limiters kept after 20,000 chats went idle", n)
	}
	if tg.chatLimiter(-5) != group {
		t.Errorf("the group's limiter, just used, was replaced by a fresh one")
	}
}
