package amd64

import "github.com/gbpf/gbpf/asm"

// Every load, store and atomic is checked against the run's regions
// unless it is proven safe: inline against the first Slots regions of the
// Context's bound table, else by an exit to Go, which knows every region
// and the converted context and does the access itself.

// address returns the operand for an access of size bytes at base+off,
// emitting the check first when the access is not known to be safe.
func (c *compiler) address(pc int, base asm.Register, off int16, size int, kind int, atomic bool) Mem {
	if c.safe(pc, base, off, size) {
		if !atomic {
			return mem(reg(base), int32(off))
		}
		// Only the interpreter's alignment check is left.
		c.a.Lea(tmp, mem(reg(base), int32(off)))
		c.a.TestImm(W32, tmp, int32(size-1))
		c.slowPath(c.a.Jcc(CondNE), pc, -1, 0, 0)
		return mem(tmp, 0)
	}
	c.checks++
	c.a.Lea(tmp, mem(reg(base), int32(off)))
	var ok []int
	if cls := c.classOf(pc, base); cls != ClassNone {
		// The predicted region first.
		c.a.Mov(W64, tmp2, tmp)
		c.a.ALULoad(SUB, W64, tmp2, mem(ctxReg, offClassBound(cls, kind, SizeIndex(size))))
		c.a.ALULoad(CMP, W64, tmp2, mem(ctxReg, offClassBound(cls, kind, SizeIndex(size))+8))
		ok = append(ok, c.a.JccShort(CondBE))
	}
	for slot := 0; slot < Slots; slot++ {
		c.a.Mov(W64, tmp2, tmp)
		c.a.ALULoad(SUB, W64, tmp2, mem(ctxReg, offBound(kind, SizeIndex(size), slot)))
		c.a.ALULoad(CMP, W64, tmp2, mem(ctxReg, offBound(kind, SizeIndex(size), slot)+8))
		if slot < Slots-1 {
			ok = append(ok, c.a.JccShort(CondBE))
		}
	}
	miss := c.a.Jcc(CondA)
	hit := c.a.Len()
	for _, j := range ok {
		c.a.PatchShort(j, hit)
	}
	if atomic {
		c.a.TestImm(W32, tmp, int32(size-1))
		c.slowPath(c.a.Jcc(CondNE), pc, -1, 0, 0)
	}
	c.slowPath(miss, pc, hit, kind, SizeIndex(size))
	return mem(tmp, 0)
}

// slowPath sends the jump at j out of line: when hit >= 0, the address in
// tmp is first tried against the helpers' regions (Context.Dyn), going
// back to hit when one holds it; else an exit lets Go do the access, and
// native code resumes after the access, at the current end of code once
// the caller has emitted it.
func (c *compiler) slowPath(j, pc, hit, kind, sizeIdx int) {
	c.pendingSlow = append(c.pendingSlow, pendingSlow{j, hit, kind, sizeIdx})
	c.pendingPC = pc
}

type pendingSlow struct{ j, hit, kind, sizeIdx int }

// accessDone ends an access: pending slow paths resume here.
func (c *compiler) accessDone() {
	resume := c.a.Len()
	for _, ps := range c.pendingSlow {
		c.slowExit(ps, ExitMemory, c.pendingPC, resume)
	}
	c.pendingSlow = c.pendingSlow[:0]
}

// slowExit emits, out of line, the slow path of the check ps: the
// address in tmp tried against the helpers' regions (Context.Dyn),
// going back to ps.hit when one holds it, else the exit code for pc,
// after which native code resumes at resume.
func (c *compiler) slowExit(ps pendingSlow, code uint32, pc, resume int) {
	c.slow = append(c.slow, func() {
		c.a.Patch(ps.j, c.a.Len())
		if ps.hit >= 0 {
			for slot := 0; slot < DynSlots; slot++ {
				c.a.Mov(W64, tmp2, tmp)
				c.a.ALULoad(SUB, W64, tmp2, mem(ctxReg, offDynBound(ps.kind, ps.sizeIdx, slot)))
				c.a.ALULoad(CMP, W64, tmp2, mem(ctxReg, offDynBound(ps.kind, ps.sizeIdx, slot)+8))
				c.a.Patch(c.a.Jcc(CondBE), ps.hit)
			}
		}
		c.exitWith(code, pc)
		c.a.Patch(c.a.Jmp(), resume)
	})
}

// safe reports whether an access needs no run-time check: a verifier
// proved it, or it is within the current frame of a never-written r10
// (every frame of the call depth limit lies inside the stack area).
func (c *compiler) safe(pc int, base asm.Register, off int16, size int) bool {
	if c.proven(pc) {
		return true
	}
	return base == asm.R10 && c.r10Fixed && int(off) >= -StackSize && int(off) <= -size
}

// proven says a verifier proved the access at pc in bounds of plain
// memory: not the converted context.
func (c *compiler) proven(pc int) bool { return pc < len(c.opts.Safe) && c.opts.Safe[pc] }

func width(size int) Width { return Width(size * 8) }

