package asm

import (
	"fmt"
	"strconv"
	"strings"
)

// parseConformance parses one line of SyntaxConformance.
func parseConformance(p *parser) (stmt, error) {
	t := p.next()
	if t.kind != tokIdent {
		return stmt{}, fmt.Errorf("expected a mnemonic, found %v", t)
	}
	m := t.text
	switch m {
	case "exit":
		return one(Instruction{OpCode: OpExit}), p.done()
	case "ja":
		return p.jump(OpJA)
	case "ja32":
		return p.jump(OpJA32)
	case "may_goto":
		return p.jump(OpMayGoto)
	case "call":
		return confCall(p)
	case "lock":
		return confAtomic(p)
	case "lddw":
		return confLoadImm64(p)
	}
	f, ok := confForms[m]
	if !ok {
		return stmt{}, fmt.Errorf("unknown mnemonic %q", m)
	}
	ins := Instruction{OpCode: f.op, Offset: f.off, Imm: f.imm}
	var err error
	switch f.kind {
	case confALU:
		if ins.Dst, err = p.confReg(); err != nil {
			return stmt{}, err
		}
		p.accept(",")
		if p.confAtReg() {
			ins.OpCode |= SrcX
			ins.Src, err = p.confReg()
		} else {
			ins.Imm, err = p.imm32()
		}
	case confUnary:
		ins.Dst, err = p.confReg()
	case confLoad:
		if ins.Dst, err = p.confReg(); err != nil {
			return stmt{}, err
		}
		p.accept(",")
		ins.Src, ins.Offset, err = p.confMem()
	case confStore, confStoreX:
		if ins.Dst, ins.Offset, err = p.confMem(); err != nil {
			return stmt{}, err
		}
		p.accept(",")
		if f.kind == confStoreX {
			ins.Src, err = p.confReg()
		} else {
			ins.Imm, err = p.imm32()
		}
	case confLdAbs:
		ins.Imm, err = p.imm32()
	case confLdInd:
		if ins.Src, err = p.confReg(); err != nil {
			return stmt{}, err
		}
		p.accept(",")
		ins.Imm, err = p.imm32()
	case confJump:
		if ins.Dst, err = p.confReg(); err != nil {
			return stmt{}, err
		}
		p.accept(",")
		if p.confAtReg() {
			ins.OpCode |= SrcX
			ins.Src, err = p.confReg()
		} else {
			ins.Imm, err = p.imm32()
		}
		if err != nil {
			return stmt{}, err
		}
		p.accept(",")
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
	if err != nil {
		return stmt{}, err
	}
	return one(ins), p.done()
}

func (p *parser) imm32() (int32, error) {
	n, err := p.number()
	if err != nil {
		return 0, err
	}
	return n.imm32()
}

// confAtReg reports whether a register operand comes next.
func (p *parser) confAtReg() bool {
	if p.is("%") {
		return true
	}
	t := p.peek()
	return t.kind == tokIdent && len(t.text) > 1 && t.text[0] == 'r' && strings.Trim(t.text[1:], "0123456789") == ""
}

// confReg reads %rN (or rN).
func (p *parser) confReg() (Register, error) {
	pct := p.accept("%")
	t := p.next()
	if t.kind == tokIdent {
		if r, ok := parseRegNum(t.text, "r"); ok {
			return r, nil
		}
	}
	if pct {
		return 0, fmt.Errorf("bad register \"%%%s\"", t.text)
	}
	if t.kind == tokIdent && len(t.text) > 1 && t.text[0] == 'r' && strings.Trim(t.text[1:], "0123456789") == "" {
		return 0, fmt.Errorf("bad register %q", t.text)
	}
	return 0, fmt.Errorf("expected a register, found %v", t)
}

// confMem reads [%rN], [%rN+off] or [%rN-off].
func (p *parser) confMem() (Register, int16, error) {
	if err := p.expect("["); err != nil {
		return 0, 0, err
	}
	r, err := p.confReg()
	if err != nil {
		return 0, 0, err
	}
	var off int16
	if p.is("+") || p.is("-") {
		n, err := p.number()
		if err != nil {
			return 0, 0, err
		}
		if off, err = n.off16(); err != nil {
			return 0, 0, err
		}
	}
	return r, off, p.expect("]")
}

// confCall parses the operands of "call": N, helper N, %rN, local target
// or runtime N[, off].
func confCall(p *parser) (stmt, error) {
	ins := Instruction{OpCode: OpCall}
	var err error
	switch {
	case p.confAtReg():
		ins.OpCode = OpCallX
		ins.Dst, err = p.confReg()
	case p.accept("local"):
		st := one(ins)
		st.slots[0].Src = CallLocal
		label, rel, err := p.target()
		if err != nil {
			return st, err
		}
		if err := st.setTarget(label, rel, true); err != nil {
			return st, err
		}
		return st, p.done()
	case p.accept("runtime"):
		ins.Src = CallKfunc
		if ins.Imm, err = p.imm32(); err != nil {
			return stmt{}, err
		}
		if p.accept(",") || p.atNumber() {
			var n number
			if n, err = p.number(); err == nil {
				ins.Offset, err = n.off16()
			}
		}
	default:
		p.accept("helper")
		ins.Imm, err = p.imm32()
	}
	if err != nil {
		return stmt{}, err
	}
	return one(ins), p.done()
}

var atomicOps = map[string]int32{
	"add": AtomicAdd, "and": AtomicAnd, "or": AtomicOr, "xor": AtomicXor,
	"xchg": AtomicXchg, "cmpxchg": AtomicCmpXchg,
}

// confAtomic parses the operands of "lock [fetch] op[32] [dst+off], src".
func confAtomic(p *parser) (stmt, error) {
	fetch := p.accept("fetch")
	t := p.next()
	name, op := t.text, OpAtomicDW
	if s, ok := strings.CutSuffix(name, "32"); ok {
		name, op = s, OpAtomicW
	} else if s, ok := strings.CutSuffix(name, "64"); ok {
		name = s
	}
	imm, ok := atomicOps[name]
	if t.kind != tokIdent || !ok {
		return stmt{}, fmt.Errorf("unknown atomic operation %v", t)
	}
	if fetch {
		imm |= AtomicFetch
	}
	ins := Instruction{OpCode: op, Imm: imm}
	var err error
	if ins.Dst, ins.Offset, err = p.confMem(); err != nil {
		return stmt{}, err
	}
	p.accept(",")
	if ins.Src, err = p.confReg(); err != nil {
		return stmt{}, err
	}
	return one(ins), p.done()
}

// confLoadImm64 parses the operands of "lddw": a 64-bit number or a pseudo
// source.
func confLoadImm64(p *parser) (stmt, error) {
	dst, err := p.confReg()
	if err != nil {
		return stmt{}, err
	}
	p.accept(",")
	if t := p.peek(); t.kind == tokIdent {
		src, ok := pseudoByName(t.text)
		if !ok {
			return stmt{}, fmt.Errorf("unknown lddw source %q (want a number or map_fd, map_value, btf_id, func, map_idx, map_idx_value)", t.text)
		}
		p.next()
		st, err := pseudoLow(p, dst, src)
		if err != nil {
			return st, err
		}
		if err := pseudoHigh(p, &st); err != nil {
			return st, err
		}
		return st, p.done()
	}
	n, err := p.number()
	if err != nil {
		return stmt{}, err
	}
	v, err := n.imm64()
	if err != nil {
		return stmt{}, err
	}
	pair := LoadImm64(dst, v)
	return stmt{slots: pair[:]}, p.done()
}

// pseudoLow reads the low immediate of a lddw with a pseudo source: a
// number, or a target for func. Both syntaxes use it.
func pseudoLow(p *parser, dst, src Register) (stmt, error) {
	pair := LoadImm64Pseudo(dst, src, 0)
	st := stmt{slots: pair[:]}
	if src == PseudoFunc {
		label, rel, err := p.target()
		if err != nil {
			return st, err
		}
		return st, st.setTarget(label, rel, true)
	}
	v, err := p.imm32()
	st.slots[0].Imm = v
	return st, err
}

// pseudoHigh reads the optional high immediate of a lddw with a pseudo
// source, written "+ N", "- N", ", N" or just "N".
func pseudoHigh(p *parser, st *stmt) error {
	if p.accept(",") || p.atNumber() {
		v, err := p.imm32()
		st.slots[1].Imm = v
		return err
	}
	return nil
}

type confKind uint8

const (
	confALU    confKind = iota // op dst, src|imm
	confUnary                  // op dst (neg, byte swaps)
	confLoad                   // op dst, [src+off]
	confStore                  // op [dst+off], imm
	confStoreX                 // op [dst+off], src
	confLdAbs                  // op imm
	confLdInd                  // op src, imm
	confJump                   // op dst, src|imm, target
)

type confForm struct {
	kind confKind
	op   OpCode
	off  int16
	imm  int32
}

// Mnemonics by operation (the high four bits of the opcode).
var (
	confALUNames = [16]string{
		ALUAdd >> 4: "add", ALUSub >> 4: "sub", ALUMul >> 4: "mul", ALUDiv >> 4: "div",
		ALUOr >> 4: "or", ALUAnd >> 4: "and", ALULsh >> 4: "lsh", ALURsh >> 4: "rsh",
		ALUNeg >> 4: "neg", ALUMod >> 4: "mod", ALUXor >> 4: "xor", ALUMov >> 4: "mov",
		ALUArsh >> 4: "arsh",
	}
	confJumpNames = [16]string{
		JumpEq >> 4: "jeq", JumpGT >> 4: "jgt", JumpGE >> 4: "jge", JumpSet >> 4: "jset",
		JumpNE >> 4: "jne", JumpSGT >> 4: "jsgt", JumpSGE >> 4: "jsge", JumpLT >> 4: "jlt",
		JumpLE >> 4: "jle", JumpSLT >> 4: "jslt", JumpSLE >> 4: "jsle",
	}
	confForms = buildConfForms()
)

func buildConfForms() map[string]confForm {
	m := map[string]confForm{}
	for i, name := range confALUNames {
		if name == "" {
			continue
		}
		op, kind := OpCode(i<<4), confALU
		if op == ALUNeg {
			kind = confUnary
		}
		m[name] = confForm{kind: kind, op: ClassALU64 | op}
		m[name+"64"] = confForm{kind: kind, op: ClassALU64 | op}
		m[name+"32"] = confForm{kind: kind, op: ClassALU | op}
	}
	for _, s := range []struct {
		name string
		op   OpCode
	}{{"sdiv", ALUDiv}, {"smod", ALUMod}} {
		m[s.name] = confForm{kind: confALU, op: ClassALU64 | s.op, off: 1}
		m[s.name+"64"] = confForm{kind: confALU, op: ClassALU64 | s.op, off: 1}
		m[s.name+"32"] = confForm{kind: confALU, op: ClassALU | s.op, off: 1}
	}
	for _, w := range []int16{8, 16, 32} {
		m[fmt.Sprintf("movsx%d64", w)] = confForm{kind: confALU, op: ClassALU64 | ALUMov, off: w}
		m[fmt.Sprintf("movsx%d32", w)] = confForm{kind: confALU, op: ClassALU | ALUMov, off: w}
	}
	for _, w := range []int32{16, 32, 64} {
		n := strconv.Itoa(int(w))
		m["le"+n] = confForm{kind: confUnary, op: ClassALU | ALUEnd | EndToLE, imm: w}
		m["be"+n] = confForm{kind: confUnary, op: ClassALU | ALUEnd | EndToBE, imm: w}
		m["bswap"+n] = confForm{kind: confUnary, op: OpBswap, imm: w}
		m["swap"+n] = confForm{kind: confUnary, op: OpBswap, imm: w}
	}
	for size, sfx := range sizeSuffix {
		m["ldx"+sfx] = confForm{kind: confLoad, op: ClassLDX | ModeMEM | size}
		if size != SizeDW {
			m["ldxs"+sfx] = confForm{kind: confLoad, op: ClassLDX | ModeMEMSX | size}
		}
		m["st"+sfx] = confForm{kind: confStore, op: ClassST | ModeMEM | size}
		m["stx"+sfx] = confForm{kind: confStoreX, op: ClassSTX | ModeMEM | size}
		m["ldabs"+sfx] = confForm{kind: confLdAbs, op: ClassLD | ModeABS | size}
		m["ldind"+sfx] = confForm{kind: confLdInd, op: ClassLD | ModeIND | size}
	}
	for i, name := range confJumpNames {
		if name == "" {
			continue
		}
		m[name] = confForm{kind: confJump, op: ClassJMP | OpCode(i<<4)}
		m[name+"32"] = confForm{kind: confJump, op: ClassJMP32 | OpCode(i<<4)}
	}
	return m
}

func confRegName(r Register) string { return "%r" + strconv.Itoa(int(r)) }

func confMemText(r Register, off int16) string {
	switch {
	case off == 0:
		return "[" + confRegName(r) + "]"
	case off < 0:
		return "[" + confRegName(r) + strconv.Itoa(int(off)) + "]"
	}
	return "[" + confRegName(r) + "+" + strconv.Itoa(int(off)) + "]"
}

// formatConformance prints what the opcode means. It may drop fields the
// opcode does not use: FormatInstruction catches that by reassembling.
func formatConformance(ins Instruction, next *Instruction) (string, int, bool) {
	op := ins.OpCode
	dst, src := confRegName(ins.Dst), confRegName(ins.Src)
	imm := strconv.Itoa(int(ins.Imm))
	switch op.Class() {
	case ClassALU, ClassALU64:
		sfx := ""
		if op.Class() == ClassALU {
			sfx = "32"
		}
		switch op.ALUOp() {
		case ALUNeg:
			return "neg" + sfx + " " + dst, 1, true
		case ALUEnd:
			name := map[OpCode]string{ClassALU | ALUEnd | EndToLE: "le", ClassALU | ALUEnd | EndToBE: "be", OpBswap: "bswap"}[op]
			return name + imm + " " + dst, 1, name != ""
		}
		name := confALUNames[op.ALUOp()>>4]
		if name == "" {
			return "", 0, false
		}
		switch {
		case (op.ALUOp() == ALUDiv || op.ALUOp() == ALUMod) && ins.Offset == 1:
			name = "s" + name
		case op.ALUOp() == ALUMov && ins.Offset != 0:
			name, sfx = "movsx"+strconv.Itoa(int(ins.Offset)), "64"
			if op.Class() == ClassALU {
				sfx = "32"
			}
		}
		if op.Source() == SrcX {
			return name + sfx + " " + dst + ", " + src, 1, true
		}
		return name + sfx + " " + dst + ", " + imm, 1, true
	case ClassJMP, ClassJMP32:
		switch op {
		case OpJA:
			return "ja " + fmtRel(ins.Offset), 1, true
		case OpJA32:
			return "ja32 " + fmtRel(ins.Imm), 1, true
		case OpMayGoto:
			return "may_goto " + fmtRel(ins.Offset), 1, true
		case OpCallX:
			return "call " + dst, 1, true
		case OpExit:
			return "exit", 1, true
		case OpCall:
			switch ins.Src {
			case CallHelper:
				return "call " + imm, 1, true
			case CallLocal:
				return "call local " + fmtRel(ins.Imm), 1, true
			case CallKfunc:
				if ins.Offset != 0 {
					return "call runtime " + imm + ", " + strconv.Itoa(int(ins.Offset)), 1, true
				}
				return "call runtime " + imm, 1, true
			}
			return "", 0, false
		}
		name := confJumpNames[op.JumpOp()>>4]
		if name == "" {
			return "", 0, false
		}
		if op.Class() == ClassJMP32 {
			name += "32"
		}
		operand := imm
		if op.Source() == SrcX {
			operand = src
		}
		return name + " " + dst + ", " + operand + ", " + fmtRel(ins.Offset), 1, true
	case ClassLD:
		switch op.Mode() {
		case ModeIMM:
			if op != OpLoadImm64 || next == nil {
				return "", 0, false
			}
			if ins.Src == PseudoNone {
				return fmt.Sprintf("lddw %s, %#x", dst, Imm64(ins, *next)), 2, true
			}
			if int(ins.Src) >= len(pseudoNames) {
				return "", 0, false
			}
			low := imm
			if ins.Src == PseudoFunc {
				low = fmtRel(ins.Imm)
			}
			text := "lddw " + dst + ", " + pseudoNames[ins.Src] + " " + low
			if next.Imm != 0 {
				text += " " + strconv.Itoa(int(next.Imm))
			}
			return text, 2, true
		case ModeABS:
			return "ldabs" + sizeSuffix[op.Size()] + " " + imm, 1, true
		case ModeIND:
			return "ldind" + sizeSuffix[op.Size()] + " " + src + ", " + imm, 1, true
		}
	case ClassLDX:
		switch op.Mode() {
		case ModeMEM:
			return "ldx" + sizeSuffix[op.Size()] + " " + dst + ", " + confMemText(ins.Src, ins.Offset), 1, true
		case ModeMEMSX:
			return "ldxs" + sizeSuffix[op.Size()] + " " + dst + ", " + confMemText(ins.Src, ins.Offset), 1, true
		}
	case ClassST:
		if op.Mode() == ModeMEM {
			return "st" + sizeSuffix[op.Size()] + " " + confMemText(ins.Dst, ins.Offset) + ", " + imm, 1, true
		}
	case ClassSTX:
		switch op.Mode() {
		case ModeMEM:
			return "stx" + sizeSuffix[op.Size()] + " " + confMemText(ins.Dst, ins.Offset) + ", " + src, 1, true
		case ModeATOMIC:
			var name string
			for n, v := range atomicOps {
				if v&^AtomicFetch == ins.Imm&^AtomicFetch {
					name = n
				}
			}
			switch {
			case name == "":
				return "", 0, false
			case ins.Imm&AtomicFetch != 0 && name != "xchg" && name != "cmpxchg":
				name = "fetch " + name
			}
			if op.Size() == SizeW {
				name += "32"
			}
			return "lock " + name + " " + confMemText(ins.Dst, ins.Offset) + ", " + src, 1, true
		}
	}
	return "", 0, false
}
