package maps

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// Differential tests: the same spec and host operations on a kernel map and
// on ours must give the same errno and the same contents.

func possibleCPUs(t testing.TB) int {
	n, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// onCPU0 pins the calling goroutine's thread to CPU 0, where our host
// operations pretend to run, so the kernel's per-CPU LRU state matches ours.
func onCPU0(t testing.TB) {
	runtime.LockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		t.Fatal(err)
	}
	set.Set(0)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.SchedSetaffinity(0, &old)
		runtime.UnlockOSThread()
	})
}

func TestKernelCreate(t *testing.T) {
	needKernel(t)
	cpus := possibleCPUs(t)
	arr := Spec{Type: Array, KeySize: 4, ValueSize: 8, MaxEntries: 4}
	with := func(s Spec, f func(*Spec)) Spec { f(&s); return s }
	hash := Spec{Type: Hash, KeySize: 4, ValueSize: 8, MaxEntries: 4}
	lpm := Spec{Type: LPMTrie, KeySize: 8, ValueSize: 8, MaxEntries: 4, Flags: FlagNoPrealloc}
	q := Spec{Type: Queue, ValueSize: 8, MaxEntries: 4}
	bl := Spec{Type: BloomFilter, ValueSize: 8, MaxEntries: 4}
	rb := Spec{Type: RingBuf, MaxEntries: 4096}
	perf := Spec{Type: PerfEventArray, KeySize: 4, ValueSize: 4, MaxEntries: 2}
	prog := Spec{Type: ProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 2}
	aom := Spec{Type: ArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2, InnerMap: &arr}
	hom := Spec{Type: HashOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2, InnerMap: &hash}
	cases := []Spec{
		{Type: 0, KeySize: 4, ValueSize: 4, MaxEntries: 1},
		arr,
		with(arr, func(s *Spec) { s.KeySize = 8 }),
		with(arr, func(s *Spec) { s.ValueSize = 0 }),
		with(arr, func(s *Spec) { s.MaxEntries = 0 }),
		with(arr, func(s *Spec) { s.Flags = FlagNoPrealloc }),
		with(arr, func(s *Spec) { s.Flags = FlagMmapable }),
		with(arr, func(s *Spec) { s.Flags = FlagInnerMap }),
		with(arr, func(s *Spec) { s.Flags = FlagPreserveElems }),
		with(arr, func(s *Spec) { s.Flags = FlagRdonly | FlagWronly }),
		with(arr, func(s *Spec) { s.Flags = FlagRdonlyProg | FlagWronlyProg }),
		with(arr, func(s *Spec) { s.Flags = FlagRdonlyProg | FlagWronly }),
		with(arr, func(s *Spec) { s.Flags = FlagZeroSeed }),
		with(arr, func(s *Spec) { s.MapExtra = 1 }),
		with(arr, func(s *Spec) { s.Type = PerCPUArray }),
		with(arr, func(s *Spec) { s.Type = PerCPUArray; s.Flags = FlagMmapable }),
		with(arr, func(s *Spec) { s.Type = PerCPUArray; s.ValueSize = 32768 }),
		with(arr, func(s *Spec) { s.Type = PerCPUArray; s.ValueSize = 32761 }),
		with(arr, func(s *Spec) { s.ValueSize = 1 << 31 }),
		hash,
		with(hash, func(s *Spec) { s.KeySize = 0 }),
		with(hash, func(s *Spec) { s.ValueSize = 0 }),
		with(hash, func(s *Spec) { s.MaxEntries = 0 }),
		with(hash, func(s *Spec) { s.Flags = FlagNoCommonLRU }),
		with(hash, func(s *Spec) { s.Flags = FlagZeroSeed | FlagNoPrealloc }),
		with(hash, func(s *Spec) { s.Flags = FlagMmapable }),
		with(hash, func(s *Spec) { s.ValueSize = 4194300 }),
		with(hash, func(s *Spec) { s.ValueSize = 4194200 - 4; s.Flags = FlagNoPrealloc }),
		with(hash, func(s *Spec) { s.MaxEntries = 1<<31 + 1; s.Flags = FlagNoPrealloc }),
		with(hash, func(s *Spec) { s.MaxEntries = 1<<28 + 1; s.Flags = FlagNoPrealloc }),
		with(hash, func(s *Spec) { s.Type = PerCPUHash }),
		with(hash, func(s *Spec) { s.Type = PerCPUHash; s.ValueSize = 32769 }),
		with(hash, func(s *Spec) { s.Type = PerCPUHash; s.Flags = FlagNumaNode }),
		with(hash, func(s *Spec) { s.Type = LRUHash }),
		with(hash, func(s *Spec) { s.Type = LRUHash; s.Flags = FlagNoPrealloc }),
		with(hash, func(s *Spec) { s.Type = LRUHash; s.Flags = FlagNoCommonLRU }),
		with(hash, func(s *Spec) { s.Type = LRUHash; s.Flags = FlagNoCommonLRU | FlagNumaNode }),
		with(hash, func(s *Spec) { s.Type = LRUPerCPUHash }),
		with(hash, func(s *Spec) { s.Type = LRUPerCPUHash; s.Flags = FlagNoCommonLRU }),
		lpm,
		with(lpm, func(s *Spec) { s.Flags = 0 }),
		with(lpm, func(s *Spec) { s.KeySize = 4 }),
		with(lpm, func(s *Spec) { s.KeySize = 260 }),
		with(lpm, func(s *Spec) { s.KeySize = 261 }),
		with(lpm, func(s *Spec) { s.ValueSize = 0 }),
		with(lpm, func(s *Spec) { s.MaxEntries = 0 }),
		with(lpm, func(s *Spec) { s.Flags |= FlagZeroSeed }),
		q,
		with(q, func(s *Spec) { s.KeySize = 4 }),
		with(q, func(s *Spec) { s.ValueSize = 0 }),
		with(q, func(s *Spec) { s.MaxEntries = 0 }),
		with(q, func(s *Spec) { s.Flags = FlagNoPrealloc }),
		with(q, func(s *Spec) { s.ValueSize = kmallocMax + 1 }),
		with(q, func(s *Spec) { s.Type = Stack }),
		with(q, func(s *Spec) { s.Type = Stack; s.Flags = FlagRdonlyProg }),
		bl,
		with(bl, func(s *Spec) { s.MapExtra = 3 }),
		with(bl, func(s *Spec) { s.MapExtra = 16 }),
		with(bl, func(s *Spec) { s.KeySize = 4 }),
		with(bl, func(s *Spec) { s.Flags = FlagZeroSeed }),
		with(bl, func(s *Spec) { s.Flags = FlagNoPrealloc }),
		with(bl, func(s *Spec) { s.ValueSize = 0 }),
		rb,
		with(rb, func(s *Spec) { s.MaxEntries = 8192 }),
		with(rb, func(s *Spec) { s.MaxEntries = 12288 }),
		with(rb, func(s *Spec) { s.MaxEntries = 2048 }),
		with(rb, func(s *Spec) { s.MaxEntries = 0 }),
		with(rb, func(s *Spec) { s.KeySize = 4 }),
		with(rb, func(s *Spec) { s.ValueSize = 4 }),
		with(rb, func(s *Spec) { s.Flags = FlagRdonlyProg }),
		perf,
		with(perf, func(s *Spec) { s.ValueSize = 8 }),
		with(perf, func(s *Spec) { s.Flags = FlagRdonlyProg }),
		with(perf, func(s *Spec) { s.Flags = FlagPreserveElems }),
		with(perf, func(s *Spec) { s.MaxEntries = 0 }),
		prog,
		with(prog, func(s *Spec) { s.Flags = FlagPreserveElems }),
		with(prog, func(s *Spec) { s.Flags = FlagWronlyProg }),
		with(prog, func(s *Spec) { s.KeySize = 8 }),
		aom,
		with(aom, func(s *Spec) { s.ValueSize = 8 }),
		with(aom, func(s *Spec) { s.InnerMap = &prog }),
		with(aom, func(s *Spec) { s.InnerMap = &aom }),
		with(aom, func(s *Spec) { s.InnerMap = &perf }),
		with(aom, func(s *Spec) { s.InnerMap = &rb }),
		hom,
		with(hom, func(s *Spec) { s.ValueSize = 8 }),
		with(hom, func(s *Spec) { s.KeySize = 0 }),
		with(hom, func(s *Spec) { s.InnerMap = &hom }),
		with(hom, func(s *Spec) { s.InnerMap = &q; s.Flags = FlagNoPrealloc }),
	}
	for i, s := range cases {
		t.Run(fmt.Sprintf("%d_%v", i, s.Type), func(t *testing.T) {
			kerr := kcreateSpec(t, &s)
			m, err := New(&s, cpus)
			if errno(err) != errno(kerr) {
				t.Fatalf("spec %+v: New = %v, kernel = %v", s, err, kerr)
			}
			if err == nil && m.Spec().Type != s.Type {
				t.Fatalf("type %v", m.Spec().Type)
			}
		})
	}
}

