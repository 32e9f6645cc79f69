package store

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/s2"
)

// Complaints, their thread entries and conversations are kept compressed
// with S2, a fast block compression, against a dictionary of what such
// JSON values share (field names, statuses, times, tickets): a value of a
// hundred bytes has little to compress on its own, but most of it is in
// the dictionary. A value starts with a mark byte: s2DictMark for S2
// against dictionary 1, s2Mark for S2 without a dictionary (written by
// earlier versions); a value that starts with '{' is plain JSON and read
// as it is.
const (
	s2Mark     = 0x01
	s2DictMark = 0x02
)

// compressAbove is the size from which a value is compressed.
const compressAbove = 24

// valueDict1 is dictionary 1. Values written with it can only be read
// with it: never change it. A better dictionary is added with its own
// mark byte, and this one kept for reading.
const valueDict1 = ` yang di dan untuk dengan sudah belum tidak sejak depan rumah desa kecamatan Klaten ` +
	`mohon segera terima kasih rusak jalan lampu sampah air banjir warga bapak ibu ` +
	`{"chat":{"channel":"telegram","id":"","name":"","state":"idle","draft":{},"tickets":["ADU-2026-000` +
	`{"channel":"whatsapp","id":"628{"channel":"web","id":"` +
	`","citizen_name":"","category":"","office":"","description":"` +
	`","location":{"lat":-7.7,"lon":110.6,"has_point":true,"text":"Jl. "},"photos":["` +
	`"],"status":"baru","status":"diproses","status":"ditolak","status":"selesai",` +
	`"followup_at":"2026-","pending":1,"alerted":1,"urgent":true,"confidential":true,"erased":true,"merged_into":"ADU-2026-","followers":[` +
	`"first_response_at":"2026-","resolved_at":"2026-","reopened_at":"2026-","rating_asked_at":"2026-","rating":5,"rated_at":"2026-","rating_comment":"` +
	`"created":"2026-11-29T09:00:00.000000000+07:00","updated":"2026-","entries":3,"entries_sum":` +
	`{"ticket":"ADU-2026-000","citizen":{"channel":"telegram","id":"` +
	`{"at":"2026-","kind":"teruskan","text":"{"at":"2026-","kind":"catatan","text":"{"at":"2026-","kind":"nilai","text":"5/5"}` +
	`{"at":"2026-","kind":"status","author":"warga","text":"selesai"}{"at":"2026-","kind":"warga","text":"` +
	`{"at":"2026-11-29T09:00:00.000000000+07:00","kind":"balasan","author":"","text":"`

var dict1 = s2.MakeDict([]byte(valueDict1), []byte(`{"`))

// compressed reports whether a bucket's values are compressed.
func compressed(bucket []byte) bool {
	return bytes.Equal(bucket, bucketComplaints) || bytes.Equal(bucket, bucketConversations) || bytes.Equal(bucket, bucketEntries)
}

func encodeValue(bucket, data []byte) []byte {
	if !compressed(bucket) || len(data) <= compressAbove {
		return data
	}
	out := make([]byte, 1, 1+s2.MaxEncodedLen(len(data)))
	out[0] = s2DictMark
	out = append(out, dict1.Encode(out[1:cap(out)], data)...)
	if len(out) >= len(data) {
		return data
	}
	return out
}

func decodeValue(data []byte) ([]byte, error) { return decodeValueTo(nil, data) }

// wasCompressed reports whether a stored value is compressed (decoding it
// makes a copy).
func wasCompressed(v []byte) bool { return len(v) > 0 && (v[0] == s2Mark || v[0] == s2DictMark) }

// decodeValueTo is decodeValue into dst when it is large enough (a scan
// reuses one buffer); an uncompressed value is returned as it is.
func decodeValueTo(dst, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return data, nil
	}
	var out []byte
	var err error
	switch data[0] {
	case s2Mark:
		out, err = s2.Decode(dst, data[1:])
	case s2DictMark:
		out, err = dict1.Decode(dst, data[1:])
	default:
		return data, nil
	}
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return out, nil
}
