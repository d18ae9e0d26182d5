package verifier

import (
	"fmt"
	"math"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/asm"
)

const (
	maxStatesPerInsn     = 64   // finished states kept per instruction
	maxLoopStatesPerInsn = 1024 // states of loops being explored kept per instruction
)

func (v *verifier) newID() uint32 { v.idGen++; return v.idGen }

func (v *verifier) run() {
	f := &frame{callsite: -1}
	f.regs[1] = reg{t: ptrCtx}
	f.regs[1].setConstVar(0)
	f.regs[10] = reg{t: ptrStack}
	f.regs[10].setConstVar(0)
	v.worklist = append(v.worklist, pending{st: &state{frames: []*frame{f}}, pc: 0})
	v.drain()
}

// drain explores every queued path.
func (v *verifier) drain() {
	for len(v.worklist) > 0 {
		p := v.worklist[len(v.worklist)-1]
		v.worklist = v.worklist[:len(v.worklist)-1]
		v.st, v.pc = p.st, p.pc
		v.explore()
	}
}

func (v *verifier) explore() {
	for {
		// The kernel's do_check counts an instruction as processed
		// before is_state_visited may prune the path there.
		v.processed++
		if v.processed > complexityLimit {
			v.reject("split the program into smaller functions (bpf-to-bpf calls or tail calls), reduce loop bounds, or use bpf_loop",
				"BPF program is too large. Processed %d insn", v.processed)
		}
		if v.prune[v.pc] && v.visit() {
			v.endPath()
			return
		}
		if v.jmpPoint[v.pc] {
			v.noteHistEntry()
		}
		v.record()
		v.liveBegin()
		if v.cfg.Log {
			text, _ := asm.FormatInstruction(v.insns, v.pc, asm.SyntaxLLVM)
			v.trail(fmt.Sprintf("%d: %s", v.pc, text))
		}
		end := v.step()
		v.liveCommit()
		if end {
			v.endPath()
			return
		}
	}
}

func (v *verifier) trail(s string) {
	if v.cfg.Log {
		v.st.path = &pathNode{prev: v.st.path, text: s}
	}
}