// kcreateSpec creates s in the kernel, creating its inner template first.
func kcreateSpec(t testing.TB, s *Spec) error {
	_, err := kcreateMap(t, s)
	return err
}

func kcreateMap(t testing.TB, s *Spec) (*kmap, error) {
	inner := 0
	if s.InnerMap != nil {
		in, err := kcreateMap(t, s.InnerMap)
		if err != nil {
			t.Fatalf("inner template %+v: %v", *s.InnerMap, err)
		}
		inner = in.fd
		defer runtime.KeepAlive(in)
	}
	return kcreate(s, inner)
}

// hostMap is what both a kernel map and ours offer.
type hostMap interface {
	Lookup(key, value []byte) error
	Update(key, value []byte, flags uint64) error
	Delete(key []byte) error
	NextKey(key, next []byte) error
	LookupAndDelete(key, value []byte) error
	Freeze() error
}

// pair runs every operation on both maps and compares.
type pair struct {
	t       testing.TB
	k, g    hostMap
	spec    Spec
	vsize   int  // host value buffer size
	ordered bool // NextKey order must match (arrays, tries)
	pushed  map[string]bool
	trace   []string
}

func newPair(t testing.TB, s Spec) *pair {
	t.Helper()
	k, err := kcreateMap(t, &s)
	if err != nil {
		t.Fatalf("kernel map %+v: %v", s, err)
	}
	g, err := New(&s, possibleCPUs(t))
	if err != nil {
		t.Fatalf("New %+v: %v", s, err)
	}
	return &pair{t: t, k: k, g: g, spec: s, vsize: g.HostValueSize(),
		ordered: s.Type != Hash && s.Type != PerCPUHash && s.Type != LRUHash && s.Type != LRUPerCPUHash && s.Type != HashOfMaps,
		pushed:  map[string]bool{}}
}

