package gbpf_test

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/testdata"
)

// The engine benchmark suite: the programs of testdata/bench/suite.c, each
// measured in the interpreter, the JIT and the kernel's JIT in the same
// benchmark iteration, every engine reporting its own average per run
// (RunResult.Duration, the kernel's BPF_PROG_TEST_RUN duration), so no
// figure includes loading or the call that starts the runs:
//
//	go test -run XXX -bench Suite -count 3 .
//
// The same figures come from the command line, for any object:
//
//	gbpf run testdata/bench/suite.o --prog csum --data PKT --repeat 10000 --engine jit --json
//
// TestSuiteReport prints the table docs/performance.md shows. No timing
// is asserted anywhere.

// suiteCase is one program of suite.o and its packet.
type suiteCase struct {
	prog   string
	packet []byte
}

var suiteCases = []suiteCase{
	{"mix64", suiteUDP},
	{"divmod", suiteUDP},
	{"csum", suiteUDP},
	{"parse", suiteTCPOptions},
	{"flow_hash", suiteUDP},
	{"array_stats", suiteUDP},
	{"lpm_route", suiteUDP},
	{"calls", suiteUDP},
}

// suitePass is the program that does nothing: the fixed cost of a run,
// reported apart from the suite.
var suitePass = suiteCase{"pass", suiteUDP}

// suiteUDP is an IPv4 UDP datagram with 1,200 bytes of payload and
// correct checksums.
var suiteUDP = func() []byte {
	payload := make([]byte, 1200)
	for i := range payload {
		payload[i] = byte(i*7 + 3)
	}
	return testdata.UDP("192.0.2.1", "198.51.100.2", 1000, 53, testdata.Payload(payload))
}()

// suiteTCPOptions is a VLAN-tagged IPv4 packet with 8 bytes of IP options
// and a TCP SYN to port 443 with MSS, window scale, SACK permitted and
// timestamp options, then 64 bytes of payload.
var suiteTCPOptions = func() []byte {
	p := []byte{
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x81, 0x00, // Ethernet, 802.1Q
		0x00, 0x64, 0x08, 0x00, // VLAN 100, IPv4
		0x47, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, // IPv4, IHL 7, TCP
		192, 0, 2, 1, 198, 51, 100, 2,
		0x94, 0x04, 0, 0, 1, 1, 1, 0, // router alert, NOPs, end
		0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, // ports 40000 -> 443, seq, ack
		0xa0, 0x02, 0xff, 0xff, 0, 0, 0, 0, // doff 10, SYN, window
		2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, // options
	}
	p = append(p, make([]byte, 64)...)
	binary.BigEndian.PutUint16(p[18+2:], uint16(len(p)-18)) // IPv4 total length
	return p
}()

// loadSuiteSpec parses suite.o and sets its maps' initial contents: the
// 16 flows and the host flow_hash counts, the configuration, and the
// routes lpm_route looks up.
func loadSuiteSpec(tb testing.TB) *gbpf.CollectionSpec {
	tb.Helper()
	spec, err := gbpf.LoadCollectionSpec(filepath.Join("testdata", "bench", "suite.o"))
	if err != nil {
		tb.Fatal(err)
	}
	src, dst := net.ParseIP("192.0.2.1").To4(), net.ParseIP("198.51.100.2").To4()
	for i := range 16 {
		key := append(append([]byte{}, src...), dst...)
		key = binary.BigEndian.AppendUint16(key, uint16(1000+i))
		key = binary.BigEndian.AppendUint16(key, 53)
		key = append(key, 17, 0, 0, 0)
		spec.Maps["flows"].Contents = append(spec.Maps["flows"].Contents, ebpf.MapKV{Key: key, Value: make([]byte, 16)})
	}
	spec.Maps["hosts"].Contents = []ebpf.MapKV{{Key: []byte(src), Value: make([]byte, 8)}}
	cfg := binary.NativeEndian.AppendUint32(binary.NativeEndian.AppendUint32(nil, 1), 1600)
	spec.Maps["cfg"].Contents = []ebpf.MapKV{{Key: uint32(0), Value: cfg}}
	route := func(prefix uint32, a, b, c, d byte, v uint32) ebpf.MapKV {
		return ebpf.MapKV{Key: append(binary.NativeEndian.AppendUint32(nil, prefix), a, b, c, d), Value: binary.NativeEndian.AppendUint32(nil, v)}
	}
	routes := []ebpf.MapKV{route(24, 192, 0, 2, 0, 1), route(16, 198, 51, 0, 0, 16)}
	for x := byte(96); x < 104; x++ {
		routes = append(routes, route(24, 198, 51, x, 0, 24))
	}
	spec.Maps["routes"].Contents = routes
	return spec
}

