package gbpf

import (
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/env"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/internal/loader"
	"github.com/gbpf/gbpf/internal/maps"
	"github.com/gbpf/gbpf/internal/verifier"
)

// ErrNotSupported is wrapped by errors for programs, program types and
// helpers gbpf cannot run.
var ErrNotSupported = errors.New("not supported")

// UnsupportedHelperError is how loading fails for a program that calls a
// helper gbpf does not implement. It wraps ErrNotSupported.
type UnsupportedHelperError struct {
	Program string
	PC      int    // instruction slot of the call
	Source  string // "file.c:42" where the object has line info
	Helper  string // the kernel's name, e.g. "bpf_skb_adjust_room"
}

func (e *UnsupportedHelperError) Error() string {
	where := ""
	if e.Source != "" {
		where = " (" + e.Source + ")"
	}
	return fmt.Sprintf("program %s: instruction %d%s calls %s, which gbpf does not implement", e.Program, e.PC, where, e.Helper)
}

func (e *UnsupportedHelperError) Unwrap() error { return ErrNotSupported }

// Program is a loaded program.
type Program struct {
	name    string
	typ     ebpf.ProgramType
	code    *loader.Program
	prog    *env.Prog
	globals []globalRegion
	coll    *Collection
	jit     *jit.Program // the machine code, when the JIT runs the program
	// verified says the verifier proved the program safe: its JIT code
	// checks only accesses the proof does not cover, those ctxAccess
	// marks (they go through the context, which is converted).
	verified  bool
	ctxAccess []bool
}

// globalRegion is global data (.data, .rodata, .bss, ...) the program
// addresses directly, given to every run as memory.
type globalRegion struct {
	mem      []byte
	writable bool
	name     string
}

// loadProgram makes lp, the converted form of ps, runnable.
func (c *Collection) loadProgram(ps *ebpf.ProgramSpec, lp *loader.Program, proof *verifier.Result) (*Program, error) {
	p := &Program{name: ps.Name, typ: ps.Type, code: lp, coll: c, verified: proof != nil}
	if proof != nil {
		p.ctxAccess = proof.CtxAccess
	}
	insns := append(asm.Instructions(nil), lp.Insns...)
	seen := map[string]bool{}
	for _, r := range lp.Relocs {
		m := c.Maps[r.Map]
		if m == nil {
			return nil, fmt.Errorf("program %s: instruction %d refers to map %q, which the object does not define", ps.Name, r.Slot, r.Map)
		}
		addr := m.addr
		if m.Type() == ebpf.ProgramArray && !m.claim(ps.Type) {
			return nil, fmt.Errorf("program %s: program array %s holds programs of type %s: %w", ps.Name, r.Map, ebpf.ProgramType(m.owner.Load()-1), syscall.EINVAL)
		}
		if r.Value {
			arr, ok := m.m.(maps.ArrayMemory)
			var val []byte
			if ok {
				val = arr.Value(0, 0)
			}
			if val == nil || r.Off >= uint32(len(val)) {
				return nil, fmt.Errorf("program %s: instruction %d: offset %d into the value of map %s (%s) is not direct-accessible memory", ps.Name, r.Slot, r.Off, r.Map, m.Type())
			}
			addr = regionAddr(val) + uint64(r.Off)
			if !seen[r.Map] {
				seen[r.Map] = true
				p.globals = append(p.globals, globalRegion{mem: val, writable: m.spec.Flags&maps.FlagRdonlyProg == 0, name: r.Map})
			}
		}
		pair := asm.LoadImm64(insns[r.Slot].Dst, addr)
		insns[r.Slot], insns[r.Slot+1] = pair[0], pair[1]
	}
	for _, k := range lp.Kfuncs {
		id, ok := env.Kfuncs[k.Name]
		if !ok {
			return nil, &UnsupportedHelperError{Program: ps.Name, PC: k.Slot, Source: lp.SourceLine(k.Slot), Helper: "kernel function " + k.Name}
		}
		insns[k.Slot] = asm.Instruction{OpCode: asm.OpCall, Src: asm.CallHelper, Imm: id}
	}
	for pc, ins := range insns {
		if ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper {
			if _, ok := env.Helpers[ins.Imm]; !ok {
				return nil, &UnsupportedHelperError{Program: ps.Name, PC: pc, Source: p.code.SourceLine(pc), Helper: env.HelperName(ins.Imm)}
			}
		}
	}
	code, err := c.newCode(p, insns)
	if err != nil {
		return nil, fmt.Errorf("program %s: %w", ps.Name, err)
	}
	p.prog = &env.Prog{Name: ps.Name, Type: ps.Type, Code: code}
	return p, nil
}

// where renders " (file.c:42)" for slot pc, or "".
func (p *Program) where(pc int) string {
	if s := p.code.SourceLine(pc); s != "" {
		return " (" + s + ")"
	}
	return ""
}

