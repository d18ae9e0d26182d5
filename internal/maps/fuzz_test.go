package maps

import (
	"encoding/binary"
	"testing"
)

// FuzzMapOps drives random operation sequences on hash, LRU and LPM maps;
// whatever the input, nothing may panic and the maps must stay within
// their capacity.
func FuzzMapOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{2, 0x20, 0xc0, 0xa8, 0, 1, 2, 0x18, 0xc0, 0xa8, 1, 3, 5, 0x10, 0xc0})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255})
	specs := []Spec{
		{Type: Hash, KeySize: 4, ValueSize: 8, MaxEntries: 8},
		{Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 8},
		{Type: LRUPerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 8, Flags: FlagNoCommonLRU},
		{Type: LPMTrie, KeySize: 5, ValueSize: 4, MaxEntries: 8, Flags: FlagNoPrealloc},
		{Type: PerCPUHash, KeySize: 4, ValueSize: 4, MaxEntries: 4},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		s := specs[int(data[0])%len(specs)]
		m, err := New(&s, 2)
		if err != nil {
			t.Fatal(err)
		}
		v := m.(Values)
		key := make([]byte, s.KeySize)
		val := make([]byte, m.HostValueSize())
		next := make([]byte, s.KeySize)
		for data = data[1:]; len(data) >= 3; data = data[3:] {
			op, a, b := data[0], data[1], data[2]
			key[0] = a
			if s.Type == LPMTrie {
				binary.NativeEndian.PutUint32(key, uint32(a%10))
				key[4] = b
			}
			flags := uint64(op>>4) % 5
			cpu := int(b) % 3 // 2 is out of range on purpose
			switch op % 8 {
			case 0:
				m.Update(key, val, flags)
			case 1:
				m.Lookup(key, val)
			case 2:
				m.Delete(key)
			case 3:
				m.NextKey(key, next)
			case 4:
				m.LookupAndDelete(key, val)
			case 5:
				if p := v.ProgLookup(key, cpu); p != nil {
					p[0]++
				}
			case 6:
				v.ProgUpdate(key, val[:s.ValueSize], flags, cpu)
			case 7:
				v.ProgDelete(key)
			}
		}
		if n := len(keys(t, m, s.KeySize)); n > int(m.Spec().MaxEntries) {
			t.Fatalf("%d keys in a map of %d", n, m.Spec().MaxEntries)
		}
	})
}
