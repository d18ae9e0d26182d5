package amd64

import (
	"fmt"
	"slices"

	"github.com/gbpf/gbpf/asm"
)

// BPF registers live in machine registers, as in the kernel's JIT.
var regMap = [11]Reg{RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP}

// Registers the generated code reserves.
const (
	ctxReg    = R12 // the Context
	budgetReg = R9  // instructions left
	tmp       = R11 // scratch: access addresses, divisors
	tmp2      = R10 // scratch: bound checks
)

// Frame limits, the interpreter's.
const (
	StackSize = 512
	MaxFrames = 8
)

// FuncTag marks the value "lddw rX, function" gives, as the interpreter
// does: a tagged instruction index, not an address.
const FuncTag = 0xfff0_0000_0000_0000

// Options tune compilation.
type Options struct {
	// Safe, when set, says per slot that the instruction's memory access
	// is proven in bounds of plain memory, not the converted context (by
	// a verifier), so its run-time check is left out (an atomic keeps the
	// interpreter's alignment check). Unmarked accesses keep the check:
	// unverified code stays safe.
	Safe []bool
	// CtxAccess, when set, says per slot that a verifier saw the
	// instruction's memory access go through the context on some path:
	// it is compiled for the context's fields first (a guess the code
	// checks, as for registers the compiler sees hold the context).
	CtxAccess []bool
	// ArrayMap, when set, describes the array map at a map address, for
	// bpf_map_lookup_elem calls to inline; false: call the helper.
	ArrayMap func(addr uint64) (ArrayMap, bool)
	// InlineCPU says helper 8 (bpf_get_smp_processor_id) returns
	// Context.CPU: it runs inline.
	InlineCPU bool
	// HashMap, when set, describes the hash map at a map address, for
	// bpf_map_lookup_elem calls to inline. Only for verified programs:
	// the inline lookup reads the key without a check.
	HashMap func(addr uint64) (HashMap, bool)
	// LPMMap, likewise, describes the LPM trie at a map address.
	LPMMap func(addr uint64) (LPMMap, bool)
	// Exclusive compiles atomics without the lock prefix (xchg as a load
	// and a store): for runs during which no other thread runs code that
	// may touch the same memory.
	Exclusive bool
	// InlineLoop says helper 181 is bpf_loop: a call with a constant
	// callback runs as a native loop calling it (flags other than 0 and
	// too many iterations still go to the helper).
	InlineLoop bool
	// InlineUpdates lets bpf_map_update_elem on array maps that allow it
	// (ArrayMap.Update) run inline: only for verified programs, since the
	// value is copied without a check.
	InlineUpdates bool
	// NoBudget leaves out the budget charges: runs are not bounded
	// (for programs a verifier proved to end).
	NoBudget bool
	// InlineSkbLoad says helper 26 is bpf_skb_load_bytes, which may run
	// inline on Context.PktLo and PktLen: only for verified programs,
	// since the destination is written without a check.
	InlineSkbLoad bool
}

// ArrayMap is an array map whose lookups run inline: the value of key i
// (i < MaxEntries) is at Base + i*Stride, plus CPU*CPUStride for a
// per-CPU array. The run gets the values as memory (Compiled.Arrays).
type ArrayMap struct {
	Base       uint64
	MaxEntries uint32
	Stride     uint32
	CPUStride  uint64 // 0 for ARRAY
	// ValueSize and Update: bpf_map_update_elem on the map may run
	// inline (Options.InlineUpdates), copying ValueSize bytes.
	ValueSize uint32
	Update    bool
}

// maxInlineValue bounds the values an inline update copies.
const maxInlineValue = 256

// Helper ids the compiler knows.
const (
	helperMapLookup = 1       // bpf_map_lookup_elem
	helperMapUpdate = 2       // bpf_map_update_elem
	helperCPU       = 8       // bpf_get_smp_processor_id
	helperSkbLoad   = 26      // bpf_skb_load_bytes
	helperLoop      = 181     // bpf_loop
	maxLoops        = 1 << 23 // BPF_MAX_LOOPS
)

// Compiled is a program's machine code and where things are in it.
type Compiled struct {
	Code []byte
	// Offsets in Code of the entry stubs (Enter's targets): Resume goes
	// on at the address on top of the native stack, Call calls it as a
	// new frame (a run's entry frame, a callback) whose exit ends the
	// run with ExitDone. Start is the program's first instruction.
	Resume, Call, Start int
	// PCOffsets[pc] is where slot pc's code starts (-1 for lddw's second
	// slot); PCOffsets[len] is the end of the program body.
	PCOffsets []int
	// CtxStoreOffsets are the context fields (byte offsets of 4-byte
	// stores) that go to CtxVal when Go says they are plain (CtxStKey).
	CtxStoreOffsets []int
	// PacketLoads says the code reads Context.PktLo and PktLen.
	PacketLoads bool
	// CtxOffsets are the context fields (byte offsets of 4-byte loads)
	// whose converted values Go keeps in Context.CtxKey/CtxVal.
	CtxOffsets []int
	// CtxClassOffsets[i] is the context field whose value ClassCtx0+i
	// pointers derive from (-1: none): Go fills that class with the
	// region holding the field's value.
	CtxClassOffsets [CtxClasses]int
	// Arrays are the map addresses of the inlined array lookups' maps,
	// ClassArray0+i for Arrays[i]: their values must be the run's memory.
	Arrays []uint64
	// Indexed are the map addresses of the inlined hash and LPM lookups'
	// maps: their elements must be the run's memory.
	Indexed []uint64
	// R10Fixed says the program never writes r10: its bpf-to-bpf calls
	// track the depth in r10 alone (Context.Depth and MaxDepth stay
	// unchanged), and MaxDepth bounds the depth its calls reach.
	R10Fixed bool
	MaxDepth int
	// Checks is how many loads, stores and atomics are checked against
	// the run's regions (the rest are proven safe).
	Checks int
}

