package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"

	"aduan/flows"
)

// A complaint's thread is kept an entry per key in bucketEntries, so that
// adding an entry writes that entry and not the whole thread again. The
// key is the ticket, a zero byte and the entry's index (4 bytes,
// big-endian): a complaint's entries lie together, in order, and the
// bucket grows at its end as tickets and threads do.
var bucketEntries = []byte("entries")

// complaintRecord is a complaint as the complaints bucket holds it: without
// its thread, but with how many entries bucketEntries holds for it and a
// hash of them. A put whose first Entries entries hash to something else
// changed one of them (an erasure does) and rewrites the thread; else it
// writes only the entries that are new.
type complaintRecord struct {
	flows.Complaint
	Entries int    `json:"entries,omitempty"`
	Sum     uint64 `json:"entries_sum,omitempty"`
}

func entryKey(ticket string, i int) []byte {
	k := make([]byte, 0, len(ticket)+5)
	k = append(append(k, ticket...), 0)
	return binary.BigEndian.AppendUint32(k, uint32(i))
}

// threadSums hashes a thread's encoded entries: sums[i] covers the first
// i entries.
func threadSums(encoded [][]byte) []uint64 {
	h := fnv.New64a()
	sums := make([]uint64, len(encoded)+1)
	sums[0] = h.Sum64()
	for i, e := range encoded {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(e))))
		h.Write(e)
		sums[i+1] = h.Sum64()
	}
	return sums
}

// putComplaintRecord stores a complaint: the record, and of its thread
// what is new or changed.
func (t *Tx) putComplaintRecord(c flows.Complaint) error {
	var old complaintRecord
	existed, err := t.get(bucketComplaints, c.Ticket, &old)
	if err != nil {
		return err
	}
	prev := &old.Complaint
	if !existed {
		prev = nil
	}
	if err := t.indexRetain(prev, &c); err != nil {
		return err
	}
	if err := t.indexClosed(prev, &c); err != nil {
		return err
	}
	if err := t.indexActive(prev, &c); err != nil {
		return err
	}
	encoded := make([][]byte, len(c.Thread))
	for i, e := range c.Thread {
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode complaint %s, entry %d: %w", c.Ticket, i, err)
		}
		encoded[i] = data
	}
	sums := threadSums(encoded)
	from := 0
	if len(old.Thread) == 0 && old.Entries <= len(encoded) && old.Sum == sums[old.Entries] {
		from = old.Entries // the entries stored are unchanged
	}
	entries := t.bucket(bucketEntries)
	for i := len(encoded); i < old.Entries; i++ { // a shorter thread replaced it
		if err := entries.Delete(entryKey(c.Ticket, i)); err != nil {
			return err
		}
	}
	for i := from; i < len(encoded); i++ {
		if err := entries.Put(entryKey(c.Ticket, i), encodeValue(bucketEntries, encoded[i])); err != nil {
			return err
		}
	}
	rec := complaintRecord{Complaint: c, Entries: len(encoded)}
	if len(encoded) > 0 {
		rec.Sum = sums[len(encoded)]
	}
	rec.Thread = nil
	return t.put(bucketComplaints, c.Ticket, rec)
}

// decodeComplaintHead reads a complaint's record, without its thread.
func decodeComplaintHead(key, value []byte) (flows.Complaint, error) {
	rec, err := decodeRecord(key, value)
	rec.Thread = nil
	return rec.Complaint, err
}

func decodeRecord(key, value []byte) (complaintRecord, error) {
	var rec complaintRecord
	data, err := decodeValue(value)
	if err == nil {
		err = json.Unmarshal(data, &rec)
	}
	if err != nil {
		return complaintRecord{}, fmt.Errorf("decode complaint %s: %w", key, err)
	}
	return rec, nil
}

// decodeComplaint reads a complaint's record and its thread.
func (t *Tx) decodeComplaint(key, value []byte) (flows.Complaint, error) {
	rec, err := decodeRecord(key, value)
	if err != nil {
		return flows.Complaint{}, err
	}
	if rec.Entries == 0 {
		return rec.Complaint, nil // no thread, or one stored inline (schema 3)
	}
	c := rec.Complaint
	c.Thread = make([]flows.Entry, 0, rec.Entries)
	prefix := entryKey(c.Ticket, 0)[:len(c.Ticket)+1]
	cur := t.tx.Bucket(bucketEntries).Cursor()
	for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(c.Thread) < rec.Entries; k, v = cur.Next() {
		var e flows.Entry
		data, err := decodeValue(v)
		if err == nil {
			err = json.Unmarshal(data, &e)
		}
		if err != nil {
			return flows.Complaint{}, fmt.Errorf("decode complaint %s, entry %d: %w", c.Ticket, len(c.Thread), err)
		}
		c.Thread = append(c.Thread, e)
	}
	if len(c.Thread) != rec.Entries {
		return flows.Complaint{}, fmt.Errorf("complaint %s: its thread has %d of %d entries", c.Ticket, len(c.Thread), rec.Entries)
	}
	return c, nil
}

// splitThreads moves threads stored inside their complaint (schema 3 and
// before) to bucketEntries.
func (t *Tx) splitThreads() error {
	var inline []string
	err := t.tx.Bucket(bucketComplaints).ForEach(func(k, v []byte) error {
		rec, err := decodeRecord(k, v)
		if err != nil {
			return err
		}
		if len(rec.Thread) > 0 {
			inline = append(inline, string(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, ticket := range inline {
		c, err := t.Complaint(ticket)
		if err != nil {
			return err
		}
		if err := t.putComplaintRecord(*c); err != nil {
			return err
		}
	}
	return nil
}
