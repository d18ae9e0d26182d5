package amd64

import "github.com/gbpf/gbpf/asm"

var conds = map[asm.OpCode]Cond{
	asm.JumpEq: CondE, asm.JumpNE: CondNE, asm.JumpSet: CondNE,
	asm.JumpGT: CondA, asm.JumpGE: CondAE, asm.JumpLT: CondB, asm.JumpLE: CondBE,
	asm.JumpSGT: CondG, asm.JumpSGE: CondGE, asm.JumpSLT: CondL, asm.JumpSLE: CondLE,
}

// jump compiles jumps, calls and exit.
func (c *compiler) jump(pc int, ins asm.Instruction) {
	w := W64
	if ins.OpCode.Class() == asm.ClassJMP32 {
		w = W32
	}
	d, s := reg(ins.Dst), reg(ins.Src)
	x := ins.OpCode.Source() == asm.SrcX
	switch jop := ins.OpCode.JumpOp(); jop {
	case asm.JumpA:
		t, _ := ins.JumpTarget(pc)
		if _, ok := c.absorb[pc]; ok {
			c.fixups = append(c.fixups, fixup{at: c.a.Jmp(), target: t, post: true})
		} else {
			c.jumpTo(0, true, t)
		}
	case asm.JumpExit:
		c.a.Ret() // every frame, the entry one too, was entered by a call
	case asm.JumpCall:
		switch {
		case x:
			c.exitWith(ExitCallX, pc)
		case ins.Src == asm.CallLocal:
			c.localCall(pc, pc+1+int(ins.Imm))
		default:
			if k, ok := c.inline[pc]; ok {
				c.inlineLookup(pc, c.arrayAt[k])
				return
			}
			if am, ok := c.updates[pc]; ok {
				c.inlineArrayUpdate(pc, am)
				return
			}
			if hm, ok := c.hashAt[pc]; ok {
				c.inlineHashLookup(hm)
				return
			}
			if lm, ok := c.lpmAt[pc]; ok {
				c.inlineLPMLookup(lm)
				return
			}
			if ins.Imm == helperLoop && c.opts.InlineLoop {
				if fn, ok := c.constFunc(pc); ok {
					c.inlineLoop(pc, fn)
					return
				}
			}
			if ins.Imm == helperSkbLoad && c.opts.InlineSkbLoad {
				c.inlineSkbLoad(pc)
				return
			}
			if ins.Imm == helperCPU && c.opts.InlineCPU {
				c.a.Load(W64, RAX, mem(ctxReg, offCPU))
				return
			}
			c.exitHelper(pc)
		}
	case asm.JumpSet:
		if x {
			c.a.Test(w, d, s)
		} else {
			c.a.TestImm(w, d, ins.Imm)
		}
		c.condJump(pc, CondNE, pc+1+int(ins.Offset))
	default:
		switch {
		case x:
			c.a.ALU(CMP, w, d, s)
		case ins.Imm == 0 && (jop == asm.JumpEq || jop == asm.JumpNE):
			c.a.Test(w, d, d)
		default:
			c.a.ALUImm(CMP, w, d, ins.Imm)
		}
		c.condJump(pc, conds[jop], pc+1+int(ins.Offset))
	}
}

// condJump jumps to target on cond. "if cond goto +1; goto T" becomes one
// "if !cond goto T" when nothing else jumps to the goto and no budget is
// charged there (clang emits the pair for loops' back edges).
func (c *compiler) condJump(pc int, cond Cond, target int) {
	if next := pc + 1; target == next+1 && c.opts.NoBudget && !c.targeted[next] {
		if ins := c.insns[next]; ins.OpCode == asm.OpJA || ins.OpCode == asm.OpJA32 {
			if t, ok := ins.JumpTarget(next); ok {
				c.jumpTo(cond^1, false, t)
				c.skip = 1
				return
			}
		}
	}
	c.jumpTo(cond, false, target)
}

