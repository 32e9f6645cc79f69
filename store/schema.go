package store

import (
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Schema is the version of the store's layout this aduan writes. A data
// directory from before is migrated at open, after a backup copy; one
// from a newer aduan is refused.
//
//	1: before versions (complaints, conversations, outbox, …)
//	2: web chats and sessions, open-points index, statistics records
//	3: each citizen's active complaints (store/active.go)
//	4: threads an entry per key, outside their complaint (store/entries.go);
//	   closed complaints listed for retention (store/retain.go)
//	5: closed complaints listed for pruning their post links, each link
//	   known by its complaint (store/closed.go)
//	6: each citizen's list keeps their newest complaints too, each with
//	   its status line (store/active.go)
//	7: each citizen's list is one value beside their conversation, not a
//	   bucket of its own (store/active.go)
const Schema = 7

// metaSchema holds the store's schema version.
const metaSchema = "schema"

// ErrNewerSchema means the data directory was written by a newer aduan.
var ErrNewerSchema = errors.New("written by a newer aduan")

// schemaOf reads a store's version: 0 for a new store, 1 for one from
// before versions.
func schemaOf(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if tx.Bucket(bucketComplaints) == nil {
			return 0, nil // empty: nothing to migrate
		}
		return 1, nil
	}
	v := meta.Get([]byte(metaSchema))
	if v == nil {
		if tx.Bucket(bucketComplaints) == nil {
			return 0, nil
		}
		return 1, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, fmt.Errorf("schema version %q: %w", v, err)
	}
	return n, nil
}

// migrate brings a store to Schema in one transaction: buckets, then
// what each version adds.
func migrate(tx *bolt.Tx) error {
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	t := &Tx{tx: tx}
	if err := t.indexOpenPoints(); err != nil {
		return err
	}
	if err := t.indexStats(); err != nil {
		return err
	}
	if err := t.indexActives(); err != nil {
		return err
	}
	if err := t.splitThreads(); err != nil {
		return err
	}
	if err := t.indexRetains(); err != nil {
		return err
	}
	if err := t.indexClosedAll(); err != nil {
		return err
	}
	if err := t.indexLinkOwners(); err != nil {
		return err
	}
	return t.SetMeta(metaSchema, strconv.Itoa(Schema))
}

func newerSchema(path string, version int) error {
	return fmt.Errorf("open %s: %w (schema %d; this aduan knows up to %d): run the newer aduan, or restore a backup made for this one", path, ErrNewerSchema, version, Schema)
}
