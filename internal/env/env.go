// Package env is the kernel side of a run: the helpers a program calls by
// their Linux ids, the contexts of each program type with the kernel's
// field conversions, and the per-run state they share (CPU, packet,
// reserved ring buffer records, trace output).
package env

import (
	"math/rand/v2"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/maps"
)

// Prog is a loaded program as maps and helpers see it: what a PROG_ARRAY
// slot holds and a tail call jumps to.
type Prog struct {
	Name string
	Type ebpf.ProgramType
	Code *interp.Program
}

// Run is the state of one run, reachable from helpers as the machine's Env.
type Run struct {
	Prog *Prog
	CPU  int
	// Packet is the run's packet context (XDP or socket buffer), nil for
	// other program types.
	XDP *XDP
	SKB *SKB
	// Ctx is the address of the context the program got in r1.
	Ctx uint64
	// Output collects the run's bpf_trace_printk lines; Trace, if set,
	// also receives each as it is printed.
	Output []string
	Trace  func(line string)

	rng      rand.PCG
	reserved []reservation
	locks    []uint64
}

// reservation is a ring buffer record handed to the program and not yet
// submitted or discarded.
type reservation struct {
	addr uint64
	ring maps.Ring
	rec  []byte
}

// NewRun prepares the state for runs of prog on cpu.
func NewRun(prog *Prog, cpu int, seed uint64) *Run {
	r := &Run{Prog: prog, CPU: cpu}
	r.rng.Seed(seed, 0x9e3779b97f4a7c15)
	return r
}

// print records a line of trace output.
func (r *Run) print(line string) {
	line = strings.TrimSuffix(line, "\n")
	r.Output = append(r.Output, line)
	if r.Trace != nil {
		r.Trace(line)
	}
}

// Finish ends a run the way the kernel's reference tracking forces
// programs to: records still reserved are discarded and spin locks still
// held are released, so one faulty run cannot wedge the next.
func (r *Run) Finish(m *interp.Machine) {
	for _, res := range r.reserved {
		res.ring.Submit(res.rec, true)
	}
	r.reserved = r.reserved[:0]
	for _, addr := range r.locks {
		unlock(m, addr)
	}
	r.locks = r.locks[:0]
}

func runOf(m *interp.Machine) *Run {
	r, _ := m.Env.(*Run)
	return r
}
