//go:build amd64 && unix

package jit

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit/amd64"
	"github.com/gbpf/gbpf/internal/kernel"
)

// TestPrime runs the conformance suite's prime program (is 67 prime?)
// through the JIT; BenchmarkPrime runs it only after this passed in a
// child process, so a JIT bug cannot crash the benchmark binary.
func TestPrime(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	p, err := New(kernel.PrimeProgram(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got, err := p.Run(nil); err != nil || got != 1 {
		t.Fatalf("prime(67) = %d, %v", got, err)
	}
}

var primeChecked sync.Once

// BenchmarkPrime reports ns per run of the prime program (655 executed
// instructions) through the JIT and the interpreter (cpu-ns/op: the
// thread's CPU time, as the kernel counts), and through the kernel's JIT
// (its own BPF_PROG_TEST_RUN average) where it can load programs.
func BenchmarkPrime(b *testing.B) {
	insns := kernel.PrimeProgram()
	b.Run("jit", func(b *testing.B) {
		requireJIT(b)
		primeChecked.Do(func() { runInChild(b, "TestPrime") })
		p, err := New(insns, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		b.ReportAllocs()
		cpuLoop(b, 1, func() {
			if _, err := p.Run(nil); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("interp", func(b *testing.B) {
		p, err := interp.New(insns, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		cpuLoop(b, 1, func() {
			if _, err := p.Run(nil); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("kernel", func(b *testing.B) {
		if err := kernel.Available(); err != nil {
			b.Skipf("kernel unavailable: %v", err)
		}
		var total float64
		for b.Loop() {
			d, err := kernel.Benchmark(insns, nil, 100_000)
			if err != nil {
				b.Fatal(err)
			}
			total += float64(d.Nanoseconds())
		}
		b.ReportMetric(total/float64(b.N), "kernel-ns/run")
	})
}

var smokeChecked sync.Once

// BenchmarkEmpty is the fixed cost of a run: machine, bound table, entry
// and exit, for "r0 = 1; exit".
func BenchmarkEmpty(b *testing.B) {
	requireJIT(b)
	smokeChecked.Do(func() { runInChild(b, "TestSmoke") })
	p, err := New(asm.MustAssemble("r0 = 1\nexit\n", asm.SyntaxLLVM), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	b.ReportAllocs()
	cpuLoop(b, 1, func() {
		if _, err := p.Run(nil); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkHelperCall is the cost of one helper call: an exit to Go and
// back, for a helper that does nothing (1,000 calls per run).
func BenchmarkHelperCall(b *testing.B) {
	requireJIT(b)
	smokeChecked.Do(func() { runInChild(b, "TestSmoke") })
	insns := asm.MustAssemble("r6 = 1000\ncall 1\nr6 += -1\nif r6 != 0 goto -3\nexit\n", asm.SyntaxLLVM)
	helpers := map[int32]interp.Helper{1: func(m *interp.Machine, r1, _, _, _, _ uint64) (uint64, error) { return r1, nil }}
	p, err := New(insns, &Options{Helpers: helpers})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	b.ReportAllocs()
	cpuLoop(b, 1000, func() {
		if _, err := p.Run(nil); err != nil {
			b.Fatal(err)
		}
	})
}

// cpuLoop runs f b.N times and reports the thread's CPU time per call
// (cpu-ns/op): on a machine shared with other jobs, wall time counts
// their turns on the CPU too.
func cpuLoop(b *testing.B, per float64, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	now := func() int64 {
		var ts unix.Timespec
		unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
		return ts.Nano()
	}
	start := now()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(now()-start)/float64(b.N)/per, "cpu-ns/op")
}

// largeProgram is n blocks of packet-parsing-like code: loads and stores
// through checked pointers, ALU work, compares and branches (10 slots a
// block), then exit.
func largeProgram(n int) asm.Instructions {
	var src strings.Builder
	src.WriteString("r6 = r1\nr7 = r2\nr0 = 0\n")
	for i := range n {
		fmt.Fprintf(&src, "r2 = *(u8 *)(r6 + %d)\nr3 = r2\nr3 <<= 8\nr3 |= r2\nr0 += r3\nif r0 > %d goto +2\nr0 ^= 0x55\n*(u32 *)(r10 - %d) = r0\nr4 = *(u32 *)(r10 - %d)\nr0 += r4\n", i%8, 1000+i, 8+4*(i%64), 8+4*(i%64))
	}
	src.WriteString("exit\n")
	return asm.MustAssemble(src.String(), asm.SyntaxLLVM)
}

// BenchmarkCompile is the one-time cost of a program: amd64.Compile
// alone (compile) and jit.New (new: validation, the interpreter's
// decoding for helpers' view, compiling and mapping the code), for the
// prime program (small) and a 1,004-slot program (large), with the cost
// per 1,000 instructions.
func BenchmarkCompile(b *testing.B) {
	requireJIT(b)
	for _, c := range []struct {
		name  string
		insns asm.Instructions
	}{{"small", kernel.PrimeProgram()}, {"large", largeProgram(100)}} {
		per := float64(len(c.insns)) / 1000
		b.Run(c.name+"/compile", func(b *testing.B) {
			cpuLoop(b, per, func() {
				if _, err := amd64.Compile(c.insns, amd64.Options{}); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(len(c.insns)), "insns")
		})
		b.Run(c.name+"/new", func(b *testing.B) {
			cpuLoop(b, per, func() {
				p, err := New(c.insns, nil)
				if err != nil {
					b.Fatal(err)
				}
				p.Close()
			})
			b.ReportMetric(float64(len(c.insns)), "insns")
		})
	}
}
