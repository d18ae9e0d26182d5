package verifier

import (
	"fmt"
	"math"

	"github.com/gbpf/gbpf/asm"
)

func (v *verifier) jump(ins asm.Instruction) bool {
	op := ins.OpCode.JumpOp()
	switch {
	case ins.OpCode == asm.OpJA || ins.OpCode == asm.OpJA32:
		v.pc, _ = ins.JumpTarget(v.pc)
		return false
	case ins.OpCode == asm.OpExit:
		return v.exit()
	case ins.OpCode == asm.OpMayGoto:
		v.mayGotoInsn(ins)
		return false
	case ins.OpCode == asm.OpCallX:
		v.reject("", "indirect calls (callx) are not allowed")
	case op == asm.JumpCall:
		if ins.Src == asm.CallLocal {
			v.callSubprog(ins)
			return false
		}
		if ins.Src == asm.CallKfunc {
			v.callKfunc()
			v.pc++
			return false
		}
		v.callHelper(ins)
		v.pc++
		return false
	}
	return v.condJump(ins)
}

// exit returns from a subprogram or callback, or ends the program.
func (v *verifier) exit() bool {
	st := v.st
	f := st.cur()
	// Subprograms may run and return inside a locked region (Linux 6.9);
	// the program and callbacks may not end in one.
	if st.lock != 0 && (len(st.frames) == 1 || f.callback) {
		v.reject("release the lock with bpf_spin_unlock on every path before returning", "bpf_spin_unlock is missing: BPF_EXIT instruction cannot be used inside bpf_spin_lock-ed region")
	}
	r0 := &f.regs[0]
	if r0.t == notInit && (len(st.frames) == 1 && !f.void || f.callback) {
		v.reject("set r0 (the return value) on every path before exit", "R0 !read_ok")
	}
	if f.global {
		for _, r := range st.refs {
			v.reject(hintRef, "Unreleased reference id=%d alloc_insn=%d", r.id, r.pc)
		}
		if r0.t != scalar && r0.t != notInit {
			v.reject("", "At subprogram exit the register R0 is not a scalar value (%s)", typeName(r0))
		}
		return true
	}
	if len(st.frames) == 1 {
		for _, r := range st.refs {
			v.reject(hintRef, "Unreleased reference id=%d alloc_insn=%d", r.id, r.pc)
		}
		if r0.t != scalar && v.cfg.Unprivileged {
			v.reject("", "R0 leaks addr as return value")
		}
		v.checkReturnCode(r0)
		return true
	}
	if f.callback {
		if r0.t != scalar {
			v.reject("", "At callback return the register R0 is not a known value (%s)", typeName(r0))
		}
		v.markPrecise(asm.R0)
		if r0.umax > 1 || r0.smin < 0 {
			v.reject("return 0 (continue) or 1 (stop) from the callback", "At callback return the register R0 has %s should have been in [0, 1]", r0.String())
		}
	} else if r0.t != scalar {
		if r0.t == ptrStack {
			// Pointers into the callers' frames would still be valid;
			// the kernel refuses them all.
			v.reject("return a value, or write through a pointer argument", "cannot return stack pointer to the caller")
		}
		if v.cfg.Unprivileged {
			v.reject("", "At subprogram exit the register R0 is not a scalar value (%s)", typeName(r0))
		}
	}
	// Pointers into the dying frame's stack become invalid.
	depth := len(st.frames) - 1
	ret := *r0
	st.frames = st.frames[:depth]
	caller := st.cur()
	st.forEachReg(func(r *reg) {
		if r.t == ptrStack && r.frame >= depth {
			r.setUnknown()
		}
	})
	if f.callback {
		// Back to the helper call: it may call the callback again, or
		// return.
		v.pc = f.callsite
		return false
	}
	if ret.t == ptrStack && ret.frame >= depth {
		ret.setUnknown()
	}
	caller.regs[0] = ret
	for r := asm.R1; r <= asm.R5; r++ {
		caller.regs[r] = reg{}
	}
	v.pc = f.callsite + 1
	return false
}