// visit looks for an explored state at this prune point that covers the
// current one; otherwise it records the current state.
func (v *verifier) visit() bool {
	list := v.explored[v.pc]
	ins := v.insns[v.pc]
	cbSite := ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper && isCallbackHelper(ins.Imm)
	iterNext := v.isIterNext(v.pc)
	mayGoto := ins.OpCode == asm.OpMayGoto
	// Save a state only where the kernel's is_state_visited adds one:
	// at its forced checkpoints, else after at least 2 jumps and 8
	// instructions since the last saved state (programs have a prune
	// point every few instructions; saving at each costs time and
	// memory and hardly prunes more), and in a loop only every 20 jumps
	// or 100 instructions: iterations differ, so their states rarely
	// prune, and a runaway loop then reaches the complexity limit with
	// at most 10,000 states instead of comparing against a million.
	force := cbSite || iterNext || mayGoto || v.st.jmpHist > 40
	jmps, insns := v.jmps-v.lastJmps, v.processed-v.lastProcessed
	add := force || jmps >= 2 && insns >= 8
	looping := 0 // states of loops still being explored, seen so far
	// miss counts a state's miss while a new state is to be added and
	// forgets the state once it misses more than it helps, as
	// is_state_visited does (it gives states of loops still being
	// explored at forced checkpoints more time, for iterators to
	// converge).
	miss := func(i int, s *snapshot) {
		if add {
			s.misses++
		}
		n := 3
		if force && s.branches > 0 {
			n = 64
		}
		if s.misses > s.hits*n+n {
			list = append(list[:i:i], list[i+1:]...)
			v.states--
		}
	}
	if v.cleanOK {
		// clean_live_states: finished states forget their dead stack
		// slots before they are compared.
		for _, s := range list {
			if s.branches == 0 && !s.cleaned && sameCallsites(s.st, v.st) {
				v.cleanStack(s)
			}
		}
	}
	for i := len(list) - 1; i >= 0; i-- { // newest first
		s := list[i]
		if s.branches > 0 && (iterNext || mayGoto) {
			// An iteration of an iterator or may_goto loop covered by
			// an earlier one (for may_goto, one more round down) proves
			// the loop. Precision marks inside the loop are not final
			// yet, so compare ranges exactly.
			if (iterNext || s.st.mayGoto != v.st.mayGoto) && v.statesEqual(s.st, v.st, v.pc, false, true) {
				s.hits++
				v.explored[v.pc] = list
				v.propagatePrecision(s.st)
				v.trail(fmt.Sprintf("%d: loop converged", v.pc))
				return true
			}
			miss(i, s)
			continue
		}
		if s.branches > 0 && !cbSite {
			// An infinite loop repeats a recent state: looking further
			// back only costs time.
			looping++
			if looping <= maxStatesPerInsn && !inCallback(v.st) && maybeLooping(s.st, v.st) && v.statesEqual(s.st, v.st, v.pc, true, false) {
				v.reject("make sure the loop changes the values its exit condition tests", "infinite loop detected at insn %d", v.pc)
			}
			if !force && jmps < 20 && insns < 100 {
				add = false
			}
			miss(i, s)
			continue
		}
		if v.statesEqual(s.st, v.st, v.pc, false, false) {
			s.hits++
			v.explored[v.pc] = list
			v.propagatePrecision(s.st)
			v.trail(fmt.Sprintf("%d: safe (state seen before)", v.pc))
			return true
		}
		miss(i, s)
	}
	v.explored[v.pc] = list
	if !add {
		return false
	}
	v.lastJmps, v.lastProcessed = v.jmps, v.processed
	snap := &snapshot{st: v.st.clone(), pc: v.pc, parent: v.st.parent, branches: 1, hist: v.st.hist}
	v.st.parent = snap
	v.st.hist = nil
	v.st.jmpHist = 0
	if len(list) >= maxStatesPerInsn {
		// Forget the oldest finished state: comparisons stay cheap.
		// States of loops still being explored stay, up to a bound: a
		// runaway loop then reaches the complexity limit quickly
		// instead of looking through ever more states.
		evicted := false
		for i, s := range list {
			if s.branches == 0 {
				list = append(list[:i:i], list[i+1:]...)
				v.states--
				evicted = true
				break
			}
		}
		if !evicted && len(list) >= maxLoopStatesPerInsn {
			// The state stays saved on the path, so precision
			// tracking walks back only to it, but not in the list.
			return false
		}
	}
	v.explored[v.pc] = append(list, snap)
	v.states++
	v.peakStates = max(v.peakStates, v.states)
	if v.cfg.Log {
		v.trail(fmt.Sprintf("%d: %s", v.pc, v.stateString(v.st)))
	}
	return false
}

func (v *verifier) endPath() {
	v.updateStackLive()
	for s := v.st.parent; s != nil; s = s.parent {
		s.branches--
		if s.branches > 0 {
			break
		}
	}
}

// push queues another path starting at pc with state st.
func (v *verifier) push(st *state, pc int) {
	if st.parent != nil {
		st.parent.branches++
	}
	v.worklist = append(v.worklist, pending{st: st, pc: pc})
	if len(v.worklist) > jmpSeqLimit {
		v.reject("", "The sequence of %d jumps is too complex.", len(v.worklist))
	}
}

func (v *verifier) regs() *[11]reg { return &v.st.cur().regs }

// readReg checks that register r may be read.
func (v *verifier) readReg(r asm.Register) *reg {
	x := &v.regs()[r]
	if x.t == notInit {
		v.reject("the register was never written on this path, or was clobbered by a call (r1-r5 do not survive calls)", "R%d !read_ok", r)
	}
	return x
}

func (v *verifier) writeReg(r asm.Register) *reg {
	if r == asm.R10 {
		v.reject("", "frame pointer is read only")
	}
	return &v.regs()[r]
}

