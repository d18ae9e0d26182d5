//go:build amd64 && unix

package jit

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit/amd64"
	"github.com/gbpf/gbpf/internal/jit/execmem"
)

// Options configure a Program, as interp.Options do, plus what the
// verifier proved.
type Options struct {
	// Budget is the most instructions a run executes: 0 means
	// interp.DefaultBudget, interp.Unbounded compiles no budget charges.
	Budget  uint64
	Helpers map[int32]interp.Helper // by id
	// Safe marks per slot memory accesses a verifier proved in bounds of
	// plain memory (not the converted context), so their run-time check is
	// left out.
	Safe []bool
	// Verified says the verifier accepted the program: every load, store
	// and atomic that cannot go through the context runs unchecked (see
	// provenSafe). Programs that were not verified keep every check.
	Verified bool
	// CtxAccess, for a verified program, marks per slot the accesses the
	// verifier saw go through the context: only those keep their check.
	// Without it the JIT finds the accesses that may (provenSafe).
	CtxAccess []bool
	// ArrayMaps describes the array map at a map address (false for
	// other maps): bpf_map_lookup_elem on it runs inline.
	ArrayMaps func(addr uint64) (ArrayMap, bool)
	// IndexedMaps describes the hash map or LPM trie at a map address
	// (false for other maps and maps without an index):
	// bpf_map_lookup_elem on it runs inline in verified programs.
	IndexedMaps func(addr uint64) (IndexedMap, bool)
	// LinuxHelpers says Helpers are Linux's, by the kernel's ids (as
	// env.Helpers), so some run inline: bpf_get_smp_processor_id returns
	// the Machine's CPU; in verified programs (whose call depth and
	// arguments the verifier checked) bpf_loop with a constant callback
	// runs as a native loop and bpf_skb_load_bytes copies from the
	// context's packet (PacketSpan).
	LinuxHelpers bool
	// Exclusive compiles atomics without the lock prefix: only for runs
	// during which no other thread runs a program that may touch the same
	// memory (the caller guarantees it).
	Exclusive bool
}

// ArrayMap is an array map whose lookups the JIT inlines.
type ArrayMap struct {
	MaxEntries uint32
	ValueSize  uint32
	Stride     uint32 // bytes from one value to the next
	PerCPU     bool
	// Values returns the values of a CPU (any CPU for ARRAY): MaxEntries
	// slots of Stride bytes. Runs get them as memory.
	Values   func(cpu int) []byte
	Writable bool
	Name     string
	// SpinLock: the values hold a bpf_spin_lock, which updates must not
	// copy, so they are not inlined.
	SpinLock bool
}

// IndexedMap is a hash map or LPM trie whose lookups the JIT inlines: the
// layout of its index (one of Hash and LPM), and the arena holding its
// elements, which runs get as memory.
type IndexedMap struct {
	Hash     *amd64.HashMap
	LPM      *amd64.LPMMap
	Arena    []byte
	Writable bool
	Name     string
}

// Available reports whether this process can run JIT code; the error says
// why not, and callers fall back to the interpreter.
func Available() error { return execmem.Available() }

// Program is a compiled program, ready to run any number of times from
// any number of goroutines, until Close.
type Program struct {
	insns   asm.Instructions
	comp    *amd64.Compiled
	code    *execmem.Code
	view    *interp.Program // gives helpers their *interp.Machine memory view
	helpers map[int32]interp.Helper
	// helperAt is the helper each "call imm" slot calls (nil: none with
	// that id), resolved once.
	helperAt []interp.Helper
	budget   uint64

	resume, call, start uintptr
	lo, hi              uintptr // the code's address range
	closed              bool
	arrays              []ArrayMap   // the maps of inlined lookups, by class
	indexed             []IndexedMap // the maps of inlined hash and LPM lookups

	opts          Options  // what p was compiled with, for its exclusive form
	exclusive     *Program // that form, compiled on first use (Exclusive)
	exclusiveOnce sync.Once
}

// machines are shared by all programs: a machine's memory (stacks and
// Context) does not depend on the program, and mapping it is the costly
// part of a first run.
var machines = sync.Pool{New: func() any {
	m, err := newMachine()
	if err != nil {
		return err
	}
	return m
}}

var errClosed = errors.New("jit: the program is closed")

