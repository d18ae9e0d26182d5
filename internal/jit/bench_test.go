//go:build amd64 && unix

package jit

import (
	"runtime"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
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
// instructions) through the JIT and the interpreter, and through the
// kernel's JIT (its own BPF_PROG_TEST_RUN average) where it can load
// programs.
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
		for b.Loop() {
			if _, err := p.Run(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("interp", func(b *testing.B) {
		p, err := interp.New(insns, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Run(nil); err != nil {
				b.Fatal(err)
			}
		}
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