type fixup struct {
	at     int  // offset of a rel32
	target int  // slot index
	post   bool // to the target block's code after its budget charge
}

type compiler struct {
	a        Asm
	insns    asm.Instructions
	opts     Options
	leaders  []int       // block length (executed instructions) at each leader, 0 elsewhere
	absorb   map[int]int // unconditional jumps that pay for their target block, to it
	postOff  []int       // per leader: where its code after the budget charge starts
	fixups   []fixup
	slow     []func() // out-of-line paths, emitted after the body
	exitStub int
	// stubReturn is where the call stub's call returns: the return
	// address of the frame it enters.
	stubReturn int
	r10Fixed   bool // the program never writes r10, so r10 is always a frame top
	pcOff      []int

	pendingSlow []pendingSlow // slow-path jumps of the access being compiled
	pendingPC   int
	checks      int // accesses checked against the regions

	ctxRegs   []uint16        // per slot: registers that may hold the context there
	ctxUsed   [CtxSlots]bool  // context fields loads may take from CtxVal
	ctxStored [CtxSlots]bool  // context fields stores may put into CtxVal
	pktLoads  bool            // an inlined bpf_skb_load_bytes reads PktLo and PktLen
	classes   [][11]uint8     // per slot: each register's region class there
	ctxCls    [CtxClasses]int // the context field offset of each ClassCtx0+i, -1 if none
	inline    map[int]int     // lookup calls run inline, by slot: their map's index in arrays
	arrays    []uint64        // the maps of inlined lookups
	arrayAt   []ArrayMap
	hashAt    map[int]HashMap  // hash lookups run inline, by slot
	lpmAt     map[int]LPMMap   // LPM lookups run inline, by slot
	updates   map[int]ArrayMap // array updates run inline, by slot

	targeted []bool         // slots some jump, call or function address targets
	saves    map[int]uint16 // per function entry: the r6-r9 its calls clobber (clobbers)
	skip     int            // how many instructions after it the instruction compiled also did
	indexed  []uint64
}

// Compile translates a validated program. It reports instructions it
// cannot run (unresolved map or BTF references, kernel function calls).
func Compile(insns asm.Instructions, opts Options) (*Compiled, error) {
	c := &compiler{insns: insns, opts: opts}
	c.a.NoLock = opts.Exclusive
	c.a.Buf = make([]byte, 0, 64*len(insns)+256) // most programs fit: no regrowth
	if err := c.check(); err != nil {
		return nil, err
	}
	c.findBlocks()
	c.findTargets()
	c.saves = c.findClobbers()
	c.r10Fixed = !writesR10(insns)
	c.findCtxRegs()
	c.findInlineLookups()
	c.findClasses()

	// Enter and the exits pair every call with a ret, so the CPU's
	// return predictions hold: entering jumps to the resume address
	// instead of returning to it, exits jump to the exit stub (after
	// pushing where to resume), whose ret returns to Enter's caller.
	c.exitStub = c.a.Len()
	c.emitExitStub()
	resume := c.a.Len()
	toCall := c.emitEntryStub(false)
	call := c.a.Len()
	c.a.Patch(toCall, c.emitEntryStub(true))
	c.stubReturn = c.a.Len()
	// Helper exits from the frame the stub called return here, with
	// their exit code set; the frame's own exit returns here too.
	c.a.ALUMemImm(CMP, W64, mem(ctxReg, offResume), 0)
	c.a.Patch(c.a.Jcc(CondNE), c.exitStub)
	c.exitWith(ExitDone, 0)
	c.a.Ud2()

	start := c.a.Len()
	c.pcOff = make([]int, len(insns)+1)
	c.postOff = make([]int, len(insns))
	for pc := 0; pc < len(insns); pc++ {
		c.pcOff[pc] = c.a.Len()
		if n := c.leaders[pc]; n > 0 {
			if t, ok := c.absorb[c.blockLast(pc)]; ok {
				n += c.leaders[t]
			}
			if !c.opts.NoBudget {
				c.chargeBudget(pc, n)
			}
			c.postOff[pc] = c.a.Len()
		}
		if c.insn(pc) {
			c.pcOff[pc+1] = -1
			pc++
		}
		for ; c.skip > 0; c.skip-- {
			pc++
			c.pcOff[pc] = c.a.Len()
			c.postOff[pc] = c.a.Len()
		}
	}
	c.pcOff[len(insns)] = c.a.Len()
	for i := 0; i < len(c.slow); i++ {
		c.slow[i]()
	}
	for _, f := range c.fixups {
		if f.post {
			c.a.Patch(f.at, c.postOff[f.target])
		} else {
			c.a.Patch(f.at, c.pcOff[f.target])
		}
	}
	comp := &Compiled{Code: c.a.Buf, Resume: resume, Call: call, Start: start, PCOffsets: c.pcOff, CtxClassOffsets: c.ctxCls, Arrays: c.arrays, Indexed: c.indexed,
		R10Fixed: c.r10Fixed, MaxDepth: maxCallDepth(insns), Checks: c.checks, PacketLoads: c.pktLoads}
	for slot, used := range c.ctxUsed {
		if used {
			comp.CtxOffsets = append(comp.CtxOffsets, 4*slot)
		}
		if c.ctxStored[slot] {
			comp.CtxStoreOffsets = append(comp.CtxStoreOffsets, 4*slot)
		}
	}
	return comp, nil
}