// New validates and compiles insns.
func New(insns asm.Instructions, opts *Options) (*Program, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &Options{}
	}
	view, err := interp.New(insns, &interp.Options{Budget: opts.Budget, Helpers: opts.Helpers})
	if err != nil {
		return nil, err
	}
	insns = append(asm.Instructions(nil), insns...)
	copts := amd64.Options{Safe: opts.Safe, InlineCPU: opts.LinuxHelpers, NoBudget: opts.Budget == interp.Unbounded, Exclusive: opts.Exclusive,
		InlineLoop: opts.LinuxHelpers && opts.Verified, InlineSkbLoad: opts.LinuxHelpers && opts.Verified, InlineUpdates: opts.Verified}
	if opts.Verified {
		if len(opts.CtxAccess) == len(insns) {
			copts.CtxAccess = opts.CtxAccess
			copts.Safe = make([]bool, len(insns))
			for pc, ctx := range opts.CtxAccess {
				copts.Safe[pc] = !ctx
			}
		} else {
			copts.Safe = provenSafe(insns)
		}
		for pc, s := range opts.Safe {
			if pc < len(copts.Safe) {
				copts.Safe[pc] = copts.Safe[pc] || s
			}
		}
	}
	if opts.ArrayMaps != nil {
		copts.ArrayMap = func(addr uint64) (amd64.ArrayMap, bool) {
			am, ok := opts.ArrayMaps(addr)
			if !ok {
				return amd64.ArrayMap{}, false
			}
			v0 := am.Values(0)
			if len(v0) == 0 || uint64(len(v0)) < uint64(am.MaxEntries)*uint64(am.Stride) {
				return amd64.ArrayMap{}, false
			}
			a := amd64.ArrayMap{Base: addrOf(v0), MaxEntries: am.MaxEntries, Stride: am.Stride, ValueSize: am.ValueSize, Update: am.Writable && am.ValueSize > 0 && !am.SpinLock}
			if am.PerCPU {
				a.CPUStride = uint64(am.MaxEntries) * uint64(am.Stride)
			}
			return a, true
		}
	}
	if opts.Verified && opts.IndexedMaps != nil {
		copts.HashMap = func(addr uint64) (amd64.HashMap, bool) {
			im, ok := opts.IndexedMaps(addr)
			if !ok || im.Hash == nil {
				return amd64.HashMap{}, false
			}
			return *im.Hash, true
		}
		copts.LPMMap = func(addr uint64) (amd64.LPMMap, bool) {
			im, ok := opts.IndexedMaps(addr)
			if !ok || im.LPM == nil {
				return amd64.LPMMap{}, false
			}
			return *im.LPM, true
		}
	}
	comp, err := amd64.Compile(insns, copts)
	if err != nil {
		return nil, err
	}
	code, err := execmem.New(comp.Code)
	if err != nil {
		return nil, err
	}
	p := &Program{insns: insns, comp: comp, code: code, view: view, helpers: opts.Helpers, budget: opts.Budget, opts: *opts}
	if p.budget == 0 {
		p.budget = interp.DefaultBudget
	}
	p.helperAt = make([]interp.Helper, len(insns))
	for pc, ins := range insns {
		if ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper {
			p.helperAt[pc] = opts.Helpers[ins.Imm]
		}
	}
	base := code.Addr()
	p.resume, p.call, p.start = base+uintptr(comp.Resume), base+uintptr(comp.Call), base+uintptr(comp.Start)
	p.lo, p.hi = base, base+uintptr(len(comp.Code))
	for _, addr := range comp.Arrays {
		am, _ := opts.ArrayMaps(addr)
		p.arrays = append(p.arrays, am)
	}
	for _, addr := range comp.Indexed {
		im, _ := opts.IndexedMaps(addr)
		p.indexed = append(p.indexed, im)
	}
	view.Attach(p)
	runtime.AddCleanup(p, func(c *execmem.Code) { c.Close() }, code)
	return p, nil
}

// Interp is the interpreter's form of the program: what helpers see as
// the running program (a tail call's target names it), and a fallback
// that runs the same code. Its Attached value is p.
func (p *Program) Interp() *interp.Program { return p.view }

// Close releases the machine code, its exclusive form's too. No run of p
// may be in progress; later runs fail.
func (p *Program) Close() error {
	p.closed = true
	p.exclusiveOnce.Do(func() {}) // none compiled from now on
	if p.exclusive != nil && p.exclusive != p {
		p.exclusive.Close()
	}
	return p.code.Close()
}

// Exclusive is p compiled with Options.Exclusive (atomics without the
// lock prefix), compiled on first use, for runs during which no other
// thread runs a program that may touch the same memory; nil if it could
// not be compiled or p is closed.
func (p *Program) Exclusive() *Program {
	if p.opts.Exclusive {
		return p
	}
	p.exclusiveOnce.Do(func() {
		o := p.opts
		o.Exclusive = true
		p.exclusive, _ = New(p.insns, &o)
	})
	return p.exclusive
}

// Checks is how many memory accesses of the program's code are checked
// against the run's regions.
func (p *Program) Checks() int { return p.comp.Checks }

// Code returns the compiled machine code and the offset of each slot's
// code in it (for disassembly next to the BPF instructions).
func (p *Program) Code() (code []byte, pcOffsets []int) {
	return p.comp.Code, p.comp.PCOffsets
}

// Run executes the program once with the bpf_conformance calling
// convention, as interp.Program.Run does.
func (p *Program) Run(mem []byte) (uint64, error) {
	m, err := p.Machine()
	if err != nil {
		return 0, err
	}
	defer p.Release(m)
	var r1 uint64
	if len(mem) > 0 {
		r1 = m.AddRegion(mem, true, "memory")
		m.SetPacket(mem)
	}
	return m.Run(r1, uint64(len(mem)))
}

// Machine returns a machine ready for one run of p (see interp.Program.Machine).
func (p *Program) Machine() (*Machine, error) {
	if p.closed {
		return nil, errClosed
	}
	switch v := machines.Get().(type) {
	case *Machine:
		v.reset(p)
		return v, nil
	case error:
		return nil, fmt.Errorf("jit: machine: %w", v)
	}
	panic("unreachable")
}

// Release returns m to p's pool.
func (p *Program) Release(m *Machine) {
	m.release()
	machines.Put(m)
}

// Instructions are the instructions p was compiled from.
func (p *Program) Instructions() asm.Instructions { return p.insns }
