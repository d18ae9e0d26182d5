// Package verifier proves eBPF programs safe before they run, the way the
// Linux kernel's verifier does (kernel/bpf/verifier.c): a control-flow
// check, then abstract interpretation of every path with the kernel's
// register types, scalar bounds (tnum plus signed and unsigned 64- and
// 32-bit ranges), stack slots, null checks, packet ranges, helper
// prototypes, reference tracking and state pruning.
//
// Verdicts aim to be the kernel's for a privileged loader (CAP_BPF and
// CAP_PERFMON); rejections say why in plain words, with the source line
// and, where there is a well-known fix, a hint.
package verifier

import (
	"fmt"
	"runtime"
	"sort"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/loader"
	"github.com/gbpf/gbpf/internal/maps"
)

// Limits of the kernel (include/linux/bpf.h, bpf_verifier.h).
const (
	complexityLimit = 1_000_000
	maxVarOff       = 1 << 29
	maxPacketOff    = 0xffff
	maxSubprogs     = 256
	jmpSeqLimit     = 8192
)

// Config describes what the program runs against.
type Config struct {
	Type         ebpf.ProgramType      // context rules, allowed helpers, return value range
	Attach       ebpf.AttachType       // expected attach type (XDP devmap programs may read egress_ifindex)
	Maps         map[string]*maps.Spec // the collection's maps by name (for lddw relocations)
	ReadOnly     map[string]bool       // maps the program may not write (.rodata, BPF_F_RDONLY_PROG)
	Frozen       map[string][]byte     // value of read-only single-element arrays user space froze (.rodata): loads at known offsets are constants
	Unprivileged bool                  // privileged (CAP_BPF+CAP_PERFMON) rules by default
	// License is the program's license string; with CheckLicense, GPL-only
	// helpers need a GPL-compatible one, as in the kernel.
	License      string
	CheckLicense bool
	// CPUs is the number of possible CPUs (the kernel's nr_cpu_ids, which
	// bounds bpf_get_smp_processor_id); 0 means runtime.NumCPU().
	CPUs int
	Log  bool // record the path and states for Error's %+v / gbpf verify --log
}

// Result is what verification learned about an accepted program.
type Result struct {
	Processed  int // instructions processed over all paths, as the kernel counts them
	PeakStates int // states kept for pruning at the end
	TotalState int // states ever kept for pruning
	StackDepth []int
	// Log is the path and states of the last explored path (with Config.Log).
	Log []string
	// CtxAccess marks, per slot, the loads, stores and atomics some path
	// makes through a context pointer. Every other memory access of the
	// program goes to plain memory (or never runs).
	CtxAccess []bool
}

type mapInfo struct {
	name        string
	spec        *maps.Spec
	rdonly      bool
	spinLockOff int    // -1 when the value has no spin lock
	frozen      []byte // the value of a frozen read-only array (.rodata): loads from it are constants
	inner       *mapInfo
}

type subprog struct {
	start, end int // [start, end)
	name       string
	calls      []int // subprogs it calls (bpf-to-bpf)
}

type pending struct {
	st *state
	pc int
}

type verifier struct {
	p        *loader.Program
	cfg      *Config
	insns    asm.Instructions
	relocs   map[int]loader.Reloc
	kfuncAt  map[int]string // kfunc calls by slot
	maps     map[string]*mapInfo
	subprogs []subprog
	subAt    []int // subprog index of each slot
	prune    []bool
	jmpPoint []bool   // where the path's jump history records an entry
	live     []uint16 // registers live before each slot
	explored map[int][]*snapshot
	worklist []pending
	st       *state
	pc       int
	// ctxAccessed: per slot, some path accessed memory through a context
	// pointer there (Result.CtxAccess).
	ctxAccessed []bool
	idGen       uint32

	processed     int
	states        int
	peakStates    int
	depths        []int // max stack depth per subprog
	callee        map[int]bool
	unsupported   bool  // the rejection is for a helper or kfunc gbpf lacks
	ids           idMap // scratch for statesEqual
	globals       []int // global functions called, to verify on their own
	jmps          int   // jump class instructions processed
	lastJmps      int   // jmps when the last state was saved
	lastProcessed int   // processed when the last state was saved
	histAt        int   // processed when the last jump history entry was counted
	backtracked   int   // instructions precision tracking walked back
	globalQueued  map[int]bool
	// Stack slot liveness (stacklive.go).
	succ       [][2]int // control-flow successors of each slot within its function
	stackLive  map[liveKey]*liveInst
	liveCur    *liveInst // the instance the instruction being run records into
	liveCurPC  int
	liveWrites [maxCallFrames]uint64
	cleanOK    bool // saved states may forget dead stack slots
}