// localCall enters a bpf-to-bpf callee: the r6 to r9 it may change are
// saved on the native stack, r10 moves down one frame, and the callee's
// exit returns here.
func (c *compiler) localCall(pc, target int) {
	if c.r10Fixed {
		// r10 is a frame top at any time, so it tells the call depth.
		c.a.ALULoad(CMP, W64, RBP, mem(ctxReg, offMinFP))
		tooDeep := c.a.Jcc(CondB)
		c.slow = append(c.slow, func() {
			c.a.Patch(tooDeep, c.a.Len())
			c.exitWith(ExitCallDepth, pc)
			c.a.Ud2()
		})
		c.callFrame(target)
		return
	}
	depth := mem(ctxReg, offDepth)
	c.a.Load(W32, tmp, depth)
	c.a.ALUImm(CMP, W32, tmp, MaxFrames-1)
	tooDeep := c.a.Jcc(CondAE)
	c.slow = append(c.slow, func() {
		c.a.Patch(tooDeep, c.a.Len())
		c.exitWith(ExitCallDepth, pc)
		c.a.Ud2()
	})
	c.a.ALUImm(ADD, W32, tmp, 1)
	c.a.Store(W32, depth, tmp)
	c.a.ALULoad(CMP, W32, tmp, mem(ctxReg, offMaxDepth))
	j := c.a.JccShort(CondBE)
	c.a.Store(W32, mem(ctxReg, offMaxDepth), tmp)
	c.a.PatchShort(j, c.a.Len())
	c.callFrame(target)
	c.a.ALUMemImm(SUB, W32, depth, 1)
}

// callFrame calls target in a new frame, saving the callee-saved
// registers (r6 to r9) the callee may change: those it or its callees
// write, all four when a tail call may run other code there.
func (c *compiler) callFrame(target int) {
	save := c.clobbers(target)
	for i := 6; i <= 9; i++ {
		if save&(1<<i) != 0 {
			c.a.Push(regMap[i])
		}
	}
	c.a.ALUImm(SUB, W64, RBP, StackSize)
	c.fixups = append(c.fixups, fixup{at: c.a.Call(), target: target})
	c.a.ALUImm(ADD, W64, RBP, StackSize)
	for i := 9; i >= 6; i-- {
		if save&(1<<i) != 0 {
			c.a.Pop(regMap[i])
		}
	}
}

// inlineLookup is bpf_map_lookup_elem on an array map: r0 = the value's
// address, or 0 for a key out of range. A key pointer the inline check
// does not allow goes to the helper, which handles it as it would.
func (c *compiler) inlineLookup(pc int, am ArrayMap) {
	key := c.address(pc, asm.R2, 0, 4, BoundRead, false)
	// The slow paths of the key's check exit to the helper instead.
	pending := c.pendingSlow
	c.pendingSlow = nil
	c.a.Load(W32, tmp, key)
	c.a.ALUImm(CMP, W32, tmp, int32(am.MaxEntries))
	null := c.a.Jcc(CondAE)
	c.arraySlot(am)
	done := c.a.Jmp()
	c.a.Patch(null, c.a.Len())
	c.a.ALU(XOR, W32, RAX, RAX)
	end := c.a.Len()
	c.a.Patch(done, end)
	for _, ps := range pending {
		c.slowExit(ps, ExitHelper, pc, end)
	}
}