func (v *verifier) callSubprog(ins asm.Instruction) {
	st := v.st
	if len(st.frames) >= maxCallFrames {
		v.reject("", "the call stack of %d frames is too deep", len(st.frames)+1)
	}
	target := v.pc + 1 + int(ins.Imm)
	if fn := v.globalFunc(target); fn != nil {
		v.callGlobal(fn, target)
		return
	}
	caller := st.cur()
	nf := &frame{callsite: v.pc, subprog: v.subAt[target]}
	for r := asm.R1; r <= asm.R5; r++ {
		nf.regs[r] = caller.regs[r]
	}
	nf.regs[10] = reg{t: ptrStack, frame: len(st.frames)}
	nf.regs[10].setConstVar(0)
	st.frames = append(st.frames, nf)
	v.trail(fmt.Sprintf("call %s", v.subprogs[v.subAt[target]].name))
	v.pc = target
}

// ---- conditional jumps ----

func (v *verifier) condJump(ins asm.Instruction) bool {
	is32 := ins.OpCode.Class() == asm.ClassJMP32
	op := ins.OpCode.JumpOp()
	dst := v.readReg(ins.Dst)
	var src reg
	srcX := ins.OpCode.Source() == asm.SrcX
	if srcX {
		src = *v.readReg(ins.Src)
	} else if is32 {
		src = scalarConst(uint64(uint32(ins.Imm)))
	} else {
		src = scalarConst(uint64(int64(ins.Imm)))
	}
	target := v.pc + 1 + int(ins.Offset)
	taken := v.branchTaken(dst, &src, op, is32)
	if taken >= 0 {
		// The decision relied on the scalar operands' values, also
		// where the other is a pointer compared with a constant 0.
		if dst.t == scalar {
			v.markPrecise(ins.Dst)
		}
		if srcX && src.t == scalar {
			v.markPrecise(ins.Src)
		}
	}
	if taken < 0 && (dst.t == scalar && dst.id != 0 || srcX && src.t == scalar && src.id != 0) {
		v.noteLinked(dst.id, src.id)
	}
	if taken == 1 {
		v.trail(fmt.Sprintf("%d: branch always taken", v.pc))
		v.pc = target
		return false
	}
	if taken == 0 {
		v.trail(fmt.Sprintf("%d: branch never taken", v.pc))
		v.pc++
		return false
	}
	other := v.st.clone()
	okThis := v.refineBranch(v.st, ins, false)
	okOther := v.refineBranch(other, ins, true)
	if okOther {
		other.path = &pathNode{prev: other.path, text: fmt.Sprintf("%d: branch taken to %d", v.pc, target)}
		v.push(other, target)
	}
	if !okThis {
		// The fall-through cannot happen: end this path.
		if okOther {
			// swap: continue with the pushed branch directly
			v.worklist = v.worklist[:len(v.worklist)-1]
			if other.parent != nil {
				other.parent.branches--
			}
			v.st = other
			v.pc = target
			return false
		}
		return true
	}
	v.trail(fmt.Sprintf("%d: branch not taken", v.pc))
	v.pc++
	return false
}

// negate returns the jump op that holds when op does not.
func negate(op asm.OpCode) asm.OpCode {
	switch op {
	case asm.JumpEq:
		return asm.JumpNE
	case asm.JumpNE:
		return asm.JumpEq
	case asm.JumpGT:
		return asm.JumpLE
	case asm.JumpLE:
		return asm.JumpGT
	case asm.JumpGE:
		return asm.JumpLT
	case asm.JumpLT:
		return asm.JumpGE
	case asm.JumpSGT:
		return asm.JumpSLE
	case asm.JumpSLE:
		return asm.JumpSGT
	case asm.JumpSGE:
		return asm.JumpSLT
	case asm.JumpSLT:
		return asm.JumpSGE
	case asm.JumpSet:
		return jumpNotSet
	}
	return op
}

