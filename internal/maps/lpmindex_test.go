package maps

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// walkLPM looks key up the way native code does, from the index alone:
// the data as one or two big-endian words, the match length by bit scans.
// It returns the value's address or 0.
func walkLPM(x *lpmIndex, l LPMLayout, key []byte) uint64 {
	plen := binary.NativeEndian.Uint32(key)
	if plen > l.MaxPrefix {
		return 0
	}
	var w [16]byte
	copy(w[:], key[4:4+l.DataSize])
	hi, lo := binary.BigEndian.Uint64(w[:]), binary.BigEndian.Uint64(w[8:])
	word := func(addr uint64, off int) uint64 {
		return x.arena[(addr-x.base()+uint64(off))/8]
	}
	var found uint64
	for node := x.arena[0]; node != 0; {
		nplen := uint32(word(node, lpmNodePrefix))
		im := word(node, lpmNodePrefix)>>32 != 0
		shared := uint32(bits.LeadingZeros64(hi ^ word(node, lpmNodeData)))
		if shared == 64 && x.words == 2 {
			shared += uint32(bits.LeadingZeros64(lo ^ word(node, lpmNodeData+8)))
		}
		m := min(shared, nplen, plen)
		if m == l.MaxPrefix {
			found = node
			break
		}
		if m < nplen {
			break
		}
		if !im {
			found = node
		}
		bit := hi >> (63 - nplen) & 1
		if nplen >= 64 {
			bit = lo >> (127 - nplen) & 1
		}
		node = word(node, 8*int(bit))
	}
	if found == 0 {
		return 0
	}
	return found + uint64(l.ValueOffset)
}

// TestLPMIndex runs random updates and deletes on LPM tries and checks
// after each that the index finds the value the trie finds for many keys.
func TestLPMIndex(t *testing.T) {
	for _, dataSize := range []uint32{1, 2, 4, 8, 12, 16} {
		m, err := New(&Spec{Type: LPMTrie, KeySize: 4 + dataSize, ValueSize: 4, MaxEntries: 40, Flags: FlagNoPrealloc}, 1)
		if err != nil {
			t.Fatal(err)
		}
		trie := m.(*lpm)
		l, ok := trie.LPMLayout()
		if !ok {
			t.Fatal("no index")
		}
		r := rand.New(rand.NewPCG(3, uint64(dataSize)))
		key := func(plen uint32) []byte {
			k := binary.NativeEndian.AppendUint32(nil, plen)
			for range dataSize {
				k = append(k, byte(r.IntN(4))<<6|byte(r.IntN(2)))
			}
			return k
		}
		hits, misses := 0, 0
		for range 2000 {
			k := key(uint32(r.IntN(int(8*dataSize) + 1)))
			if r.IntN(3) < 2 {
				_ = m.Update(k, []byte{1, 2, 3, 4}, UpdateAny)
			} else {
				_ = m.Delete(k)
			}
			for range 20 {
				q := key(uint32(r.IntN(int(8*dataSize) + 2)))
				want := uint64(0)
				if v := trie.ProgLookup(q, 0); v != nil {
					want = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(v))))
				}
				if got := walkLPM(trie.ix, l, q); got != want {
					t.Fatalf("data size %d, key %x: index finds 0x%x, the trie 0x%x", dataSize, q, got, want)
				}
				if want == 0 {
					misses++
				} else {
					hits++
				}
			}
		}
		if hits < 1000 || misses < 1000 {
			t.Errorf("data size %d: %d hits and %d misses: the keys do not test both", dataSize, hits, misses)
		}
	}
}
