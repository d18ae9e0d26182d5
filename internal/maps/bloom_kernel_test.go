package maps

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/cilium/ebpf"
)

// TestKernelBloomZeroSeed checks that a zero-seeded bloom filter answers
// every probe as the kernel's does, false positives included: same sizing,
// same jhash, same bits. Value sizes cover jhash2 (multiples of 4) and
// jhash (the rest).
func TestKernelBloomZeroSeed(t *testing.T) {
	needKernel(t)
	for _, tc := range []struct{ size, entries, hashes uint32 }{
		{4, 16, 3}, {8, 100, 5}, {6, 40, 2}, {13, 7, 0}, {16, 1000, 4}, {3, 2, 1},
	} {
		spec := &Spec{Type: BloomFilter, ValueSize: tc.size, MaxEntries: tc.entries, MapExtra: uint64(tc.hashes), Flags: FlagZeroSeed}
		km, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.BloomFilter, ValueSize: tc.size, MaxEntries: tc.entries,
			MapExtra: uint64(tc.hashes), Flags: uint32(FlagZeroSeed)})
		if err != nil {
			t.Fatalf("kernel bloom %+v: %v", tc, err)
		}
		defer km.Close()
		m, err := New(spec, 1)
		if err != nil {
			t.Fatal(err)
		}
		value := func(i uint32) []byte {
			v := make([]byte, tc.size)
			var w [4]byte
			binary.LittleEndian.PutUint32(w[:], i*2654435761)
			for j := range v {
				v[j] = w[j%4] + byte(j/4)
			}
			return v
		}
		for i := range tc.entries {
			if err := km.Update(nil, value(i), ebpf.UpdateAny); err != nil {
				t.Fatal(err)
			}
			if err := m.Update(nil, value(i), UpdateAny); err != nil {
				t.Fatal(err)
			}
		}
		positives := 0
		for i := range uint32(4000) {
			v := value(i)
			kerr := km.Lookup(nil, v)
			gerr := m.Lookup(nil, v)
			if errno(kerr) != errno(gerr) {
				t.Fatalf("%+v: probe %d: kernel %v, gbpf %v", tc, i, kerr, gerr)
			}
			if kerr == nil && i >= tc.entries {
				positives++
			}
			if kerr != nil && !errors.Is(kerr, ebpf.ErrKeyNotExist) {
				t.Fatalf("kernel lookup: %v", kerr)
			}
		}
		t.Logf("%+v: %d false positives of %d, the same as the kernel's", tc, positives, 4000-tc.entries)
	}
}