func (p *pair) fail(format string, args ...any) {
	p.t.Helper()
	tail := p.trace
	if len(tail) > 12 {
		tail = tail[len(tail)-12:]
	}
	p.t.Fatalf("%v: %s\nlast ops:\n  %s", p.spec.Type, fmt.Sprintf(format, args...), joinLines(tail))
}

func joinLines(s []string) string {
	var b bytes.Buffer
	for i, l := range s {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(l)
	}
	return b.String()
}

func (p *pair) same(op string, ke, ge error) bool {
	p.t.Helper()
	p.trace = append(p.trace, fmt.Sprintf("%s -> kernel %v, gbpf %v", op, errno(ke), errno(ge)))
	if errno(ke) != errno(ge) {
		p.fail("%s: kernel %v (%d), gbpf %v (%d)", op, ke, errno(ke), ge, errno(ge))
	}
	return ke == nil
}

func (p *pair) lookup(key []byte) {
	kv, gv := make([]byte, p.vsize), make([]byte, p.vsize)
	if p.spec.Type == BloomFilter {
		copy(kv, key)
		copy(gv, key)
		ke, ge := p.k.Lookup(nil, kv), p.g.Lookup(nil, gv)
		op := fmt.Sprintf("peek %x", key)
		if p.pushed[string(key)] || ke != nil && ge != nil {
			p.same(op, ke, ge)
		}
		return
	}
	var k []byte
	if p.spec.KeySize > 0 {
		k = key
	}
	if p.same(fmt.Sprintf("lookup %x", key), p.k.Lookup(k, kv), p.g.Lookup(k, gv)) && !bytes.Equal(kv, gv) {
		p.fail("lookup %x: kernel %x, gbpf %x", key, kv, gv)
	}
}

