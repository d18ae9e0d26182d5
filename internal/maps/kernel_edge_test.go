package maps

import (
	"encoding/binary"
	"fmt"
	"testing"
)

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

// TestKernelPermissions covers freeze and the read-only/write-only flags.
func TestKernelPermissions(t *testing.T) {
	needKernel(t)
	for _, s := range []Spec{
		{Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: Hash, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: Queue, ValueSize: 4, MaxEntries: 4},
		{Type: LPMTrie, KeySize: 8, ValueSize: 8, MaxEntries: 4, Flags: FlagNoPrealloc},
		{Type: BloomFilter, ValueSize: 4, MaxEntries: 4},
	} {
		for _, flags := range []uint32{0, FlagRdonly, FlagWronly, FlagRdonlyProg} {
			s := s
			s.Flags |= flags
			t.Run(fmt.Sprintf("%v_%x", s.Type, s.Flags), func(t *testing.T) {
				p := newPair(t, s)
				key := make([]byte, max(s.KeySize, 4))
				if s.Type == LPMTrie {
					key = []byte{8, 0, 0, 0, 10, 0, 0, 0}
				}
				val := make([]byte, p.vsize)
				val[0] = 1
				if s.KeySize == 0 {
					key = val
				}
				p.update(key, val, UpdateAny)
				p.lookup(key)
				p.nextKey(nil)
				p.lookupAndDelete(key)
				p.update(key, val, UpdateAny)
				p.freeze()
				p.update(key, val, UpdateAny)
				p.delete(key)
				p.lookup(key)
				p.nextKey(nil)
				p.lookupAndDelete(key)
				p.freeze()
			})
		}
	}
}

// TestKernelFDArrays covers the host side of prog and perf event arrays
// and the ring buffer, which have no values the host can write.
func TestKernelFDArrays(t *testing.T) {
	needKernel(t)
	for _, s := range []Spec{
		{Type: ProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		{Type: PerfEventArray, KeySize: 4, ValueSize: 4, MaxEntries: 4},
		{Type: ArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 4, InnerMap: &Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}},
		{Type: HashOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 4, InnerMap: &Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}},
		{Type: RingBuf, MaxEntries: 4096},
	} {
		t.Run(s.Type.String(), func(t *testing.T) {
			p := newPair(t, s)
			p.vsize = 4
			badFD := u32(0xffffffff)
			for _, k := range []uint32{0, 3, 4, 100} {
				p.lookup(u32(k))
				p.update(u32(k), badFD, UpdateAny)
				p.update(u32(k), badFD, UpdateNoExist)
				p.update(u32(k), badFD, UpdateExist)
				p.delete(u32(k))
				p.lookupAndDelete(u32(k))
				p.nextKey(u32(k))
			}
			p.nextKey(nil)
		})
	}
}

// TestKernelInnerMaps compares which inner maps a map of maps accepts.
func TestKernelInnerMaps(t *testing.T) {
	needKernel(t)
	cpus := possibleCPUs(t)
	arr := Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 4}
	with := func(s Spec, f func(*Spec)) Spec { f(&s); return s }
	hash := Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 4}
	perf := Spec{Type: PerfEventArray, KeySize: 4, ValueSize: 4, MaxEntries: 4}
	rb := Spec{Type: RingBuf, MaxEntries: 4096}
	templates := []Spec{arr, with(arr, func(s *Spec) { s.Flags = FlagInnerMap }), hash, perf, rb,
		with(arr, func(s *Spec) { s.Type = PerCPUArray })}
	candidates := []Spec{arr,
		with(arr, func(s *Spec) { s.MaxEntries = 8 }),
		with(arr, func(s *Spec) { s.MaxEntries = 8; s.Flags = FlagInnerMap }),
		with(arr, func(s *Spec) { s.Flags = FlagInnerMap }),
		with(arr, func(s *Spec) { s.ValueSize = 8 }),
		with(arr, func(s *Spec) { s.Flags = FlagRdonlyProg }),
		with(arr, func(s *Spec) { s.Type = PerCPUArray }),
		with(arr, func(s *Spec) { s.Type = PerCPUArray; s.MaxEntries = 8 }),
		hash,
		with(hash, func(s *Spec) { s.MaxEntries = 8 }),
		with(hash, func(s *Spec) { s.Flags = FlagNoPrealloc }),
		perf, with(perf, func(s *Spec) { s.MaxEntries = 8 }),
		rb, with(rb, func(s *Spec) { s.MaxEntries = 8192 }),
	}
	for _, outer := range []Type{ArrayOfMaps, HashOfMaps} {
		for ti, tmpl := range templates {
			tmpl := tmpl
			s := Spec{Type: outer, KeySize: 4, ValueSize: 4, MaxEntries: 2, InnerMap: &tmpl}
			t.Run(fmt.Sprintf("%v_%d", outer, ti), func(t *testing.T) {
				k, err := kcreateMap(t, &s)
				if err != nil {
					t.Fatal(err)
				}
				g, err := New(&s, cpus)
				if err != nil {
					t.Fatal(err)
				}
				mm := g.(MapOfMaps)
				for ci, c := range candidates {
					kin, err := kcreateMap(t, &c)
					if err != nil {
						t.Fatal(err)
					}
					gin, err := New(&c, cpus)
					if err != nil {
						t.Fatal(err)
					}
					for _, flags := range []uint64{UpdateAny, UpdateNoExist, UpdateExist} {
						for _, key := range []uint32{1, 2} {
							ke := k.Update(u32(key), u32(uint32(kin.fd)), flags)
							ge := mm.UpdateInner(u32(key), gin, flags)
							if errno(ke) != errno(ge) {
								t.Fatalf("candidate %d %+v key %d flags %d: kernel %v, gbpf %v", ci, c, key, flags, ke, ge)
							}
							if ge == nil && mm.LookupInner(u32(key)) != gin {
								t.Fatal("LookupInner does not return the stored map")
							}
						}
					}
					k.Delete(u32(1))
					g.Delete(u32(1))
				}
			})
		}
	}
}
