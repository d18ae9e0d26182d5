package asm

import (
	"errors"
	"fmt"
	"strconv"
)

// parseLLVM parses one line of SyntaxLLVM.
func parseLLVM(p *parser) (stmt, error) {
	if p.is("*") {
		return llvmStore(p)
	}
	t := p.peek()
	if t.kind != tokIdent {
		return stmt{}, fmt.Errorf("expected an instruction, found %v", t)
	}
	switch t.text {
	case "exit":
		p.next()
		return one(Instruction{OpCode: OpExit}), p.done()
	case "goto":
		p.next()
		return p.jump(OpJA)
	case "gotol":
		p.next()
		return p.jump(OpJA32)
	case "may_goto":
		p.next()
		return p.jump(OpMayGoto)
	case "call":
		p.next()
		return llvmCall(p)
	case "callx":
		p.next()
		r, _, err := p.llvmReg()
		if err != nil {
			return stmt{}, err
		}
		return one(Instruction{OpCode: OpCallX, Dst: r}), p.done()
	case "if":
		p.next()
		return llvmJump(p)
	case "lock":
		p.next()
		return llvmLock(p)
	}
	if !llvmIsReg(t.text) {
		return stmt{}, fmt.Errorf("unknown mnemonic %q", t.text)
	}
	dst, w32, err := p.llvmReg()
	if err != nil {
		return stmt{}, err
	}
	return llvmAssign(p, dst, w32)
}

