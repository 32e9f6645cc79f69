package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// residentPages returns the pages of a file that a process has resident
// in its mappings of it (from /proc/<pid>/maps and pagemap's present
// bit), by their number in the file (bbolt's page ids: its pages are the
// machine's, 4 KB).
func residentPages(b *testing.B, pid int, path string) map[uint64]bool {
	maps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	pm, err := os.Open(fmt.Sprintf("/proc/%d/pagemap", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer pm.Close()
	out := map[uint64]bool{}
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[5] != path {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, _ := strconv.ParseUint(lo, 16, 64)
		end, _ := strconv.ParseUint(hi, 16, 64)
		off, _ := strconv.ParseUint(f[2], 16, 64)
		n := (end - start) / 4096
		buf := make([]byte, 8*n)
		pm.ReadAt(buf, int64(start/4096*8))
		for i := uint64(0); i < n; i++ {
			if binary.LittleEndian.Uint64(buf[i*8:])&(1<<63) != 0 {
				out[off/4096+i] = true
			}
		}
	}
	return out
}

// attribute says, of the resident pages of a bbolt file, how many MB
// belong to each bucket, the largest first. It walks the file's page tree
// from the newest meta page (bbolt's layout: a 16-byte page header, then
// branch or leaf elements of 16 bytes; a bucket's value starts with its
// root page). A page in no bucket is free, or was when the file was read.
func attribute(b *testing.B, path string, resident map[uint64]bool) string {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	const ps = 4096
	page := func(id uint64) []byte { return data[id*ps:] }
	owner := map[uint64]string{}
	meta := func(id uint64) (root, txid, freelist uint64) {
		p := page(id)[16:]
		return binary.LittleEndian.Uint64(p[16:]), binary.LittleEndian.Uint64(p[48:]), binary.LittleEndian.Uint64(p[32:])
	}
	r0, t0, f0 := meta(0)
	r1, t1, f1 := meta(1)
	root, fl := r0, f0
	if t1 > t0 {
		root, fl = r1, f1
	}
	owner[0], owner[1] = "meta", "meta"
	if fl*ps < uint64(len(data)) {
		ov := binary.LittleEndian.Uint32(page(fl)[12:])
		for i := uint64(0); i <= uint64(ov); i++ {
			owner[fl+i] = "freelist"
		}
	}
	var walk func(id uint64, name string)
	walk = func(id uint64, name string) {
		p := page(id)
		flags := binary.LittleEndian.Uint16(p[8:])
		count := binary.LittleEndian.Uint16(p[10:])
		overflow := binary.LittleEndian.Uint32(p[12:])
		for i := uint64(0); i <= uint64(overflow); i++ {
			owner[id+i] = name
		}
		switch {
		case flags&0x01 != 0: // branch
			for i := 0; i < int(count); i++ {
				e := p[16+i*16:]
				walk(binary.LittleEndian.Uint64(e[8:]), name)
			}
		case flags&0x02 != 0: // leaf
			for i := 0; i < int(count); i++ {
				e := p[16+i*16:]
				if binary.LittleEndian.Uint32(e)&0x01 == 0 {
					continue // not a bucket
				}
				pos := binary.LittleEndian.Uint32(e[4:])
				ks := binary.LittleEndian.Uint32(e[8:])
				k := e[pos : pos+ks]
				v := e[pos+ks:]
				sub := binary.LittleEndian.Uint64(v)
				if sub != 0 { // 0: an inline bucket, inside this page
					walk(sub, string(k))
				}
			}
		}
	}
	walk(root, "root")
	counts := map[string]int{}
	for id := range resident {
		o := owner[id]
		if o == "" {
			o = "free"
		}
		counts[o]++
	}
	var names []string
	for n := range counts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return counts[names[i]] > counts[names[j]] })
	var sb strings.Builder
	for _, n := range names {
		fmt.Fprintf(&sb, "%s %.1f MB; ", n, float64(counts[n])*ps/1e6)
	}
	return sb.String()
}