func (p *pair) update(key, value []byte, flags uint64) {
	var k []byte
	if p.spec.KeySize > 0 {
		k = key
	}
	if p.same(fmt.Sprintf("update %x=%x flags %d", key, value, flags), p.k.Update(k, value, flags), p.g.Update(k, value, flags)) && p.spec.Type == BloomFilter {
		p.pushed[string(value)] = true
	}
}

func (p *pair) delete(key []byte) {
	var k []byte
	if p.spec.KeySize > 0 {
		k = key
	}
	p.same(fmt.Sprintf("delete %x", key), p.k.Delete(k), p.g.Delete(k))
}

func (p *pair) lookupAndDelete(key []byte) {
	var k []byte
	if p.spec.KeySize > 0 {
		k = key
	}
	kv, gv := make([]byte, p.vsize), make([]byte, p.vsize)
	if p.same(fmt.Sprintf("lookup_and_delete %x", key), p.k.LookupAndDelete(k, kv), p.g.LookupAndDelete(k, gv)) && !bytes.Equal(kv, gv) {
		p.fail("lookup_and_delete %x: kernel %x, gbpf %x", key, kv, gv)
	}
}

// nextKey compares NextKey where the result does not depend on hash order.
func (p *pair) nextKey(key []byte) {
	kn, gn := make([]byte, max(p.spec.KeySize, 4)), make([]byte, max(p.spec.KeySize, 4))
	ke, ge := p.k.NextKey(key, kn), p.g.NextKey(key, gn)
	if !p.ordered && key != nil {
		if p.g.Lookup(key, make([]byte, p.vsize)) == nil {
			return // the successor of a present key depends on hash order
		}
	}
	if p.same(fmt.Sprintf("next_key %x", key), ke, ge) && p.ordered && !bytes.Equal(kn, gn) {
		p.fail("next_key %x: kernel %x, gbpf %x", key, kn, gn)
	}
}

func (p *pair) freeze() { p.same("freeze", p.k.Freeze(), p.g.Freeze()) }

// keys iterates a map from the first key.
func keys(t testing.TB, m hostMap, size uint32) [][]byte {
	var out [][]byte
	var key []byte
	for i := 0; ; i++ {
		next := make([]byte, size)
		if err := m.NextKey(key, next); err != nil {
			if errno(err) != syscall.ENOENT {
				t.Fatalf("NextKey: %v", err)
			}
			return out
		}
		if i > 1<<20 {
			t.Fatal("NextKey does not end")
		}
		out = append(out, next)
		key = next
	}
}

// contents compares the key sets (in order for ordered maps) and values.
func (p *pair) contents() {
	p.t.Helper()
	if p.spec.KeySize == 0 {
		return
	}
	kk, gk := keys(p.t, p.k, p.spec.KeySize), keys(p.t, p.g, p.spec.KeySize)
	if !p.ordered {
		slices.SortFunc(kk, bytes.Compare)
		slices.SortFunc(gk, bytes.Compare)
	}
	if len(kk) != len(gk) {
		p.fail("kernel has %d keys, gbpf %d:\n%x\n%x", len(kk), len(gk), kk, gk)
	}
	for i := range kk {
		if !bytes.Equal(kk[i], gk[i]) {
			p.fail("key %d: kernel %x, gbpf %x\n%x\n%x", i, kk[i], gk[i], kk, gk)
		}
		if p.spec.Type != ArrayOfMaps && p.spec.Type != HashOfMaps && p.spec.Type != PerfEventArray && p.spec.Type != ProgArray {
			p.lookup(kk[i])
		}
	}
}

