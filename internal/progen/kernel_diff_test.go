package progen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/kernel"
)

// sentinel fills both result blocks before a run, so bytes a program
// failed to write show up as a difference.
const sentinel = 0xa5

// TestKernelDifferential runs every generated program in the kernel (JIT)
// and in gbpf's interpreter and requires identical results: r0 to r9 as
// 64-bit values and the main frame's stack bytes.
func TestKernelDifferential(t *testing.T) {
	requireKernel(t)
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			start := time.Now()
			var (
				cov        coverage
				mu         sync.Mutex
				mismatches int
				ran        int
			)
			forEachSeed(t, s.count(), func(seed int64, m *kernel.ValueMap) bool {
				p := Generate(seed, s.cfg)
				cov.add(p.Body)
				cov.add(p.Subprogs)
				report, err := compare(&p, m)
				mu.Lock()
				defer mu.Unlock()
				ran++
				if err != nil {
					t.Errorf("seed %d: %v", seed, err)
					return false
				}
				if report == "" {
					return true
				}
				mismatches++
				if mismatches <= 3 {
					t.Errorf("seed %d: gbpf and the kernel disagree (rerun with -run '%s' -args -progen.seed=%d -progen.n=1)\n%s\nprogram (gbpf variant):\n%s\n%s",
						seed, t.Name(), seed, report, listing(p.Gbpf()), firstDivergence(&p, m))
				}
				return mismatches < 20
			})
			t.Logf("%d programs in %v, %d mismatches", ran, time.Since(start).Round(time.Millisecond), mismatches)
			t.Log(cov.String())
		})
	}
}

// compare runs p in both engines. It returns "" if the results agree, a
// description of the differences if not, and an error if either engine
// failed to run the program at all.
func compare(p *Program, m *kernel.ValueMap) (string, error) {
	kres, kval, err := m.Run(p.Kernel(m.LoadAddr(asm.R1, 0)), nil, sentinel)
	if err != nil {
		return "", fmt.Errorf("kernel: %w\nprogram (kernel variant):\n%s", err, listing(p.Kernel(m.LoadAddr(asm.R1, 0))))
	}
	kval = kval[:p.ResultSize()]

	ip, err := interp.New(p.Gbpf(), nil)
	if err != nil {
		return "", fmt.Errorf("gbpf refused a program the kernel accepted: %w\nprogram:\n%s", err, listing(p.Gbpf()))
	}
	gval := bytes.Repeat([]byte{sentinel}, p.ResultSize())
	r0, err := ip.Run(gval)
	if err != nil {
		return "", fmt.Errorf("gbpf failed a program the kernel ran: %w\nprogram:\n%s", err, listing(p.Gbpf()))
	}

	var b strings.Builder
	if uint32(r0) != kres.Retval {
		fmt.Fprintf(&b, "return value: gbpf %#x, kernel %#x (low 32 bits)\n", r0, kres.Retval)
	}
	if r0 != binary.LittleEndian.Uint64(gval) {
		fmt.Fprintf(&b, "gbpf returned %#x but stored r0 = %#x\n", r0, binary.LittleEndian.Uint64(gval))
	}
	if !bytes.Equal(gval, kval) {
		b.WriteString(diffResults(gval, kval))
	}
	return b.String(), nil
}

// diffResults describes how two result blocks differ.
func diffResults(gbpf, kern []byte) string {
	var b strings.Builder
	for r := 0; r < 10; r++ {
		g, k := binary.LittleEndian.Uint64(gbpf[8*r:]), binary.LittleEndian.Uint64(kern[8*r:])
		mark := ""
		if g != k {
			mark = "  <-- differs"
		}
		fmt.Fprintf(&b, "r%d: gbpf %#018x kernel %#018x%s\n", r, g, k, mark)
	}
	stackSize := len(gbpf) - 80
	for off := 80; off < len(gbpf); off += 8 {
		g, k := gbpf[off:off+8], kern[off:off+8]
		mark := ""
		if !bytes.Equal(g, k) {
			mark = "  <-- differs"
		}
		fmt.Fprintf(&b, "stack[r10%+d]: gbpf % x kernel % x%s\n", off-80-stackSize, g, k, mark)
	}
	return b.String()
}
