package amd64

import (
	"encoding/hex"
	"fmt"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// Golden encodings, checked by hand against the Intel manual.
func TestEncodeGolden(t *testing.T) {
	cases := []struct {
		emit func(a *Asm)
		want string
	}{
		{func(a *Asm) { a.ALU(ADD, W64, RAX, RCX) }, "4801c8"},
		{func(a *Asm) { a.ALU(SUB, W32, R9, R10) }, "4529d1"},
		{func(a *Asm) { a.ALUImm(CMP, W64, R13, 1) }, "4983fd01"},
		{func(a *Asm) { a.ALUImm(AND, W32, RDI, 0x12345) }, "81e745230100"},
		{func(a *Asm) { a.Load(W64, R12, At(RSP, 8)) }, "4c8b642408"},
		{func(a *Asm) { a.Load(W32, RAX, At(R13, 0)) }, "418b4500"},
		{func(a *Asm) { a.Load(W64, RAX, At(R12, 0)) }, "498b0424"},
		{func(a *Asm) { a.LockXadd(W64, At(RDI, 8), RAX) }, "f0480fc14708"},
		{func(a *Asm) { a.Bswap(W64, R15) }, "490fcf"},
		{func(a *Asm) { a.Movzx(W8, RAX, RSI) }, "400fb6c6"},
		{func(a *Asm) { a.Store(W8, At(RBP, -8), RSI) }, "408875f8"},
		{func(a *Asm) { a.ShiftImm(ROL, W16, RAX, 8) }, "66c1c008"},
		{func(a *Asm) { a.MovImm(RAX, 0x1122334455667788) }, "48b88877665544332211"},
		{func(a *Asm) { a.MovImm(R9, 0xffffffffffffffff) }, "49c7c1ffffffff"},
		{func(a *Asm) { a.MovImm(R10, 7) }, "41ba07000000"},
		{func(a *Asm) { a.MovImm(RBX, 0) }, "31db"},
		{func(a *Asm) { a.Jcc(CondE) }, "0f8400000000"},
		{func(a *Asm) { a.Push(R12) }, "4154"},
		{func(a *Asm) { a.Pop(RBX) }, "5b"},
		{func(a *Asm) { a.SignExtendAX(W64) }, "4899"},
		{func(a *Asm) { a.Div(W64, R11) }, "49f7f3"},
		{func(a *Asm) { a.Idiv(W32, RCX) }, "f7f9"},
		{func(a *Asm) { a.Load(W8, RAX, Mem{Base: RDI, Index: R13, Scale: 4, Disp: 0x100}) }, "420fb684af00010000"},
		{func(a *Asm) { a.StoreImm(W64, At(RBP, -16), -1) }, "48c745f0ffffffff"},
		{func(a *Asm) { a.Bsr(W64, R10, R10) }, "4d0fbdd2"},
		{func(a *Asm) { a.Bt(W64, RDX, R10) }, "4c0fa3d2"},
		{func(a *Asm) { a.Cmov(CondA, W32, RDI, R11) }, "410f47fb"},
		{func(a *Asm) { a.ALU(SBB, W64, R10, R10) }, "4d19d2"},
		{func(a *Asm) { a.Load(W64, RAX, Mem{Base: RAX, Index: R10, Scale: 1}) }, "4a8b0410"},
	}
	for _, c := range cases {
		var a Asm
		c.emit(&a)
		if got := hex.EncodeToString(a.Buf); got != c.want {
			t.Errorf("got %s, want %s (%s)", got, c.want, disasm(a.Buf))
		}
	}
}

func disasm(b []byte) string {
	inst, err := x86asm.Decode(b, 64)
	if err != nil {
		return err.Error()
	}
	return x86asm.IntelSyntax(inst, 0, nil)
}

// xreg is the decoder's name for r at width w.
func xreg(r Reg, w Width) x86asm.Reg {
	switch w {
	case W8:
		switch {
		case r < 4:
			return x86asm.AL + x86asm.Reg(r)
		case r < 8:
			return x86asm.SPB + x86asm.Reg(r-4)
		}
		return x86asm.R8B + x86asm.Reg(r-8)
	case W16:
		return x86asm.AX + x86asm.Reg(r)
	case W32:
		return x86asm.EAX + x86asm.Reg(r)
	}
	return x86asm.RAX + x86asm.Reg(r)
}

func xmem(m Mem) x86asm.Mem {
	x := x86asm.Mem{Base: xreg(m.Base, W64), Disp: int64(m.Disp)}
	if m.Scale != 0 {
		x.Index, x.Scale = xreg(m.Index, W64), m.Scale
	}
	return x
}

type want struct {
	op   x86asm.Op
	args []x86asm.Arg
	pfx  x86asm.Prefix // a prefix that must be present (lock)
}

// roundTrip decodes b and compares it with w.
func roundTrip(t *testing.T, name string, b []byte, w want) {
	t.Helper()
	inst, err := x86asm.Decode(b, 64)
	if err != nil {
		t.Errorf("%s: % x: %v", name, b, err)
		return
	}
	if inst.Len != len(b) {
		t.Errorf("%s: % x: decoded %d of %d bytes", name, b, inst.Len, len(b))
		return
	}
	if inst.Op != w.op {
		t.Errorf("%s: % x: op %v, want %v", name, b, inst.Op, w.op)
		return
	}
	for i, arg := range w.args {
		got := inst.Args[i]
		if m, ok := got.(x86asm.Mem); ok {
			m.Segment = 0
			if m.Index == 0 {
				m.Scale = 0 // a SIB byte without index decodes with scale 1
			}
			got = m
		}
		if fmt.Sprint(got) != fmt.Sprint(arg) {
			t.Errorf("%s: % x: arg %d is %v, want %v (%s)", name, b, i, got, arg, x86asm.IntelSyntax(inst, 0, nil))
		}
	}
	if w.pfx != 0 {
		found := false
		for _, p := range inst.Prefix {
			if p&0xff == w.pfx {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: % x: missing prefix %v", name, b, w.pfx)
		}
	}
}

var allRegs = func() []Reg {
	r := make([]Reg, 16)
	for i := range r {
		r[i] = Reg(i)
	}
	return r
}()

// Memory operands covering every base, SIB forms and displacement sizes.
func mems() []Mem {
	var ms []Mem
	for _, b := range allRegs {
		for _, d := range []int32{0, 8, -128, 0x1000, -0x80000000} {
			ms = append(ms, Mem{Base: b, Disp: d})
		}
		for _, ix := range []Reg{RAX, R13, RBP, R12} {
			for _, s := range []uint8{1, 2, 4, 8} {
				ms = append(ms, Mem{Base: b, Index: ix, Scale: s, Disp: 24})
			}
		}
	}
	return ms
}

func emitted(f func(a *Asm)) []byte {
	var a Asm
	f(&a)
	return a.Buf
}

func TestRoundTripRegisterForms(t *testing.T) {
	aluOps := map[ALUOp]x86asm.Op{ADD: x86asm.ADD, OR: x86asm.OR, AND: x86asm.AND, SUB: x86asm.SUB, XOR: x86asm.XOR, CMP: x86asm.CMP}
	shifts := map[ShiftOp]x86asm.Op{ROL: x86asm.ROL, SHL: x86asm.SHL, SHR: x86asm.SHR, SAR: x86asm.SAR}
	for _, w := range []Width{W32, W64} {
		for _, d := range allRegs {
			for _, s := range allRegs {
				for op, xop := range aluOps {
					roundTrip(t, "alu", emitted(func(a *Asm) { a.ALU(op, w, d, s) }), want{op: xop, args: []x86asm.Arg{xreg(d, w), xreg(s, w)}})
				}
				roundTrip(t, "mov", emitted(func(a *Asm) { a.Mov(w, d, s) }), want{op: x86asm.MOV, args: []x86asm.Arg{xreg(d, w), xreg(s, w)}})
				roundTrip(t, "test", emitted(func(a *Asm) { a.Test(w, d, s) }), want{op: x86asm.TEST, args: []x86asm.Arg{xreg(d, w), xreg(s, w)}})
				roundTrip(t, "imul", emitted(func(a *Asm) { a.Imul(w, d, s) }), want{op: x86asm.IMUL, args: []x86asm.Arg{xreg(d, w), xreg(s, w)}})
				roundTrip(t, "imul3", emitted(func(a *Asm) { a.ImulImm(w, d, s, 1000) }), want{op: x86asm.IMUL, args: []x86asm.Arg{xreg(d, w), xreg(s, w), x86asm.Imm(1000)}})
				roundTrip(t, "movzx8", emitted(func(a *Asm) { a.Movzx(W8, d, s) }), want{op: x86asm.MOVZX, args: []x86asm.Arg{xreg(d, W32), xreg(s, W8)}})
				roundTrip(t, "movzx16", emitted(func(a *Asm) { a.Movzx(W16, d, s) }), want{op: x86asm.MOVZX, args: []x86asm.Arg{xreg(d, W32), xreg(s, W16)}})
				roundTrip(t, "movsx8", emitted(func(a *Asm) { a.Movsx(w, W8, d, s) }), want{op: x86asm.MOVSX, args: []x86asm.Arg{xreg(d, w), xreg(s, W8)}})
				roundTrip(t, "movsx16", emitted(func(a *Asm) { a.Movsx(w, W16, d, s) }), want{op: x86asm.MOVSX, args: []x86asm.Arg{xreg(d, w), xreg(s, W16)}})
				roundTrip(t, "movsxd", emitted(func(a *Asm) { a.Movsx(W64, W32, d, s) }), want{op: x86asm.MOVSXD, args: []x86asm.Arg{xreg(d, W64), xreg(s, W32)}})
			}
			for op, xop := range aluOps {
				for _, imm := range []int32{1, -1, 127, -128, 128, 0x7fffffff, -0x80000000} {
					roundTrip(t, "aluimm", emitted(func(a *Asm) { a.ALUImm(op, w, d, imm) }), want{op: xop, args: []x86asm.Arg{xreg(d, w), x86asm.Imm(imm)}})
				}
			}
			for op, xop := range shifts {
				roundTrip(t, "shiftcl", emitted(func(a *Asm) { a.ShiftCL(op, w, d) }), want{op: xop, args: []x86asm.Arg{xreg(d, w), x86asm.CL}})
				roundTrip(t, "shiftimm", emitted(func(a *Asm) { a.ShiftImm(op, w, d, 13) }), want{op: xop, args: []x86asm.Arg{xreg(d, w), x86asm.Imm(13)}})
			}
			roundTrip(t, "testimm", emitted(func(a *Asm) { a.TestImm(w, d, -5) }), want{op: x86asm.TEST, args: []x86asm.Arg{xreg(d, w), x86asm.Imm(-5)}})
			roundTrip(t, "div", emitted(func(a *Asm) { a.Div(w, d) }), want{op: x86asm.DIV, args: []x86asm.Arg{xreg(d, w)}})
			roundTrip(t, "idiv", emitted(func(a *Asm) { a.Idiv(w, d) }), want{op: x86asm.IDIV, args: []x86asm.Arg{xreg(d, w)}})
			roundTrip(t, "neg", emitted(func(a *Asm) { a.Neg(w, d) }), want{op: x86asm.NEG, args: []x86asm.Arg{xreg(d, w)}})
			roundTrip(t, "bswap", emitted(func(a *Asm) { a.Bswap(w, d) }), want{op: x86asm.BSWAP, args: []x86asm.Arg{xreg(d, w)}})
		}
	}
	for _, d := range allRegs {
		roundTrip(t, "rol16", emitted(func(a *Asm) { a.ShiftImm(ROL, W16, d, 8) }), want{op: x86asm.ROL, args: []x86asm.Arg{xreg(d, W16), x86asm.Imm(8)}})
		roundTrip(t, "push", emitted(func(a *Asm) { a.Push(d) }), want{op: x86asm.PUSH, args: []x86asm.Arg{xreg(d, W64)}})
		roundTrip(t, "pop", emitted(func(a *Asm) { a.Pop(d) }), want{op: x86asm.POP, args: []x86asm.Arg{xreg(d, W64)}})
		for _, v := range []uint64{0, 1, 0xffffffff, 0xffffffffffffffff, 0x8000000000000000, 0x123456789} {
			b := emitted(func(a *Asm) { a.MovImm(d, v) })
			inst, err := x86asm.Decode(b, 64)
			if err != nil || inst.Len != len(b) {
				t.Errorf("movimm % x: %v", b, err)
				continue
			}
			if v == 0 {
				roundTrip(t, "movimm0", b, want{op: x86asm.XOR, args: []x86asm.Arg{xreg(d, W32), xreg(d, W32)}})
				continue
			}
			imm, _ := inst.Args[1].(x86asm.Imm)
			got := uint64(imm)
			if r := inst.Args[0].(x86asm.Reg); r >= x86asm.EAX && r <= x86asm.R15L {
				got = uint64(uint32(got))
			}
			if got != v {
				t.Errorf("movimm % x: loads %#x, want %#x", b, got, v)
			}
		}
	}
}

func TestRoundTripMemoryForms(t *testing.T) {
	for _, m := range mems() {
		for _, r := range allRegs {
			xm := xmem(m)
			for _, w := range []Width{W8, W16, W32, W64} {
				op := x86asm.MOV
				dw := w
				if w < W32 {
					op, dw = x86asm.MOVZX, W32
				}
				roundTrip(t, "load", emitted(func(a *Asm) { a.Load(w, r, m) }), want{op: op, args: []x86asm.Arg{xreg(r, dw), xm}})
				roundTrip(t, "store", emitted(func(a *Asm) { a.Store(w, m, r) }), want{op: x86asm.MOV, args: []x86asm.Arg{xm, xreg(r, w)}})
			}
			for _, w := range []Width{W8, W16, W32} {
				op := x86asm.MOVSX
				if w == W32 {
					op = x86asm.MOVSXD
				}
				roundTrip(t, "loadsx", emitted(func(a *Asm) { a.LoadSX(w, r, m) }), want{op: op, args: []x86asm.Arg{xreg(r, W64), xm}})
			}
			roundTrip(t, "lea", emitted(func(a *Asm) { a.Lea(r, m) }), want{op: x86asm.LEA, args: []x86asm.Arg{xreg(r, W64), xm}})
			for _, w := range []Width{W32, W64} {
				roundTrip(t, "xadd", emitted(func(a *Asm) { a.LockXadd(w, m, r) }), want{op: x86asm.XADD, args: []x86asm.Arg{xm, xreg(r, w)}, pfx: x86asm.PrefixLOCK})
				roundTrip(t, "xchg", emitted(func(a *Asm) { a.Xchg(w, m, r) }), want{op: x86asm.XCHG, args: []x86asm.Arg{xm, xreg(r, w)}})
				roundTrip(t, "cmpxchg", emitted(func(a *Asm) { a.LockCmpxchg(w, m, r) }), want{op: x86asm.CMPXCHG, args: []x86asm.Arg{xm, xreg(r, w)}, pfx: x86asm.PrefixLOCK})
				for op, xop := range map[ALUOp]x86asm.Op{ADD: x86asm.ADD, OR: x86asm.OR, AND: x86asm.AND, XOR: x86asm.XOR} {
					roundTrip(t, "lockalu", emitted(func(a *Asm) { a.LockALU(op, w, m, r) }), want{op: xop, args: []x86asm.Arg{xm, xreg(r, w)}, pfx: x86asm.PrefixLOCK})
				}
				roundTrip(t, "aluload", emitted(func(a *Asm) { a.ALULoad(CMP, w, r, m) }), want{op: x86asm.CMP, args: []x86asm.Arg{xreg(r, w), xm}})
			}
		}
		for _, w := range []Width{W8, W16, W32, W64} {
			imm := int32(-2)
			xi := x86asm.Imm(imm) // the decoder shows byte immediates unsigned
			if w == W8 {
				xi = x86asm.Imm(uint64(uint32(imm)) & (1<<w - 1))
			}
			roundTrip(t, "storeimm", emitted(func(a *Asm) { a.StoreImm(w, m, imm) }), want{op: x86asm.MOV, args: []x86asm.Arg{xmem(m), xi}})
		}
		for _, w := range []Width{W32, W64} {
			roundTrip(t, "alumemimm", emitted(func(a *Asm) { a.ALUMemImm(SUB, w, m, 300) }), want{op: x86asm.SUB, args: []x86asm.Arg{xmem(m), x86asm.Imm(300)}})
		}
	}
}

func TestJumps(t *testing.T) {
	var a Asm
	j := a.Jcc(CondL)
	a.Ret()
	c := a.Call()
	a.Ret()
	a.Patch(j, 0)
	a.Patch(c, a.Len())
	inst, err := x86asm.Decode(a.Buf, 64)
	if err != nil || inst.Op != x86asm.JL || inst.Args[0] != x86asm.Rel(-6) {
		t.Errorf("jl: %v %v", inst, err)
	}
	inst, err = x86asm.Decode(a.Buf[7:], 64)
	if err != nil || inst.Op != x86asm.CALL || inst.Args[0] != x86asm.Rel(1) {
		t.Errorf("call: %v %v", inst, err)
	}
	var b Asm
	s := b.JccShort(CondNE)
	b.Ud2()
	if !b.PatchShort(s, b.Len()) || hex.EncodeToString(b.Buf) != "75020f0b" {
		t.Errorf("short jump: % x", b.Buf)
	}
	if b.PatchShort(s, 1000) {
		t.Error("out-of-range short jump accepted")
	}
	var l Asm
	off := l.LeaRIP(R11)
	l.Patch(off, 0)
	inst, err = x86asm.Decode(l.Buf, 64)
	if err != nil || inst.Op != x86asm.LEA || inst.Args[1].(x86asm.Mem).Disp != -7 {
		t.Errorf("lea rip: %v %v", inst, err)
	}
}