const jumpNotSet asm.OpCode = 0xf0

// flip returns op with its operands swapped (a op b == b flip(op) a).
func flip(op asm.OpCode) asm.OpCode {
	switch op {
	case asm.JumpGT:
		return asm.JumpLT
	case asm.JumpLT:
		return asm.JumpGT
	case asm.JumpGE:
		return asm.JumpLE
	case asm.JumpLE:
		return asm.JumpGE
	case asm.JumpSGT:
		return asm.JumpSLT
	case asm.JumpSLT:
		return asm.JumpSGT
	case asm.JumpSGE:
		return asm.JumpSLE
	case asm.JumpSLE:
		return asm.JumpSGE
	}
	return op
}

func notNullType(r *reg) bool {
	switch r.t {
	case ptrCtx, ptrStack, ptrMapValue, ptrMapKey, ptrPacket, ptrPacketMeta, ptrPacketEnd, ptrMem, constMap, ptrFunc, ptrSocket, ptrSockCommon:
		return !r.maybeNull
	}
	return false
}

// branchTaken returns 1 when the jump is always taken, 0 when never, -1
// when it depends.
func (v *verifier) branchTaken(a, b *reg, op asm.OpCode, is32 bool) int {
	if a.t != scalar || b.t != scalar {
		if a.t == scalar {
			a, b, op = b, a, flip(op)
		}
		// A pointer known non-null against 0 (the kernel's reg_not_null:
		// not the stack, context or packet, whose branches it explores).
		if b.t == scalar && b.isConst() && b.tn.v == 0 && !a.maybeNull && !is32 &&
			(a.t == ptrMapValue || a.t == ptrMapKey || a.t == ptrSocket || a.t == ptrSockCommon || a.t == ptrMem || a.t == constMap) {
			switch op {
			case asm.JumpEq:
				return 0
			case asm.JumpNE:
				return 1
			}
		}
		return -1
	}
	w := 64
	if is32 {
		w = 32
	}
	x, y := a.view(w), b.view(w)
	return viewTaken(x, y, op)
}