// step executes one instruction on the current state; true ends the path.
func (v *verifier) step() bool {
	ins := v.insns[v.pc]
	switch ins.OpCode.Class() {
	case asm.ClassALU, asm.ClassALU64:
		v.alu(ins)
		v.pc++
	case asm.ClassLDX:
		v.load(ins)
		v.pc++
	case asm.ClassST, asm.ClassSTX:
		if ins.OpCode.Mode() == asm.ModeATOMIC {
			v.atomic(ins)
		} else {
			v.store(ins)
		}
		v.pc++
	case asm.ClassLD:
		if ins.IsLoadImm64() {
			v.ldImm64(ins)
			v.pc += 2
		} else {
			v.ldAbs(ins)
			v.pc++
		}
	case asm.ClassJMP, asm.ClassJMP32:
		v.jmps++
		return v.jump(ins)
	}
	return false
}

func (v *verifier) ldImm64(ins asm.Instruction) {
	dst := v.writeReg(ins.Dst)
	next := v.insns[v.pc+1]
	switch ins.Src {
	case asm.PseudoNone:
		*dst = scalarConst(asm.Imm64(ins, next))
	case asm.PseudoFunc:
		*dst = reg{t: ptrFunc, target: v.pc + 1 + int(ins.Imm)}
		dst.setConstVar(0)
	case asm.PseudoMapFD, asm.PseudoMapValue, asm.PseudoMapIdx, asm.PseudoMapIdxValue:
		rl, ok := v.relocs[v.pc]
		if !ok {
			v.reject("", "64-bit immediate load of a map that the program does not name")
		}
		m := v.maps[rl.Map]
		if m == nil {
			v.reject("", "map %q is not part of the collection", rl.Map)
		}
		if rl.Value || ins.Src == asm.PseudoMapValue || ins.Src == asm.PseudoMapIdxValue {
			if rl.Off >= m.spec.ValueSize && m.spec.ValueSize > 0 {
				v.reject("", "invalid access to map value pointer, value_size=%d off=%d", m.spec.ValueSize, rl.Off)
			}
			*dst = reg{t: ptrMapValue, m: m, off: int32(rl.Off), rdonly: m.rdonly}
		} else {
			*dst = reg{t: constMap, m: m}
		}
		dst.setConstVar(0)
	default:
		v.reject("", "unsupported 64-bit immediate load (src %d)", ins.Src)
	}
}

// ldAbs checks a legacy packet load (BPF_LD_ABS / BPF_LD_IND).
func (v *verifier) ldAbs(ins asm.Instruction) {
	switch v.cfg.Type {
	case ebpf.SocketFilter, ebpf.SchedCLS, ebpf.SchedACT:
	default:
		v.reject("", "BPF_LD_[ABS|IND] instructions not allowed for this program type")
	}
	if len(v.st.frames) > 1 {
		v.reject("", "BPF_LD_[ABS|IND] instructions cannot be mixed with bpf-to-bpf calls")
	}
	if v.st.lock != 0 {
		v.reject("", "BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region")
	}
	r6 := v.readReg(asm.R6)
	if r6.t != ptrCtx {
		v.reject("", "at the time of BPF_LD_ABS|IND R6 != pointer to skb")
	}
	if ins.OpCode.Mode() == asm.ModeIND {
		v.readReg(ins.Src)
	}
	regs := v.regs()
	for r := asm.R1; r <= asm.R5; r++ {
		regs[r] = reg{}
	}
	// The kernel knows nothing of the loaded value, not even its size
	// (mark_reg_unknown): a bound here would accept what it refuses.
	regs[0] = unknownScalar()
}

// ---- ALU ----

var aluNames = map[asm.OpCode]string{
	asm.ALUAdd: "+=", asm.ALUSub: "-=", asm.ALUMul: "*=", asm.ALUDiv: "/=", asm.ALUOr: "|=",
	asm.ALUAnd: "&=", asm.ALULsh: "<<=", asm.ALURsh: ">>=", asm.ALUNeg: "neg", asm.ALUMod: "%=",
	asm.ALUXor: "^=", asm.ALUMov: "=", asm.ALUArsh: "s>>=", asm.ALUEnd: "endian",
}