type rejection struct{ e *Error }

// Verify checks p for the program type and maps of cfg. It returns a
// *Error when the program is rejected.
func Verify(p *loader.Program, cfg *Config) (res *Result, err error) {
	if cfg == nil {
		cfg = &Config{Type: p.Type}
	}
	if cfg.CPUs <= 0 {
		c := *cfg
		c.CPUs = possibleCPUs()
		cfg = &c
	}
	v := newVerifier(p, cfg)
	defer func() {
		if r := recover(); r != nil {
			rj, ok := r.(rejection)
			if !ok {
				panic(r)
			}
			res, err = nil, rj.e
		}
	}()
	v.setup()
	v.checkCFG()
	v.computeLiveness()
	v.cleanOK = v.stackCleanOK()
	v.run()
	v.verifyGlobals()
	v.checkStackDepth()
	return &Result{Processed: v.processed, PeakStates: v.peakStates, TotalState: v.states, StackDepth: v.depths, CtxAccess: v.ctxAccessed}, nil
}

// newVerifier makes the verifier of p for cfg, before any check.
func newVerifier(p *loader.Program, cfg *Config) *verifier {
	return &verifier{p: p, cfg: cfg, insns: p.Insns, relocs: map[int]loader.Reloc{}, maps: map[string]*mapInfo{}, explored: map[int][]*snapshot{}, globalQueued: map[int]bool{},
		ctxAccessed: make([]bool, len(p.Insns))}
}

// reject stops verification at the current instruction.
func (v *verifier) reject(hint, format string, args ...any) {
	v.rejectAt(v.pc, hint, format, args...)
}

// rejectUnsupported rejects a call of a helper or kfunc gbpf does not
// implement: the kernel may accept the program, gbpf cannot run it.
func (v *verifier) rejectUnsupported(hint, format string, args ...any) {
	v.unsupported = true
	v.reject(hint, format, args...)
}

func (v *verifier) rejectAt(pc int, hint, format string, args ...any) {
	e := &Error{Program: v.p.Name, PC: pc, Reason: fmt.Sprintf(format, args...), Hint: hint, Unsupported: v.unsupported}
	if pc >= 0 && pc < len(v.insns) {
		e.Source = v.p.SourceLine(pc)
		e.Insn, _ = asm.FormatInstruction(v.insns, pc, asm.SyntaxLLVM)
		if v.p.Lines != nil && pc < len(v.p.Lines) && v.p.Lines[pc] != nil {
			e.SourceText = v.p.Lines[pc].Line()
		}
	}
	if v.st != nil {
		e.State = v.stateString(v.st)
		if v.cfg.Log {
			for n := v.st.path; n != nil; n = n.prev {
				e.Path = append(e.Path, n.text)
			}
			for i, j := 0, len(e.Path)-1; i < j; i, j = i+1, j-1 {
				e.Path[i], e.Path[j] = e.Path[j], e.Path[i]
			}
		}
	}
	panic(rejection{e})
}

func (v *verifier) setup() {
	n := len(v.insns)
	if n == 0 {
		v.rejectAt(-1, "", "the program is empty")
	}
	if err := v.insns.Validate(); err != nil {
		if ve, ok := err.(*asm.ValidationError); ok {
			v.rejectAt(ve.Index, "", "%s", ve.Reason)
		}
		v.rejectAt(-1, "", "%v", err)
	}
	for _, r := range v.p.Relocs {
		v.relocs[r.Slot] = r
	}
	v.kfuncAt = map[int]string{}
	for _, k := range v.p.Kfuncs {
		v.kfuncAt[k.Slot] = k.Name
	}
	for name, s := range v.cfg.Maps {
		v.maps[name] = v.newMapInfo(name, s)
	}
	// Direct map value addresses are resolved, and their offsets checked,
	// for every ld_imm64 before any path is explored, dead code included
	// (the kernel's resolve_pseudo_ldimm64).
	for _, r := range v.p.Relocs {
		if r.Slot < 0 || r.Slot >= n {
			continue
		}
		src := v.insns[r.Slot].Src
		m := v.maps[r.Map]
		if m == nil || !(r.Value || src == asm.PseudoMapValue || src == asm.PseudoMapIdxValue) {
			continue
		}
		const maxVarOff = 1 << 29 // BPF_MAX_VAR_OFF
		if r.Off >= maxVarOff {
			v.rejectAt(r.Slot, "", "direct value offset of %d is not allowed", r.Off)
		}
		if r.Off >= m.spec.ValueSize && m.spec.ValueSize > 0 {
			v.rejectAt(r.Slot, "", "invalid access to map value pointer, value_size=%d off=%d", m.spec.ValueSize, r.Off)
		}
	}
}

