package amd64

import "github.com/gbpf/gbpf/asm"

var aluOps = map[asm.OpCode]ALUOp{asm.ALUAdd: ADD, asm.ALUSub: SUB, asm.ALUOr: OR, asm.ALUAnd: AND, asm.ALUXor: XOR}

var shiftOps = map[asm.OpCode]ShiftOp{asm.ALULsh: SHL, asm.ALURsh: SHR, asm.ALUArsh: SAR}

// alu compiles ALU and ALU64 instructions. 32-bit x86 forms zero-extend
// their result, which is exactly BPF's ALU32 rule, so no extra work.
func (c *compiler) alu(ins asm.Instruction) {
	w := W32
	if ins.OpCode.Class() == asm.ClassALU64 {
		w = W64
	}
	d, s := reg(ins.Dst), reg(ins.Src)
	x := ins.OpCode.Source() == asm.SrcX
	imm := ins.Imm
	switch aop := ins.OpCode.ALUOp(); aop {
	case asm.ALUAdd, asm.ALUSub, asm.ALUOr, asm.ALUAnd, asm.ALUXor:
		if x {
			c.a.ALU(aluOps[aop], w, d, s)
		} else {
			c.a.ALUImm(aluOps[aop], w, d, imm)
		}
	case asm.ALUMul:
		if x {
			c.a.Imul(w, d, s)
		} else {
			c.a.ImulImm(w, d, d, imm)
		}
	case asm.ALUMov:
		c.mov(w, ins, d, s, x)
	case asm.ALUNeg:
		c.a.Neg(w, d)
	case asm.ALULsh, asm.ALURsh, asm.ALUArsh:
		c.shift(shiftOps[aop], w, d, s, x, imm)
	case asm.ALUDiv, asm.ALUMod:
		c.divmod(w, aop == asm.ALUMod, ins.Offset == 1, d, s, x, imm)
	case asm.ALUEnd:
		c.byteSwap(ins, d)
	}
}

// zeroExtension compiles clang's extension idioms at pc, "r <<= 32;
// r >>= 32" (zero) and "r <<= 32; r s>>= 32" (sign), optionally after
// "r = s", as one 32-bit move or sign-extending move, and returns how
// many instructions it took (0: no idiom there, or something jumps into
// its middle).
func (c *compiler) zeroExtension(pc int) int {
	shift := func(at int, op asm.OpCode, dst asm.Register) bool {
		if at >= len(c.insns) || at > pc && (c.targeted[at] || c.leaders[at] > 0) {
			return false
		}
		ins := c.insns[at]
		return alu64(ins, op, asm.SrcK) && ins.Dst == dst && ins.Imm == 32
	}
	ins := c.insns[pc]
	d, s, at := ins.Dst, ins.Dst, pc
	if alu64(ins, asm.ALUMov, asm.SrcX) && ins.Offset == 0 && ins.Src <= asm.R10 {
		s, at = ins.Src, pc+1
	}
	if !shift(at, asm.ALULsh, d) {
		return 0
	}
	switch {
	case shift(at+1, asm.ALURsh, d):
		c.a.Mov(W32, reg(d), reg(s))
	case shift(at+1, asm.ALUArsh, d):
		c.a.Movsx(W64, W32, reg(d), reg(s))
	default:
		return 0
	}
	return at + 2 - pc
}

// alu64 says ins is the 64-bit ALU operation op with source src.
func alu64(ins asm.Instruction, op, src asm.OpCode) bool {
	o := ins.OpCode
	return o.Class() == asm.ClassALU64 && o.ALUOp() == op && o.Source() == src
}

func (c *compiler) mov(w Width, ins asm.Instruction, d, s Reg, x bool) {
	if !x {
		if w == W64 {
			c.a.MovImm(d, uint64(int64(ins.Imm)))
		} else {
			c.a.MovImm(d, uint64(uint32(ins.Imm)))
		}
		return
	}
	switch ins.Offset {
	case 8:
		c.a.Movsx(w, W8, d, s)
	case 16:
		c.a.Movsx(w, W16, d, s)
	case 32:
		if w == W64 {
			c.a.Movsx(W64, W32, d, s)
		} else {
			c.a.Mov(W32, d, s)
		}
	default:
		if d != s || w == W32 {
			c.a.Mov(w, d, s)
		}
	}
}