func (v *verifier) alu(ins asm.Instruction) {
	is64 := ins.OpCode.Class() == asm.ClassALU64
	op := ins.OpCode.ALUOp()
	w := 32
	if is64 {
		w = 64
	}
	switch op {
	case asm.ALUEnd, asm.ALUNeg:
		d := v.readReg(ins.Dst)
		dst := v.writeReg(ins.Dst)
		if d.t != scalar && !v.cfg.Unprivileged {
			// A privileged program may turn a pointer into a number.
			*dst = unknownScalar()
			if !is64 {
				dst.zext()
			}
			return
		}
		if d.t != scalar {
			if op == asm.ALUNeg {
				v.reject("", "R%d pointer arithmetic with neg operator prohibited", ins.Dst)
			}
			v.reject("", "R%d pointer arithmetic with endian operator prohibited", ins.Dst)
		}
		if op == asm.ALUNeg {
			zero := scalarConst(0)
			x := *d
			scalarOp(&zero, &x, asm.ALUSub, w)
			*dst = zero
			return
		}
		bits := int(ins.Imm)
		if d.isConst() {
			val := d.tn.v
			swap := ins.OpCode.Source() == asm.EndToBE || is64
			switch bits {
			case 16:
				val &= 0xffff
				if swap {
					val = val>>8 | (val&0xff)<<8
				}
			case 32:
				val &= 0xffffffff
				if swap {
					val = uint64(bswap32(uint32(val)))
				}
			case 64:
				if swap {
					val = bswap64(val)
				}
			}
			*dst = scalarConst(val)
			return
		}
		swap := ins.OpCode.Source() == asm.EndToBE || is64
		if !swap && bits < 64 {
			x := *d
			x.id, x.delta = 0, 0
			x.tn = x.tn.cast(bits / 8)
			x.unboundKeepTnum()
			x.sync()
			*dst = x
			return
		}
		*dst = unknownScalar()
		if bits < 64 {
			dst.umax = 1<<bits - 1
			dst.sync()
		}
		return
	case asm.ALUMov:
		v.mov(ins, is64)
		return
	}
	d := v.readReg(ins.Dst)
	var src reg
	if ins.OpCode.Source() == asm.SrcX {
		src = *v.readReg(ins.Src)
	} else {
		if is64 {
			src = scalarConst(uint64(int64(ins.Imm)))
		} else {
			src = scalarConst(uint64(uint32(ins.Imm)))
		}
		switch op {
		case asm.ALUDiv, asm.ALUMod:
			if ins.Imm == 0 {
				v.reject("", "div by zero")
			}
		case asm.ALULsh, asm.ALURsh, asm.ALUArsh:
			if ins.Imm < 0 || int(ins.Imm) >= w {
				v.reject("", "invalid shift %d", ins.Imm)
			}
		}
	}
	dst := v.writeReg(ins.Dst)
	if d.t != scalar || src.t != scalar {
		v.ptrALU(ins, dst, src, op, is64)
		return
	}
	x := *dst
	scalarOp(&x, &src, op, w)
	// Adding a constant to a linked scalar keeps the link, with the
	// constant as the delta, so a bound learned on either bounds both.
	if op == asm.ALUAdd && is64 && !v.cfg.Unprivileged && d.id != 0 && d.delta == 0 && src.isConst() &&
		int64(src.tn.v) == int64(int32(int64(src.tn.v))) && !x.isConst() {
		x.id, x.delta = d.id, int64(src.tn.v)
	}
	*dst = x
}

func bswap32(x uint32) uint32 {
	return x>>24 | (x>>8)&0xff00 | (x<<8)&0xff0000 | x<<24
}

func bswap64(x uint64) uint64 {
	return uint64(bswap32(uint32(x)))<<32 | uint64(bswap32(uint32(x>>32)))
}

// unboundKeepTnum resets the bounds so sync derives them from the tnum.
func (r *reg) unboundKeepTnum() {
	t := r.tn
	r.unboundVar()
	r.tn = t
}

