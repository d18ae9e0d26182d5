//go:build amd64 && unix

package jit

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gbpf/gbpf/internal/jit/amd64"
	"github.com/gbpf/gbpf/internal/maps"
)

// TestInlineHashLookup looks keys of every size class up in hash maps
// with the inlined lookup and checks it finds what the map's own lookup
// finds: the same value, or nothing.
func TestInlineHashLookup(t *testing.T) {
	const mapAddr = 0x1000
	for _, typ := range []maps.Type{maps.Hash, maps.PerCPUHash} {
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
				hm := HashMap{HashMap: amd64.HashMap{Buckets: l.Buckets, Mask: l.Mask, Seed: l.Seed, KeySize: l.KeySize,
					ValueOffset: l.ValueOffset, CPUStride: l.CPUStride}, Arena: l.Arena, Writable: true, Name: "h"}
				opts := &Options{Verified: true, HashMaps: func(addr uint64) (HashMap, bool) { return hm, addr == mapAddr }}
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
						if typ == maps.PerCPUHash {
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
					if len(p.comp.Hashes) != 1 {
						t.Fatal("the lookup was not inlined")
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