// suiteEngine runs the suite's programs in one engine.
type suiteEngine struct {
	name string
	run  func(prog string, pkt []byte, repeat int) (uint32, time.Duration, error)
	maps func() map[string][]gbpf.MapEntry
	done func()
}

// suiteEngines loads the suite in every engine this process can use: the
// interpreter, the JIT and the kernel.
func suiteEngines(tb testing.TB) []suiteEngine {
	tb.Helper()
	spec := loadSuiteSpec(tb)
	var out []suiteEngine
	gbpfEngine := func(name string, e gbpf.Engine) {
		coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: e})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, suiteEngine{name: name, done: coll.Close,
			maps: func() map[string][]gbpf.MapEntry {
				m := map[string][]gbpf.MapEntry{}
				for name, mp := range coll.Maps {
					if m[name], err = mp.Entries(); err != nil {
						tb.Fatal(err)
					}
				}
				return m
			},
			run: func(prog string, pkt []byte, repeat int) (uint32, time.Duration, error) {
				res, err := coll.Programs[prog].Run(&gbpf.RunOptions{Data: pkt, Repeat: uint32(repeat)})
				if err != nil {
					return 0, 0, err
				}
				return res.ReturnValue, res.Duration, nil
			}})
	}
	gbpfEngine("interp", gbpf.EngineInterpreter)
	if err := jit.Available(); err == nil {
		gbpfEngine("jit", gbpf.EngineJIT)
	} else {
		tb.Logf("JIT skipped: %v", err)
	}
	if err := kernel.Available(); err == nil {
		kc, err := kernel.LoadCollection(spec)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, suiteEngine{name: "kernel", done: func() { kc.Close() },
			maps: func() map[string][]gbpf.MapEntry {
				km, err := kc.Maps()
				if err != nil {
					tb.Fatal(err)
				}
				m := map[string][]gbpf.MapEntry{}
				for name, es := range km {
					m[name] = []gbpf.MapEntry{}
					for _, e := range es {
						m[name] = append(m[name], gbpf.MapEntry{Key: e.Key, Value: e.Value, Values: e.Values, Name: e.Name})
					}
				}
				return m
			},
			run: func(prog string, pkt []byte, repeat int) (uint32, time.Duration, error) {
				res, err := kc.Run(prog, kernel.RunOptions{Data: pkt, Repeat: repeat})
				return res.Retval, res.Duration, err
			}})
	} else {
		tb.Logf("kernel skipped: %v", err)
	}
	return out
}

// TestSuite runs every suite program once in each engine: all must pass
// the packet (their checks of what they computed held) and leave the same
// maps (counters, and the values computations stored in .bss).
func TestSuite(t *testing.T) {
	engines := suiteEngines(t)
	defer func() {
		for _, e := range engines {
			e.done()
		}
	}()
	for _, c := range append(suiteCases, suitePass) {
		for _, e := range engines {
			ret, _, err := e.run(c.prog, c.packet, 3) // repeated: the JIT runs its exclusive code
			if err != nil || ret != 2 {
				t.Errorf("%s in %s: %d, %v; want XDP_PASS", c.prog, e.name, ret, err)
			}
		}
	}
	want := engines[0].maps()
	for _, e := range engines[1:] {
		for _, d := range diffMaps(e.maps(), want) {
			t.Errorf("%s and %s differ: %s", e.name, engines[0].name, d)
		}
	}
}