// Name is the program's function name.
func (p *Program) Name() string { return p.name }

// Type is the program type, from the object's section name.
func (p *Program) Type() ProgramType { return p.typ }

// Instructions are the program's instruction slots as loaded, before map
// references were resolved.
func (p *Program) Instructions() asm.Instructions { return p.code.Insns }

// SourceLine is the source position ("file.c:42") of instruction slot pc,
// or "" when the object has no line info for it.
func (p *Program) SourceLine(pc int) string { return p.code.SourceLine(pc) }

// RunOptions are the inputs of a test run, as for BPF_PROG_TEST_RUN.
type RunOptions struct {
	// Data is the packet for XDP, tc and socket filter programs (an
	// Ethernet frame, at least 14 bytes).
	Data []byte
	// Context is the context's bytes: struct xdp_md or struct __sk_buff
	// for packet programs (optional, with the kernel's rules for which
	// fields may be set), the arguments for raw tracepoints, the raw
	// record for tracepoints, struct pt_regs for kprobes, the program's
	// argument for syscall programs.
	Context []byte
	// Repeat runs the program this many times on the same packet and
	// context, as the kernel does; 0 means once.
	Repeat uint32
	// CPU is the CPU the run happens on, for bpf_get_smp_processor_id and
	// per-CPU maps; nil means the first CPU the process may use, or another
	// free one while concurrent runs occupy it. A CPU runs one program at
	// a time, so per-CPU values are private to the run, as in the kernel.
	CPU *int
}

// RunResult is what a test run gives back.
type RunResult struct {
	// ReturnValue is r0 of the last run, truncated to 32 bits as the
	// kernel reports it; R0 is all 64 bits.
	ReturnValue uint32
	R0          uint64
	// DataOut is the packet after the last run (for XDP with its
	// metadata in front, for socket filters with the MAC header zeroed, as
	// the kernel returns them).
	DataOut []byte
	// MetaLen is how many bytes at the start of an XDP program's DataOut
	// are metadata (bpf_xdp_adjust_meta) rather than packet.
	MetaLen int
	// ContextOut is the context after the last run, when the kernel
	// returns one (an input context was given, or a syscall program).
	ContextOut []byte
	// Duration is the average time of one run: on Linux the CPU time the
	// runs took (time the thread spent descheduled left out, as the
	// kernel's test-run duration leaves it out).
	Duration time.Duration
	// Output holds the bpf_trace_printk lines of all runs.
	Output []string
}

// RunError is how a run ends when a runtime check fires: it names the
// program, the instruction and, where the object has line info, the
// source line.
type RunError struct {
	Program string
	PC      int
	Source  string
	Err     error
}

func (e *RunError) Error() string {
	where := ""
	if e.Source != "" {
		where = " (" + e.Source + ")"
	}
	var re *interp.RuntimeError
	if errors.As(e.Err, &re) && re.PC >= 0 {
		return fmt.Sprintf("program %s: %v%s", e.Program, e.Err, where)
	}
	return fmt.Sprintf("program %s: %v", e.Program, e.Err)
}

func (e *RunError) Unwrap() error { return e.Err }

// Run test-runs the program like BPF_PROG_TEST_RUN: it builds the context
// the kernel would (an XDP frame with headroom on the loopback device, a
// socket buffer with eth_type_trans's protocol and packet type, ...), runs
// the program Repeat times and returns the result. Maps keep their
// contents between runs. Safe for concurrent use.
func (p *Program) Run(opts *RunOptions) (*RunResult, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	if opts.CPU != nil && (*opts.CPU < 0 || *opts.CPU >= p.coll.opts.CPUs) {
		return nil, fmt.Errorf("program %s: CPU %d outside the %d possible: %w", p.name, *opts.CPU, p.coll.opts.CPUs, syscall.EINVAL)
	}
	// Repeated runs take the collection for themselves when no other run
	// is going on: nothing else then touches its maps from a program, so
	// the JIT's atomics need no lock prefix (locked instructions cost
	// user space twice what they cost the kernel on some hypervisors).
	// Other runs wait for them; a trace callback could start one, so
	// collections with one never do this.
	exclusive := false
	if p.jit != nil && opts.Repeat > 1 && p.coll.opts.TraceOutput == nil && p.coll.gate.TryLock() {
		exclusive = true
		defer p.coll.gate.Unlock()
	} else {
		p.coll.gate.RLock()
		defer p.coll.gate.RUnlock()
	}
	cpu := p.coll.acquireCPU(opts.CPU)
	defer p.coll.releaseCPU(cpu)
	run := env.NewRun(p.prog, cpu, uint64(time.Now().UnixNano()))
	run.Trace = p.coll.opts.TraceOutput
	m, err := p.acquireMachine(run, exclusive)
	if err != nil {
		return nil, err
	}
	defer p.releaseMachine(m)
	for _, g := range p.globals {
		m.AddRegion(g.mem, g.writable, g.name)
	}
	r1, ctxOut, dataOut, err := p.prepare(m, run, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if run.XDP != nil {
			run.XDP.Release()
		}
		if run.SKB != nil {
			run.SKB.Release()
		}
	}()

	repeat := max(opts.Repeat, 1)
	var r0 uint64
	clock := startRunClock()
	defer clock.stop()
	for i := uint32(0); i < repeat; i++ {
		if i > 0 {
			run.Prog = p.prog
			m.rearm(p)
		}
		r0, err = m.Run(r1, 0)
		m.finish(run)
		if err != nil {
			var re *interp.RuntimeError
			pc := -1
			if errors.As(err, &re) {
				pc = re.PC
			}
			return nil, &RunError{Program: run.Prog.Name, PC: pc, Source: p.sourceOf(run.Prog, pc), Err: err}
		}
	}
	elapsed := clock.elapsed()
	metaLen := 0
	if run.XDP != nil {
		metaLen = run.XDP.Data - run.XDP.DataMeta
	}
	return &RunResult{
		MetaLen:     metaLen,
		ReturnValue: uint32(r0),
		R0:          r0,
		DataOut:     bytes.Clone(dataOut()),
		ContextOut:  ctxOut(),
		Duration:    elapsed / time.Duration(repeat),
		Output:      run.Output,
	}, nil
}

