package maps

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func mustNew(t testing.TB, s Spec, cpus int) Map {
	t.Helper()
	m, err := New(&s, cpus)
	if err != nil {
		t.Fatalf("New(%+v): %v", s, err)
	}
	return m
}

func wantErr(t testing.TB, what string, got error, want syscall.Errno) {
	t.Helper()
	if errno(got) != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{Hash: "hash", PerCPUArray: "percpu_array", LRUPerCPUHash: "lru_percpu_hash",
		LPMTrie: "lpm_trie", RingBuf: "ringbuf", BloomFilter: "bloom_filter", HashOfMaps: "hash_of_maps", 99: "type(99)"} {
		if got := typ.String(); got != want {
			t.Errorf("%d: %q, want %q", typ, got, want)
		}
	}
}

func TestArray(t *testing.T) {
	m := mustNew(t, Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 3}, 2)
	v := m.(Values)
	tests := []struct {
		name string
		err  error
		want syscall.Errno
	}{
		{"update in range", m.Update(u32(2), u32(7), UpdateAny), 0},
		{"update exist", m.Update(u32(2), u32(8), UpdateExist), 0},
		{"update noexist", m.Update(u32(1), u32(7), UpdateNoExist), syscall.EEXIST},
		{"update out of range", m.Update(u32(3), u32(7), UpdateAny), syscall.E2BIG},
		{"update bad flags", m.Update(u32(0), u32(7), 3), syscall.EINVAL},
		{"update lock", m.Update(u32(0), u32(7), UpdateLock), syscall.EINVAL},
		{"lookup out of range", m.Lookup(u32(3), make([]byte, 4)), syscall.ENOENT},
		{"delete", m.Delete(u32(0)), syscall.EINVAL},
		{"prog delete", v.ProgDelete(u32(0)), syscall.EINVAL},
		{"lookup and delete", m.LookupAndDelete(u32(0), make([]byte, 4)), ENOTSUPP},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, tt.err, tt.want)
	}
	got := v.ProgLookup(u32(2), 1)
	if binary.NativeEndian.Uint32(got) != 8 || len(got) != 4 || uintptr(unsafe.Pointer(&got[0]))%8 != 0 {
		t.Fatalf("ProgLookup = %x", got)
	}
	if v.ProgLookup(u32(3), 0) != nil {
		t.Fatal("out of range ProgLookup")
	}
	// The program's view is live.
	got[0] = 9
	out := make([]byte, 4)
	m.Lookup(u32(2), out)
	if out[0] != 9 {
		t.Fatal("ProgLookup slice is not the live value")
	}
	var keys []uint32
	for k := []byte(nil); ; {
		next := make([]byte, 4)
		if m.NextKey(k, next) != nil {
			break
		}
		keys = append(keys, binary.NativeEndian.Uint32(next))
		k = next
	}
	if len(keys) != 3 || keys[0] != 0 || keys[2] != 2 {
		t.Fatalf("NextKey order %v", keys)
	}
	wantErr(t, "next of out of range", m.NextKey(u32(99), out), 0)
	if binary.NativeEndian.Uint32(out) != 0 {
		t.Fatal("next of an out of range key is not 0")
	}
}

func TestArrayMemoryAndFreeze(t *testing.T) {
	m := mustNew(t, Spec{Type: Array, KeySize: 4, ValueSize: 12, MaxEntries: 2, Flags: FlagMmapable}, 1)
	am := m.(ArrayMemory)
	copy(am.Value(1, 0), "hello")
	if mem := m.(interface{ Memory() []byte }).Memory(); len(mem) != 32 || !bytes.HasPrefix(mem[16:], []byte("hello")) {
		t.Fatalf("memory layout: %q", mem)
	}
	if am.Value(2, 0) != nil {
		t.Fatal("Value out of range")
	}
	if err := am.Freeze(); err != nil || !am.Frozen() {
		t.Fatal(err)
	}
	wantErr(t, "frozen update", m.Update(u32(0), make([]byte, 12), UpdateAny), syscall.EPERM)
	wantErr(t, "freeze again", am.Freeze(), syscall.EPERM)
	// Programs may still write a frozen map that is not BPF_F_RDONLY_PROG.
	wantErr(t, "program update", m.(Values).ProgUpdate(u32(0), make([]byte, 12), UpdateAny, 0), 0)
	ro := mustNew(t, Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: FlagRdonlyProg}, 1)
	wantErr(t, "rdonly_prog update", ro.(Values).ProgUpdate(u32(0), u32(1), UpdateAny, 0), syscall.EPERM)
	wantErr(t, "rdonly_prog host update", ro.Update(u32(0), u32(1), UpdateAny), 0)
}