func (v *verifier) newMapInfo(name string, s *maps.Spec) *mapInfo {
	mi := &mapInfo{name: name, spec: s, spinLockOff: -1}
	if s.HasSpinLock {
		mi.spinLockOff = int(s.SpinLockOff)
	}
	const rdonlyProg = 1 << 7 // BPF_F_RDONLY_PROG
	mi.rdonly = v.cfg.ReadOnly[name] || s.Flags&rdonlyProg != 0
	if mi.rdonly {
		mi.frozen = v.cfg.Frozen[name]
	}
	if s.InnerMap != nil {
		mi.inner = &mapInfo{name: name + ".inner", spec: s.InnerMap, spinLockOff: -1}
	}
	return mi
}

// checkCFG finds subprograms, checks jumps and calls stay inside them,
// that no subprogram falls off its end, and that every slot is reachable.
func (v *verifier) checkCFG() {
	n := len(v.insns)
	starts := map[int]bool{0: true}
	for pc := 0; pc < n; pc++ {
		ins := v.insns[pc]
		if ins.OpCode == asm.OpCall && ins.Src == asm.CallLocal || ins.OpCode == asm.OpLoadImm64 && ins.Src == asm.PseudoFunc {
			t := pc + 1 + int(ins.Imm)
			if t < 0 || t >= n {
				v.rejectAt(pc, "", "call to an address outside the program (instruction %d)", t)
			}
			starts[t] = true
			if ins.OpCode == asm.OpCall {
				// nothing more
			}
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}
	var ss []int
	for s := range starts {
		ss = append(ss, s)
	}
	sort.Ints(ss)
	if len(ss) > maxSubprogs {
		v.rejectAt(-1, "", "too many subprograms: %d (the limit is %d)", len(ss), maxSubprogs)
	}
	v.subAt = make([]int, n)
	for i, s := range ss {
		end := n
		if i+1 < len(ss) {
			end = ss[i+1]
		}
		name := v.p.Funcs[s]
		if name == "" {
			name = fmt.Sprintf("subprog@%d", s)
		}
		v.subprogs = append(v.subprogs, subprog{start: s, end: end, name: name})
		for pc := s; pc < end; pc++ {
			v.subAt[pc] = i
		}
	}
	v.depths = make([]int, len(v.subprogs))
	v.prune = make([]bool, n)
	v.jmpPoint = make([]bool, n)
	// Jumps stay inside their subprogram and never land in a lddw.
	second := make([]bool, n)
	for pc := 0; pc < n; pc++ {
		if v.insns[pc].IsLoadImm64() && pc+1 < n {
			second[pc+1] = true
			pc++
		}
	}
	for si, sp := range v.subprogs {
		last := sp.end - 1
		if second[last] {
			last--
		}
		li := v.insns[last]
		if !(li.OpCode == asm.OpExit || li.OpCode == asm.OpJA || li.OpCode == asm.OpJA32) {
			v.rejectAt(last, "", "the last instruction of %s is not an exit or a jump: execution would fall off its end", sp.name)
		}
		// Prune points where the kernel's visit_insn and
		// visit_func_call_insn mark them: a conditional jump itself and
		// its target, the target of a goto, the instruction after a
		// call, a bpf-to-bpf call (and a callback's address load) with
		// its callee's first instruction, and the calls of callback
		// helpers and of bpf_iter_num_next. The jump points (where the
		// kernel records the path's jump history) are the same but for
		// conditional jumps, calls and address loads themselves.
		for pc := sp.start; pc < sp.end; pc++ {
			ins := v.insns[pc]
			if ins.OpCode == asm.OpCall && ins.Src == asm.CallLocal {
				t := pc + 1 + int(ins.Imm)
				if second[t] {
					v.rejectAt(pc, "", "call into the middle of a 64-bit immediate load")
				}
				v.subprogs[si].calls = append(v.subprogs[si].calls, v.subAt[t])
				v.prune[pc] = true
				v.prune[t], v.jmpPoint[t] = true, true
			} else if ins.OpCode.IsJump() && ins.OpCode != asm.OpCall && ins.OpCode != asm.OpExit && ins.OpCode != asm.OpCallX {
				t, _ := ins.JumpTarget(pc)
				if t < sp.start || t >= sp.end || second[t] {
					v.rejectAt(pc, "", "jump out of range from insn %d to %d", pc, t)
				}
				v.prune[t], v.jmpPoint[t] = true, true
				if ins.OpCode != asm.OpJA && ins.OpCode != asm.OpJA32 {
					v.prune[pc] = true // also may_goto, where loops converge
				}
			} else if ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper && isCallbackHelper(ins.Imm) {
				v.prune[pc], v.jmpPoint[pc] = true, true
			} else if v.isIterNext(pc) {
				v.prune[pc] = true
			} else if ins.OpCode == asm.OpLoadImm64 && ins.Src == asm.PseudoFunc {
				t := pc + 1 + int(ins.Imm)
				v.prune[pc] = true
				v.prune[t], v.jmpPoint[t] = true, true
				if pc+2 < n {
					v.prune[pc+2], v.jmpPoint[pc+2] = true, true
				}
			}
			if (ins.OpCode == asm.OpCall || ins.OpCode == asm.OpCallX) && pc+1 < n {
				v.prune[pc+1], v.jmpPoint[pc+1] = true, true
			}
			if ins.IsLoadImm64() {
				pc++
			}
		}
	}
	// Reachability from the entry, following calls and callbacks.
	seen := make([]bool, n)
	work := []int{0}
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		if pc < 0 || pc >= n || seen[pc] {
			continue
		}
		seen[pc] = true
		ins := v.insns[pc]
		switch {
		case ins.OpCode == asm.OpExit:
		case ins.OpCode == asm.OpJA || ins.OpCode == asm.OpJA32:
			t, _ := ins.JumpTarget(pc)
			work = append(work, t)
		case ins.OpCode == asm.OpCall || ins.OpCode == asm.OpCallX:
			if ins.OpCode == asm.OpCall && ins.Src == asm.CallLocal {
				work = append(work, pc+1+int(ins.Imm))
			}
			work = append(work, pc+1)
		case ins.OpCode.IsJump():
			t, _ := ins.JumpTarget(pc)
			work = append(work, t, pc+1)
		case ins.IsLoadImm64():
			seen[pc+1] = true
			if ins.Src == asm.PseudoFunc {
				work = append(work, pc+1+int(ins.Imm))
			}
			work = append(work, pc+2)
		default:
			work = append(work, pc+1)
		}
	}
	for pc := 0; pc < n; pc++ {
		if !seen[pc] {
			v.rejectAt(pc, "", "unreachable insn %d", pc)
		}
	}
}