func (c *compiler) load(pc int, ins asm.Instruction) {
	if off, ok := c.ctxLoad(pc, ins); ok && !c.proven(pc) {
		// The base may be the context: a converted field Go has ready.
		// Other bases take the checked load, out of line.
		slot := off / 4
		c.ctxUsed[slot] = true
		c.a.ALULoad(CMP, W64, reg(ins.Src), mem(ctxReg, int32(offCtxKey+8*slot)))
		other := c.a.Jcc(CondNE)
		c.a.Load(W64, reg(ins.Dst), mem(ctxReg, int32(offCtxVal+8*slot)))
		back := c.a.Len()
		c.slow = append(c.slow, func() {
			c.a.Patch(other, c.a.Len())
			c.plainLoad(pc, ins)
			c.a.Patch(c.a.Jmp(), back)
		})
		return
	}
	c.plainLoad(pc, ins)
}

// plainLoad is a load from memory, checked unless proven safe.
func (c *compiler) plainLoad(pc int, ins asm.Instruction) {
	size := asm.SizeBytes(ins.OpCode.Size())
	d := reg(ins.Dst)
	m := c.address(pc, ins.Src, ins.Offset, size, BoundRead, false)
	if ins.OpCode.Mode() == asm.ModeMEMSX {
		c.a.LoadSX(width(size), d, m)
	} else {
		c.a.Load(width(size), d, m)
	}
	c.accessDone()
}

func (c *compiler) store(pc int, ins asm.Instruction) {
	if off, ok := c.ctxStore(pc, ins); ok && !c.proven(pc) {
		// The base may be the context and the field a plain one: the
		// value goes to CtxVal, marked dirty for Go. Other bases and
		// fields take the checked store, out of line.
		slot := off / 4
		c.ctxStored[slot] = true
		c.a.ALULoad(CMP, W64, reg(ins.Dst), mem(ctxReg, int32(offCtxStKey+8*slot)))
		other := c.a.Jcc(CondNE)
		if ins.OpCode.Class() == asm.ClassST {
			c.a.MovImm(tmp, uint64(uint32(ins.Imm)))
		} else {
			c.a.Mov(W32, tmp, reg(ins.Src))
		}
		c.a.ALULoad(AND, W32, tmp, mem(ctxReg, int32(offCtxStMsk+4*slot)))
		c.a.Store(W64, mem(ctxReg, int32(offCtxVal+8*slot)), tmp)
		c.a.ALUMemImm(OR, W64, mem(ctxReg, offCtxDirty), 1<<slot)
		back := c.a.Len()
		c.slow = append(c.slow, func() {
			c.a.Patch(other, c.a.Len())
			c.plainStore(pc, ins)
			c.a.Patch(c.a.Jmp(), back)
		})
		return
	}
	c.plainStore(pc, ins)
}

// plainStore is a store to memory, checked unless proven safe.
func (c *compiler) plainStore(pc int, ins asm.Instruction) {
	size := asm.SizeBytes(ins.OpCode.Size())
	m := c.address(pc, ins.Dst, ins.Offset, size, BoundWrite, false)
	if ins.OpCode.Class() == asm.ClassST {
		c.a.StoreImm(width(size), m, ins.Imm)
	} else {
		c.a.Store(width(size), m, reg(ins.Src))
	}
	c.accessDone()
}

func (c *compiler) atomic(pc int, ins asm.Instruction) {
	size := asm.SizeBytes(ins.OpCode.Size())
	w := width(size)
	m := c.address(pc, ins.Dst, ins.Offset, size, BoundWrite, true)
	s := reg(ins.Src)
	fetch := ins.Imm&asm.AtomicFetch != 0
	switch op := ins.Imm &^ asm.AtomicFetch; {
	case ins.Imm == asm.AtomicXchg && c.opts.Exclusive:
		c.a.Load(w, tmp2, m)
		c.a.Store(w, m, s)
		c.a.Mov(W64, s, tmp2)
	case ins.Imm == asm.AtomicXchg:
		c.a.Xchg(w, m, s)
	case ins.Imm == asm.AtomicCmpXchg:
		c.a.LockCmpxchg(w, m, s)
		if w == W32 {
			c.a.Mov(W32, RAX, RAX) // r0 = the old value, zero-extended
		}
	case op == asm.AtomicAdd && fetch:
		c.a.LockXadd(w, m, s)
	case !fetch:
		c.a.LockALU(map[int32]ALUOp{asm.AtomicAdd: ADD, asm.AtomicOr: OR, asm.AtomicAnd: AND, asm.AtomicXor: XOR}[op], w, m, s)
	default:
		c.fetchLoop(w, map[int32]ALUOp{asm.AtomicOr: OR, asm.AtomicAnd: AND, asm.AtomicXor: XOR}[op], m, s)
	}
	c.accessDone()
}

// fetchLoop is a fetching or/and/xor: a cmpxchg loop, which needs rax (r0)
// for the old value; src gets the old value.
func (c *compiler) fetchLoop(w Width, op ALUOp, m Mem, s Reg) {
	v := s
	if s == RAX {
		c.a.Push(budgetReg) // a free register for the operand
		c.a.Mov(W64, budgetReg, RAX)
		v = budgetReg
	} else {
		c.a.Push(RAX)
	}
	c.a.Load(w, RAX, m)
	loop := c.a.Len()
	c.a.Mov(W64, tmp2, RAX)
	c.a.ALU(op, w, tmp2, v)
	c.a.LockCmpxchg(w, m, tmp2)
	j := c.a.JccShort(CondNE)
	c.a.PatchShort(j, loop)
	if s == RAX {
		if w == W32 {
			c.a.Mov(W32, RAX, RAX)
		}
		c.a.Pop(budgetReg)
	} else {
		c.a.Mov(w, s, RAX)
		c.a.Pop(RAX)
	}
}