func TestPerCPULayout(t *testing.T) {
	for _, typ := range []Type{PerCPUArray, PerCPUHash, LRUPerCPUHash} {
		t.Run(typ.String(), func(t *testing.T) {
			ks := uint32(4)
			m := mustNew(t, Spec{Type: typ, KeySize: ks, ValueSize: 4, MaxEntries: 4}, 3)
			if m.HostValueSize() != 24 {
				t.Fatalf("HostValueSize %d", m.HostValueSize())
			}
			host := make([]byte, 24)
			for cpu := 0; cpu < 3; cpu++ {
				binary.NativeEndian.PutUint32(host[cpu*8:], uint32(10+cpu))
			}
			if err := m.Update(u32(1), host, UpdateAny); err != nil {
				t.Fatal(err)
			}
			v := m.(Values)
			for cpu := 0; cpu < 3; cpu++ {
				if got := binary.NativeEndian.Uint32(v.ProgLookup(u32(1), cpu)); got != uint32(10+cpu) {
					t.Fatalf("cpu %d: %d", cpu, got)
				}
			}
			// A program update writes only its CPU's slot.
			if err := v.ProgUpdate(u32(1), u32(99), UpdateAny, 2); err != nil {
				t.Fatal(err)
			}
			out := make([]byte, 24)
			m.Lookup(u32(1), out)
			if binary.NativeEndian.Uint32(out[16:]) != 99 || binary.NativeEndian.Uint32(out[8:]) != 11 {
				t.Fatalf("after ProgUpdate: %x", out)
			}
			if typ == PerCPUArray {
				return
			}
			// A new element from a program has zeros on the other CPUs.
			if err := v.ProgUpdate(u32(2), u32(5), UpdateAny, 1); err != nil {
				t.Fatal(err)
			}
			m.Lookup(u32(2), out)
			if !bytes.Equal(out, []byte{0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) {
				t.Fatalf("new element: %x", out)
			}
		})
	}
}

func TestHash(t *testing.T) {
	m := mustNew(t, Spec{Type: Hash, KeySize: 2, ValueSize: 4, MaxEntries: 2}, 1)
	k := func(i int) []byte { return []byte{byte(i), 0} }
	steps := []struct {
		name string
		err  error
		want syscall.Errno
	}{
		{"exist on absent", m.Update(k(1), u32(1), UpdateExist), syscall.ENOENT},
		{"insert", m.Update(k(1), u32(1), UpdateNoExist), 0},
		{"noexist on present", m.Update(k(1), u32(1), UpdateNoExist), syscall.EEXIST},
		{"insert 2", m.Update(k(2), u32(2), UpdateAny), 0},
		{"full", m.Update(k(3), u32(3), UpdateAny), syscall.E2BIG},
		{"replace when full", m.Update(k(2), u32(22), UpdateExist), 0},
		{"bad flags", m.Update(k(2), u32(22), 8), syscall.EINVAL},
		{"delete absent", m.Delete(k(3)), syscall.ENOENT},
		{"lookup absent", m.Lookup(k(3), make([]byte, 4)), syscall.ENOENT},
	}
	for _, s := range steps {
		wantErr(t, s.name, s.err, s.want)
	}
	// A value a program holds survives replacement and deletion untouched.
	held := m.(Values).ProgLookup(k(2), 0)
	m.Update(k(2), u32(7), UpdateAny)
	m.Delete(k(2))
	if binary.NativeEndian.Uint32(held) != 22 {
		t.Fatalf("held value changed: %x", held)
	}
	next := make([]byte, 2)
	wantErr(t, "next of absent", m.NextKey(k(9), next), 0)
	if next[0] != 1 {
		t.Fatalf("next of absent key: %x", next)
	}
	wantErr(t, "next of last", m.NextKey(k(1), next), syscall.ENOENT)
	v := make([]byte, 4)
	wantErr(t, "lookup and delete", m.LookupAndDelete(k(1), v), 0)
	wantErr(t, "lookup and delete again", m.LookupAndDelete(k(1), v), syscall.ENOENT)
	wantErr(t, "next of empty", m.NextKey(nil, next), syscall.ENOENT)
}

func TestHashIterationVisitsAll(t *testing.T) {
	m := mustNew(t, Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 1000, Flags: FlagNoPrealloc}, 1)
	for i := 0; i < 1000; i++ {
		m.Update(u32(uint32(i*7919)), u32(0), UpdateAny)
	}
	seen := map[uint32]bool{}
	for _, k := range keys(t, m, 4) {
		x := binary.NativeEndian.Uint32(k)
		if seen[x] {
			t.Fatalf("key %d visited twice", x)
		}
		seen[x] = true
	}
	if len(seen) != 1000 {
		t.Fatalf("visited %d keys", len(seen))
	}
}

