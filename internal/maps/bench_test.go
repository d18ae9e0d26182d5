package maps

import (
	"encoding/binary"
	"testing"
)

func BenchmarkArrayProgLookup(b *testing.B) {
	m := mustNew(b, Spec{Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 1024}, 1).(Values)
	key := u32(17)
	b.ReportAllocs()
	for b.Loop() {
		if m.ProgLookup(key, 0) == nil {
			b.Fatal("miss")
		}
	}
}

func BenchmarkArrayProgUpdate(b *testing.B) {
	m := mustNew(b, Spec{Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 1024}, 1).(Values)
	key, val := u32(17), make([]byte, 8)
	b.ReportAllocs()
	for b.Loop() {
		if m.ProgUpdate(key, val, UpdateAny, 0) != nil {
			b.Fatal("update")
		}
	}
}

func fillHash(b *testing.B, typ Type) Values {
	m := mustNew(b, Spec{Type: typ, KeySize: 8, ValueSize: 8, MaxEntries: 1 << 16}, 2)
	key := make([]byte, 8)
	for i := 0; i < 1<<15; i++ {
		binary.NativeEndian.PutUint64(key, uint64(i))
		m.Update(key, make([]byte, m.HostValueSize()), UpdateAny)
	}
	return m.(Values)
}

func BenchmarkHashProgLookup(b *testing.B) {
	m := fillHash(b, Hash)
	key := make([]byte, 8)
	binary.NativeEndian.PutUint64(key, 12345)
	b.ReportAllocs()
	for b.Loop() {
		if m.ProgLookup(key, 0) == nil {
			b.Fatal("miss")
		}
	}
}

func BenchmarkHashProgLookupParallel(b *testing.B) {
	m := fillHash(b, Hash)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		key := make([]byte, 8)
		binary.NativeEndian.PutUint64(key, 12345)
		for pb.Next() {
			m.ProgLookup(key, 0)
		}
	})
}

func BenchmarkHashProgUpdateExisting(b *testing.B) {
	m := fillHash(b, Hash)
	key, val := make([]byte, 8), make([]byte, 8)
	binary.NativeEndian.PutUint64(key, 12345)
	b.ReportAllocs()
	for b.Loop() {
		if m.ProgUpdate(key, val, UpdateAny, 0) != nil {
			b.Fatal("update")
		}
	}
}

func BenchmarkPerCPUHashProgUpdateExisting(b *testing.B) {
	m := fillHash(b, PerCPUHash)
	key, val := make([]byte, 8), make([]byte, 8)
	binary.NativeEndian.PutUint64(key, 12345)
	b.ReportAllocs()
	for b.Loop() {
		if m.ProgUpdate(key, val, UpdateAny, 1) != nil {
			b.Fatal("update")
		}
	}
}

func BenchmarkLRUHashProgLookup(b *testing.B) {
	m := fillHash(b, LRUHash)
	key := make([]byte, 8)
	binary.NativeEndian.PutUint64(key, 30000)
	b.ReportAllocs()
	for b.Loop() {
		if m.ProgLookup(key, 0) == nil {
			b.Fatal("miss")
		}
	}
}

func BenchmarkLRUHashProgUpdateEvicting(b *testing.B) {
	m := mustNew(b, Spec{Type: LRUHash, KeySize: 8, ValueSize: 8, MaxEntries: 1024}, 2).(Values)
	key, val := make([]byte, 8), make([]byte, 8)
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		i++
		binary.NativeEndian.PutUint64(key, i)
		if m.ProgUpdate(key, val, UpdateAny, 0) != nil {
			b.Fatal("update")
		}
	}
}

func BenchmarkLPMProgLookup(b *testing.B) {
	m := mustNew(b, Spec{Type: LPMTrie, KeySize: 8, ValueSize: 8, MaxEntries: 4096, Flags: FlagNoPrealloc}, 1)
	for i := 0; i < 4096; i++ {
		m.Update(lpmKey(uint32(8+i%24), byte(i), byte(i>>4), byte(i*7), 0), make([]byte, 8), UpdateAny)
	}
	key := lpmKey(32, 10, 0, 70, 1)
	v := m.(Values)
	b.ReportAllocs()
	for b.Loop() {
		v.ProgLookup(key, 0)
	}
}