func viewTaken(x, y view, op asm.OpCode) int {
	switch op {
	case asm.JumpEq:
		if x.tn.isConst() && y.tn.isConst() {
			return b2i(x.tn.v == y.tn.v)
		}
		if x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin {
			return 0
		}
		if (x.tn.v^y.tn.v)&^(x.tn.m|y.tn.m) != 0 {
			return 0
		}
	case asm.JumpNE:
		if t := viewTaken(x, y, asm.JumpEq); t >= 0 {
			return 1 - t
		}
	case asm.JumpSet:
		if y.tn.isConst() {
			if x.tn.v&y.tn.v != 0 {
				return 1
			}
			if (x.tn.v|x.tn.m)&y.tn.v == 0 {
				return 0
			}
		}
	case jumpNotSet:
		if t := viewTaken(x, y, asm.JumpSet); t >= 0 {
			return 1 - t
		}
	case asm.JumpGT:
		if x.umin > y.umax {
			return 1
		}
		if x.umax <= y.umin {
			return 0
		}
	case asm.JumpGE:
		if x.umin >= y.umax {
			return 1
		}
		if x.umax < y.umin {
			return 0
		}
	case asm.JumpLT:
		return viewTaken(y, x, asm.JumpGT)
	case asm.JumpLE:
		return viewTaken(y, x, asm.JumpGE)
	case asm.JumpSGT:
		if x.smin > y.smax {
			return 1
		}
		if x.smax <= y.smin {
			return 0
		}
	case asm.JumpSGE:
		if x.smin >= y.smax {
			return 1
		}
		if x.smax < y.smin {
			return 0
		}
	case asm.JumpSLT:
		return viewTaken(y, x, asm.JumpSGT)
	case asm.JumpSLE:
		return viewTaken(y, x, asm.JumpSGE)
	}
	return -1
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// refineBranch applies what the branch (taken or not) teaches to st; false
// means the branch is impossible.
func (v *verifier) refineBranch(st *state, ins asm.Instruction, taken bool) bool {
	is32 := ins.OpCode.Class() == asm.ClassJMP32
	op := ins.OpCode.JumpOp()
	if !taken {
		op = negate(op)
	}
	f := st.cur()
	a := &f.regs[ins.Dst]
	var b *reg
	var kb reg
	srcX := ins.OpCode.Source() == asm.SrcX
	if srcX {
		b = &f.regs[ins.Src]
	} else {
		if is32 {
			kb = scalarConst(uint64(uint32(ins.Imm)))
		} else {
			kb = scalarConst(uint64(int64(ins.Imm)))
		}
		b = &kb
	}
	// Null checks.
	if !is32 && (op == asm.JumpEq || op == asm.JumpNE) {
		// Only a comparison with the constant 0 is a NULL check (a
		// register holding 0 is not, for the kernel).
		if !srcX && a.maybeNull && b.isConst() && b.tn.v == 0 {
			v.markNull(st, a.id, op == asm.JumpEq)
			return true
		}
		// Equal to a pointer known not to be NULL: not NULL either.
		if srcX && op == asm.JumpEq && a.maybeNull != b.maybeNull && a.isPtr() && b.isPtr() && a.t == b.t {
			if a.maybeNull && notNullType(b) {
				v.markNull(st, a.id, false)
			} else if b.maybeNull && notNullType(a) {
				v.markNull(st, b.id, false)
			}
			return true
		}
	}
	// Packet range checks.
	if srcX && !is32 && v.pktCompare(st, a, b, ins.OpCode.JumpOp(), taken) {
		return true
	}
	if a.t != scalar || b.t != scalar {
		return true
	}
	ok := refineScalars(a, b, op, is32)
	if ok {
		v.propagateLinked(st, a)
		if srcX {
			v.propagateLinked(st, b)
		}
	}
	return ok
}

// propagateLinked copies a refined scalar to the registers sharing its id.
func (v *verifier) propagateLinked(st *state, r *reg) {
	if r.id == 0 || r.t != scalar {
		return
	}
	c := *r
	st.forEachReg(func(x *reg) {
		if x == r || x.t != scalar || x.id != c.id {
			return
		}
		if x.delta == c.delta {
			*x = c
			return
		}
		// x holds r's value plus the difference of their deltas.
		y := c
		k := scalarConst(uint64(x.delta - c.delta))
		scalarOp(&y, &k, asm.ALUAdd, 64)
		y.id, y.delta, y.precise = x.id, x.delta, x.precise
		*x = y
	})
}

// markNull turns the or-null registers with id into their pointer type
// (isNull false) or into scalar 0 (isNull true).
func (v *verifier) markNull(st *state, id uint32, isNull bool) {
	if id == 0 {
		return
	}
	var refID uint32
	st.forEachReg(func(r *reg) {
		if r.maybeNull && r.id == id {
			if isNull {
				refID = r.refID
				*r = scalarConst(0)
			} else {
				r.maybeNull = false
				// Map values with a spin lock keep their id: unlock must
				// name the same value lock did.
				if r.t != ptrPacket && r.refID == 0 && !(r.t == ptrMapValue && r.m != nil && r.m.spinLockOff >= 0) {
					r.id = 0
				}
			}
		}
	})
	if isNull && refID != 0 {
		v.release(st, refID, false)
	}
}

// pktCompare learns packet ranges from comparisons against packet end.
func (v *verifier) pktCompare(st *state, a, b *reg, op asm.OpCode, taken bool) bool {
	isPkt := func(r *reg) bool { return r.t == ptrPacket }
	isEnd := func(r *reg) bool { return r.t == ptrPacketEnd }
	isMeta := func(r *reg) bool { return r.t == ptrPacketMeta }
	initPkt := func(r *reg) bool { return r.t == ptrPacket && r.off == 0 && r.varZero() }
	var good *reg
	open := false
	// Normalize to "p OP end" with p the pointer being checked.
	switch {
	case isPkt(a) && isEnd(b), isMeta(a) && initPkt(b):
		good = a
	case isEnd(a) && isPkt(b), initPkt(a) && isMeta(b):
		good = b
		op = flip(op)
	default:
		return false
	}
	// p > end: the fall-through knows p <= end; p >= end: fall-through
	// knows p < end; p < end taken: p < end; p <= end taken: p <= end.
	switch {
	case op == asm.JumpGT && !taken, op == asm.JumpLE && taken:
		open = false
	case op == asm.JumpGE && !taken, op == asm.JumpLT && taken:
		open = true
	default:
		return true
	}
	if good.off < 0 || good.off == 0 && open {
		return true
	}
	if good.umax > maxPacketOff || good.umax+uint64(good.off) > maxPacketOff {
		return true
	}
	rng := good.off
	if open {
		rng++
	}
	id, t := good.id, good.t
	st.forEachReg(func(r *reg) {
		if r.t == t && r.id == id && r.rng < rng {
			r.rng = rng
		}
	})
	return true
}

// refineScalars narrows a and b for "a op b"; false when impossible.
func refineScalars(a, b *reg, op asm.OpCode, is32 bool) bool {
	if is32 {
		refine32(a, b, op)
	} else {
		refine64(a, b, op)
	}
	a.sync()
	b.sync()
	return !a.bad() && !b.bad()
}

func refine64(a, b *reg, op asm.OpCode) {
	switch op {
	case asm.JumpEq:
		a.umin, b.umin = max(a.umin, b.umin), max(a.umin, b.umin)
		a.umax, b.umax = min(a.umax, b.umax), min(a.umax, b.umax)
		a.smin, b.smin = max(a.smin, b.smin), max(a.smin, b.smin)
		a.smax, b.smax = min(a.smax, b.smax), min(a.smax, b.smax)
		t := a.tn.intersect(b.tn)
		if (a.tn.v^b.tn.v)&^(a.tn.m|b.tn.m) != 0 {
			a.umin, a.umax = 1, 0 // contradiction
		}
		a.tn, b.tn = t, t
	case asm.JumpNE:
		neq64(a, b)
		neq64(b, a)
	case asm.JumpSet:
		if b.isConst() && b.tn.v&(b.tn.v-1) == 0 {
			a.tn = a.tn.or(b.tn)
		}
	case jumpNotSet:
		if b.isConst() {
			a.tn = a.tn.and(tconst(^b.tn.v))
		}
	case asm.JumpGT:
		if b.umin == math.MaxUint64 {
			a.umin, a.umax = 1, 0
			return
		}
		a.umin = max(a.umin, b.umin+1)
		if a.umax == 0 {
			b.umin, b.umax = 1, 0
			return
		}
		b.umax = min(b.umax, a.umax-1)
	case asm.JumpGE:
		a.umin = max(a.umin, b.umin)
		b.umax = min(b.umax, a.umax)
	case asm.JumpLT:
		refine64(b, a, asm.JumpGT)
	case asm.JumpLE:
		refine64(b, a, asm.JumpGE)
	case asm.JumpSGT:
		if b.smin == math.MaxInt64 {
			a.umin, a.umax = 1, 0
			return
		}
		a.smin = max(a.smin, b.smin+1)
		if a.smax == math.MinInt64 {
			b.umin, b.umax = 1, 0
			return
		}
		b.smax = min(b.smax, a.smax-1)
	case asm.JumpSGE:
		a.smin = max(a.smin, b.smin)
		b.smax = min(b.smax, a.smax)
	case asm.JumpSLT:
		refine64(b, a, asm.JumpSGT)
	case asm.JumpSLE:
		refine64(b, a, asm.JumpSGE)
	}
}

// neq64 narrows a != b when b is a constant at an edge of a's range.
func neq64(a, b *reg) {
	if !b.isConst() {
		return
	}
	k := b.tn.v
	if a.isConst() && a.tn.v == k {
		a.umin, a.umax = 1, 0
		return
	}
	if a.umin == k && a.umin < a.umax {
		a.umin++
	} else if a.umax == k && a.umax > a.umin {
		a.umax--
	}
	if a.smin == int64(k) && a.smin < a.smax {
		a.smin++
	} else if a.smax == int64(k) && a.smax > a.smin {
		a.smax--
	}
}

func refine32(a, b *reg, op asm.OpCode) {
	switch op {
	case asm.JumpEq:
		a.u32min, b.u32min = max(a.u32min, b.u32min), max(a.u32min, b.u32min)
		a.u32max, b.u32max = min(a.u32max, b.u32max), min(a.u32max, b.u32max)
		a.s32min, b.s32min = max(a.s32min, b.s32min), max(a.s32min, b.s32min)
		a.s32max, b.s32max = min(a.s32max, b.s32max), min(a.s32max, b.s32max)
		t := a.tn.subreg().intersect(b.tn.subreg())
		if (a.tn.v^b.tn.v)&^(a.tn.m|b.tn.m)&math.MaxUint32 != 0 {
			a.u32min, a.u32max = 1, 0
		}
		a.tn, b.tn = a.tn.withSubreg(t), b.tn.withSubreg(t)
	case asm.JumpNE:
		neq32(a, b)
		neq32(b, a)
	case asm.JumpSet:
		if b.tn.subreg().isConst() {
			k := b.tn.v & math.MaxUint32
			if k&(k-1) == 0 {
				a.tn = a.tn.or(tconst(k))
			}
		}
	case jumpNotSet:
		if b.tn.subreg().isConst() {
			a.tn = a.tn.and(tconst(^(b.tn.v & math.MaxUint32)))
		}
	case asm.JumpGT:
		if b.u32min == math.MaxUint32 {
			a.u32min, a.u32max = 1, 0
			return
		}
		a.u32min = max(a.u32min, b.u32min+1)
		if a.u32max == 0 {
			b.u32min, b.u32max = 1, 0
			return
		}
		b.u32max = min(b.u32max, a.u32max-1)
	case asm.JumpGE:
		a.u32min = max(a.u32min, b.u32min)
		b.u32max = min(b.u32max, a.u32max)
	case asm.JumpLT:
		refine32(b, a, asm.JumpGT)
	case asm.JumpLE:
		refine32(b, a, asm.JumpGE)
	case asm.JumpSGT:
		if b.s32min == math.MaxInt32 {
			a.u32min, a.u32max = 1, 0
			return
		}
		a.s32min = max(a.s32min, b.s32min+1)
		if a.s32max == math.MinInt32 {
			b.u32min, b.u32max = 1, 0
			return
		}
		b.s32max = min(b.s32max, a.s32max-1)
	case asm.JumpSGE:
		a.s32min = max(a.s32min, b.s32min)
		b.s32max = min(b.s32max, a.s32max)
	case asm.JumpSLT:
		refine32(b, a, asm.JumpSGT)
	case asm.JumpSLE:
		refine32(b, a, asm.JumpSGE)
	}
}

func neq32(a, b *reg) {
	if !b.tn.subreg().isConst() {
		return
	}
	k := uint32(b.tn.v)
	if a.tn.subreg().isConst() && uint32(a.tn.v) == k {
		a.u32min, a.u32max = 1, 0
		return
	}
	if a.u32min == k && a.u32min < a.u32max {
		a.u32min++
	} else if a.u32max == k && a.u32max > a.u32min {
		a.u32max--
	}
	if a.s32min == int32(k) && a.s32min < a.s32max {
		a.s32min++
	} else if a.s32max == int32(k) && a.s32max > a.s32min {
		a.s32max--
	}
}