// TestLRUEviction checks the kernel's second-chance policy on a per-CPU LRU
// (one CPU, so the lists are simple): elements a program looked up survive
// the next eviction round, unreferenced old ones go first.
func TestLRUEviction(t *testing.T) {
	m := mustNew(t, Spec{Type: LRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 8, Flags: FlagNoCommonLRU}, 1)
	v := m.(Values)
	for i := uint32(0); i < 8; i++ {
		if err := m.Update(u32(i), u32(i), UpdateNoExist); err != nil {
			t.Fatal(err)
		}
	}
	// Reference the four oldest.
	for i := uint32(0); i < 4; i++ {
		if v.ProgLookup(u32(i), 0) == nil {
			t.Fatal("lookup failed")
		}
		if !m.(*lruHash).referenced(u32(i)) {
			t.Fatal("ProgLookup did not set the reference bit")
		}
	}
	// Host lookups do not reference.
	m.Lookup(u32(4), make([]byte, 4))
	if m.(*lruHash).referenced(u32(4)) {
		t.Fatal("host Lookup set the reference bit")
	}
	// Inserting into the full map evicts a batch of up to 4 elements from
	// the inactive list; the clock hand has promoted referenced ones.
	if err := m.Update(u32(100), u32(0), UpdateAny); err != nil {
		t.Fatal(err)
	}
	present := func(i uint32) bool { return m.Lookup(u32(i), make([]byte, 4)) == nil }
	for i := uint32(0); i < 4; i++ {
		if !present(i) {
			t.Errorf("referenced key %d was evicted", i)
		}
	}
	evicted := 0
	for i := uint32(4); i < 8; i++ {
		if !present(i) {
			evicted++
		}
	}
	if evicted < 1 || evicted > percpuFreeTarget || !present(100) {
		t.Errorf("evicted %d unreferenced keys, want 1 to %d", evicted, percpuFreeTarget)
	}
	// An LRU map never fails for lack of room.
	for i := uint32(200); i < 300; i++ {
		if err := m.Update(u32(i), u32(i), UpdateAny); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(keys(t, m, 4)); n > 8 {
		t.Fatalf("%d keys in an 8-entry map", n)
	}
}

func TestLRUCommonMaxEntries(t *testing.T) {
	m := mustNew(t, Spec{Type: LRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 10, Flags: FlagNoCommonLRU}, 4)
	if m.Spec().MaxEntries != 12 {
		t.Fatalf("per-CPU LRU max_entries %d, want 12 (rounded up to CPUs)", m.Spec().MaxEntries)
	}
	c := mustNew(t, Spec{Type: LRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 64}, 2)
	// Programs on different CPUs share the elements.
	for i := uint32(0); i < 200; i++ {
		if err := c.(Values).ProgUpdate(u32(i), u32(i), UpdateAny, int(i%2)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(keys(t, c, 4)); n == 0 || n > 64 {
		t.Fatalf("%d keys", n)
	}
}

func lpmKey(plen uint32, ip ...byte) []byte { return append(u32(plen), ip...) }

func TestLPM(t *testing.T) {
	m := mustNew(t, Spec{Type: LPMTrie, KeySize: 8, ValueSize: 4, MaxEntries: 4, Flags: FlagNoPrealloc}, 1)
	for i, k := range [][]byte{
		lpmKey(16, 192, 168, 0, 0), lpmKey(24, 192, 168, 0, 0), lpmKey(24, 192, 168, 1, 0), lpmKey(24, 192, 168, 128, 0),
	} {
		if err := m.Update(k, u32(uint32(i)), UpdateNoExist); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "full", m.Update(lpmKey(8, 10, 0, 0, 0), u32(9), UpdateAny), syscall.ENOSPC)
	wantErr(t, "replace when full", m.Update(lpmKey(16, 192, 168, 0, 0), u32(0), UpdateAny), 0)
	wantErr(t, "noexist", m.Update(lpmKey(16, 192, 168, 0, 0), u32(0), UpdateNoExist), syscall.EEXIST)
	wantErr(t, "prefix too long", m.Update(lpmKey(33, 1, 2, 3, 4), u32(0), UpdateAny), syscall.EINVAL)
	wantErr(t, "delete absent", m.Delete(lpmKey(8, 192, 0, 0, 0)), syscall.ENOENT)
	match := []struct {
		key  []byte
		want int // index of the inserted prefix, -1 for none
	}{
		{lpmKey(32, 192, 168, 1, 77), 2},
		{lpmKey(32, 192, 168, 2, 77), 0},
		{lpmKey(32, 192, 168, 0, 1), 1},
		{lpmKey(20, 192, 168, 0, 1), 0}, // the key's own prefix length limits the match
		{lpmKey(32, 10, 0, 0, 1), -1},
	}
	for _, c := range match {
		v := m.(Values).ProgLookup(c.key, 0)
		if (v == nil) != (c.want < 0) || v != nil && int(binary.NativeEndian.Uint32(v)) != c.want {
			t.Errorf("lookup %v = %x, want %d", c.key, v, c.want)
		}
	}
	// Postorder: more specific prefixes first.
	var got []string
	for _, k := range keys(t, m, 8) {
		got = append(got, string(rune('0'+k[0]/8))+":"+string(rune('0'+k[6]%10)))
	}
	want := []string{"3:0", "3:1", "3:8", "2:0"}
	if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("NextKey order %v, want %v", got, want)
	}
	wantErr(t, "delete", m.Delete(lpmKey(16, 192, 168, 0, 0)), 0)
	if v := m.(Values).ProgLookup(lpmKey(32, 192, 168, 2, 77), 0); v != nil {
		t.Fatal("deleted prefix still matches")
	}
}

func TestQueueStack(t *testing.T) {
	for _, typ := range []Type{Queue, Stack} {
		m := mustNew(t, Spec{Type: typ, ValueSize: 4, MaxEntries: 3}, 1)
		pp := m.(PushPop)
		for i := uint32(1); i <= 3; i++ {
			wantErr(t, "push", pp.Push(u32(i), UpdateAny), 0)
		}
		wantErr(t, "push full", pp.Push(u32(4), UpdateAny), syscall.E2BIG)
		wantErr(t, "push noexist", pp.Push(u32(4), UpdateNoExist), syscall.EINVAL)
		wantErr(t, "push overwrite", pp.Push(u32(4), UpdateExist), 0) // drops 1
		var got []uint32
		out := make([]byte, 4)
		wantErr(t, "peek", pp.Peek(out), 0)
		for pp.Pop(out) == nil {
			got = append(got, binary.NativeEndian.Uint32(out))
		}
		want := []uint32{2, 3, 4}
		if typ == Stack {
			want = []uint32{4, 3, 2}
		}
		if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("%v: popped %v, want %v", typ, got, want)
		}
		wantErr(t, "pop empty", pp.Pop(out), syscall.ENOENT)
		wantErr(t, "peek empty", pp.Peek(out), syscall.ENOENT)
		wantErr(t, "delete", m.Delete(nil), syscall.EINVAL)
		wantErr(t, "next key", m.NextKey(nil, out), syscall.EINVAL)
	}
}

func TestBloom(t *testing.T) {
	m := mustNew(t, Spec{Type: BloomFilter, ValueSize: 4, MaxEntries: 100, MapExtra: 3}, 1)
	pp := m.(PushPop)
	for i := uint32(0); i < 100; i++ {
		if err := pp.Push(u32(i), UpdateAny); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "push flags", pp.Push(u32(1), UpdateExist), syscall.EINVAL)
	fp := 0
	for i := uint32(0); i < 1000; i++ {
		err := pp.Peek(u32(i))
		if i < 100 && err != nil {
			t.Fatalf("false negative for %d", i)
		}
		if i >= 100 && err == nil {
			fp++
		}
	}
	if fp > 200 {
		t.Fatalf("%d false positives in 900", fp)
	}
	wantErr(t, "pop", pp.Pop(make([]byte, 4)), syscall.EOPNOTSUPP)
}

func TestRingBuf(t *testing.T) {
	m := mustNew(t, Spec{Type: RingBuf, MaxEntries: 4096}, 1)
	r := m.(Ring)
	if r.Query(RingSize) != 4096 {
		t.Fatal("size")
	}
	if r.Reserve(4096) != nil || r.Reserve(4096-8) != nil {
		t.Fatal("a record filling the whole ring was reserved")
	}
	a := r.Reserve(10)
	b := r.Reserve(3)
	c := r.Reserve(5)
	if a == nil || b == nil || c == nil || uintptr(unsafe.Pointer(&a[0]))%8 != 0 {
		t.Fatal("reserve failed")
	}
	if r.Query(RingProdPos) != 24+16+16 || r.Query(RingAvailData) != 56 {
		t.Fatalf("prod pos %d", r.Query(RingProdPos))
	}
	copy(a, "aaaaaaaaaa")
	copy(c, "ccccc")
	r.Submit(c, false)
	if _, ok := r.Read(); ok {
		t.Fatal("record visible before the earlier one is submitted")
	}
	r.Submit(b, true)
	r.Submit(a, false)
	rec, ok := r.Read()
	if !ok || string(rec) != "aaaaaaaaaa" {
		t.Fatalf("first record %q", rec)
	}
	rec, ok = r.Read() // b was discarded
	if !ok || string(rec) != "ccccc" {
		t.Fatalf("second record %q", rec)
	}
	if _, ok := r.Read(); ok || r.Query(RingAvailData) != 0 || r.Query(RingConsPos) != 56 {
		t.Fatal("ring not drained")
	}
	// Fill up: at most size-1 bytes may be outstanding.
	n := 0
	for r.Output(make([]byte, 1000)) == nil {
		n++
	}
	wantErr(t, "output when full", r.Output(make([]byte, 100)), syscall.EAGAIN)
	wantErr(t, "small output still fits", r.Output(make([]byte, 40)), 0)
	if n != 4 {
		t.Fatalf("%d records of 1008 bytes fit in 4096", n)
	}
	// Drain and write records that wrap around the end of the buffer.
	for i := 0; i < 50; i++ {
		for {
			if _, ok := r.Read(); !ok {
				break
			}
		}
		rec := r.Reserve(1500)
		if rec == nil {
			t.Fatalf("round %d: no room", i)
		}
		for j := range rec {
			rec[j] = byte(i + j)
		}
		r.Submit(rec, false)
		got, ok := r.Read()
		if !ok || len(got) != 1500 || got[0] != byte(i) || got[1499] != byte(i+1499) {
			t.Fatalf("round %d: wrapped record corrupted", i)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on an empty ring: %v", err)
	}
	go func() { r.Output([]byte("x")) }()
	if err := r.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "lookup", m.Lookup(nil, nil), ENOTSUPP)
	wantErr(t, "key", m.Lookup([]byte{0}, nil), syscall.EINVAL)
}

func TestPerfEventArray(t *testing.T) {
	m := mustNew(t, Spec{Type: PerfEventArray, KeySize: 4, ValueSize: 4, MaxEntries: 2}, 2)
	pe := m.(PerfEvents)
	wantErr(t, "no reader", pe.Output(CurrentCPU, 0, []byte("x")), syscall.ENOENT)
	rd, err := pe.OpenReader(64)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "bad flags", pe.Output(1<<32, 0, nil), syscall.EINVAL)
	wantErr(t, "out of range", pe.Output(5, 0, nil), syscall.E2BIG)
	wantErr(t, "other cpu", pe.Output(1, 0, nil), syscall.EOPNOTSUPP)
	// Each sample of 20 bytes takes 8+24 bytes: two fit in 64.
	for i := 0; i < 5; i++ {
		err := pe.Output(CurrentCPU, 1, bytes.Repeat([]byte{byte(i)}, 20))
		if want := i >= 2; (err != nil) != want {
			t.Fatalf("sample %d: %v", i, err)
		}
		if err != nil {
			wantErr(t, "full", err, syscall.ENOSPC)
		}
	}
	var lost uint64
	var got int
	for {
		cpu, rec, l, ok := rd.Read()
		if !ok {
			break
		}
		if cpu != 1 {
			t.Fatalf("cpu %d", cpu)
		}
		lost += l
		if rec != nil {
			got++
		}
	}
	if got != 2 || lost != 3 {
		t.Fatalf("got %d records, %d lost; want 2, 3", got, lost)
	}
	wantErr(t, "after drain", pe.Output(CurrentCPU, 1, make([]byte, 20)), 0)
	rd.Close()
	wantErr(t, "closed", pe.Output(CurrentCPU, 1, nil), syscall.ENOENT)
}