// suiteRepeat is the runs per measurement, per engine: the interpreter
// is slower, so it runs fewer.
var suiteRepeat = map[string]int{"interp": 200, "jit": 2000, "kernel": 2000}

// measureSuite runs program c in every engine rounds times, alternating
// the engines in each round so drifts of the machine's load hit all alike,
// and returns each engine's mean ns per run.
func measureSuite(tb testing.TB, engines []suiteEngine, c suiteCase, rounds int) []float64 {
	tb.Helper()
	sum := make([]float64, len(engines))
	for _, e := range engines { // warm up
		if _, _, err := e.run(c.prog, c.packet, 10); err != nil {
			tb.Fatalf("%s in %s: %v", c.prog, e.name, err)
		}
	}
	for range rounds {
		for i, e := range engines {
			_, d, err := e.run(c.prog, c.packet, suiteRepeat[e.name])
			if err != nil {
				tb.Fatalf("%s in %s: %v", c.prog, e.name, err)
			}
			sum[i] += float64(d.Nanoseconds())
		}
	}
	for i := range sum {
		sum[i] /= float64(rounds)
	}
	return sum
}

// BenchmarkSuite reports, per program, each engine's ns per run
// (interp-ns/run, jit-ns/run, kernel-ns/run) and jit/kernel.
func BenchmarkSuite(b *testing.B) {
	engines := suiteEngines(b)
	defer func() {
		for _, e := range engines {
			e.done()
		}
	}()
	for _, c := range append(suiteCases, suitePass) {
		b.Run(c.prog, func(b *testing.B) {
			ns := measureSuite(b, engines, c, b.N)
			b.ReportMetric(0, "ns/op")
			for i, e := range engines {
				b.ReportMetric(ns[i], e.name+"-ns/run")
			}
			if len(engines) == 3 {
				b.ReportMetric(ns[1]/ns[2], "jit/kernel")
			}
		})
	}
}

var suiteReport = flag.Bool("suite.report", false, "TestSuiteReport: measure the suite and print the table of docs/performance.md")

// TestSuiteReport measures the whole suite (-suite.report) and prints a
// Markdown table with the ratios and their geometric means.
func TestSuiteReport(t *testing.T) {
	if !*suiteReport {
		t.Skip("measures for a while: run with -suite.report")
	}
	engines := suiteEngines(t)
	defer func() {
		for _, e := range engines {
			e.done()
		}
	}()
	var b strings.Builder
	fmt.Fprintf(&b, "| program |")
	for _, e := range engines {
		fmt.Fprintf(&b, " %s ns/run |", e.name)
	}
	fmt.Fprintf(&b, " jit/kernel | interp/kernel |\n|---|%s---|---|\n", strings.Repeat("---|", len(engines)))
	logs := make([]float64, 2)
	for _, c := range suiteCases {
		ns := measureSuite(t, engines, c, 20)
		fmt.Fprintf(&b, "| %s |", c.prog)
		for _, v := range ns {
			fmt.Fprintf(&b, " %.0f |", v)
		}
		if len(engines) == 3 {
			fmt.Fprintf(&b, " %.2f | %.1f |", ns[1]/ns[2], ns[0]/ns[2])
			logs[0] += math.Log(ns[1] / ns[2])
			logs[1] += math.Log(ns[0] / ns[2])
		}
		b.WriteString("\n")
	}
	n := float64(len(suiteCases))
	fmt.Fprintf(&b, "| geometric mean |%s %.2f | %.1f |\n", strings.Repeat(" |", len(engines)), math.Exp(logs[0]/n), math.Exp(logs[1]/n))
	ns := measureSuite(t, engines, suitePass, 20)
	fmt.Fprintf(&b, "\nper-run overhead (pass):")
	for i, e := range engines {
		fmt.Fprintf(&b, " %s %.0f ns", e.name, ns[i])
	}
	b.WriteString("\n")
	t.Logf("\n%s", b.String())
}
