// Package interp is gbpf's reference interpreter. It runs any structurally
// valid program with RFC 9669 semantics and checks every memory access,
// helper call and the instruction budget at run time, so even unverified
// code can neither crash the host nor touch memory it was not given.
package interp

import (
	"strconv"
	"sync"
	"unsafe"

	"github.com/gbpf/gbpf/asm"
)

// Limits of a run, as in the kernel.
const (
	StackSize     = 512       // bytes of stack per frame
	MaxFrames     = 8         // bpf-to-bpf call depth, including the entry frame
	DefaultBudget = 1_000_000 // executed instructions per run
	// Unbounded as a budget lets a run execute any number of
	// instructions: for programs a verifier proved to end, as the kernel
	// runs them.
	Unbounded       = ^uint64(0)
	MaxTailCalls    = 33 // tail calls per run (the kernel's MAX_TAIL_CALL_CNT)
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
	attached any // see Attach
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
	m := p.Machine()
	defer p.Release(m)
	var r1 uint64
	if len(mem) > 0 {
		r1 = m.AddRegion(mem, true, "memory")
		m.SetPacket(mem)
	}
	return m.Run(r1, uint64(len(mem)))
}

// Machine returns a machine ready for one run of p: its stack is the only
// region so far. The caller adds the run's memory (AddRegion, SetContext,
// SetPacket), calls Run, and hands the machine back with Release.
func (p *Program) Machine() *Machine {
	m := p.machines.Get().(*Machine)
	m.reset(p)
	return m
}

// Release returns m to p's pool, dropping its references to run memory.
func (p *Program) Release(m *Machine) {
	m.release()
	p.machines.Put(m)
}

// Machine is the state of one run: registers live in the run loop, the
// machine holds the stack, the call frames and the regions the program may
// touch. Helpers receive it to access program memory.
type Machine struct {
	// Env is the caller's per-run state (maps, context, output) for its
	// helpers; the interpreter does not look at it.
	Env any

	prog    *Program
	stack   *[stackAreaSize]byte
	stackLo uint64
	regions []region // fixed for the run, set up before it
	dyn     []region // added by helpers during the run, sorted by address
	// dynUnsorted: a host's helpers appended to dyn (see sortDyn).
	dynUnsorted bool
	running     bool
	packet      []byte // buffer up to the packet's end, for LD_ABS/LD_IND
	pktData     int    // where data starts in packet (offset 0 of LD_ABS)
	pktMAC      int    // MAC header, for SKF_LL_OFF loads
	pktNet      int    // network header, for SKF_NET_OFF loads
	ctx         contextRegion
	frames      [MaxFrames]frame
	depth       int    // current call depth (0: the entry frame)
	budget      uint64 // instructions left
	mayGoto     uint64 // may_goto executions left before it jumps
	tail        *Program
	tails       int    // tail calls taken this run
	fp          uint64 // r10 of the frame that called the running helper
	// dirty is how many frames of stack the current or last run used, so
	// that the next run zeroes only those.
	dirty int
	host  Host // see SetHost
}

type frame struct {
	ret   int
	prog  *Program
	saved [calleeSavedRegs]uint64
}

func newMachine() *Machine {
	m := &Machine{stack: new([stackAreaSize]byte)}
	m.stackLo = uint64(uintptr(unsafe.Pointer(m.stack)))
	return m
}

// reset prepares the machine for a run of p: only the stack is a region,
// and the stack frames the previous run used are zeroed, so runs are
// deterministic.
func (m *Machine) reset(p *Program) {
	if m.dirty > 0 {
		clear(m.stack[stackAreaSize-m.dirty*StackSize:])
	}
	m.prog = p
	m.dirty = 1 // the entry frame; calls raise it
	m.regions = append(m.regions[:0], newRegion(m.stack[:], true, "stack"))
	m.dyn, m.dynUnsorted = m.dyn[:0], false
	m.running = false
	m.packet = nil
	m.ctx = contextRegion{}
	m.depth, m.tails, m.tail = 0, 0, nil
	m.budget = p.budget
}