func TestProgArray(t *testing.T) {
	m := mustNew(t, Spec{Type: ProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 2}, 1)
	p := m.(Programs)
	wantErr(t, "out of range", p.UpdateProgram(2, "prog"), syscall.E2BIG)
	wantErr(t, "update", p.UpdateProgram(1, "prog"), 0)
	if p.Program(1) != "prog" || p.Program(0) != nil || p.Program(7) != nil {
		t.Fatal("Program")
	}
	wantErr(t, "lookup", m.Lookup(u32(1), make([]byte, 4)), 0)
	wantErr(t, "delete", m.Delete(u32(1)), 0)
	wantErr(t, "delete empty", m.Delete(u32(1)), syscall.ENOENT)
	if p.Program(1) != nil {
		t.Fatal("deleted program still there")
	}
}

func TestMapOfMaps(t *testing.T) {
	inner := Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 4}
	m := mustNew(t, Spec{Type: ArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2, InnerMap: &inner}, 1)
	mm := m.(MapOfMaps)
	good := mustNew(t, Spec{Type: Hash, KeySize: 4, ValueSize: 4, MaxEntries: 100}, 1)
	bad := mustNew(t, Spec{Type: Hash, KeySize: 4, ValueSize: 8, MaxEntries: 4}, 1)
	wantErr(t, "compatible", mm.UpdateInner(u32(0), good, UpdateAny), 0)
	wantErr(t, "incompatible", mm.UpdateInner(u32(1), bad, UpdateAny), syscall.EINVAL)
	wantErr(t, "flags", mm.UpdateInner(u32(1), good, UpdateNoExist), syscall.EINVAL)
	wantErr(t, "range", mm.UpdateInner(u32(2), good, UpdateAny), syscall.E2BIG)
	if mm.LookupInner(u32(0)) != good || mm.LookupInner(u32(1)) != nil {
		t.Fatal("LookupInner")
	}
	id := make([]byte, 4)
	m.Lookup(u32(0), id)
	if binary.NativeEndian.Uint32(id) != good.ID() {
		t.Fatal("host lookup does not give the inner map's id")
	}
	_, err := New(&Spec{Type: HashOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2}, 1)
	wantErr(t, "no template", err, syscall.EBADF)
}

func TestNewValidation(t *testing.T) {
	_, err := New(&Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}, 0)
	wantErr(t, "zero cpus", err, syscall.EINVAL)
	_, err = New(&Spec{Type: 7, KeySize: 4, ValueSize: 4, MaxEntries: 1}, 1)
	wantErr(t, "unsupported type", err, syscall.EINVAL)
	_, err = New(&Spec{Type: Array, KeySize: 4, ValueSize: 1 << 20, MaxEntries: 1 << 20}, 1)
	wantErr(t, "too big", err, syscall.ENOMEM)
}

// referenced reports whether key's LRU reference bit is set.
func (h *lruHash) referenced(key []byte) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	e := h.t.get(key)
	return e != nil && isRef(e)
}