// ConvertsContext says the code serves context fields from CtxVal.
func (comp *Compiled) ConvertsContext() bool {
	return len(comp.CtxOffsets) > 0 || len(comp.CtxStoreOffsets) > 0 || comp.PacketLoads
}

func (c *compiler) check() error {
	for pc, ins := range c.insns {
		switch {
		case ins.IsLoadImm64() && ins.Src != asm.PseudoNone && ins.Src != asm.PseudoFunc:
			return fmt.Errorf("instruction %d: unresolved 64-bit immediate load of kind %d", pc, ins.Src)
		case ins.OpCode == asm.OpCall && ins.Src == asm.CallKfunc:
			return fmt.Errorf("instruction %d: kernel function calls (kfunc %d) are not supported", pc, ins.Imm)
		case ins.OpCode == asm.OpMayGoto:
			// The interpreter runs it (with its per-run loop counter).
			return fmt.Errorf("instruction %d: may_goto is not compiled yet", pc)
		}
	}
	return nil
}

// writesR10 reports whether any instruction may change r10; if none does,
// r10 is always the top of the current frame and accesses within that
// frame need no run-time check.
func writesR10(insns asm.Instructions) bool {
	for pc := 0; pc < len(insns); pc++ {
		ins := insns[pc]
		switch op := ins.OpCode; {
		case op.IsALU(), op.Class() == asm.ClassLDX, ins.IsLoadImm64():
			if ins.Dst == asm.R10 {
				return true
			}
		case op.Class() == asm.ClassSTX && op.Mode() == asm.ModeATOMIC:
			if ins.Src == asm.R10 && ins.Imm&asm.AtomicFetch != 0 {
				return true
			}
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}
	return false
}

// findBlocks marks basic-block leaders with the number of instructions
// their block executes, which is charged to the budget on entry. A block
// the budget cannot pay for exits before running any of it, and Go runs
// it in the interpreter, which stops at the same instruction, with the
// same memory, as a whole run in the interpreter would.
func (c *compiler) findBlocks() {
	n := len(c.insns)
	lead := make([]bool, n+1)
	lead[0] = true
	for pc := 0; pc < n; pc++ {
		ins := c.insns[pc]
		if t, ok := ins.JumpTarget(pc); ok { // callback entries too
			lead[t] = true
		}
		// Legacy packet loads exit to Go, which resumes after them.
		if ins.OpCode.IsJump() || ins.OpCode.Class() == asm.ClassLD && !ins.IsLoadImm64() {
			lead[pc+1] = true
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}
	c.leaders = make([]int, n)
	count, at := 0, 0
	for pc := 0; pc < n; pc++ {
		if lead[pc] {
			if count > 0 {
				c.leaders[at] = count
			}
			at, count = pc, 0
		}
		count++
		if c.insns[pc].IsLoadImm64() {
			pc++
		}
	}
	c.leaders[at] = count
	// A block ending in "goto T" pays for T's block too (a loop's
	// back edge pays for its header) and jumps past T's charge: one
	// charge per iteration instead of two. If the budget cannot pay
	// for both, the interpreter runs them from the block's start and
	// stops where it would. T must not end in a goto itself, or code
	// could run unpaid for; nor be the block itself.
	endsInGoto := func(lead int) (int, int, bool) {
		last := c.blockLast(lead)
		ins := c.insns[last]
		if ins.OpCode != asm.OpJA && ins.OpCode != asm.OpJA32 {
			return last, 0, false
		}
		t, _ := ins.JumpTarget(last)
		return last, t, true
	}
	for lead := 0; lead < n; lead++ {
		if c.leaders[lead] == 0 {
			continue
		}
		last, t, ok := endsInGoto(lead)
		if !ok || t == lead || t < 0 || t >= n || c.leaders[t] == 0 {
			continue
		}
		if _, _, tGoto := endsInGoto(t); tGoto {
			continue
		}
		if c.absorb == nil {
			c.absorb = map[int]int{}
		}
		c.absorb[last] = t
	}
}

// clobbers is the set of r6 to r9 (bit i for ri) that a call of the
// function at entry may change: those it or any function it calls
// writes, or all four where the program makes tail calls (the target's
// code runs in the callee's frame and returns to the caller).
func (c *compiler) clobbers(entry int) uint16 {
	const all = 0xf << 6
	if v, ok := c.saves[entry]; ok {
		return v
	}
	return all
}

func (c *compiler) findClobbers() map[int]uint16 {
	const all = 0xf << 6
	n := len(c.insns)
	entries := funcEntries(c.insns)
	fn := func(pc int) int { return entries[funcIndex(entries, pc)] }
	// Writes are found per function's slots: code that jumps or falls
	// from one function into another (unverified code may) gets no
	// savings.
	for pc, ins := range c.insns {
		if t, ok := ins.JumpTarget(pc); ok && ins.OpCode != asm.OpCall && !ins.IsLoadImm64() && (t < 0 || t >= n || fn(t) != fn(pc)) {
			return nil
		}
		if pc+1 < n && fn(pc+1) != fn(pc) && ins.OpCode != asm.OpExit && ins.OpCode != asm.OpJA && ins.OpCode != asm.OpJA32 {
			return nil
		}
	}
	writes := map[int]uint16{}
	calls := map[int][]int{}
	tail := false
	for pc := 0; pc < n; pc++ {
		ins := c.insns[pc]
		f := fn(pc)
		op := ins.OpCode
		switch {
		case ins.IsLoadImm64():
			writes[f] |= 1 << ins.Dst
			pc++
		case op.IsALU(), op.Class() == asm.ClassLDX:
			writes[f] |= 1 << ins.Dst
		case op.Class() == asm.ClassSTX && op.Mode() == asm.ModeATOMIC && ins.Imm&asm.AtomicFetch != 0:
			writes[f] |= 1 << ins.Src
		case op == asm.OpCall && ins.Src == asm.CallLocal:
			if t, ok := ins.JumpTarget(pc); ok {
				calls[f] = append(calls[f], t)
			}
		case op == asm.OpCall && ins.Src == asm.CallHelper && ins.Imm == 12, op == asm.OpCallX:
			tail = true // bpf_tail_call, or a helper call of any id
		}
	}
	saves := map[int]uint16{}
	for _, e := range entries {
		saves[e] = writes[e] & all
		if tail {
			saves[e] = all
		}
	}
	for changed := true; changed; { // callees' writes, to a fixpoint
		changed = false
		for f, ts := range calls {
			for _, t := range ts {
				if v := saves[f] | saves[t]; v != saves[f] {
					saves[f], changed = v, true
				}
			}
		}
	}
	return saves
}

// findTargets marks the slots control can reach other than from the
// slot before: jump and call targets, functions whose address is taken.
func (c *compiler) findTargets() {
	c.targeted = make([]bool, len(c.insns)+1)
	for pc, ins := range c.insns {
		// Function addresses (lddw) are jump targets too.
		if t, ok := ins.JumpTarget(pc); ok && t >= 0 && t <= len(c.insns) {
			c.targeted[t] = true
		}
	}
}

// blockLast is the last slot of the block at leader lead (the first slot
// of a lddw).
func (c *compiler) blockLast(lead int) int {
	pc := lead
	for left := c.leaders[lead]; left > 1; left-- {
		pc += c.insns[pc].Width()
	}
	return pc
}

// findCtxRegs finds, per slot, the registers that may hold the context
// (r1 at the program's start, r1 to r5 at function entries, copies of
// those): loads from them try the converted context first. A guess is
// enough, since the generated code compares the base with the context's
// address at run time; it only decides where the comparison is worth it.
func (c *compiler) findCtxRegs() {
	n := len(c.insns)
	in := make([]uint16, n)
	in[0] = 1 << 1
	for pc := 0; pc < n; pc++ {
		ins := c.insns[pc]
		if t, ok := ins.JumpTarget(pc); ok && ins.OpCode.JumpOp() == asm.JumpCall {
			in[t] |= 0x3e
		}
		if ins.IsLoadImm64() {
			if ins.Src == asm.PseudoFunc {
				if t := pc + 1 + int(ins.Imm); t >= 0 && t < n {
					in[t] |= 0x3e
				}
			}
			pc++
		}
	}
	work := make([]int, 0, n)
	queued := make([]bool, n)
	for pc := 0; pc < n; pc++ {
		if in[pc] != 0 {
			work = append(work, pc)
			queued[pc] = true
		}
	}
	flow := func(to int, set uint16) {
		if to < 0 || to >= n || in[to]|set == in[to] {
			return
		}
		in[to] |= set
		if !queued[to] {
			queued[to] = true
			work = append(work, to)
		}
	}
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		queued[pc] = false
		ins := c.insns[pc]
		set := in[pc]
		op := ins.OpCode
		next := pc + 1
		switch {
		case ins.IsLoadImm64():
			set &^= 1 << ins.Dst
			next = pc + 2
		case op.Class() == asm.ClassALU64 && op.ALUOp() == asm.ALUMov && op.Source() == asm.SrcX && ins.Offset == 0:
			set &^= 1 << ins.Dst
			if ins.Src <= asm.R10 && set&(1<<ins.Src) != 0 {
				set |= 1 << ins.Dst
			}
		case op.IsALU(), op.Class() == asm.ClassLDX:
			set &^= 1 << ins.Dst
		case op.Class() == asm.ClassLD:
			set &^= 1 // legacy packet loads set r0
		case op.Class() == asm.ClassSTX && op.Mode() == asm.ModeATOMIC:
			set &^= 1<<ins.Src | 1
		case op.IsJump():
			switch op.JumpOp() {
			case asm.JumpExit:
				continue
			case asm.JumpCall:
				set &^= 0x3f
			case asm.JumpA:
				if t, ok := ins.JumpTarget(pc); ok {
					flow(t, set)
				}
				continue
			default:
				if t, ok := ins.JumpTarget(pc); ok {
					flow(t, set)
				}
			}
		}
		flow(next, set)
	}
	c.ctxRegs = in
}

// funcEntries are the first slots of the program's functions, sorted:
// 0, the targets of bpf-to-bpf calls and the functions whose address is
// taken (callbacks). Validated code has its targets in range.
func funcEntries(insns asm.Instructions) []int {
	entries := []int{0}
	for pc, ins := range insns {
		if t, ok := ins.JumpTarget(pc); ok && (ins.OpCode == asm.OpCall || ins.IsLoadImm64()) {
			entries = append(entries, t)
		}
	}
	slices.Sort(entries)
	return slices.Compact(entries)
}

// funcIndex is the index in entries of the function holding slot pc.
func funcIndex(entries []int, pc int) int {
	i, _ := slices.BinarySearch(entries, pc+1)
	return i - 1
}

// maxCallDepth bounds the bpf-to-bpf call depth a run of insns reaches
// below its entry frame: the call graph's longest path, or the frame
// limit when calls recurse or helpers call back into the program.
func maxCallDepth(insns asm.Instructions) int {
	for _, ins := range insns {
		if ins.IsLoadImm64() && ins.Src == asm.PseudoFunc {
			return MaxFrames - 1
		}
	}
	entries := funcEntries(insns)
	fn := func(pc int) int { return funcIndex(entries, pc) }
	callees := make([][]int, len(entries))
	for pc, ins := range insns {
		if t, ok := ins.JumpTarget(pc); ok && ins.OpCode == asm.OpCall {
			f := fn(pc)
			callees[f] = append(callees[f], fn(t))
		}
	}
	const visiting = -2
	depth := make([]int, len(entries))
	for i := range depth {
		depth[i] = -1
	}
	var walk func(f int) int
	walk = func(f int) int {
		switch depth[f] {
		case visiting:
			return MaxFrames // recursion
		case -1:
			depth[f] = visiting
			d := 0
			for _, g := range callees[f] {
				d = max(d, 1+walk(g))
			}
			depth[f] = min(d, MaxFrames)
		}
		return depth[f]
	}
	return min(walk(0), MaxFrames-1)
}

// findInlineLookups finds the bpf_map_lookup_elem calls on array maps
// that run inline: r1 is set to the map by a 64-bit immediate load in
// the same block.
func (c *compiler) findInlineLookups() {
	if c.opts.ArrayMap == nil && c.opts.HashMap == nil && c.opts.LPMMap == nil {
		return
	}
	addIndexed := func(addr uint64) {
		if !slices.Contains(c.indexed, addr) {
			c.indexed = append(c.indexed, addr)
		}
	}
	index := map[uint64]int{}
	for pc, ins := range c.insns {
		if ins.OpCode != asm.OpCall || ins.Src != asm.CallHelper || (ins.Imm != helperMapLookup && ins.Imm != helperMapUpdate) {
			continue
		}
		addr, ok := c.constR1(pc)
		if !ok {
			continue
		}
		if ins.Imm == helperMapUpdate {
			if !c.opts.InlineUpdates || c.opts.ArrayMap == nil {
				continue
			}
			if am, ok := c.opts.ArrayMap(addr); ok && am.Update && am.MaxEntries > 0 && am.ValueSize > 0 && am.ValueSize <= maxInlineValue {
				if c.updates == nil {
					c.updates = map[int]ArrayMap{}
				}
				c.updates[pc] = am
			}
			continue
		}
		if c.opts.HashMap != nil {
			if hm, ok := c.opts.HashMap(addr); ok && hm.KeySize > 0 && hm.KeySize <= MaxInlineKey && hm.Mask < 1<<31 && hm.Seed < 1<<31 {
				if c.hashAt == nil {
					c.hashAt = map[int]HashMap{}
				}
				c.hashAt[pc] = hm
				addIndexed(addr)
				continue
			}
		}
		if c.opts.LPMMap != nil {
			if lm, ok := c.opts.LPMMap(addr); ok && lm.DataSize > 0 && lm.DataSize <= 16 && lm.MaxPrefix == 8*lm.DataSize {
				if c.lpmAt == nil {
					c.lpmAt = map[int]LPMMap{}
				}
				c.lpmAt[pc] = lm
				addIndexed(addr)
				continue
			}
		}
		if c.opts.ArrayMap == nil {
			continue
		}
		k, seen := index[addr]
		if !seen {
			am, ok := c.opts.ArrayMap(addr)
			if !ok || len(c.arrays) == ArrayClasses || am.MaxEntries == 0 {
				continue
			}
			k = len(c.arrays)
			index[addr] = k
			c.arrays = append(c.arrays, addr)
			c.arrayAt = append(c.arrayAt, am)
		}
		if c.inline == nil {
			c.inline = map[int]int{}
		}
		c.inline[pc] = k
	}
}

// constR1 finds the constant r1 holds at slot pc: a 64-bit immediate
// load in pc's block, with no later write to r1 before pc.
func (c *compiler) constR1(pc int) (uint64, bool) {
	q, ok := c.loadImmBefore(pc, asm.R1)
	if !ok || c.insns[q].Src != asm.PseudoNone {
		return 0, false
	}
	return asm.Imm64(c.insns[q], c.insns[q+1]), true
}

// constFunc finds the function whose address r2 holds at slot pc: a
// "lddw r2, function" in pc's block with no later write to r2.
func (c *compiler) constFunc(pc int) (int, bool) {
	q, ok := c.loadImmBefore(pc, asm.R2)
	if !ok || c.insns[q].Src != asm.PseudoFunc {
		return 0, false
	}
	t := q + 1 + int(c.insns[q].Imm)
	return t, t >= 0 && t < len(c.insns)
}

// loadImmBefore finds the 64-bit immediate load of r in pc's block that
// r holds at pc: its first slot.
func (c *compiler) loadImmBefore(pc int, r asm.Register) (int, bool) {
	for q := pc - 1; q >= 0; q-- {
		ins := c.insns[q]
		if q > 0 && c.insns[q-1].IsLoadImm64() { // q is a lddw's second slot
			q--
			if c.insns[q].Dst == r {
				return q, true
			}
		} else if writesReg(ins, r) {
			return 0, false
		}
		if c.leaders[q] > 0 {
			return 0, false // the start of pc's block
		}
	}
	return 0, false
}

// writesReg reports whether ins may change r (calls change r0 to r5).
func writesReg(ins asm.Instruction, r asm.Register) bool {
	op := ins.OpCode
	switch {
	case op.IsALU(), op.Class() == asm.ClassLDX, ins.IsLoadImm64():
		return ins.Dst == r
	case op.Class() == asm.ClassLD:
		return r == asm.R0
	case op.Class() == asm.ClassSTX && op.Mode() == asm.ModeATOMIC:
		return ins.Src == r || r == asm.R0
	case op.IsJump() && op.JumpOp() == asm.JumpCall:
		return r <= asm.R5
	}
	return false
}

// ctxLoad reports whether the load at pc may take a converted context
// field from CtxVal, and the field's offset.
func (c *compiler) ctxLoad(pc int, ins asm.Instruction) (int, bool) {
	off := int(ins.Offset)
	ok := ins.OpCode.Class() == asm.ClassLDX && ins.OpCode.Mode() == asm.ModeMEM && ins.OpCode.Size() == asm.SizeW &&
		off >= 0 && off%4 == 0 && off < 4*CtxSlots && c.maybeCtx(pc, ins.Src)
	return off, ok
}

// ctxStore says the 4-byte store at pc may go to a context field that
// CtxStKey can serve; it returns the field's offset.
func (c *compiler) ctxStore(pc int, ins asm.Instruction) (int, bool) {
	off := int(ins.Offset)
	cls := ins.OpCode.Class()
	ok := (cls == asm.ClassST || cls == asm.ClassSTX) && ins.OpCode.Mode() == asm.ModeMEM && ins.OpCode.Size() == asm.SizeW &&
		off >= 0 && off%4 == 0 && off < 4*CtxStoreSlots && c.maybeCtx(pc, ins.Dst)
	return off, ok
}

const classConflict = 0xff

// findClasses predicts, per slot and register, which region a pointer
// in the register points into (ClassStack, ...): copies and pointer
// arithmetic keep a register's class, other writes clear it, and where
// paths meet with different classes the prediction is dropped. A guess
// only orders the run-time check; a wrong one costs one comparison.
func (c *compiler) findClasses() {
	n := len(c.insns)
	for i := range c.ctxCls {
		c.ctxCls[i] = -1
	}
	var ctxClass [CtxSlots]uint8 // by field offset / 4
	classes := 0
	for pc := 0; pc < n; pc++ {
		if off, ok := c.ctxLoad(pc, c.insns[pc]); ok && ctxClass[off/4] == 0 && classes < CtxClasses {
			c.ctxCls[classes] = off
			ctxClass[off/4] = uint8(ClassCtx0 + classes)
			classes++
		}
		if c.insns[pc].IsLoadImm64() {
			pc++
		}
	}
	in := make([][11]uint8, n)
	seen := make([]bool, n)
	queued := make([]bool, n)
	work := make([]int, 0, 16)
	start := func(pc int) {
		if pc >= 0 && pc < n && !seen[pc] {
			seen[pc], queued[pc] = true, true
			work = append(work, pc)
		}
	}
	start(0)
	for pc := 0; pc < n; pc++ {
		ins := c.insns[pc]
		if t, ok := ins.JumpTarget(pc); ok && (ins.OpCode.JumpOp() == asm.JumpCall || ins.IsLoadImm64()) {
			start(t) // function entries: nothing known
		}
	}
	flow := func(to int, st [11]uint8) {
		if to < 0 || to >= n {
			return
		}
		if !seen[to] {
			seen[to] = true
			in[to] = st
		} else {
			changed := false
			for r, b := range st {
				a := in[to][r]
				m := a
				switch {
				case a == b, b == ClassNone:
				case a == ClassNone:
					m = b
				default:
					m = classConflict
				}
				if m != a {
					in[to][r] = m
					changed = true
				}
			}
			if !changed {
				return
			}
		}
		if !queued[to] {
			queued[to] = true
			work = append(work, to)
		}
	}
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		queued[pc] = false
		ins := c.insns[pc]
		st := in[pc]
		st[10] = ClassStack
		op := ins.OpCode
		next := pc + 1
		d, sr := min(ins.Dst, asm.R10), min(ins.Src, asm.R10)
		alu64 := op.Class() == asm.ClassALU64
		switch {
		case ins.IsLoadImm64():
			st[d] = ClassNone
			next = pc + 2
		case alu64 && op.ALUOp() == asm.ALUMov && op.Source() == asm.SrcX && ins.Offset == 0:
			st[d] = st[sr]
		case alu64 && (op.ALUOp() == asm.ALUAdd || op.ALUOp() == asm.ALUSub) && op.Source() == asm.SrcK:
		case alu64 && op.ALUOp() == asm.ALUAdd:
			if st[d] == ClassNone {
				st[d] = st[sr]
			}
		case alu64 && op.ALUOp() == asm.ALUSub:
		case op.IsALU():
			st[d] = ClassNone
		case op.Class() == asm.ClassLDX:
			st[d] = ClassNone
			if off, ok := c.ctxLoad(pc, ins); ok && ctxClass[off/4] != 0 {
				st[d] = ctxClass[off/4]
			}
		case op.Class() == asm.ClassLD:
			st[0] = ClassNone
		case op.Class() == asm.ClassSTX && op.Mode() == asm.ModeATOMIC:
			st[sr], st[0] = ClassNone, ClassNone
		case op.IsJump():
			switch op.JumpOp() {
			case asm.JumpExit:
				continue
			case asm.JumpCall:
				st[0] = ClassNone
				if k, ok := c.inline[pc]; ok {
					st[0] = uint8(ClassArray0 + k)
				} else if ins.Src != asm.CallLocal {
					st[0] = ClassLastDyn // a pointer a helper returns is its latest region
				}
				for r := 1; r <= 5; r++ {
					st[r] = ClassNone
				}
			case asm.JumpA:
				if t, ok := ins.JumpTarget(pc); ok {
					flow(t, st)
				}
				continue
			default:
				if t, ok := ins.JumpTarget(pc); ok {
					flow(t, st)
				}
			}
		}
		flow(next, st)
	}
	c.classes = in
}