// checkStackDepth checks the combined stack of every call chain.
func (v *verifier) checkStackDepth() {
	// The kernel rounds each frame to 16 bytes when it JITs (x86-64 does
	// by default), to 32 for its interpreter.
	round := func(d int) int { return (d + 15) / 16 * 16 }
	var walk func(sp, total, frames int, chain []int)
	walk = func(sp, total, frames int, chain []int) {
		// A tail call unwinds only its own frame: the frames below stay,
		// so the kernel limits them to 256 bytes.
		if sp != 0 && v.hasTailCall(sp) && total >= 256 {
			v.rejectAt(v.subprogs[sp].start, "tail call from the main function, or use less stack in the callers",
				"tail_calls are not allowed when call stack of previous frames is %d bytes. Too large", total)
		}
		total += round(v.depths[sp])
		if total > maxStack {
			v.rejectAt(v.subprogs[sp].start, "move large buffers off the stack (into a per-CPU array map) or mark callees __always_inline",
				"combined stack size of %d calls is %d. Too large", len(chain)+1, total)
		}
		for _, c := range v.subprogs[sp].calls {
			if frames >= maxCallFrames {
				// Deeper calls, or recursion, which never ends here.
				v.rejectAt(v.subprogs[sp].start, "bpf-to-bpf calls may nest 8 deep and may not recurse", "the call stack of %d frames is too deep !", frames)
			}
			walk(c, total, frames+1, append(chain, sp))
		}
	}
	walk(0, 0, 1, nil)
}

// hasTailCall reports whether subprogram sp calls bpf_tail_call.
func (v *verifier) hasTailCall(sp int) bool {
	s := v.subprogs[sp]
	for pc := s.start; pc < s.end; pc++ {
		ins := v.insns[pc]
		if ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper && ins.Imm == 12 {
			return true
		}
	}
	return false
}

// possibleCPUs is the kernel's nr_cpu_ids, not runtime.NumCPU: the
// process's affinity mask (taskset) must not change what
// bpf_get_smp_processor_id may return, or a key derived from it would
// look constant here and not in the kernel.
func possibleCPUs() int {
	if n, err := ebpf.PossibleCPU(); err == nil && n > 0 {
		return n
	}
	return runtime.NumCPU()
}