// inlineLoop is bpf_loop(nr_loops, fn, ctx, flags) with fn known: the
// callback is called natively, in a new frame, as the kernel's verifier
// inlines the helper. r1 is the iteration and r2 ctx (r3 to r5 zero, as
// the helper passes them); a nonzero return ends the loop; r0 is the
// number of iterations run. Flags other than 0 and more than BPF_MAX_LOOPS
// iterations go to the helper, which fails them. The count, ctx and the
// iteration live on the native stack across the calls.
func (c *compiler) inlineLoop(pc, fn int) {
	c.a.Test(W64, RCX, RCX) // r4: flags
	toHelper := c.a.Jcc(CondNE)
	c.a.ALUImm(CMP, W64, RDI, maxLoops)
	tooMany := c.a.Jcc(CondA)
	c.a.Push(RDI) // [rsp+16]: the count
	c.a.Push(RDX) // [rsp+8]: ctx
	c.a.ALU(XOR, W32, RAX, RAX)
	c.a.Push(RAX) // [rsp]: the iteration
	loop := c.a.Len()
	c.a.Load(W64, RDI, At(RSP, 0))
	c.a.ALULoad(CMP, W64, RDI, At(RSP, 16))
	done := c.a.Jcc(CondAE)
	c.a.Load(W64, RSI, At(RSP, 8))
	c.a.ALU(XOR, W32, RDX, RDX)
	c.a.ALU(XOR, W32, RCX, RCX)
	c.a.ALU(XOR, W32, R8, R8)
	c.localCall(pc, fn)
	c.a.ALUMemImm(ADD, W64, At(RSP, 0), 1)
	c.a.Test(W64, RAX, RAX)
	c.a.Patch(c.a.Jcc(CondE), loop)
	c.a.Patch(done, c.a.Len())
	c.a.Pop(RAX) // the iterations run
	c.a.ALUImm(ADD, W64, RSP, 16)
	back := c.a.Len()
	c.slow = append(c.slow, func() {
		c.a.Patch(toHelper, c.a.Len())
		c.a.Patch(tooMany, c.a.Len())
		c.exitWith(ExitHelper, pc)
		c.a.Patch(c.a.Jmp(), back)
	})
}

// inlineArrayUpdate is bpf_map_update_elem on an array map with flags
// BPF_ANY or BPF_EXIST and a key in range: the value is copied into the
// key's slot (the current CPU's for a per-CPU array) and r0 = 0. Other
// flags and keys go to the helper, which fails them as the kernel does.
func (c *compiler) inlineArrayUpdate(pc int, am ArrayMap) {
	// r2 = key, r3 = value, r4 = flags.
	c.a.Test(W64, RCX, RCX)
	anyFlags := c.a.JccShort(CondE)
	c.a.ALUImm(CMP, W64, RCX, 2) // BPF_EXIST
	toHelper := []int{c.a.Jcc(CondNE)}
	c.a.PatchShort(anyFlags, c.a.Len())
	c.a.Load(W32, tmp, At(RSI, 0))
	c.a.ALUImm(CMP, W32, tmp, int32(am.MaxEntries))
	toHelper = append(toHelper, c.a.Jcc(CondAE))
	c.arraySlot(am)
	for off := 0; off < int(am.ValueSize); {
		w, n := W64, 8
		switch left := int(am.ValueSize) - off; {
		case left >= 8:
		case left >= 4:
			w, n = W32, 4
		case left >= 2:
			w, n = W16, 2
		default:
			w, n = W8, 1
		}
		c.a.Load(w, tmp, At(RDX, int32(off)))
		c.a.Store(w, At(RAX, int32(off)), tmp)
		off += n
	}
	c.a.ALU(XOR, W32, RAX, RAX)
	back := c.a.Len()
	c.slow = append(c.slow, func() {
		for _, j := range toHelper {
			c.a.Patch(j, c.a.Len())
		}
		c.exitWith(ExitHelper, pc)
		c.a.Patch(c.a.Jmp(), back)
	})
}

// arraySlot sets rax to the address of the value of key tmp (in range)
// of am: the current CPU's for a per-CPU array.
func (c *compiler) arraySlot(am ArrayMap) {
	switch s := am.Stride; {
	case s&(s-1) == 0:
		n := uint8(0)
		for 1<<n < s {
			n++
		}
		if n > 0 {
			c.a.ShiftImm(SHL, W64, tmp, n)
		}
	default:
		c.a.ImulImm(W64, tmp, tmp, int32(s))
	}
	c.a.MovImm(RAX, am.Base)
	c.a.ALU(ADD, W64, RAX, tmp)
	if am.CPUStride != 0 {
		c.a.Load(W64, tmp, mem(ctxReg, offCPU))
		if am.CPUStride > 1<<31-1 {
			c.a.MovImm(tmp2, am.CPUStride)
			c.a.Imul(W64, tmp, tmp2)
		} else {
			c.a.ImulImm(W64, tmp, tmp, int32(am.CPUStride))
		}
		c.a.ALU(ADD, W64, RAX, tmp)
	}
}