// classOf is the region class predicted for r before slot pc.
func (c *compiler) classOf(pc int, r asm.Register) int {
	if r == asm.R10 {
		return ClassStack
	}
	if r > asm.R10 {
		return ClassNone
	}
	if cls := c.classes[pc][r]; cls != classConflict {
		return int(cls)
	}
	return ClassNone
}

// maybeCtx reports whether r may hold the context before slot pc.
func (c *compiler) maybeCtx(pc int, r asm.Register) bool {
	if pc < len(c.opts.CtxAccess) && c.opts.CtxAccess[pc] {
		return true // the context, through a spilled copy, say
	}
	return r < asm.R10 && c.ctxRegs[pc]&(1<<r) != 0
}

func mem(r Reg, off int32) Mem { return At(r, off) }

// reg maps a BPF register; fields that are not registers (the source of
// an immediate form) map to anything valid.
func reg(r asm.Register) Reg {
	if r > asm.R10 {
		return RAX
	}
	return regMap[r]
}

// emitEntryStub loads the registers and goes to the address on top of
// the native stack: as a call (it returns the offset of the call
// instruction), or a jump. The jump stub first checks for a resume
// address in the Context (left by exitHelper): it clears it and goes
// there through the call stub's call instruction, to push the frame's
// return address again, on the native stack and in the CPU's return
// predictions alike; it returns the offset of that jump, to patch.
func (c *compiler) emitEntryStub(call bool) int {
	for i, r := range regMap {
		c.a.Load(W64, r, mem(ctxReg, int32(offRegs+8*i)))
	}
	c.a.Load(W64, budgetReg, mem(ctxReg, offBudget))
	if call {
		c.a.Pop(tmp)
		at := c.a.Len()
		c.a.CallReg(tmp)
		return at
	}
	c.a.Load(W64, tmp, mem(ctxReg, offResume))
	c.a.Test(W64, tmp, tmp)
	onStack := c.a.JccShort(CondE)
	c.a.StoreImm(W64, mem(ctxReg, offResume), 0)
	toCall := c.a.Jmp()
	c.a.PatchShort(onStack, c.a.Len())
	c.a.Pop(tmp)
	c.a.JmpReg(tmp)
	return toCall
}

