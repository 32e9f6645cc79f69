package store

import (
	"encoding/binary"
	"fmt"
	"math"

	"aduan/flows"
)

// bucketOpenPoints indexes open complaints with a map point, one
// sub-bucket per category: ticket → latitude, longitude. It is kept by
// PutComplaint, so finding the open complaints near a new one reads a
// category's points, not every complaint.
var bucketOpenPoints = []byte("openpoints")

// OpenPoint is an open complaint's place.
type OpenPoint struct {
	Ticket   string
	Lat, Lon float64
}

// indexPoint keeps a complaint's entry in the open-points index.
func (t *Tx) indexPoint(c flows.Complaint) error {
	if c.Category == "" {
		return nil
	}
	b, err := t.tx.Bucket(bucketOpenPoints).CreateBucketIfNotExists([]byte(c.Category))
	if err != nil {
		return fmt.Errorf("open points %s: %w", c.Category, err)
	}
	if !c.Status.Open() || !c.Location.HasPoint {
		return b.Delete([]byte(c.Ticket))
	}
	v := binary.BigEndian.AppendUint64(nil, math.Float64bits(c.Location.Lat))
	v = binary.BigEndian.AppendUint64(v, math.Float64bits(c.Location.Lon))
	return b.Put([]byte(c.Ticket), v)
}

// OpenPoints returns the places of a category's open complaints.
func (t *Tx) OpenPoints(category string) []OpenPoint {
	b := t.tx.Bucket(bucketOpenPoints).Bucket([]byte(category))
	if b == nil {
		return nil
	}
	var out []OpenPoint
	b.ForEach(func(k, v []byte) error {
		if len(v) == 16 {
			out = append(out, OpenPoint{Ticket: string(k), Lat: math.Float64frombits(binary.BigEndian.Uint64(v[:8])),
				Lon: math.Float64frombits(binary.BigEndian.Uint64(v[8:]))})
		}
		return nil
	})
	return out
}

// metaOpenPoints records that the open-points index holds every complaint
// (a store from before the index gets it built once, at open).
const metaOpenPoints = "index:openpoints"

func (t *Tx) indexOpenPoints() error { return t.indexOnce(metaOpenPoints, t.indexPoint) }

// indexOnce builds an index kept by PutComplaint for a store from before
// it: put runs for every complaint, once; meta records that it did.
func (t *Tx) indexOnce(meta string, put func(flows.Complaint) error) error {
	if t.Meta(meta) != "" {
		return nil
	}
	err := t.EachComplaintHead(false, func(c *flows.Complaint) bool {
		if err := put(*c); err != nil {
			t.err = err
			return false
		}
		return true
	})
	if err == nil {
		err, t.err = t.err, nil
	}
	if err != nil {
		return fmt.Errorf("build index %s: %w", meta, err)
	}
	return t.SetMeta(meta, "1")
}
