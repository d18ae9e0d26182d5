//go:build amd64 && unix

package jit

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/gbpf/gbpf/internal/jit/amd64"
	"github.com/gbpf/gbpf/internal/maps"
)

// TestInlineHashLookup looks keys of every size class up in hash maps
// with the inlined lookup and checks it finds what the map's own lookup
// finds: the same value, or nothing.
func TestInlineHashLookup(t *testing.T) {
	const mapAddr = 0x1000
	for _, typ := range []maps.Type{maps.Hash, maps.PerCPUHash, maps.LRUHash, maps.LRUPerCPUHash} {
		for _, keySize := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 20, 33, 64} {
			t.Run(fmt.Sprintf("%v/%d", typ, keySize), func(t *testing.T) {
				mp, err := maps.New(&maps.Spec{Type: typ, KeySize: uint32(keySize), ValueSize: 8, MaxEntries: 64}, 2)
				if err != nil {
					t.Fatal(err)
				}
				l, ok := mp.(maps.NativeHash).Layout()
				if !ok {
					t.Fatal("no index")
				}
				hm := IndexedMap{Hash: &amd64.HashMap{Buckets: l.Buckets, Mask: l.Mask, Seed: l.Seed, KeySize: l.KeySize,
					ValueOffset: l.ValueOffset, CPUStride: l.CPUStride, SetRef: l.LRU}, Arena: l.Arena, Writable: true, Name: "h"}
				opts := &Options{Verified: true, IndexedMaps: func(addr uint64) (IndexedMap, bool) { return hm, addr == mapAddr }}
				r := rand.New(rand.NewPCG(2, uint64(keySize)))
				var keys [][]byte
				for i := range 48 {
					k := make([]byte, keySize)
					for j := range k {
						k[j] = byte(r.IntN(4)) // few distinct bytes: near misses
					}
					keys = append(keys, k)
					if i < 32 {
						v := binary.LittleEndian.AppendUint64(nil, uint64(i+1))
						if typ == maps.PerCPUHash || typ == maps.LRUPerCPUHash {
							v = binary.LittleEndian.AppendUint64(v, uint64(i+101))
						}
						if err := mp.Update(k, v, maps.UpdateAny); err != nil {
							t.Fatal(err)
						}
					}
				}
				for _, k := range keys {
					var src strings.Builder
					for j, b := range k {
						fmt.Fprintf(&src, "*(u8 *)(r10 - %d) = %d\n", keySize-j, b)
					}
					fmt.Fprintf(&src, "r1 = %d ll\nr2 = r10\nr2 += -%d\ncall 1\nif r0 == 0 goto +2\nr0 = *(u64 *)(r0 + 0)\nexit\nr0 = -1\nexit\n", mapAddr, keySize)
					p, err := New(llvm(t, src.String()), opts)
					if err != nil {
						t.Fatal(err)
					}
					if len(p.comp.Indexed) != 1 {
						t.Fatal("the lookup was not inlined")
					}
					// An LRU lookup that hits sets the element's reference
					// bit: clear it first (ProgLookup sets it too).
					var ref []byte
					if v := mp.(maps.Values).ProgLookup(k, 0); v != nil && l.LRU {
						at := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(v)))) - uint64(l.ValueOffset) + 12 - uint64(uintptr(unsafe.Pointer(unsafe.SliceData(l.Arena))))
						ref = l.Arena[at : at+4]
						clear(ref)
					}
					for cpu := range 2 {
						m, err := p.Machine()
						if err != nil {
							t.Fatal(err)
						}
						m.CPU = cpu
						got, err := m.Run(0, 0)
						p.Release(m)
						if err != nil {
							t.Fatal(err)
						}
						if ref != nil && cpu == 0 && binary.LittleEndian.Uint32(ref) != 1 {
							t.Errorf("key %x: the lookup left the reference bit %x", k, ref)
						}
						want := ^uint64(0)
						if v := mp.(maps.Values).ProgLookup(k, cpu); v != nil {
							want = binary.LittleEndian.Uint64(v)
						}
						if got != want {
							t.Errorf("key %x on CPU %d: inline lookup gives %d, the map %d", k, cpu, int64(got), int64(want))
						}

					}
					p.Close()
				}
			})
		}
	}
}