func (v *verifier) mov(ins asm.Instruction, is64 bool) {
	if ins.OpCode.Source() == asm.SrcK {
		dst := v.writeReg(ins.Dst)
		if is64 {
			*dst = scalarConst(uint64(int64(ins.Imm)))
		} else {
			*dst = scalarConst(uint64(uint32(ins.Imm)))
		}
		return
	}
	src := v.readReg(ins.Src)
	if ins.Offset != 0 { // movsx
		bits := int(ins.Offset)
		s := *src
		dst := v.writeReg(ins.Dst)
		if s.t != scalar {
			*dst = unknownScalar()
		} else if s.isConst() {
			var val uint64
			switch bits {
			case 8:
				val = uint64(int64(int8(s.tn.v)))
			case 16:
				val = uint64(int64(int16(s.tn.v)))
			default:
				val = uint64(int64(int32(s.tn.v)))
			}
			if !is64 {
				val = uint64(uint32(val))
			}
			*dst = scalarConst(val)
		} else {
			*dst = unknownScalar()
			if is64 {
				dst.smin, dst.smax = -(1 << (bits - 1)), 1<<(bits-1)-1
			} else {
				dst.umax = math.MaxUint32
				if bits < 32 {
					dst.s32min, dst.s32max = -(1 << (bits - 1)), 1<<(bits-1)-1
				}
			}
			dst.sync()
		}
		return
	}
	if is64 {
		if src.t == scalar && src.id == 0 && !src.isConst() {
			src.id = v.newID()
		}
		s := *src
		*v.writeReg(ins.Dst) = s
		return
	}
	s := *src
	dst := v.writeReg(ins.Dst)
	if s.t != scalar {
		if v.cfg.Unprivileged {
			v.reject("", "R%d partial copy of pointer", ins.Src)
		}
		*dst = unknownScalar()
		dst.zext()
		return
	}
	keep := s.umax <= math.MaxUint32 && s.delta == 0
	x := s
	x.zext()
	if !keep {
		x.id, x.delta = 0, 0
	} else if s.id == 0 && !s.isConst() {
		id := v.newID()
		src.id = id
		x.id = id
	}
	*dst = x
}

// zext zero-extends the low 32 bits into the whole register.
func (r *reg) zext() {
	r.tn = r.tn.subreg()
	r.umin, r.umax = uint64(r.u32min), uint64(r.u32max)
	r.smin, r.smax = int64(r.u32min), int64(r.u32max)
	r.sync()
}

func (v *verifier) ptrALU(ins asm.Instruction, dst *reg, src reg, op asm.OpCode, is64 bool) {
	d := *dst
	if d.t != scalar && src.t != scalar {
		// The kernel knows nothing of the difference, not even that a
		// 32-bit one has no upper half.
		if op == asm.ALUSub && !v.cfg.Unprivileged {
			*dst = unknownScalar()
			return
		}
		v.reject("", "R%d pointer %s pointer prohibited", ins.Dst, aluNames[op])
	}
	ptr, off := d, src
	if d.t == scalar {
		ptr, off = src, d
		v.markPrecise(ins.Dst)
	} else if ins.OpCode.Source() == asm.SrcX {
		v.markPrecise(ins.Src)
	}
	if !is64 {
		if op == asm.ALUSub && !v.cfg.Unprivileged {
			*dst = unknownScalar()
			return
		}
		v.reject("", "R%d 32-bit pointer arithmetic prohibited", ins.Dst)
	}
	if d.t == scalar && op == asm.ALUSub {
		v.reject("", "R%d tried to subtract pointer from scalar", ins.Dst)
	}
	known := off.tn.isConst()
	if ptr.maybeNull {
		v.reject(hintNull, "R%d pointer arithmetic on %s prohibited, null-check it first", ins.Dst, typeName(&ptr))
	}
	switch ptr.t {
	case constMap:
		if known && off.tn.v == 0 && op == asm.ALUAdd {
			break
		}
		fallthrough
	case ptrPacketEnd, ptrFunc, ptrSocket, ptrSockCommon:
		v.reject("", "R%d pointer arithmetic on %s prohibited", ins.Dst, typeName(&ptr))
	}
	switch op {
	case asm.ALUAdd, asm.ALUSub:
	case asm.ALUAnd, asm.ALUOr, asm.ALUXor:
		v.reject("", "R%d bitwise operator %s on pointer prohibited", ins.Dst, aluNames[op])
	default:
		v.reject("", "R%d pointer arithmetic with %s operator prohibited", ins.Dst, aluNames[op])
	}
	v.saneOffset(&off, &ptr)
	res := ptr
	if op == asm.ALUAdd {
		if known && int64(ptr.off)+int64(off.tn.v) == int64(int32(int64(ptr.off)+int64(off.tn.v))) {
			res.off = ptr.off + int32(int64(off.tn.v))
		} else {
			res.addVar(&off)
			if ptr.isPkt() {
				res.id = v.newID()
				res.rng = 0
			}
		}
	} else {
		if ptr.t == ptrStack {
			v.reject("add a negative offset instead (r1 += -8)", "R%d subtraction from stack pointer prohibited", ins.Dst)
		}
		if known && int64(ptr.off)-int64(off.tn.v) == int64(int32(int64(ptr.off)-int64(off.tn.v))) {
			res.off = ptr.off - int32(int64(off.tn.v))
		} else {
			neg := scalarConst(0)
			x := off
			scalarOp(&neg, &x, asm.ALUSub, 64)
			res.addVar(&neg)
			if ptr.isPkt() {
				res.id = v.newID()
				if off.smin < 0 {
					res.rng = 0
				}
			}
		}
	}
	v.saneOffset(nil, &res)
	*dst = res
}