// diffSpecs are the maps the random differential test runs on.
func diffSpecs() []Spec {
	return []Spec{
		{Type: Hash, KeySize: 4, ValueSize: 12, MaxEntries: 8},
		{Type: Hash, KeySize: 3, ValueSize: 8, MaxEntries: 8, Flags: FlagNoPrealloc},
		{Type: PerCPUHash, KeySize: 4, ValueSize: 12, MaxEntries: 8},
		{Type: Array, KeySize: 4, ValueSize: 12, MaxEntries: 8},
		{Type: PerCPUArray, KeySize: 4, ValueSize: 4, MaxEntries: 8},
		{Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 16},
		{Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 512},
		{Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 16, Flags: FlagNoCommonLRU},
		{Type: LRUPerCPUHash, KeySize: 4, ValueSize: 4, MaxEntries: 16},
		{Type: LRUPerCPUHash, KeySize: 4, ValueSize: 4, MaxEntries: 15, Flags: FlagNoCommonLRU},
		{Type: LPMTrie, KeySize: 8, ValueSize: 8, MaxEntries: 12, Flags: FlagNoPrealloc},
		{Type: LPMTrie, KeySize: 6, ValueSize: 3, MaxEntries: 40, Flags: FlagNoPrealloc},
		{Type: Queue, ValueSize: 6, MaxEntries: 5},
		{Type: Stack, ValueSize: 6, MaxEntries: 5},
		{Type: BloomFilter, ValueSize: 4, MaxEntries: 16},
	}
}

// randKey draws keys from a small domain so operations collide.
func randKey(r *rand.Rand, s *Spec) []byte {
	switch s.Type {
	case Array, PerCPUArray:
		k := make([]byte, 4)
		binary.NativeEndian.PutUint32(k, uint32(r.IntN(int(s.MaxEntries)+2)))
		if r.IntN(20) == 0 {
			binary.NativeEndian.PutUint32(k, r.Uint32())
		}
		return k
	case LPMTrie:
		ds := int(s.KeySize) - 4
		k := make([]byte, s.KeySize)
		binary.NativeEndian.PutUint32(k, uint32(r.IntN(8*ds+2)))
		pat := []byte{0x00, 0xff, 0x0a, 0x80, 0xc0, 0x0b}
		for i := 4; i < len(k); i++ {
			if r.IntN(3) > 0 {
				k[i] = pat[r.IntN(len(pat))]
			} else {
				k[i] = byte(r.IntN(256))
			}
		}
		return k
	case Queue, Stack, BloomFilter:
		v := make([]byte, s.ValueSize)
		v[0] = byte(r.IntN(24))
		return v
	}
	k := make([]byte, s.KeySize)
	k[0] = byte(r.IntN(int(s.MaxEntries) * 2))
	if s.MaxEntries > 64 {
		binary.NativeEndian.PutUint16(k, uint16(r.IntN(int(s.MaxEntries)*2)))
	}
	return k
}

func TestKernelRandomOps(t *testing.T) {
	needKernel(t)
	for _, s := range diffSpecs() {
		t.Run(fmt.Sprintf("%v_%d_%d_%x", s.Type, s.KeySize, s.MaxEntries, s.Flags), func(t *testing.T) {
			onCPU0(t)
			for seed := uint64(1); seed <= 4; seed++ {
				r := rand.New(rand.NewPCG(seed, 7))
				p := newPair(t, s)
				steps := 600
				if s.MaxEntries > 64 {
					steps = 4000
				}
				for i := 0; i < steps; i++ {
					key := randKey(r, &s)
					switch op := r.IntN(20); {
					case op < 8:
						value := make([]byte, p.vsize)
						for j := range value {
							value[j] = byte(r.IntN(256))
						}
						if s.Type == Queue || s.Type == Stack || s.Type == BloomFilter {
							copy(value, key)
						}
						flags := []uint64{UpdateAny, UpdateAny, UpdateNoExist, UpdateExist, UpdateLock, 3, 8}[r.IntN(7)]
						p.update(key, value, flags)
					case op < 13:
						p.lookup(key)
					case op < 15:
						p.delete(key)
					case op < 17:
						p.lookupAndDelete(key)
					case op < 19:
						if s.KeySize == 0 {
							p.nextKey(nil)
						} else {
							p.nextKey(key)
						}
					default:
						p.nextKey(nil)
					}
				}
				p.contents()
			}
		})
	}
}