// exitHelper exits to Go to call the helper at pc. From the frame the
// call stub entered (its return address on top of the native stack), the
// exit returns into the stub, leaving where to resume in the Context: so
// every ret pairs with its call and the CPU predicts them all, where an
// exit from the middle of the frame straight to Go would cost two
// mispredicted returns (the exit's and, later, the frame's). Other frames
// take the general exit.
func (c *compiler) exitHelper(pc int) {
	c.a.StoreImm(W32, mem(ctxReg, offExitCode), ExitHelper)
	c.a.StoreImm(W32, mem(ctxReg, offExitPC), int32(pc))
	lea := c.a.LeaRIP(tmp)
	c.a.Patch(c.a.LeaRIP(tmp2), c.stubReturn)
	c.a.ALULoad(CMP, W64, tmp2, At(RSP, 0))
	deeper := c.a.JccShort(CondNE)
	c.a.Store(W64, mem(ctxReg, offResume), tmp)
	c.a.Ret()
	c.a.PatchShort(deeper, c.a.Len())
	c.a.Push(tmp)
	c.a.Patch(c.a.Jmp(), c.exitStub)
	c.a.Patch(lea, c.a.Len())
}

func (c *compiler) emitExitStub() {
	for i, r := range regMap {
		c.a.Store(W64, mem(ctxReg, int32(offRegs+8*i)), r)
	}
	c.a.Store(W64, mem(ctxReg, offBudget), budgetReg)
	c.a.Store(W64, mem(ctxReg, offNativeSP), RSP)
	c.a.Load(W64, RSP, mem(ctxReg, offGoSP))
	c.a.Load(W64, RBP, mem(ctxReg, offGoBP))
	c.a.Ret()
}