// llvmIsReg reports whether s has the shape of a register name, valid or
// not.
func llvmIsReg(s string) bool {
	if len(s) < 2 || s[0] != 'r' && s[0] != 'w' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func (p *parser) llvmAtReg() bool {
	t := p.peek()
	return t.kind == tokIdent && llvmIsReg(t.text)
}

// llvmReg reads rN or wN and reports whether it was the 32-bit name.
func (p *parser) llvmReg() (r Register, w32 bool, err error) {
	t := p.next()
	if t.kind == tokIdent {
		if r, ok := parseRegNum(t.text, "r"); ok {
			return r, false, nil
		}
		if r, ok := parseRegNum(t.text, "w"); ok {
			return r, true, nil
		}
		if llvmIsReg(t.text) {
			return 0, false, fmt.Errorf("bad register %q", t.text)
		}
	}
	return 0, false, fmt.Errorf("expected a register, found %v", t)
}

// llvmSameReg reads a register that must be the given one.
func (p *parser) llvmSameReg(want Register, w32 bool, what string) error {
	r, w, err := p.llvmReg()
	if err != nil {
		return err
	}
	if r != want || w != w32 {
		return fmt.Errorf("%s must be %s, not %s", what, llvmRegName(want, w32), llvmRegName(r, w))
	}
	return nil
}

func llvmRegName(r Register, w32 bool) string {
	if w32 {
		return "w" + strconv.Itoa(int(r))
	}
	return "r" + strconv.Itoa(int(r))
}

var errWidthMismatch = errors.New("cannot mix 32-bit (wN) and 64-bit (rN) registers")

// regOrImm reads the source operand of an ALU or jump instruction into
// ins, setting the X bit for a register.
func (p *parser) regOrImm(ins *Instruction, w32 bool) error {
	if !p.llvmAtReg() {
		v, err := p.imm32()
		ins.Imm = v
		return err
	}
	r, w, err := p.llvmReg()
	if err != nil {
		return err
	}
	if w != w32 {
		return errWidthMismatch
	}
	ins.OpCode |= SrcX
	ins.Src = r
	return nil
}

var llvmALUOps = map[string]OpCode{
	"+=": ALUAdd, "-=": ALUSub, "*=": ALUMul, "/=": ALUDiv, "|=": ALUOr, "&=": ALUAnd,
	"<<=": ALULsh, ">>=": ALURsh, "%=": ALUMod, "^=": ALUXor,
}

// Endian operations by name, with the opcode and immediate they encode.
var llvmEndian = func() map[string]Instruction {
	m := map[string]Instruction{}
	for _, w := range []int32{16, 32, 64} {
		n := strconv.Itoa(int(w))
		m["le"+n] = Instruction{OpCode: ClassALU | ALUEnd | EndToLE, Imm: w}
		m["be"+n] = Instruction{OpCode: ClassALU | ALUEnd | EndToBE, Imm: w}
		m["bswap"+n] = Instruction{OpCode: OpBswap, Imm: w}
	}
	return m
}()

var llvmFetchOps = map[string]int32{
	"atomic_fetch_add": AtomicAdd, "atomic_fetch_and": AtomicAnd,
	"atomic_fetch_or": AtomicOr, "atomic_fetch_xor": AtomicXor,
}

func llvmAssign(p *parser, dst Register, w32 bool) (stmt, error) {
	cls := ClassALU64
	if w32 {
		cls = ClassALU
	}
	ins := Instruction{OpCode: cls, Dst: dst}
	// Compound assignments: "r0 += r1", "r0 s/= 3".
	if p.accept("s") {
		switch t := p.next(); t.text {
		case "/=":
			ins.OpCode |= ALUDiv
			ins.Offset = 1
		case "%=":
			ins.OpCode |= ALUMod
			ins.Offset = 1
		case ">>=":
			ins.OpCode |= ALUArsh
		default:
			return stmt{}, fmt.Errorf("expected s/=, s%%= or s>>=, found s%v", t)
		}
		if err := p.regOrImm(&ins, w32); err != nil {
			return stmt{}, err
		}
		return one(ins), p.done()
	}
	if op, ok := llvmALUOps[p.peek().text]; ok && p.peek().kind == tokPunct {
		p.next()
		ins.OpCode |= op
		if err := p.regOrImm(&ins, w32); err != nil {
			return stmt{}, err
		}
		return one(ins), p.done()
	}
	if err := p.expect("="); err != nil {
		return stmt{}, err
	}
	switch t := p.peek(); {
	case p.is("-") && p.peekAt(1).kind == tokIdent: // r0 = -r0
		p.next()
		if err := p.llvmSameReg(dst, w32, "the negated register"); err != nil {
			return stmt{}, err
		}
		ins.OpCode |= ALUNeg
		return one(ins), p.done()
	case p.atNumber(): // r0 = 5, r0 = 5 ll
		n, err := p.number()
		if err != nil {
			return stmt{}, err
		}
		if p.accept("ll") {
			if w32 {
				return stmt{}, fmt.Errorf("a 64-bit load needs an rN register")
			}
			v, err := n.imm64()
			if err != nil {
				return stmt{}, err
			}
			pair := LoadImm64(dst, v)
			return stmt{slots: pair[:]}, p.done()
		}
		ins.OpCode |= ALUMov
		if ins.Imm, err = n.imm32(); err != nil {
			return stmt{}, fmt.Errorf("%v (write \"%s ll\" for a 64-bit load)", err, n)
		}
		return one(ins), p.done()
	case p.is("("): // r0 = (s8)r1
		p.next()
		width := map[string]int16{"s8": 8, "s16": 16, "s32": 32}[p.next().text]
		if width == 0 {
			return stmt{}, fmt.Errorf("expected a sign-extension cast (s8), (s16) or (s32)")
		}
		if err := p.expect(")"); err != nil {
			return stmt{}, err
		}
		ins.OpCode |= ALUMov | SrcX
		ins.Offset = width
		src, w, err := p.llvmReg()
		if err != nil {
			return stmt{}, err
		}
		if w != w32 {
			return stmt{}, errWidthMismatch
		}
		ins.Src = src
		return one(ins), p.done()
	case p.is("*"):
		return llvmLoad(p, dst)
	case p.llvmAtReg(): // r0 = r1
		ins.OpCode |= ALUMov
		if err := p.regOrImm(&ins, w32); err != nil {
			return stmt{}, err
		}
		return one(ins), p.done()
	case t.kind == tokIdent:
		p.next()
		if e, ok := llvmEndian[t.text]; ok {
			if err := p.llvmSameReg(dst, w32, "the swapped register"); err != nil {
				return stmt{}, err
			}
			e.Dst = dst
			return one(e), p.done()
		}
		if src, ok := pseudoByName(t.text); ok {
			if w32 {
				return stmt{}, fmt.Errorf("a 64-bit load needs an rN register")
			}
			if err := p.expect("("); err != nil {
				return stmt{}, err
			}
			st, err := pseudoLow(p, dst, src)
			if err != nil {
				return st, err
			}
			if err := p.expect(")"); err != nil {
				return st, err
			}
			if err := pseudoHigh(p, &st); err != nil {
				return st, err
			}
			p.accept("ll")
			return st, p.done()
		}
		return llvmAtomicCall(p, t.text, dst, w32)
	}
	return stmt{}, fmt.Errorf("cannot parse the right-hand side starting at %v", p.peek())
}

// llvmSize reads "(u32 *)" and returns the size and whether it was signed.
func (p *parser) llvmSize() (OpCode, bool, error) {
	if err := p.expect("("); err != nil {
		return 0, false, err
	}
	t := p.next()
	var size OpCode
	signed := false
	switch t.text {
	case "u8":
		size = SizeB
	case "u16":
		size = SizeH
	case "u32":
		size = SizeW
	case "u64":
		size = SizeDW
	case "s8":
		size, signed = SizeB, true
	case "s16":
		size, signed = SizeH, true
	case "s32":
		size, signed = SizeW, true
	default:
		return 0, false, fmt.Errorf("expected an access size such as u32, found %v", t)
	}
	if err := p.expect("*"); err != nil {
		return 0, false, err
	}
	return size, signed, p.expect(")")
}

// llvmAddr reads "r10 - 8", "r1 + 4" or "r1".
func (p *parser) llvmAddr() (Register, int16, error) {
	r, _, err := p.llvmReg()
	if err != nil {
		return 0, 0, err
	}
	if !p.is("+") && !p.is("-") {
		return r, 0, nil
	}
	n, err := p.number()
	if err != nil {
		return 0, 0, err
	}
	off, err := n.off16()
	return r, off, err
}

// llvmMem reads "(r10 - 8)".
func (p *parser) llvmMem() (Register, int16, error) {
	if err := p.expect("("); err != nil {
		return 0, 0, err
	}
	r, off, err := p.llvmAddr()
	if err != nil {
		return 0, 0, err
	}
	return r, off, p.expect(")")
}

// llvmLoad parses the right-hand side "*(u32 *)(r1 + 4)" or
// "*(u8 *)skb[...]".
func llvmLoad(p *parser, dst Register) (stmt, error) {
	p.next() // *
	size, signed, err := p.llvmSize()
	if err != nil {
		return stmt{}, err
	}
	if p.accept("skb") {
		if signed {
			return stmt{}, fmt.Errorf("packet loads are unsigned")
		}
		if dst != R0 {
			return stmt{}, fmt.Errorf("packet loads always load into r0")
		}
		if err := p.expect("["); err != nil {
			return stmt{}, err
		}
		ins := Instruction{OpCode: ClassLD | ModeABS | size}
		if p.llvmAtReg() {
			ins.OpCode = ClassLD | ModeIND | size
			if ins.Src, _, err = p.llvmReg(); err != nil {
				return stmt{}, err
			}
			if p.is("+") || p.is("-") {
				ins.Imm, err = p.imm32()
			}
		} else {
			ins.Imm, err = p.imm32()
		}
		if err != nil {
			return stmt{}, err
		}
		if err := p.expect("]"); err != nil {
			return stmt{}, err
		}
		return one(ins), p.done()
	}
	mode := ModeMEM
	if signed {
		mode = ModeMEMSX
	}
	ins := Instruction{OpCode: ClassLDX | mode | size, Dst: dst}
	if ins.Src, ins.Offset, err = p.llvmMem(); err != nil {
		return stmt{}, err
	}
	return one(ins), p.done()
}

// llvmStore parses "*(u64 *)(r10 - 8) = r1" and "*(u32 *)(r10 - 8) = 5".
func llvmStore(p *parser) (stmt, error) {
	p.next() // *
	size, signed, err := p.llvmSize()
	if err != nil {
		return stmt{}, err
	}
	if signed {
		return stmt{}, fmt.Errorf("stores take an unsigned size")
	}
	ins := Instruction{OpCode: ClassST | ModeMEM | size}
	if ins.Dst, ins.Offset, err = p.llvmMem(); err != nil {
		return stmt{}, err
	}
	if err := p.expect("="); err != nil {
		return stmt{}, err
	}
	if p.llvmAtReg() {
		ins.OpCode = ClassSTX | ModeMEM | size
		ins.Src, _, err = p.llvmReg()
	} else {
		ins.Imm, err = p.imm32()
	}
	if err != nil {
		return stmt{}, err
	}
	return one(ins), p.done()
}

var llvmLockOps = map[string]int32{"+=": AtomicAdd, "&=": AtomicAnd, "|=": AtomicOr, "^=": AtomicXor}

// llvmAtomicOp returns the atomic opcode for an access size.
func llvmAtomicOp(size OpCode) (OpCode, error) {
	switch size {
	case SizeW:
		return OpAtomicW, nil
	case SizeDW:
		return OpAtomicDW, nil
	}
	return 0, fmt.Errorf("atomic operations take u32 or u64")
}

// llvmLock parses "lock *(u64 *)(r10 - 8) += r1" after "lock".
func llvmLock(p *parser) (stmt, error) {
	if err := p.expect("*"); err != nil {
		return stmt{}, err
	}
	size, signed, err := p.llvmSize()
	if err != nil {
		return stmt{}, err
	}
	op, err := llvmAtomicOp(size)
	if err != nil || signed {
		return stmt{}, fmt.Errorf("atomic operations take u32 or u64")
	}
	ins := Instruction{OpCode: op}
	if ins.Dst, ins.Offset, err = p.llvmMem(); err != nil {
		return stmt{}, err
	}
	t := p.next()
	imm, ok := llvmLockOps[t.text]
	if !ok || t.kind != tokPunct {
		return stmt{}, fmt.Errorf("expected +=, &=, |= or ^=, found %v", t)
	}
	ins.Imm = imm
	if ins.Src, _, err = p.llvmReg(); err != nil {
		return stmt{}, err
	}
	return one(ins), p.done()
}

// llvmAtomicCall parses the right-hand sides atomic_fetch_op((u64 *)(addr), rS),
// xchg_64(addr, rS), xchg32_32, cmpxchg_64(addr, r0, rS) and cmpxchg32_32.
func llvmAtomicCall(p *parser, name string, dst Register, w32 bool) (stmt, error) {
	var ins Instruction
	var err error
	fetch, isFetch := llvmFetchOps[name]
	switch {
	case isFetch:
		if err := p.expect("("); err != nil {
			return stmt{}, err
		}
		size, signed, err := p.llvmSize()
		if err != nil {
			return stmt{}, err
		}
		if ins.OpCode, err = llvmAtomicOp(size); err != nil || signed {
			return stmt{}, fmt.Errorf("atomic operations take u32 or u64")
		}
		ins.Imm = fetch | AtomicFetch
		if ins.Dst, ins.Offset, err = p.llvmMem(); err != nil {
			return stmt{}, err
		}
	case name == "xchg_64", name == "cmpxchg_64", name == "xchg32_32", name == "cmpxchg32_32":
		ins.OpCode, ins.Imm = OpAtomicDW, AtomicXchg
		if name[len(name)-2:] == "32" {
			ins.OpCode = OpAtomicW
		}
		if name[0] == 'c' {
			ins.Imm = AtomicCmpXchg
		}
		if err := p.expect("("); err != nil {
			return stmt{}, err
		}
		if ins.Dst, ins.Offset, err = p.llvmAddr(); err != nil {
			return stmt{}, err
		}
		if ins.Imm == AtomicCmpXchg {
			if dst != R0 {
				return stmt{}, fmt.Errorf("cmpxchg always loads into r0")
			}
			if err := p.expect(","); err != nil {
				return stmt{}, err
			}
			if err := p.llvmSameReg(R0, w32, "the compared register"); err != nil {
				return stmt{}, err
			}
		}
	default:
		return stmt{}, fmt.Errorf("unknown operation %q", name)
	}
	if err := p.expect(","); err != nil {
		return stmt{}, err
	}
	var src Register
	if src, _, err = p.llvmReg(); err != nil {
		return stmt{}, err
	}
	if ins.Imm != AtomicCmpXchg && src != dst {
		return stmt{}, fmt.Errorf("the value operand must be the result register %s", llvmRegName(dst, w32))
	}
	ins.Src = src
	if err := p.expect(")"); err != nil {
		return stmt{}, err
	}
	return one(ins), p.done()
}

// Jump conditions by operator; the signed ones follow an "s".
var (
	llvmJumpOps       = map[string]OpCode{"==": JumpEq, "!=": JumpNE, ">": JumpGT, ">=": JumpGE, "<": JumpLT, "<=": JumpLE, "&": JumpSet}
	llvmSignedJumpOps = map[string]OpCode{">": JumpSGT, ">=": JumpSGE, "<": JumpSLT, "<=": JumpSLE}
)

// llvmJump parses "if r1 > r2 goto +3" after "if".
func llvmJump(p *parser) (stmt, error) {
	dst, w32, err := p.llvmReg()
	if err != nil {
		return stmt{}, err
	}
	ops := llvmJumpOps
	if p.accept("s") {
		ops = llvmSignedJumpOps
	}
	t := p.next()
	op, ok := ops[t.text]
	if !ok || t.kind != tokPunct {
		return stmt{}, fmt.Errorf("expected a comparison such as == or s<, found %v", t)
	}
	ins := Instruction{OpCode: ClassJMP | op, Dst: dst}
	if w32 {
		ins.OpCode = ClassJMP32 | op
	}
	if err := p.regOrImm(&ins, w32); err != nil {
		return stmt{}, err
	}
	if err := p.expect("goto"); err != nil {
		return stmt{}, err
	}
	st := one(ins)
	label, rel, err := p.target()
	if err != nil {
		return st, err
	}
	if err := st.setTarget(label, rel, false); err != nil {
		return st, err
	}
	return st, p.done()
}

// llvmCall parses the operand of "call": a helper id, pc+N, kfunc N or a
// label.
func llvmCall(p *parser) (stmt, error) {
	ins := Instruction{OpCode: OpCall}
	var err error
	switch t := p.peek(); {
	case p.atNumber():
		ins.Imm, err = p.imm32()
	case t.text == "kfunc" && t.kind == tokIdent && (p.peekAt(1).kind == tokNum || p.peekAt(1).text == "-"):
		p.next()
		ins.Src = CallKfunc
		if ins.Imm, err = p.imm32(); err != nil {
			return stmt{}, err
		}
		if p.accept(",") {
			var n number
			if n, err = p.number(); err == nil {
				ins.Offset, err = n.off16()
			}
		}
	case t.text == "pc" && (p.peekAt(1).text == "+" || p.peekAt(1).text == "-"):
		p.next()
		ins.Src = CallLocal
		var n number
		if n, err = p.number(); err == nil {
			ins.Imm, err = n.rel32()
		}
	case t.kind == tokIdent:
		p.next()
		st := one(Instruction{OpCode: OpCall, Src: CallLocal})
		st.target, st.immTarget = t.text, true
		return st, p.done()
	default:
		return stmt{}, fmt.Errorf("expected a helper id, pc+N, kfunc N or a label, found %v", t)
	}
	if err != nil {
		return stmt{}, err
	}
	return one(ins), p.done()
}

var (
	llvmALUNames = [16]string{
		ALUAdd >> 4: "+=", ALUSub >> 4: "-=", ALUMul >> 4: "*=", ALUDiv >> 4: "/=",
		ALUOr >> 4: "|=", ALUAnd >> 4: "&=", ALULsh >> 4: "<<=", ALURsh >> 4: ">>=",
		ALUMod >> 4: "%=", ALUXor >> 4: "^=", ALUMov >> 4: "=", ALUArsh >> 4: "s>>=",
	}
	llvmJumpNames = [16]string{
		JumpEq >> 4: "==", JumpGT >> 4: ">", JumpGE >> 4: ">=", JumpSet >> 4: "&",
		JumpNE >> 4: "!=", JumpSGT >> 4: "s>", JumpSGE >> 4: "s>=", JumpLT >> 4: "<",
		JumpLE >> 4: "<=", JumpSLT >> 4: "s<", JumpSLE >> 4: "s<=",
	}
	llvmSizeNames = map[OpCode]string{SizeB: "8", SizeH: "16", SizeW: "32", SizeDW: "64"}
)

func llvmMemText(r Register, off int16) string {
	if off < 0 {
		return "(r" + strconv.Itoa(int(r)) + " - " + strconv.Itoa(-int(off)) + ")"
	}
	return "(r" + strconv.Itoa(int(r)) + " + " + strconv.Itoa(int(off)) + ")"
}

// formatLLVM prints what the opcode means. It may drop fields the opcode
// does not use: FormatInstruction catches that by reassembling.
func formatLLVM(ins Instruction, next *Instruction) (string, int, bool) {
	op := ins.OpCode
	imm := strconv.Itoa(int(ins.Imm))
	w32 := op.Class() == ClassALU || op.Class() == ClassJMP32
	dst, src := llvmRegName(ins.Dst, w32), llvmRegName(ins.Src, w32)
	switch op.Class() {
	case ClassALU, ClassALU64:
		switch op.ALUOp() {
		case ALUNeg:
			return dst + " = -" + dst, 1, true
		case ALUEnd:
			var name string
			switch op {
			case ClassALU | ALUEnd | EndToLE:
				name = "le"
			case ClassALU | ALUEnd | EndToBE:
				name = "be"
			case OpBswap:
				name = "bswap"
			default:
				return "", 0, false
			}
			r := llvmRegName(ins.Dst, false)
			return r + " = " + name + imm + " " + r, 1, true
		}
		name := llvmALUNames[op.ALUOp()>>4]
		if name == "" {
			return "", 0, false
		}
		operand := imm
		if op.Source() == SrcX {
			operand = src
		}
		switch {
		case (op.ALUOp() == ALUDiv || op.ALUOp() == ALUMod) && ins.Offset == 1:
			name = "s" + name
		case op.ALUOp() == ALUMov && op.Source() == SrcX && ins.Offset != 0:
			operand = "(s" + strconv.Itoa(int(ins.Offset)) + ")" + src
		}
		return dst + " " + name + " " + operand, 1, true
	case ClassJMP, ClassJMP32:
		switch op {
		case OpJA:
			return "goto " + fmtRel(ins.Offset), 1, true
		case OpJA32:
			return "gotol " + fmtRel(ins.Imm), 1, true
		case OpMayGoto:
			return "may_goto " + fmtRel(ins.Offset), 1, true
		case OpCallX:
			return "callx " + llvmRegName(ins.Dst, false), 1, true
		case OpExit:
			return "exit", 1, true
		case OpCall:
			switch ins.Src {
			case CallHelper:
				return "call " + imm, 1, true
			case CallLocal:
				return "call pc" + fmtRel(ins.Imm), 1, true
			case CallKfunc:
				if ins.Offset != 0 {
					return "call kfunc " + imm + ", " + strconv.Itoa(int(ins.Offset)), 1, true
				}
				return "call kfunc " + imm, 1, true
			}
			return "", 0, false
		}
		cmp := llvmJumpNames[op.JumpOp()>>4]
		if cmp == "" {
			return "", 0, false
		}
		operand := imm
		if op.Source() == SrcX {
			operand = src
		}
		return "if " + dst + " " + cmp + " " + operand + " goto " + fmtRel(ins.Offset), 1, true
	case ClassLD:
		switch op.Mode() {
		case ModeIMM:
			if op != OpLoadImm64 || next == nil {
				return "", 0, false
			}
			if ins.Src == PseudoNone {
				return fmt.Sprintf("%s = %#x ll", dst, Imm64(ins, *next)), 2, true
			}
			if int(ins.Src) >= len(pseudoNames) {
				return "", 0, false
			}
			low := imm
			if ins.Src == PseudoFunc {
				low = fmtRel(ins.Imm)
			}
			text := dst + " = " + pseudoNames[ins.Src] + "(" + low + ")"
			switch high := int64(next.Imm); {
			case high > 0:
				text += " + " + strconv.FormatInt(high, 10)
			case high < 0:
				text += " - " + strconv.FormatInt(-high, 10)
			}
			return text + " ll", 2, true
		case ModeABS:
			return "r0 = *(u" + llvmSizeNames[op.Size()] + " *)skb[" + imm + "]", 1, true
		case ModeIND:
			idx := llvmRegName(ins.Src, false)
			switch {
			case ins.Imm > 0:
				idx += " + " + imm
			case ins.Imm < 0:
				idx += " - " + strconv.FormatInt(-int64(ins.Imm), 10)
			}
			return "r0 = *(u" + llvmSizeNames[op.Size()] + " *)skb[" + idx + "]", 1, true
		}
	case ClassLDX:
		sign := map[OpCode]string{ModeMEM: "u", ModeMEMSX: "s"}[op.Mode()]
		if sign == "" {
			return "", 0, false
		}
		return fmt.Sprintf("%s = *(%s%s *)%s", dst, sign, llvmSizeNames[op.Size()], llvmMemText(ins.Src, ins.Offset)), 1, true
	case ClassST:
		if op.Mode() == ModeMEM {
			return fmt.Sprintf("*(u%s *)%s = %s", llvmSizeNames[op.Size()], llvmMemText(ins.Dst, ins.Offset), imm), 1, true
		}
	case ClassSTX:
		size := llvmSizeNames[op.Size()]
		switch op.Mode() {
		case ModeMEM:
			return fmt.Sprintf("*(u%s *)%s = %s", size, llvmMemText(ins.Dst, ins.Offset), src), 1, true
		case ModeATOMIC:
			return formatLLVMAtomic(ins)
		}
	}
	return "", 0, false
}

func formatLLVMAtomic(ins Instruction) (string, int, bool) {
	w32 := ins.OpCode.Size() == SizeW
	size := llvmSizeNames[ins.OpCode.Size()]
	src := llvmRegName(ins.Src, w32)
	mem := llvmMemText(ins.Dst, ins.Offset)
	addr := mem[1 : len(mem)-1]
	bits := "_64"
	if w32 {
		bits = "32_32"
	}
	switch ins.Imm {
	case AtomicXchg:
		return src + " = xchg" + bits + "(" + addr + ", " + src + ")", 1, true
	case AtomicCmpXchg:
		r0 := llvmRegName(R0, w32)
		return r0 + " = cmpxchg" + bits + "(" + addr + ", " + r0 + ", " + src + ")", 1, true
	}
	for name, op := range llvmLockOps {
		switch ins.Imm {
		case op:
			return "lock *(u" + size + " *)" + mem + " " + name + " " + src, 1, true
		case op | AtomicFetch:
			for fname, fop := range llvmFetchOps {
				if fop == op {
					return src + " = " + fname + "((u" + size + " *)" + mem + ", " + src + ")", 1, true
				}
			}
		}
	}
	return "", 0, false
}
