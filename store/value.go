package store

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/s2"
)

// Large values (complaints, conversations) are kept compressed with S2, a
// fast block compression: a complaint's JSON repeats its field names and
// times, and takes half the room compressed. A compressed value starts
// with the byte s2Mark; a value written before starts with '{' and is
// read as it is.
const s2Mark = 0x01

// compressAbove is the size from which a value is compressed.
const compressAbove = 200

// compressed reports whether a bucket's values are compressed.
func compressed(bucket []byte) bool {
	return bytes.Equal(bucket, bucketComplaints) || bytes.Equal(bucket, bucketConversations)
}

func encodeValue(bucket, data []byte) []byte {
	if !compressed(bucket) || len(data) <= compressAbove {
		return data
	}
	out := make([]byte, 1, 1+s2.MaxEncodedLen(len(data)))
	out[0] = s2Mark
	return append(out, s2.Encode(out[1:cap(out)], data)...)
}

func decodeValue(data []byte) ([]byte, error) {
	if len(data) == 0 || data[0] != s2Mark {
		return data, nil
	}
	out, err := s2.Decode(nil, data[1:])
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return out, nil
}
