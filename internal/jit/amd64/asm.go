// Package amd64 turns eBPF programs into x86-64 machine code: a small
// encoder for the few dozen instruction forms the JIT needs, the compiler,
// the layout of the block native code shares with Go, and the trampoline
// that enters native code.
package amd64

import "encoding/binary"

// Reg is an x86-64 general-purpose register, numbered as in the encoding.
type Reg uint8

const (
	RAX Reg = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

// Width is an operand size in bits.
type Width uint8

const (
	W8  Width = 8
	W16 Width = 16
	W32 Width = 32
	W64 Width = 64
)

// Mem is a memory operand [Base + Index*Scale + Disp]. Index is used only
// when Scale is not zero; RSP cannot be an index.
type Mem struct {
	Base  Reg
	Index Reg
	Scale uint8 // 0 (no index), 1, 2, 4 or 8
	Disp  int32
}

// At is the common [base + disp] operand.
func At(base Reg, disp int32) Mem { return Mem{Base: base, Disp: disp} }

// Cond is a condition code, as in the low nibble of Jcc.
type Cond uint8

const (
	CondO  Cond = 0x0
	CondB  Cond = 0x2 // unsigned <
	CondAE Cond = 0x3 // unsigned >=
	CondE  Cond = 0x4
	CondNE Cond = 0x5
	CondBE Cond = 0x6 // unsigned <=
	CondA  Cond = 0x7 // unsigned >
	CondL  Cond = 0xc // signed <
	CondGE Cond = 0xd // signed >=
	CondLE Cond = 0xe // signed <=
	CondG  Cond = 0xf // signed >
)

// ALU operations with the /digit of their 0x81 form; the register form's
// opcode is digit*8+1.
type ALUOp uint8

const (
	ADD ALUOp = 0
	OR  ALUOp = 1
	SBB ALUOp = 3
	AND ALUOp = 4
	SUB ALUOp = 5
	XOR ALUOp = 6
	CMP ALUOp = 7
)

// ShiftOp is the /digit of the shift group (0xc1, 0xd3).
type ShiftOp uint8

const (
	ROL ShiftOp = 0
	SHL ShiftOp = 4
	SHR ShiftOp = 5
	SAR ShiftOp = 7
)

// Asm accumulates machine code.
type Asm struct {
	Buf []byte
	// NoLock leaves out the lock prefix of LockXadd, LockCmpxchg and
	// LockALU: for code no other thread runs at the same time.
	NoLock bool
}

func (a *Asm) lock() {
	if !a.NoLock {
		a.byte1(0xf0)
	}
}

// Len is the current offset.
func (a *Asm) Len() int { return len(a.Buf) }

func (a *Asm) byte1(b ...byte) { a.Buf = append(a.Buf, b...) }

func (a *Asm) imm32(v int32) { a.Buf = binary.LittleEndian.AppendUint32(a.Buf, uint32(v)) }

func (a *Asm) imm16(v int16) { a.Buf = binary.LittleEndian.AppendUint16(a.Buf, uint16(v)) }

func fits8(v int32) bool { return v >= -128 && v <= 127 }

// rex emits a REX prefix when one is needed: a 64-bit operand, an extended
// register, or (force) a byte access to SPL/BPL/SIL/DIL.
func (a *Asm) rex(w bool, r, x, b Reg, force bool) {
	v := byte(0x40)
	if w {
		v |= 8
	}
	if r >= 8 {
		v |= 4
	}
	if x >= 8 {
		v |= 2
	}
	if b >= 8 {
		v |= 1
	}
	if v != 0x40 || force {
		a.byte1(v)
	}
}

// byteReg reports whether r needs a REX prefix to be addressed as a byte.
func byteReg(r Reg) bool { return r >= RSP && r <= RDI }

// opRR emits prefix-free opcode bytes with ModRM reg=reg, rm=rm (registers).
func (a *Asm) opRR(w Width, op []byte, reg, rm Reg) {
	if w == W16 {
		a.byte1(0x66)
	}
	a.rex(w == W64, reg, 0, rm, w == W8 && (byteReg(reg) || byteReg(rm)))
	a.byte1(op...)
	a.byte1(0xc0 | byte(reg&7)<<3 | byte(rm&7))
}

// opRM emits opcode bytes with ModRM reg=reg and a memory rm operand.
// byteRegField says reg is used as a byte register (needs REX for 4-7).
func (a *Asm) opRM(w Width, op []byte, reg Reg, m Mem, byteRegField bool) {
	if w == W16 {
		a.byte1(0x66)
	}
	idx := Reg(0)
	if m.Scale != 0 {
		idx = m.Index
	}
	a.rex(w == W64, reg, idx, m.Base, byteRegField && byteReg(reg))
	a.byte1(op...)
	a.modrmMem(byte(reg&7), m)
}

func (a *Asm) modrmMem(reg byte, m Mem) {
	var mod byte
	switch {
	case m.Disp == 0 && m.Base&7 != RBP:
		mod = 0
	case fits8(m.Disp):
		mod = 1
	default:
		mod = 2
	}
	if m.Scale != 0 || m.Base&7 == RSP {
		a.byte1(mod<<6 | reg<<3 | 4)
		idx := byte(4) // none
		var ss byte
		if m.Scale != 0 {
			idx = byte(m.Index & 7)
			switch m.Scale {
			case 2:
				ss = 1
			case 4:
				ss = 2
			case 8:
				ss = 3
			}
		}
		a.byte1(ss<<6 | idx<<3 | byte(m.Base&7))
	} else {
		a.byte1(mod<<6 | reg<<3 | byte(m.Base&7))
	}
	switch mod {
	case 1:
		a.byte1(byte(int8(m.Disp)))
	case 2:
		a.imm32(m.Disp)
	}
}

// ALU emits op dst, src (add, or, and, sub, xor, cmp) on registers.
func (a *Asm) ALU(op ALUOp, w Width, dst, src Reg) {
	a.opRR(w, []byte{byte(op)<<3 | 1}, src, dst)
}

// ALUImm emits op dst, imm (64-bit forms sign-extend imm).
func (a *Asm) ALUImm(op ALUOp, w Width, dst Reg, imm int32) {
	if fits8(imm) {
		a.opRR(w, []byte{0x83}, Reg(op), dst)
		a.byte1(byte(int8(imm)))
		return
	}
	a.opRR(w, []byte{0x81}, Reg(op), dst)
	a.imm32(imm)
}

// ALUMem emits op [m], imm for 32/64-bit operands (sign-extended imm).
func (a *Asm) ALUMemImm(op ALUOp, w Width, m Mem, imm int32) {
	if fits8(imm) {
		a.opRM(w, []byte{0x83}, Reg(op), m, false)
		a.byte1(byte(int8(imm)))
		return
	}
	a.opRM(w, []byte{0x81}, Reg(op), m, false)
	a.imm32(imm)
}

// ALULoad emits op dst, [m] (add, sub, cmp, ... with a memory source).
func (a *Asm) ALULoad(op ALUOp, w Width, dst Reg, m Mem) {
	a.opRM(w, []byte{byte(op)<<3 | 3}, dst, m, false)
}

// Test emits test a, b.
func (a *Asm) Test(w Width, x, y Reg) { a.opRR(w, []byte{0x85}, y, x) }

// TestImm emits test r, imm (the 64-bit form sign-extends imm).
func (a *Asm) TestImm(w Width, r Reg, imm int32) {
	a.opRR(w, []byte{0xf7}, 0, r)
	a.imm32(imm)
}

// Mov emits mov dst, src. A 32-bit move zero-extends into the full register.
func (a *Asm) Mov(w Width, dst, src Reg) { a.opRR(w, []byte{0x89}, src, dst) }

// MovImm loads a constant with the shortest form: xor for zero, a 32-bit
// move for values that zero-extend, a sign-extended imm32, else movabs.
func (a *Asm) MovImm(dst Reg, v uint64) {
	switch {
	case v == 0:
		a.ALU(XOR, W32, dst, dst)
	case v <= 0xffffffff:
		a.rex(false, 0, 0, dst, false)
		a.byte1(0xb8 + byte(dst&7))
		a.imm32(int32(uint32(v)))
	case int64(v) == int64(int32(v)):
		a.opRR(W64, []byte{0xc7}, 0, dst)
		a.imm32(int32(v))
	default:
		a.rex(true, 0, 0, dst, false)
		a.byte1(0xb8 + byte(dst&7))
		a.Buf = binary.LittleEndian.AppendUint64(a.Buf, v)
	}
}

// Load emits a zero-extending load of w bits into dst.
func (a *Asm) Load(w Width, dst Reg, m Mem) {
	switch w {
	case W8:
		a.opRM(W32, []byte{0x0f, 0xb6}, dst, m, false)
	case W16:
		a.opRM(W32, []byte{0x0f, 0xb7}, dst, m, false)
	case W32:
		a.opRM(W32, []byte{0x8b}, dst, m, false)
	default:
		a.opRM(W64, []byte{0x8b}, dst, m, false)
	}
}

// LoadSX emits a sign-extending load of w bits (8, 16, 32) into the 64-bit dst.
func (a *Asm) LoadSX(w Width, dst Reg, m Mem) {
	switch w {
	case W8:
		a.opRM(W64, []byte{0x0f, 0xbe}, dst, m, false)
	case W16:
		a.opRM(W64, []byte{0x0f, 0xbf}, dst, m, false)
	default:
		a.opRM(W64, []byte{0x63}, dst, m, false)
	}
}

// Store emits mov [m], src with w bits.
func (a *Asm) Store(w Width, m Mem, src Reg) {
	if w == W8 {
		a.opRM(W8, []byte{0x88}, src, m, true)
		return
	}
	a.opRM(w, []byte{0x89}, src, m, false)
}

// StoreImm emits mov [m], imm with w bits (the 64-bit form sign-extends).
func (a *Asm) StoreImm(w Width, m Mem, imm int32) {
	switch w {
	case W8:
		a.opRM(W8, []byte{0xc6}, 0, m, false)
		a.byte1(byte(imm))
	case W16:
		a.opRM(W16, []byte{0xc7}, 0, m, false)
		a.imm16(int16(imm))
	default:
		a.opRM(w, []byte{0xc7}, 0, m, false)
		a.imm32(imm)
	}
}

// Lea emits lea dst, [m].
func (a *Asm) Lea(dst Reg, m Mem) { a.opRM(W64, []byte{0x8d}, dst, m, false) }

// Imul emits imul dst, src.
func (a *Asm) Imul(w Width, dst, src Reg) { a.opRR(w, []byte{0x0f, 0xaf}, dst, src) }

// ImulImm emits imul dst, src, imm.
func (a *Asm) ImulImm(w Width, dst, src Reg, imm int32) {
	if fits8(imm) {
		a.opRR(w, []byte{0x6b}, dst, src)
		a.byte1(byte(int8(imm)))
		return
	}
	a.opRR(w, []byte{0x69}, dst, src)
	a.imm32(imm)
}

// Div emits div r (unsigned rdx:rax / r).
func (a *Asm) Div(w Width, r Reg) { a.opRR(w, []byte{0xf7}, 6, r) }

// Idiv emits idiv r (signed rdx:rax / r).
func (a *Asm) Idiv(w Width, r Reg) { a.opRR(w, []byte{0xf7}, 7, r) }

// Neg emits neg r.
func (a *Asm) Neg(w Width, r Reg) { a.opRR(w, []byte{0xf7}, 3, r) }

// SignExtendAX emits cdq (32) or cqo (64), filling rdx with rax's sign.
func (a *Asm) SignExtendAX(w Width) {
	if w == W64 {
		a.byte1(0x48)
	}
	a.byte1(0x99)
}

// ShiftCL emits op r, cl.
func (a *Asm) ShiftCL(op ShiftOp, w Width, r Reg) { a.opRR(w, []byte{0xd3}, Reg(op), r) }

// ShiftImm emits op r, imm8.
func (a *Asm) ShiftImm(op ShiftOp, w Width, r Reg, n uint8) {
	a.opRR(w, []byte{0xc1}, Reg(op), r)
	a.byte1(n)
}

// Bswap emits bswap r (32 or 64 bits).
func (a *Asm) Bswap(w Width, r Reg) {
	a.rex(w == W64, 0, 0, r, false)
	a.byte1(0x0f, 0xc8+byte(r&7))
}

// Bsr emits bsr dst, src: the index of src's highest set bit; ZF is set
// (and dst undefined) when src is 0.
func (a *Asm) Bsr(w Width, dst, src Reg) { a.opRR(w, []byte{0x0f, 0xbd}, dst, src) }

// Bt emits bt r, bit: CF = bit (bit mod the width) of r.
func (a *Asm) Bt(w Width, r, bit Reg) { a.opRR(w, []byte{0x0f, 0xa3}, bit, r) }

// Cmov emits cmovcc dst, src.
func (a *Asm) Cmov(c Cond, w Width, dst, src Reg) { a.opRR(w, []byte{0x0f, 0x40 | byte(c)}, dst, src) }

// Movzx emits movzx dst32, src8/src16 (w is the source width).
func (a *Asm) Movzx(w Width, dst, src Reg) {
	if w == W8 {
		a.rex(false, dst, 0, src, byteReg(src))
		a.byte1(0x0f, 0xb6, 0xc0|byte(dst&7)<<3|byte(src&7))
		return
	}
	a.opRR(W32, []byte{0x0f, 0xb7}, dst, src)
}

// Movsx emits a sign extension of the low from bits of src into dst of
// width to (32 or 64); from is 8, 16 or 32 (32 needs to = 64: movsxd).
func (a *Asm) Movsx(to, from Width, dst, src Reg) {
	switch from {
	case W8:
		a.rex(to == W64, dst, 0, src, byteReg(src))
		a.byte1(0x0f, 0xbe, 0xc0|byte(dst&7)<<3|byte(src&7))
	case W16:
		a.opRR(to, []byte{0x0f, 0xbf}, dst, src)
	default:
		a.opRR(W64, []byte{0x63}, dst, src)
	}
}

// LockXadd emits lock xadd [m], r.
func (a *Asm) LockXadd(w Width, m Mem, r Reg) {
	a.lock()
	a.opRM(w, []byte{0x0f, 0xc1}, r, m, false)
}

// Xchg emits xchg [m], r (implicitly locked).
func (a *Asm) Xchg(w Width, m Mem, r Reg) { a.opRM(w, []byte{0x87}, r, m, false) }

// LockCmpxchg emits lock cmpxchg [m], r (compares with rax).
func (a *Asm) LockCmpxchg(w Width, m Mem, r Reg) {
	a.lock()
	a.opRM(w, []byte{0x0f, 0xb1}, r, m, false)
}

// LockALU emits lock op [m], r for add, or, and, xor.
func (a *Asm) LockALU(op ALUOp, w Width, m Mem, r Reg) {
	a.lock()
	a.opRM(w, []byte{byte(op)<<3 | 1}, r, m, false)
}

// Push emits push r.
func (a *Asm) Push(r Reg) {
	a.rex(false, 0, 0, r, false)
	a.byte1(0x50 + byte(r&7))
}

// Pop emits pop r.
func (a *Asm) Pop(r Reg) {
	a.rex(false, 0, 0, r, false)
	a.byte1(0x58 + byte(r&7))
}

// Ret emits ret.
func (a *Asm) Ret() { a.byte1(0xc3) }

// JmpReg emits jmp r.
func (a *Asm) JmpReg(r Reg) {
	a.rex(false, 0, 0, r, false)
	a.byte1(0xff, 0xe0|byte(r&7))
}

// CallReg emits call r.
func (a *Asm) CallReg(r Reg) {
	a.rex(false, 0, 0, r, false)
	a.byte1(0xff, 0xd0|byte(r&7))
}

// Ud2 emits ud2, a guaranteed trap for paths that must never run.
func (a *Asm) Ud2() { a.byte1(0x0f, 0x0b) }

// Jcc emits a conditional jump with a 32-bit displacement to be patched;
// it returns the offset of the displacement.
func (a *Asm) Jcc(c Cond) int {
	a.byte1(0x0f, 0x80+byte(c))
	a.imm32(0)
	return a.Len() - 4
}

// Jmp emits jmp rel32 to be patched; it returns the displacement's offset.
func (a *Asm) Jmp() int {
	a.byte1(0xe9)
	a.imm32(0)
	return a.Len() - 4
}

// Call emits call rel32 to be patched; it returns the displacement's offset.
func (a *Asm) Call() int {
	a.byte1(0xe8)
	a.imm32(0)
	return a.Len() - 4
}

// JccShort emits a conditional jump with an 8-bit displacement to be
// patched with PatchShort; it returns the displacement's offset.
func (a *Asm) JccShort(c Cond) int {
	a.byte1(0x70+byte(c), 0)
	return a.Len() - 1
}

// JmpShort emits jmp rel8 to be patched with PatchShort.
func (a *Asm) JmpShort() int {
	a.byte1(0xeb, 0)
	return a.Len() - 1
}

// Patch points the rel32 displacement at off to target.
func (a *Asm) Patch(off, target int) {
	binary.LittleEndian.PutUint32(a.Buf[off:], uint32(int32(target-(off+4))))
}

// PatchShort points the rel8 displacement at off to target; it reports
// false when target is out of range.
func (a *Asm) PatchShort(off, target int) bool {
	d := target - (off + 1)
	if d < -128 || d > 127 {
		return false
	}
	a.Buf[off] = byte(int8(d))
	return true
}

// LeaRIP emits lea dst, [rip+disp] to be patched like a rel32; it returns
// the displacement's offset.
func (a *Asm) LeaRIP(dst Reg) int {
	a.rex(true, dst, 0, 0, false)
	a.byte1(0x8d, 0x05|byte(dst&7)<<3)
	a.imm32(0)
	return a.Len() - 4
}
