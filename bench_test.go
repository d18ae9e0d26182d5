package gbpf_test

import (
	"encoding/binary"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/internal/kernel"
)

// The map and helper benchmarks run the programs of testdata/bench: each
// is a loop of benchLoop iterations of one operation (see bench.h), and
// the operation's cost is (program's time per run - baseline's time per
// run) / benchLoop, the baseline being the same loop with no operation.
// Both engines report their own average per run: gbpf's RunResult.Duration
// and the kernel's BPF_PROG_TEST_RUN duration, so neither figure includes
// loading or the test-run call itself.
//
//	go test -run XXX -bench Maps -count 3 .
//
// No timing is asserted; the metrics are for docs/performance.md.

const (
	// benchLoop is N in testdata/bench/bench.h.
	benchLoop = 1024
	// benchKeys is NKEYS there: the maps hold keys 0..benchKeys-1.
	benchKeys = 64
	// Kernel runs per measurement; the ring buffer of ringbuf.o holds
	// fewer than 1024 runs' records.
	benchRepeatKernel = 200
)

// benchRepeatGbpf is gbpf's runs per measurement (RunOptions.Repeat):
// fewer than the kernel's, gbpf being slower. A flag, since some of gbpf's
// costs grow with the operations one Run call makes (see
// docs/performance.md):
//
//	go test -run XXX -bench 'Maps$/ringbuf' . -args -maps.gbpf-repeat 1
var benchRepeatGbpf = flag.Int("maps.gbpf-repeat", 20, "gbpf runs per measurement in BenchmarkMaps (at most 1000)")

// mapBenchCase is one program of testdata/bench.
type mapBenchCase struct {
	prog   string
	object string // file in testdata/bench
	// fresh reloads the object before every measurement: ring buffer
	// records pile up, since nothing consumes them.
	fresh bool
}

var mapBenchCases = []mapBenchCase{
	{prog: "baseline", object: "maps.o"},
	{prog: "array_lookup", object: "maps.o"},
	{prog: "percpu_array_lookup", object: "maps.o"},
	{prog: "hash4_lookup", object: "maps.o"},
	{prog: "hash16_lookup", object: "maps.o"},
	{prog: "hash4_miss", object: "maps.o"},
	{prog: "hash4_update", object: "maps.o"},
	{prog: "lru_hash_lookup", object: "maps.o"},
	{prog: "lpm_lookup", object: "maps.o"},
	{prog: "array_update", object: "maps.o"},
	{prog: "get_smp_processor_id", object: "maps.o"},
	{prog: "ktime_get_ns", object: "maps.o"},
	{prog: "get_prandom_u32", object: "maps.o"},
	{prog: "csum_diff_20", object: "maps.o"},
	{prog: "ringbuf_reserve_submit", object: "ringbuf.o", fresh: true},
}