// inlineSkbLoad is bpf_skb_load_bytes(skb, offset, to, len) on the run's
// packet (Context.PktLo, PktLen): with offset and len as u32, the len
// bytes at offset are copied to to and r0 = 0, or, when they are not all
// in the packet or offset is above 0xffff, to is zeroed and r0 = -EFAULT,
// as the kernel's helper does. Runs whose context has no packet go to
// the helper. r1 to r5 are the helper's to clobber.
func (c *compiler) inlineSkbLoad(pc int) {
	c.pktLoads = true
	src := tmp
	c.a.Load(W64, src, mem(ctxReg, offPktLo))
	c.a.Test(W64, src, src)
	toHelper := c.a.Jcc(CondE)
	c.a.Mov(W32, RSI, RSI) // r2: offset
	c.a.Mov(W32, RCX, RCX) // r4: len
	c.a.ALUImm(CMP, W64, RSI, 0xffff)
	var fail []int
	fail = append(fail, c.a.Jcc(CondA))
	c.a.Load(W64, RAX, mem(ctxReg, offPktLen))
	c.a.ALU(SUB, W64, RAX, RSI)
	fail = append(fail, c.a.Jcc(CondB))
	c.a.ALU(CMP, W64, RAX, RCX)
	fail = append(fail, c.a.Jcc(CondB))
	c.a.ALU(ADD, W64, src, RSI)
	c.moveBytes(src, false)
	c.a.ALU(XOR, W32, RAX, RAX)
	done := c.a.Jmp()
	for _, j := range fail {
		c.a.Patch(j, c.a.Len())
	}
	c.moveBytes(src, true)
	c.a.MovImm(RAX, uint64(0xffff_ffff_ffff_fff2)) // -EFAULT
	c.a.Patch(done, c.a.Len())
	back := c.a.Len()
	c.slow = append(c.slow, func() {
		c.a.Patch(toHelper, c.a.Len())
		c.exitWith(ExitHelper, pc)
		c.a.Patch(c.a.Jmp(), back)
	})
}

// moveBytes copies rcx bytes from src to rdx, or zeroes them (zero),
// with 8-byte moves (the last one overlapping the one before), and for
// fewer than 8 bytes two overlapping moves of 4 or 2, or one of 1. It
// uses rsi, rdi and r8.
func (c *compiler) moveBytes(src Reg, zero bool) {
	const n, dst, i, v = RCX, RDX, RSI, R8
	// move moves w bytes at disp, plus index when scale is 1.
	move := func(w Width, index Reg, scale uint8, disp int32) {
		at := Mem{Base: dst, Index: index, Scale: scale, Disp: disp}
		if zero {
			c.a.StoreImm(w, at, 0)
			return
		}
		c.a.Load(w, v, Mem{Base: src, Index: index, Scale: scale, Disp: disp})
		c.a.Store(w, at, v)
	}
	var done []int
	c.a.ALUImm(CMP, W64, n, 8)
	small := c.a.Jcc(CondB)
	c.a.Lea(RDI, At(n, -8))
	c.a.ALU(XOR, W32, i, i)
	loop := c.a.Len()
	c.a.ALU(CMP, W64, i, RDI)
	last := c.a.JccShort(CondAE)
	move(W64, i, 1, 0)
	c.a.ALUImm(ADD, W64, i, 8)
	c.a.PatchShort(c.a.JmpShort(), loop)
	c.a.PatchShort(last, c.a.Len())
	move(W64, RDI, 1, 0)
	done = append(done, c.a.Jmp())
	c.a.Patch(small, c.a.Len())
	for _, w := range []Width{W32, W16} {
		c.a.ALUImm(CMP, W64, n, int32(w/8))
		next := c.a.JccShort(CondB)
		move(w, 0, 0, 0)
		move(w, n, 1, -int32(w/8))
		done = append(done, c.a.Jmp())
		c.a.PatchShort(next, c.a.Len())
	}
	c.a.Test(W64, n, n)
	done = append(done, c.a.Jcc(CondE))
	move(W8, 0, 0, 0)
	for _, j := range done {
		c.a.Patch(j, c.a.Len())
	}
}