// TestInlineLPMLookup looks keys up in LPM tries of every data size the
// inline lookup takes and checks it finds what the trie's own lookup
// finds.
func TestInlineLPMLookup(t *testing.T) {
	const mapAddr = 0x2000
	for dataSize := 1; dataSize <= 16; dataSize++ {
		t.Run(fmt.Sprint(dataSize), func(t *testing.T) {
			mp, err := maps.New(&maps.Spec{Type: maps.LPMTrie, KeySize: uint32(4 + dataSize), ValueSize: 8, MaxEntries: 64, Flags: maps.FlagNoPrealloc}, 1)
			if err != nil {
				t.Fatal(err)
			}
			l, ok := mp.(maps.NativeLPM).LPMLayout()
			if !ok {
				t.Fatal("no index")
			}
			im := IndexedMap{LPM: &amd64.LPMMap{Root: l.Root, DataSize: l.DataSize, MaxPrefix: l.MaxPrefix, ValueOffset: l.ValueOffset},
				Arena: l.Arena, Writable: true, Name: "routes"}
			opts := &Options{Verified: true, IndexedMaps: func(addr uint64) (IndexedMap, bool) { return im, addr == mapAddr }}
			r := rand.New(rand.NewPCG(4, uint64(dataSize)))
			key := func(plen int) []byte {
				k := binary.NativeEndian.AppendUint32(nil, uint32(plen))
				for range dataSize {
					k = append(k, byte(r.IntN(4))<<6|byte(r.IntN(2)))
				}
				return k
			}
			var routes [][]byte
			for i := range 40 {
				// Long prefixes (some keys match none), from just under
				// half the data on: for 16 bytes, 63, 64 and 65 too.
				k := key(4*dataSize - 1 + r.IntN(4*dataSize+2))
				routes = append(routes, k)
				if err := mp.Update(k, binary.LittleEndian.AppendUint64(nil, uint64(i+1)), maps.UpdateAny); err != nil {
					t.Fatal(err)
				}
			}
			hits := 0
			var pinned [][]byte
			if dataSize > 8 {
				// Two routes branching at bit 64: the child is chosen
				// by the second data word.
				for _, b := range []byte{0x00, 0x80} {
					k := key(8 * dataSize)
					copy(k[4:12], routes[0][4:12])
					k[12] = b | k[12]&0x7f
					pinned = append(pinned, k)
					if err := mp.Update(k, binary.LittleEndian.AppendUint64(nil, uint64(100+b)), maps.UpdateAny); err != nil {
						t.Fatal(err)
					}
				}
			}
			const lookups = 240
			for i := range lookups {
				plen := 8 * dataSize // a full address, as lookups mostly are
				if i%5 == 0 {
					plen = r.IntN(8*dataSize + 2) // one past the longest: no match
				}
				k := key(plen)
				if i < len(pinned) {
					k = pinned[i]
				} else if i%2 == 1 {
					// A route's address with one bit flipped: inside its
					// prefix or past it.
					route := routes[r.IntN(len(routes))]
					copy(k[4:], route[4:])
					if i%4 == 1 {
						// Around the end of the route's prefix, where
						// the match length decides.
						bit := int(binary.NativeEndian.Uint32(route)) + r.IntN(3) - 1
						bit = min(max(bit, 0), 8*dataSize-1)
						k[4+bit/8] ^= 0x80 >> (bit % 8)
					}
				}
				var src strings.Builder
				for j, b := range k {
					fmt.Fprintf(&src, "*(u8 *)(r10 - %d) = %d\n", len(k)-j, b)
				}
				fmt.Fprintf(&src, "r1 = %d ll\nr2 = r10\nr2 += -%d\ncall 1\nif r0 == 0 goto +2\nr0 = *(u64 *)(r0 + 0)\nexit\nr0 = -1\nexit\n", mapAddr, len(k))
				p, err := New(llvm(t, src.String()), opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.comp.Indexed) != 1 {
					t.Fatal("the lookup was not inlined")
				}
				got, err := p.Run(nil)
				p.Close()
				if err != nil {
					t.Fatal(err)
				}
				want := ^uint64(0)
				if v := mp.(maps.Values).ProgLookup(k, 0); v != nil {
					want = binary.LittleEndian.Uint64(v)
				}
				if got != want {
					t.Errorf("key %x: inline lookup gives %d, the trie %d", k, int64(got), int64(want))
				}
				if want != ^uint64(0) {
					hits++
				}
			}
			if hits < lookups/6 || hits > lookups*11/12 {
				t.Errorf("%d of %d keys match: the keys do not test both matches and misses", hits, lookups)
			}
		})
	}
}
