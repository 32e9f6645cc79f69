package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"time"

	"aduan/flows"
)

// bucketStats keeps one small binary statistics record per complaint
// (flows.StatRecord), written with the complaint, so statistics over a
// year of complaints read a few bytes each, not whole complaints.
var bucketStats = []byte("stats")

// metaStats records that every complaint has its record (a store from
// before gets them built once, at open).
const metaStats = "index:stats"

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.Unix())
}

func encodeStat(r flows.StatRecord) []byte {
	b := make([]byte, 0, 64)
	b = appendString(b, r.Office)
	b = appendString(b, r.Category)
	b = appendString(b, string(r.Status))
	b = appendTime(b, r.Created)
	b = appendTime(b, r.FirstResponseAt)
	b = appendTime(b, r.ResolvedAt)
	return binary.AppendUvarint(b, uint64(r.Rating))
}

var errBadStat = errors.New("bad statistics record")

// statReader decodes a record field by field. Offices, categories and
// statuses are few: intern keeps one copy of each.
type statReader struct {
	b      []byte
	err    error
	intern map[string]string
}

func (r *statReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadStat
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *statReader) string() string {
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errBadStat
		return ""
	}
	raw := r.b[:n]
	r.b = r.b[n:]
	if s, ok := r.intern[string(raw)]; ok { // no allocation for the lookup
		return s
	}
	s := string(raw)
	if r.intern != nil {
		r.intern[s] = s
	}
	return s
}

func (r *statReader) time() time.Time {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadStat
		return time.Time{}
	}
	r.b = r.b[n:]
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(v, 0)
}

func decodeStat(ticket string, b []byte, intern map[string]string) (flows.StatRecord, error) {
	r := &statReader{b: b, intern: intern}
	rec := flows.StatRecord{Ticket: ticket, Office: r.string(), Category: r.string(), Status: flows.Status(r.string()),
		Created: r.time(), FirstResponseAt: r.time(), ResolvedAt: r.time()}
	rec.Rating = int(r.uvarint())
	if r.err != nil {
		return rec, fmt.Errorf("statistics record %s: %w", ticket, r.err)
	}
	return rec, nil
}

func (t *Tx) putStat(c flows.Complaint) error {
	return t.bucket(bucketStats).Put([]byte(c.Ticket), encodeStat(c.StatRecord()))
}

// Stats returns the complaints' statistics records as a sequence, read
// within the transaction; a record that cannot be read ends it, and err
// then says why.
func (t *Tx) Stats(err *error) iter.Seq[flows.StatRecord] {
	return func(yield func(flows.StatRecord) bool) {
		*err = t.EachStat(false, yield)
	}
}

// EachStat calls fn with each complaint's statistics record, oldest
// ticket first (newest first when newest is set), until it returns false.
func (t *Tx) EachStat(newest bool, fn func(r flows.StatRecord) bool) error {
	c := t.tx.Bucket(bucketStats).Cursor()
	first, next := c.First, c.Next
	if newest {
		first, next = c.Last, c.Prev
	}
	intern := map[string]string{}
	for k, v := first(); k != nil; k, v = next() {
		r, err := decodeStat(string(k), v, intern)
		if err != nil {
			return err
		}
		if !fn(r) {
			return nil
		}
	}
	return nil
}

// indexStats builds the records of a store from before them, once.
func (t *Tx) indexStats() error { return t.indexOnce(metaStats, t.putStat) }