// release drops references to caller memory so pooled machines do not
// keep it alive.
func (m *Machine) release() {
	clear(m.regions)
	m.regions = m.regions[:0]
	clear(m.dyn)
	m.dyn, m.dynUnsorted = m.dyn[:0], false
	m.running = false
	m.packet = nil
	m.ctx = contextRegion{}
	m.Env = nil
	m.host = nil
	m.prog, m.tail = nil, nil
	for i := range m.frames {
		m.frames[i].prog = nil
	}
}

// SetPacket sets the bytes legacy packet loads (LD_ABS/LD_IND) read.
func (m *Machine) SetPacket(pkt []byte) { m.SetPacketFrame(pkt, 0, 0, 0) }

// SetPacketFrame sets what legacy packet loads read in a socket buffer:
// buf runs from the buffer's head to the packet's end, data is where
// offset 0 is, mac and net are the headers the kernel's negative offsets
// SKF_LL_OFF and SKF_NET_OFF are relative to.
func (m *Machine) SetPacketFrame(buf []byte, data, mac, net int) {
	m.packet, m.pktData, m.pktMAC, m.pktNet = buf, data, mac, net
}

// Run executes the program from its first instruction with r1 and r2 set,
// r10 at the top of the entry frame, and returns r0.
func (m *Machine) Run(r1, r2 uint64) (uint64, error) {
	var r [16]uint64
	r[1], r[2] = r1, r2
	r[10] = m.stackLo + stackAreaSize
	m.running = true
	m.mayGoto = MaxLoops
	return m.exec(m.prog, 0, &r)
}

// TailCall makes the running helper's program continue as target, in the
// same frame, once the helper returns (bpf_tail_call). It reports false,
// and changes nothing, when the run has used up its MaxTailCalls.
func (m *Machine) TailCall(target *Program) bool {
	if m.host != nil {
		return m.host.TailCall(target)
	}
	if m.tails >= MaxTailCalls {
		return false
	}
	m.tails++
	m.tail = target
	return true
}

// MaxLoops is how many times a run's may_goto instructions fall through
// before they jump (the kernel's BPF_MAX_LOOPS, a counter it keeps on the
// program's stack; gbpf keeps one per run).
const MaxLoops = 8 * 1024 * 1024

// funcTag marks the value a "lddw rX, function" load gives: not an address
// any region can hold, so a program cannot dereference it.
const funcTag = 0xfff0_0000_0000_0000

// CallFunc runs the program's function whose address fn a
// "lddw rX, function" load produced (bpf_loop and for_each_map_elem
// callbacks) in a new frame below the calling one, with r1 to r5 set, and
// returns its r0.
func (m *Machine) CallFunc(fn uint64, r1, r2, r3, r4, r5 uint64) (uint64, error) {
	if m.host != nil {
		return m.host.CallFunc(fn, r1, r2, r3, r4, r5)
	}
	pc := fn - funcTag
	if fn < funcTag || pc >= uint64(len(m.prog.code)) {
		return 0, &RuntimeError{PC: -1, Err: ErrBadCallback, Detail: "0x" + strconv.FormatUint(fn, 16) + " is not a function of this program"}
	}
	if m.depth+1 >= MaxFrames {
		return 0, &RuntimeError{PC: int(pc), Err: ErrCallDepth, Detail: "more than 8 nested calls (callback)"}
	}
	var r [16]uint64
	r[1], r[2], r[3], r[4], r[5] = r1, r2, r3, r4, r5
	r[10] = m.fp - StackSize
	saveDepth, saveFP, saveTail := m.depth, m.fp, m.tail
	m.depth++
	if m.depth >= m.dirty {
		m.dirty = m.depth + 1
	}
	v, err := m.exec(m.prog, int(pc), &r)
	m.depth, m.fp, m.tail = saveDepth, saveFP, saveTail
	return v, err
}

// Rearm readies m for another run of p with the same memory, as the
// kernel's repeated test-runs reuse their packet and context.
func (m *Machine) Rearm(p *Program) {
	clear(m.dyn)
	m.dyn, m.dynUnsorted = m.dyn[:0], false
	m.prog = p
	m.depth, m.tails, m.tail = 0, 0, nil
	m.budget = p.budget
}
