package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"

	"aduan/flows"
)

// Complaints are stored compressed against the dictionary and read back
// whole; ones written before (plain JSON, S2 without a dictionary) are
// still read.
func TestCompressedValues(t *testing.T) {
	s := mustOpenTemp(t)
	c := flows.Complaint{Ticket: "ADU-2026-000001", Status: flows.StatusNew, Description: strings.Repeat("Atap kelas bocor. ", 30)}
	old := flows.Complaint{Ticket: "ADU-2026-000002", Status: flows.StatusNew, Description: strings.Repeat("Jalan rusak. ", 30)}
	older := flows.Complaint{Ticket: "ADU-2026-000004", Status: flows.StatusNew, Description: strings.Repeat("Lampu mati. ", 30)}
	mustUpdate(t, s, func(tx *Tx) error {
		for _, x := range []flows.Complaint{c, old, older} {
			if err := tx.PutComplaint(x); err != nil {
				return err
			}
		}
		raw, _ := json.Marshal(old)
		if err := tx.tx.Bucket(bucketComplaints).Put([]byte(old.Ticket), raw); err != nil {
			return err
		}
		raw, _ = json.Marshal(older)
		return tx.tx.Bucket(bucketComplaints).Put([]byte(older.Ticket), append([]byte{s2Mark}, s2.Encode(nil, raw)...))
	})
	mustView(t, s, func(tx *Tx) error {
		v := tx.tx.Bucket(bucketComplaints).Get([]byte(c.Ticket))
		if v[0] != s2DictMark || len(v) > 120 {
			t.Errorf("stored as %d bytes starting %q; want compressed", len(v), v[0])
		}
		for _, want := range []flows.Complaint{c, old, older} {
			got, err := tx.Complaint(want.Ticket)
			if err != nil || got == nil || got.Description != want.Description {
				t.Errorf("%s read back as %+v, %v", want.Ticket, got, err)
			}
		}
		n := 0
		if err := tx.EachComplaint(false, func(*flows.Complaint) bool { n++; return true }); err != nil || n != 3 {
			t.Errorf("EachComplaint read %d, %v", n, err)
		}
		return nil
	})
	// A value that says it is compressed but is not is an error, not a
	// crash.
	for _, mark := range []byte{s2Mark, s2DictMark} {
		mustUpdate(t, s, func(tx *Tx) error {
			return tx.tx.Bucket(bucketComplaints).Put([]byte("ADU-2026-000003"), []byte{mark, 0xff, 0xff, 0xff})
		})
		mustView(t, s, func(tx *Tx) error {
			if _, err := tx.Complaint("ADU-2026-000003"); err == nil {
				t.Errorf("a broken compressed value (mark %d) was read without error", mark)
			}
			return nil
		})
	}
}

// Values written against dictionary 1 stay readable: the dictionary is
// the one they were written with (its hash), and these values, written
// when it was made, read back. A change to valueDict1 would break every
// store that holds such values.
func TestDictionaryUnchanged(t *testing.T) {
	if sum := fmt.Sprintf("%x", sha256.Sum256([]byte(valueDict1))); sum != "4fab9a10f8c4cb09ccc4ec0e22fa320c126fc98667d16b06952e74e9242cd35d" {
		t.Errorf("dictionary 1 changed (sha256 %s): values stored with it no longer read; add a new dictionary with its own mark instead", sum)
	}
	for _, g := range []struct{ stored, want string }{
		{"02746a5100203132333435363738398a51000c5361726901550100403a225375646168206b616d692063656b2c81f911000c682e227d",
			`{"at":"2026-11-29T09:00:00.123456789+07:00","kind":"balasan","author":"Sari","text":"Sudah kami cek, terima kasih."}`},
		{"0288075a6e01083132335e71014a17042c31323334353637383930227d15364c5f6e616d65223a225761726761204b6c6174656e361704106a616c616e2e1c04106470757072422104104a616c616ead300464692e7505002c3660052464697065726261696b6991541500321450656d756461365a040c33663261325e0431bc002c7a10033520359b3a10033acb014630004a87041031322d303135ff005a3a9604623304826b0091d01500431430303030303156ad048290004acb04363400005a99a23eda043629004a580120726174696e67223a3446f8049a3c00bd162ee0072ee2040035150c645f73756d223a323734303633393739363334353631363937347d",
			`{"ticket":"ADU-2026-000123","citizen":{"channel":"whatsapp","id":"6281234567890"},"citizen_name":"Warga Klaten","category":"jalan","office":"dpupr","description":"Jalan rusak di depan rumah, mohon segera diperbaiki","location":{"lat":-7.7,"lon":110.6,"has_point":true,"text":"Jl. Pemuda"},"photos":["3f2a"],"status":"selesai","created":"2026-11-29T09:00:00.123456789+07:00","updated":"2026-11-29T09:00:00.123456789+07:00","followup_at":"2026-12-01T09:00:00Z","pending":1,"first_response_at":"2026-11-29T09:00:00.123456789+07:00","alerted":1,"urgent":true,"confidential":true,"erased":true,"merged_into":"ADU-2026-000001","resolved_at":"2026-11-29T09:00:00.123456789+07:00","reopened_at":"2026-11-29T09:00:00Z","rating_asked_at":"2026-11-29T09:00:00.123456789+07:00","rating":4,"rated_at":"2026-11-29T09:00:00.123456789+07:00","rating_comment":"terima kasih","entries":5,"entries_sum":2740639796345616974}`},
		{"02ae014e53047dda10616263227d955200570d8dc2570410303031222c32cf0110303032225d4218023ad300403132333435363738392b30373a3030227d",
			`{"chat":{"channel":"web","id":"abc"},"name":"Warga","state":"idle","draft":{},"tickets":["ADU-2026-000001","ADU-2026-000002"],"updated":"2026-11-29T09:00:00.123456789+07:00"}`},
		{"025e665100005a194282c5007157042028a9251c626572657329227d",
			`{"at":"2026-11-29T09:00:00Z","kind":"status","author":"warga","text":"diproses (belum beres)"}`},
	} {
		stored, _ := hex.DecodeString(g.stored)
		got, err := decodeValue(stored)
		if err != nil || string(got) != g.want {
			t.Errorf("a value of dictionary 1 reads %q (%v), want %q", got, err, g.want)
		}
		if again := encodeValue(bucketEntries, []byte(g.want)); len(again) >= len(g.want)/2 {
			t.Errorf("a value of %d bytes stored as %d", len(g.want), len(again))
		}
	}
}