// sourceOf finds the source line of pc in the program that was running
// (a tail call may have moved on to another program of the collection).
func (p *Program) sourceOf(ep *env.Prog, pc int) string {
	for _, q := range p.coll.Programs {
		if q.prog == ep {
			return q.code.SourceLine(pc)
		}
	}
	return ""
}

// prepare builds the context for the program type and gives the machine
// its memory. It returns r1 and functions that read the context and
// packet back after the runs.
func (p *Program) prepare(m machine, run *env.Run, opts *RunOptions) (uint64, func() []byte, func() []byte, error) {
	none := func() []byte { return nil }
	switch p.typ {
	case ebpf.XDP:
		if a := p.code.Attach; a == ebpf.AttachXDPDevMap || a == ebpf.AttachXDPCPUMap {
			// The kernel cannot test-run programs meant for device or CPU
			// map entries.
			return 0, nil, nil, fmt.Errorf("program %s: XDP programs for %s entries cannot be test-run: %w", p.name, a, syscall.EINVAL)
		}
		x, err := env.NewXDP(opts.Data, opts.Context)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("program %s: %w", p.name, err)
		}
		run.XDP = x
		m.AddRegion(x.Frame(), true, "packet")
		run.Ctx = x.ContextAddr()
		m.SetContext(run.Ctx, env.XDPMDSize, x)
		return run.Ctx, x.ContextOut, x.Packet, nil
	case ebpf.SocketFilter, ebpf.SchedCLS, ebpf.SchedACT:
		s, err := env.NewSKB(opts.Data, opts.Context, p.typ != ebpf.SocketFilter)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("program %s: %w", p.name, err)
		}
		run.SKB = s
		m.AddRegion(s.Buffer(), true, "packet")
		s.ArmLegacyLoads(m)
		run.Ctx = s.ContextAddr()
		m.SetContext(run.Ctx, env.SKBSize, s)
		return run.Ctx, s.ContextOut, s.Packet, nil
	case ebpf.RawTracepoint, ebpf.TracePoint, ebpf.Kprobe, ebpf.PerfEvent, ebpf.Tracing:
		ctx := alignedCopy(opts.Context)
		run.Ctx = m.AddRegion(ctx, false, "context")
		return run.Ctx, none, none, nil
	case ebpf.Syscall:
		ctx := alignedCopy(opts.Context)
		run.Ctx = m.AddRegion(ctx, true, "context")
		out := func() []byte {
			if opts.Context == nil {
				return nil
			}
			return append([]byte(nil), ctx...)
		}
		return run.Ctx, out, none, nil
	}
	return 0, nil, nil, fmt.Errorf("program %s: running %s programs: %w", p.name, p.typ, ErrNotSupported)
}

func alignedCopy(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	w := make([]uint64, (len(b)+7)/8)
	out := unsafeBytes(w, len(b))
	copy(out, b)
	return out
}

// MachineCode is the program as the JIT compiled it for this collection:
// the instructions it translated (map and data addresses resolved), the
// x86-64 code, where each instruction's code starts in it (-1 for the
// second slot of a 64-bit immediate load; the last entry is the end of
// the body: stubs come before the first instruction's code, out-of-line
// paths after the body). ok is false when the interpreter runs the
// program.
func (p *Program) MachineCode() (insns asm.Instructions, code []byte, offsets []int, ok bool) {
	if p.jit == nil {
		return nil, nil, nil, false
	}
	code, offsets = p.jit.Code()
	return p.jit.Instructions(), code, offsets, true
}