// shift uses x86's count masking (31 or 63), which is BPF's. A register
// count must be in CL, which is BPF r4.
func (c *compiler) shift(op ShiftOp, w Width, d, s Reg, x bool, imm int32) {
	if !x {
		n := uint8(imm) & uint8(w-1)
		if n == 0 {
			if w == W32 {
				c.a.Mov(W32, d, d)
			}
			return
		}
		c.a.ShiftImm(op, w, d, n)
		return
	}
	switch {
	case s == RCX:
		c.a.ShiftCL(op, w, d)
	case d == RCX:
		c.a.Mov(W64, tmp, RCX)
		c.a.Mov(W64, RCX, s)
		c.a.ShiftCL(op, w, tmp)
		c.a.Mov(W64, RCX, tmp)
	default:
		c.a.Mov(W64, tmp, RCX)
		c.a.Mov(W64, RCX, s)
		c.a.ShiftCL(op, w, d)
		c.a.Mov(W64, RCX, tmp)
	}
}

// divmod gives RFC 9669 results without faulting: x / 0 = 0, x % 0 = x,
// and for signed forms INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0.
func (c *compiler) divmod(w Width, isMod, signed bool, d, s Reg, x bool, imm int32) {
	if !x {
		switch {
		case imm == 0:
			c.divByZero(w, isMod, d)
			return
		case imm == -1 && signed:
			c.divByMinusOne(w, isMod, d)
			return
		}
		c.divide(w, isMod, signed, d, func() {
			if w == W64 {
				c.a.MovImm(tmp, uint64(int64(imm)))
			} else {
				c.a.MovImm(tmp, uint64(uint32(imm)))
			}
		})
		return
	}
	// A zero divisor (and -1, signed) is rare: its code is out of line.
	c.a.Test(w, s, s)
	zero := c.a.Jcc(CondE)
	minus := -1
	if signed {
		c.a.ALUImm(CMP, w, s, -1)
		minus = c.a.Jcc(CondE)
	}
	c.divide(w, isMod, signed, d, func() { c.a.Mov(W64, tmp, s) })
	back := c.a.Len()
	c.slow = append(c.slow, func() {
		c.a.Patch(zero, c.a.Len())
		c.divByZero(w, isMod, d)
		c.a.Patch(c.a.Jmp(), back)
		if signed {
			c.a.Patch(minus, c.a.Len())
			c.divByMinusOne(w, isMod, d)
			c.a.Patch(c.a.Jmp(), back)
		}
	})
}

func (c *compiler) divByZero(w Width, isMod bool, d Reg) {
	switch {
	case !isMod:
		c.a.ALU(XOR, W32, d, d)
	case w == W32:
		c.a.Mov(W32, d, d)
	}
}

func (c *compiler) divByMinusOne(w Width, isMod bool, d Reg) {
	if isMod {
		c.a.ALU(XOR, W32, d, d)
	} else {
		c.a.Neg(w, d)
	}
}

// divide runs rdx:rax / tmp with the divisor loaded by divisor, keeping
// the BPF registers in rax and rdx unless the result goes there: rdx in
// tmp2, rax in the budget register when no budget is charged, else on the
// native stack.
func (c *compiler) divide(w Width, isMod, signed bool, d Reg, divisor func()) {
	saveAX, saveDX := d != RAX, d != RDX
	if saveAX && !c.opts.NoBudget {
		c.a.Push(RAX)
	}
	divisor() // before rax and rdx change
	if saveDX {
		c.a.Mov(W64, tmp2, RDX)
	}
	if saveAX && c.opts.NoBudget {
		c.a.Mov(W64, budgetReg, RAX)
	}
	if d != RAX {
		c.a.Mov(W64, RAX, d)
	}
	if signed {
		c.a.SignExtendAX(w)
		c.a.Idiv(w, tmp)
	} else {
		c.a.ALU(XOR, W32, RDX, RDX)
		c.a.Div(w, tmp)
	}
	result := RAX
	if isMod {
		result = RDX
	}
	if result != d {
		c.a.Mov(W64, tmp, result)
	}
	if saveDX {
		c.a.Mov(W64, RDX, tmp2)
	}
	if saveAX {
		if c.opts.NoBudget {
			c.a.Mov(W64, RAX, budgetReg)
		} else {
			c.a.Pop(RAX)
		}
	}
	if result != d {
		c.a.Mov(W64, d, tmp)
	}
}

func (c *compiler) byteSwap(ins asm.Instruction, d Reg) {
	toLE := ins.OpCode.Class() == asm.ClassALU && ins.OpCode.Source() == asm.EndToLE
	switch ins.Imm {
	case 16:
		if !toLE {
			c.a.ShiftImm(ROL, W16, d, 8)
		}
		c.a.Movzx(W16, d, d)
	case 32:
		if toLE {
			c.a.Mov(W32, d, d)
		} else {
			c.a.Bswap(W32, d)
		}
	case 64:
		if !toLE {
			c.a.Bswap(W64, d)
		}
	}
}