// exitWith returns to Go with an exit code; Go resumes right after.
func (c *compiler) exitWith(code uint32, pc int) {
	c.a.StoreImm(W32, mem(ctxReg, offExitCode), int32(code))
	c.a.StoreImm(W32, mem(ctxReg, offExitPC), int32(pc))
	lea := c.a.LeaRIP(tmp)
	c.a.Push(tmp)
	c.a.Patch(c.a.Jmp(), c.exitStub)
	c.a.Patch(lea, c.a.Len())
}

func (c *compiler) chargeBudget(pc, n int) {
	c.a.ALUImm(SUB, W64, budgetReg, int32(n))
	j := c.a.Jcc(CondB)
	c.slow = append(c.slow, func() {
		c.a.Patch(j, c.a.Len())
		c.a.StoreImm(W64, mem(ctxReg, offExitArg), int32(n))
		c.exitWith(ExitBudget, pc)
		c.a.Ud2()
	})
}

// jumpTo emits a jump (or a conditional one) to slot target.
func (c *compiler) jumpTo(cond Cond, always bool, target int) {
	var at int
	if always {
		at = c.a.Jmp()
	} else {
		at = c.a.Jcc(cond)
	}
	c.fixups = append(c.fixups, fixup{at: at, target: target})
}

// insn compiles the instruction at pc; it reports whether it used two slots.
func (c *compiler) insn(pc int) bool {
	ins := c.insns[pc]
	op := ins.OpCode
	switch op.Class() {
	case asm.ClassALU, asm.ClassALU64:
		if n := c.zeroExtension(pc); n > 0 {
			c.skip = n - 1
			break
		}
		c.alu(ins)
	case asm.ClassJMP, asm.ClassJMP32:
		c.jump(pc, ins)
	case asm.ClassLD:
		if ins.IsLoadImm64() {
			v := asm.Imm64(ins, c.insns[pc+1])
			if ins.Src == asm.PseudoFunc {
				v = FuncTag + uint64(pc+1+int(ins.Imm))
			}
			c.a.MovImm(regMap[ins.Dst], v)
			return true
		}
		c.exitWith(ExitPacket, pc) // legacy packet loads are rare: Go does them
	case asm.ClassLDX:
		c.load(pc, ins)
	case asm.ClassST, asm.ClassSTX:
		if op.Mode() == asm.ModeATOMIC {
			c.atomic(pc, ins)
		} else {
			c.store(pc, ins)
		}
	}
	return false
}