// benchPacket is a minimal Ethernet + IPv4 frame; the programs ignore it.
var benchPacket = func() []byte {
	p := make([]byte, 64)
	copy(p[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(p[6:12], []byte{0x02, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(p[12:], 0x0800)
	p[14] = 0x45
	return p
}()

// loadBenchSpec parses an object of testdata/bench and sets the initial
// contents of its maps, which both engines then create: keys
// 0..benchKeys-1 in every lookup map, and for the LPM trie the prefixes
// 10.0.0.0/8, 10.x.0.0/16 and 10.x.1.0/24 for each x < benchKeys, so the
// lookups of 10.x.1.2 hit the /24.
func loadBenchSpec(tb testing.TB, object string) *gbpf.CollectionSpec {
	tb.Helper()
	spec, err := gbpf.LoadCollectionSpec(filepath.Join("testdata", "bench", object))
	if err != nil {
		tb.Fatal(err)
	}
	u32 := func(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
	u64 := func(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }
	lpmKey := func(prefix uint32, a, b, c byte) []byte { return append(u32(prefix), 10, a, b, c) }
	for name, ms := range spec.Maps {
		var kvs []ebpf.MapKV
		switch name {
		case "array", "hash4", "lru_hash":
			for k := range uint32(benchKeys) {
				kvs = append(kvs, ebpf.MapKV{Key: u32(k), Value: u64(uint64(k) + 1)})
			}
		case "percpu_array":
			for k := range uint32(benchKeys) {
				vals := make([]uint64, ebpf.MustPossibleCPU())
				for i := range vals {
					vals[i] = uint64(k) + 1
				}
				kvs = append(kvs, ebpf.MapKV{Key: u32(k), Value: vals})
			}
		case "hash16":
			for k := range uint32(benchKeys) {
				key := binary.NativeEndian.AppendUint32(u32(k), 0x11111111)
				key = binary.NativeEndian.AppendUint32(key, 0x22222222)
				key = binary.NativeEndian.AppendUint32(key, 0x33333333)
				kvs = append(kvs, ebpf.MapKV{Key: key, Value: u64(uint64(k) + 1)})
			}
		case "lpm":
			kvs = append(kvs, ebpf.MapKV{Key: lpmKey(8, 0, 0, 0), Value: u64(1)})
			for x := range byte(benchKeys) {
				kvs = append(kvs,
					ebpf.MapKV{Key: lpmKey(16, x, 0, 0), Value: u64(2)},
					ebpf.MapKV{Key: lpmKey(24, x, 1, 0), Value: u64(3)})
			}
		default:
			continue
		}
		ms.Contents = kvs
	}
	return spec
}

// benchEngine runs the programs of the bench objects in one engine.
type benchEngine interface {
	// run runs prog of object repeat times and returns the engine's
	// average per run.
	run(tb testing.TB, object, prog string, repeat int) time.Duration
	// reload recreates the collection of object.
	reload(tb testing.TB, object string)
	close()
}

type gbpfBench struct {
	specs  map[string]*gbpf.CollectionSpec
	colls  map[string]*gbpf.Collection
	engine gbpf.Engine
}

func (g *gbpfBench) reload(tb testing.TB, object string) {
	tb.Helper()
	if c := g.colls[object]; c != nil {
		c.Close()
	}
	c, err := gbpf.NewCollectionWithOptions(g.specs[object], gbpf.CollectionOptions{Engine: g.engine})
	if err != nil {
		tb.Fatal(err)
	}
	g.colls[object] = c
}

func (g *gbpfBench) run(tb testing.TB, object, prog string, repeat int) time.Duration {
	tb.Helper()
	if g.colls[object] == nil {
		g.reload(tb, object)
	}
	res, err := g.colls[object].Programs[prog].Run(&gbpf.RunOptions{Data: benchPacket, Repeat: uint32(repeat)})
	if err != nil {
		tb.Fatalf("gbpf: %v", err)
	}
	if res.ReturnValue != 2 {
		tb.Fatalf("gbpf: %s returned %d, not XDP_PASS: an operation failed", prog, res.ReturnValue)
	}
	return res.Duration
}

func (g *gbpfBench) close() {
	for _, c := range g.colls {
		c.Close()
	}
}

type kernelBench struct {
	specs map[string]*gbpf.CollectionSpec
	colls map[string]*kernel.Collection
}

func (k *kernelBench) reload(tb testing.TB, object string) {
	tb.Helper()
	if c := k.colls[object]; c != nil {
		c.Close()
	}
	c, err := kernel.LoadCollection(k.specs[object])
	if err != nil {
		tb.Fatal(err)
	}
	k.colls[object] = c
}

func (k *kernelBench) run(tb testing.TB, object, prog string, repeat int) time.Duration {
	tb.Helper()
	if k.colls[object] == nil {
		k.reload(tb, object)
	}
	res, err := k.colls[object].Run(prog, kernel.RunOptions{Data: benchPacket, Repeat: repeat})
	if err != nil {
		tb.Fatalf("kernel: %v", err)
	}
	if res.Retval != 2 {
		tb.Fatalf("kernel: %s returned %d, not XDP_PASS: an operation failed", prog, res.Retval)
	}
	return res.Duration
}

func (k *kernelBench) close() {
	for _, c := range k.colls {
		c.Close()
	}
}

// BenchmarkMaps measures one map operation or helper call per
// sub-benchmark, in gbpf's interpreter, gbpf's JIT and the kernel's JIT,
// with the metrics
//
//	gbpf-ns/op    the interpreter's time per operation, loop overhead subtracted
//	jit-ns/op     the JIT's, likewise
//	kernel-ns/op  the kernel's, likewise
//	gbpf/kernel, jit/kernel  the ratios
//
// The baseline sub-benchmark reports the loop iteration itself. Each
// benchmark iteration runs the baseline and the program alternately in
// every engine, so drifts in machine load hit all alike.
func BenchmarkMaps(b *testing.B) {
	specs := map[string]*gbpf.CollectionSpec{}
	for _, c := range mapBenchCases {
		if specs[c.object] == nil {
			specs[c.object] = loadBenchSpec(b, c.object)
		}
	}
	kernelErr := kernel.Available()
	for _, c := range mapBenchCases {
		b.Run(c.prog, func(b *testing.B) {
			engines := []benchEngine{&gbpfBench{specs: specs, colls: map[string]*gbpf.Collection{}, engine: gbpf.EngineInterpreter}}
			repeats := []int{*benchRepeatGbpf}
			names := []string{"gbpf"}
			if jit.Available() == nil {
				engines = append(engines, &gbpfBench{specs: specs, colls: map[string]*gbpf.Collection{}, engine: gbpf.EngineJIT})
				repeats = append(repeats, benchRepeatKernel)
				names = append(names, "jit")
			}
			if kernelErr == nil {
				engines = append(engines, &kernelBench{specs: specs, colls: map[string]*kernel.Collection{}})
				repeats = append(repeats, benchRepeatKernel)
				names = append(names, "kernel")
			} else {
				b.Logf("kernel half skipped: %v", kernelErr)
			}
			if *benchRepeatGbpf < 1 || *benchRepeatGbpf > 1000 {
				b.Fatalf("-maps.gbpf-repeat %d: want 1 to 1000", *benchRepeatGbpf)
			}
			op := make([]time.Duration, len(engines))
			base := make([]time.Duration, len(engines))
			for _, e := range engines {
				defer e.close()
				// Warm up: first runs pay for decoding, page faults and
				// cold caches.
				e.run(b, "maps.o", "baseline", 1)
				e.run(b, c.object, c.prog, 1)
				if c.fresh {
					e.reload(b, c.object)
				}
			}
			b.ResetTimer()
			for range b.N {
				for i, e := range engines {
					if c.fresh {
						e.reload(b, c.object)
					}
					if c.prog != "baseline" {
						base[i] += e.run(b, "maps.o", "baseline", repeats[i])
					}
					op[i] += e.run(b, c.object, c.prog, repeats[i])
				}
			}
			perOp := make([]float64, len(engines))
			for i := range engines {
				perOp[i] = float64(op[i]-base[i]) / float64(b.N) / benchLoop
			}
			b.ReportMetric(0, "ns/op")
			for i, name := range names {
				b.ReportMetric(perOp[i], name+"-ns/op")
			}
			if k := len(names) - 1; names[k] == "kernel" {
				for i, name := range names[:k] {
					b.ReportMetric(perOp[i]/perOp[k], name+"/kernel")
				}
			}
		})
	}
}

// BenchmarkMapsHostAPI measures the host side: Map.Lookup and Map.Update
// from Go with a uint32 key and a uint64 value, on a gbpf map (a function
// call into the interpreter's map) and on a kernel map through
// cilium/ebpf (a bpf(2) syscall each).
func BenchmarkMapsHostAPI(b *testing.B) {
	kernelErr := kernel.Available()
	for _, typ := range []ebpf.MapType{ebpf.Hash, ebpf.Array} {
		spec := &ebpf.MapSpec{Type: typ, KeySize: 4, ValueSize: 8, MaxEntries: 1024}
		gm, err := gbpf.NewMap(spec)
		if err != nil {
			b.Fatal(err)
		}
		defer gm.Close()
		var km *ebpf.Map
		if kernelErr == nil {
			if km, err = ebpf.NewMap(spec); err != nil {
				b.Fatal(err)
			}
			defer km.Close()
		}
		for k := range uint32(benchKeys) {
			v := uint64(k)
			if err := gm.Update(&k, &v, gbpf.UpdateAny); err != nil {
				b.Fatal(err)
			}
			if km != nil {
				if err := km.Update(&k, &v, ebpf.UpdateAny); err != nil {
					b.Fatal(err)
				}
			}
		}
		type hostMap interface {
			Lookup(key, valueOut any) error
		}
		engines := []struct {
			name   string
			m      hostMap
			update func(k *uint32, v *uint64) error
		}{
			{"gbpf", gm, func(k *uint32, v *uint64) error { return gm.Update(k, v, gbpf.UpdateAny) }},
			{"kernel", km, func(k *uint32, v *uint64) error { return km.Update(k, v, ebpf.UpdateAny) }},
		}
		for _, e := range engines {
			b.Run(typ.String()+"/lookup/"+e.name, func(b *testing.B) {
				if e.name == "kernel" && km == nil {
					b.Skipf("kernel half skipped: %v", kernelErr)
				}
				b.ReportAllocs()
				var v uint64
				for i := range b.N {
					k := uint32(i % benchKeys)
					if err := e.m.Lookup(&k, &v); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(typ.String()+"/update/"+e.name, func(b *testing.B) {
				if e.name == "kernel" && km == nil {
					b.Skipf("kernel half skipped: %v", kernelErr)
				}
				b.ReportAllocs()
				for i := range b.N {
					k := uint32(i % benchKeys)
					v := uint64(i)
					if err := e.update(&k, &v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