// addVar adds a scalar's value to a pointer's variable offset.
func (r *reg) addVar(s *reg) {
	x := reg{t: scalar, tn: r.tn, smin: r.smin, smax: r.smax, umin: r.umin, umax: r.umax,
		s32min: r.s32min, s32max: r.s32max, u32min: r.u32min, u32max: r.u32max}
	y := *s
	scalarOp(&x, &y, asm.ALUAdd, 64)
	r.tn, r.smin, r.smax, r.umin, r.umax = x.tn, x.smin, x.smax, x.umin, x.umax
	r.s32min, r.s32max, r.u32min, r.u32max = x.s32min, x.s32max, x.u32min, x.u32max
}

func (v *verifier) saneOffset(off, ptr *reg) {
	name := typeName(ptr)
	if off != nil {
		if off.tn.isConst() {
			val := int64(off.tn.v)
			if val >= maxVarOff || val <= -maxVarOff {
				v.reject("", "math between %s pointer and %d is not allowed", name, val)
			}
			return
		}
		if off.smin == math.MinInt64 {
			v.reject(hintBound, "math between %s pointer and register with unbounded min value is not allowed", name)
		}
		if off.smin >= maxVarOff || off.smin <= -maxVarOff {
			v.reject(hintBound, "value %d makes %s pointer be out of bounds", off.smin, name)
		}
		return
	}
	if ptr.off >= maxVarOff || ptr.off <= -maxVarOff {
		v.reject("", "%s pointer offset %d is not allowed", name, ptr.off)
	}
	if ptr.smin == math.MinInt64 {
		v.reject(hintBound, "math between %s pointer and register with unbounded min value is not allowed", name)
	}
	if ptr.smin >= maxVarOff || ptr.smin <= -maxVarOff {
		v.reject(hintBound, "value %d makes %s pointer be out of bounds", ptr.smin, name)
	}
}

func typeName(r *reg) string {
	s := r.t.String()
	switch r.t {
	case ptrStack:
		s = "stack"
	case ptrMem:
		if r.refID != 0 {
			s = "ringbuf_mem"
		}
	}
	if r.maybeNull {
		s += "_or_null"
	}
	return s
}

// inCallback reports whether a callback frame is on the stack: its
// iterations repeat states without looping forever (the helper bounds them).
func inCallback(st *state) bool {
	for _, f := range st.frames {
		if f.callback {
			return true
		}
	}
	return false
}

// maybeLooping is a cheap first test for an infinite loop, as the
// kernel's states_maybe_looping: the current frame's registers are the
// same as in the state the loop started from.
func maybeLooping(old, cur *state) bool {
	if len(old.frames) != len(cur.frames) {
		return false
	}
	of, cf := old.cur(), cur.cur()
	for r := range of.regs {
		o, c := &of.regs[r], &cf.regs[r]
		if o.t != c.t || o.off != c.off || o.tn != c.tn {
			return false
		}
	}
	return true
}
