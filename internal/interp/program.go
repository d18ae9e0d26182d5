// Package interp is gbpf's reference interpreter. It runs any structurally
// valid program with RFC 9669 semantics and checks every memory access,
// helper call and the instruction budget at run time, so even unverified
// code can neither crash the host nor touch memory it was not given.
package interp

import (
	"sync"
	"unsafe"

	"github.com/gbpf/gbpf/asm"
)

// Limits of a run, as in the kernel.
const (
	StackSize       = 512       // bytes of stack per frame
	MaxFrames       = 8         // bpf-to-bpf call depth, including the entry frame
	DefaultBudget   = 1_000_000 // executed instructions per run
	stackAreaSize   = StackSize * MaxFrames
	calleeSavedRegs = 4 // r6 to r9
)

// Helper is a Go function a program calls by id. It gets the run's machine
// (to reach program memory through pointer arguments) and r1 to r5, and
// returns r0. An error ends the run.
type Helper func(m *Machine, r1, r2, r3, r4, r5 uint64) (uint64, error)

// Options configure a Program. The zero value is usable.
type Options struct {
	// Budget is the most instructions a run may execute; 0 means
	// DefaultBudget.
	Budget uint64
	// Helpers are the functions callable by id (call imm, and callx with
	// the id in a register).
	Helpers map[int32]Helper
}

// Program is a decoded program, ready to run any number of times from any
// number of goroutines.
type Program struct {
	code     []inst
	helpers  []Helper
	byID     map[int32]Helper
	budget   uint64
	machines sync.Pool
}

// New validates and decodes insns once.
func New(insns asm.Instructions, opts *Options) (*Program, error) {
	if opts == nil {
		opts = &Options{}
	}
	code, table, err := decode(insns, opts.Helpers)
	if err != nil {
		return nil, err
	}
	p := &Program{code: code, helpers: table, byID: opts.Helpers, budget: opts.Budget}
	if p.budget == 0 {
		p.budget = DefaultBudget
	}
	p.machines.New = func() any { return newMachine() }
	return p, nil
}

// Run executes the program once with the bpf_conformance calling
// convention: r1 holds the address of mem (0 when empty), r2 its length,
// r10 the top of a fresh 512-byte stack frame. mem is the one data region
// besides the stack; the program may read and write it in place, and
// legacy packet loads (LD_ABS/LD_IND) read from it.
func (p *Program) Run(mem []byte) (uint64, error) {
	m := p.machines.Get().(*Machine)
	defer p.machines.Put(m)
	m.reset()
	var r1 uint64
	if len(mem) > 0 {
		m.regions = append(m.regions, newRegion(mem, true, "memory"))
		m.packet = mem
		r1 = m.regions[len(m.regions)-1].lo
	}
	r0, err := m.run(p, r1, uint64(len(mem)))
	m.release()
	return r0, err
}

// Machine is the state of one run: registers live in the run loop, the
// machine holds the stack, the call frames and the regions the program may
// touch. Helpers receive it to access program memory.
type Machine struct {
	stack   *[stackAreaSize]byte
	stackLo uint64
	regions []region
	packet  []byte
	frames  [MaxFrames]frame
	// dirty is how many frames of stack the current or last run used, so
	// that the next run zeroes only those.
	dirty int
}

type frame struct {
	ret   int
	saved [calleeSavedRegs]uint64
}

func newMachine() *Machine {
	m := &Machine{stack: new([stackAreaSize]byte)}
	m.stackLo = uint64(uintptr(unsafe.Pointer(m.stack)))
	return m
}

// reset prepares the machine for a run: only the stack is a region, and the
// stack frames the previous run used are zeroed, so runs are deterministic.
func (m *Machine) reset() {
	if m.dirty > 0 {
		clear(m.stack[stackAreaSize-m.dirty*StackSize:])
	}
	m.dirty = 1 // the entry frame; calls raise it
	m.regions = append(m.regions[:0], newRegion(m.stack[:], true, "stack"))
	m.packet = nil
}

// release drops references to caller memory so pooled machines do not
// keep it alive.
func (m *Machine) release() {
	for i := range m.regions {
		m.regions[i] = region{}
	}
	m.regions = m.regions[:0]
	m.packet = nil
}
