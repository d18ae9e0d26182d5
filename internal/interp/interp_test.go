package interp

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/gbpf/gbpf/asm"
)

// Small builders so the tables read like assembly.
func alu64K(op asm.OpCode, dst asm.Register, imm int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU64 | op | asm.SrcK, Dst: dst, Imm: imm}
}
func alu64X(op asm.OpCode, dst, src asm.Register) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU64 | op | asm.SrcX, Dst: dst, Src: src}
}
func alu32K(op asm.OpCode, dst asm.Register, imm int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU | op | asm.SrcK, Dst: dst, Imm: imm}
}
func alu32X(op asm.OpCode, dst, src asm.Register) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU | op | asm.SrcX, Dst: dst, Src: src}
}
func withOff(ins asm.Instruction, off int16) asm.Instruction { ins.Offset = off; return ins }
func lddw(dst asm.Register, v uint64) []asm.Instruction {
	s := asm.LoadImm64(dst, v)
	return s[:]
}
func ret() asm.Instruction { return asm.Instruction{OpCode: asm.OpExit} }
func jmp(op asm.OpCode, dst asm.Register, imm int32, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassJMP | op | asm.SrcK, Dst: dst, Imm: imm, Offset: off}
}
func jmpX(op asm.OpCode, dst, src asm.Register, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassJMP | op | asm.SrcX, Dst: dst, Src: src, Offset: off}
}
func jmp32K(op asm.OpCode, dst asm.Register, imm int32, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassJMP32 | op | asm.SrcK, Dst: dst, Imm: imm, Offset: off}
}
func ldx(size asm.OpCode, dst, src asm.Register, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassLDX | asm.ModeMEM | size, Dst: dst, Src: src, Offset: off}
}
func ldxs(size asm.OpCode, dst, src asm.Register, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassLDX | asm.ModeMEMSX | size, Dst: dst, Src: src, Offset: off}
}
func stx(size asm.OpCode, dst, src asm.Register, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassSTX | asm.ModeMEM | size, Dst: dst, Src: src, Offset: off}
}
func st(size asm.OpCode, dst asm.Register, off int16, imm int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassST | asm.ModeMEM | size, Dst: dst, Offset: off, Imm: imm}
}
func atomicOp(size asm.OpCode, op int32, dst, src asm.Register, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassSTX | asm.ModeATOMIC | size, Dst: dst, Src: src, Offset: off, Imm: op}
}
func prog(parts ...any) asm.Instructions {
	var out asm.Instructions
	for _, p := range parts {
		switch v := p.(type) {
		case asm.Instruction:
			out = append(out, v)
		case []asm.Instruction:
			out = append(out, v...)
		case asm.Instructions:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("prog: unexpected %T", p))
		}
	}
	return out
}

func mustRun(t *testing.T, insns asm.Instructions, mem []byte, opts *Options) uint64 {
	t.Helper()
	p, err := New(insns, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r0, err := p.Run(mem)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r0
}

const intMin64 = uint64(1) << 63

type runCase struct {
	name  string
	insns asm.Instructions
	want  uint64
}

func runTable(t *testing.T, cases []runCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mustRun(t, c.insns, nil, nil); got != c.want {
				t.Errorf("r0 = %#x, want %#x", got, c.want)
			}
		})
	}
}

func TestALU64(t *testing.T) {
	runTable(t, []runCase{
		{"add imm", prog(alu64K(asm.ALUMov, 0, 5), alu64K(asm.ALUAdd, 0, -7), ret()), math.MaxUint64 - 1},
		{"add reg", prog(alu64K(asm.ALUMov, 0, 5), alu64K(asm.ALUMov, 1, 6), alu64X(asm.ALUAdd, 0, 1), ret()), 11},
		{"sub", prog(alu64K(asm.ALUMov, 0, 5), alu64K(asm.ALUSub, 0, 6), ret()), math.MaxUint64},
		{"mul wraps", prog(lddw(0, 1<<62), alu64K(asm.ALUMul, 0, 8), ret()), 0},
		{"div", prog(alu64K(asm.ALUMov, 0, -1), alu64K(asm.ALUDiv, 0, 2), ret()), math.MaxUint64 / 2},
		{"div by zero reg is 0", prog(alu64K(asm.ALUMov, 0, 9), alu64K(asm.ALUMov, 1, 0), alu64X(asm.ALUDiv, 0, 1), ret()), 0},
		{"mod by zero keeps dst", prog(alu64K(asm.ALUMov, 0, 9), alu64K(asm.ALUMov, 1, 0), alu64X(asm.ALUMod, 0, 1), ret()), 9},
		{"sdiv", prog(alu64K(asm.ALUMov, 0, -9), withOff(alu64K(asm.ALUDiv, 0, 2), 1), ret()), uint64(math.MaxUint64 - 3)},
		{"sdiv intmin by -1", prog(lddw(0, intMin64), withOff(alu64K(asm.ALUDiv, 0, -1), 1), ret()), intMin64},
		{"smod intmin by -1", prog(lddw(0, intMin64), withOff(alu64K(asm.ALUMod, 0, -1), 1), ret()), 0},
		{"smod sign of dividend", prog(alu64K(asm.ALUMov, 0, -7), withOff(alu64K(asm.ALUMod, 0, 3), 1), ret()), uint64(math.MaxUint64)},
		{"sdiv by zero", prog(alu64K(asm.ALUMov, 0, -7), alu64K(asm.ALUMov, 1, 0), withOff(alu64X(asm.ALUDiv, 0, 1), 1), ret()), 0},
		{"smod by zero", prog(alu64K(asm.ALUMov, 0, -7), alu64K(asm.ALUMov, 1, 0), withOff(alu64X(asm.ALUMod, 0, 1), 1), ret()), uint64(math.MaxUint64 - 6)},
		{"or and xor", prog(alu64K(asm.ALUMov, 0, 0xf0), alu64K(asm.ALUOr, 0, 0x0f), alu64K(asm.ALUAnd, 0, 0x3c), alu64K(asm.ALUXor, 0, 0xff), ret()), 0xc3},
		{"lsh masks count", prog(alu64K(asm.ALUMov, 0, 1), alu64K(asm.ALULsh, 0, 65), ret()), 2},
		{"rsh", prog(alu64K(asm.ALUMov, 0, -1), alu64K(asm.ALURsh, 0, 60), ret()), 0xf},
		{"arsh", prog(alu64K(asm.ALUMov, 0, -16), alu64K(asm.ALUArsh, 0, 2), ret()), uint64(math.MaxUint64 - 3)},
		{"arsh reg masks", prog(alu64K(asm.ALUMov, 0, -16), alu64K(asm.ALUMov, 1, 66), alu64X(asm.ALUArsh, 0, 1), ret()), uint64(math.MaxUint64 - 3)},
		{"neg", prog(alu64K(asm.ALUMov, 0, 3), alu64K(asm.ALUNeg, 0, 0), ret()), uint64(math.MaxUint64 - 2)},
		{"mov sign-extends imm", prog(alu64K(asm.ALUMov, 0, -1), ret()), math.MaxUint64},
		{"movsx8", prog(alu64K(asm.ALUMov, 1, 0x80), withOff(alu64X(asm.ALUMov, 0, 1), 8), ret()), 0xffffffffffffff80},
		{"movsx16", prog(alu64K(asm.ALUMov, 1, 0x8000), withOff(alu64X(asm.ALUMov, 0, 1), 16), ret()), 0xffffffffffff8000},
		{"movsx32", prog(lddw(1, 0x80000000), withOff(alu64X(asm.ALUMov, 0, 1), 32), ret()), 0xffffffff80000000},
		{"bswap16", prog(lddw(0, 0x1122334455667788), alu64K(asm.ALUEnd, 0, 16), ret()), 0x8877},
		{"bswap32", prog(lddw(0, 0x1122334455667788), alu64K(asm.ALUEnd, 0, 32), ret()), 0x88776655},
		{"bswap64", prog(lddw(0, 0x1122334455667788), alu64K(asm.ALUEnd, 0, 64), ret()), 0x8877665544332211},
		{"lddw", prog(lddw(0, 0xdeadbeefcafef00d), ret()), 0xdeadbeefcafef00d},
	})
}

func TestALU32(t *testing.T) {
	runTable(t, []runCase{
		{"add zero-extends", prog(alu64K(asm.ALUMov, 0, -1), alu32K(asm.ALUAdd, 0, 1), ret()), 0},
		{"mov32 zero-extends", prog(alu32K(asm.ALUMov, 0, -1), ret()), 0xffffffff},
		{"sub", prog(alu32K(asm.ALUMov, 0, 0), alu32K(asm.ALUSub, 0, 1), ret()), 0xffffffff},
		{"mul", prog(alu32K(asm.ALUMov, 0, 0x10000), alu32K(asm.ALUMul, 0, 0x10000), ret()), 0},
		{"div uses low half of src", prog(alu32K(asm.ALUMov, 0, 10), lddw(1, 1<<32), alu32X(asm.ALUDiv, 0, 1), ret()), 0},
		{"mod by zero zero-extends dst", prog(lddw(0, 0xffffffff00000007), alu64K(asm.ALUMov, 1, 0), alu32X(asm.ALUMod, 0, 1), ret()), 7},
		{"sdiv intmin by -1", prog(alu32K(asm.ALUMov, 0, math.MinInt32), withOff(alu32K(asm.ALUDiv, 0, -1), 1), ret()), 0x80000000},
		{"smod intmin by -1", prog(alu32K(asm.ALUMov, 0, math.MinInt32), withOff(alu32K(asm.ALUMod, 0, -1), 1), ret()), 0},
		{"sdiv", prog(alu32K(asm.ALUMov, 0, -9), withOff(alu32K(asm.ALUDiv, 0, 2), 1), ret()), 0xfffffffc},
		{"lsh masks count", prog(alu32K(asm.ALUMov, 0, 0x11), alu32K(asm.ALULsh, 0, 60), ret()), 0x10000000},
		{"arsh", prog(alu32K(asm.ALUMov, 0, -16), alu32K(asm.ALUArsh, 0, 2), ret()), 0xfffffffc},
		{"neg intmin", prog(alu32K(asm.ALUMov, 0, math.MinInt32), alu32K(asm.ALUNeg, 0, 0), ret()), 0x80000000},
		{"movsx8 to 32", prog(alu64K(asm.ALUMov, 1, 0x80), withOff(alu32X(asm.ALUMov, 0, 1), 8), ret()), 0xffffff80},
		{"movsx16 to 32", prog(alu64K(asm.ALUMov, 1, 0x8000), withOff(alu32X(asm.ALUMov, 0, 1), 16), ret()), 0xffff8000},
		{"le16 truncates", prog(lddw(0, 0x1122334455667788), alu32K(asm.ALUEnd|asm.EndToLE, 0, 16), ret()), 0x7788},
		{"le32 truncates", prog(lddw(0, 0x1122334455667788), alu32K(asm.ALUEnd|asm.EndToLE, 0, 32), ret()), 0x55667788},
		{"le64 keeps", prog(lddw(0, 0x1122334455667788), alu32K(asm.ALUEnd|asm.EndToLE, 0, 64), ret()), 0x1122334455667788},
		{"be16", prog(lddw(0, 0x1122334455667788), alu32K(asm.ALUEnd|asm.EndToBE, 0, 16), ret()), 0x8877},
		{"be64", prog(lddw(0, 0x1122334455667788), alu32K(asm.ALUEnd|asm.EndToBE, 0, 64), ret()), 0x8877665544332211},
	})
}

func TestJumps(t *testing.T) {
	// Each program returns 1 when the jump is taken, 0 when not.
	taken := func(cond asm.Instruction) asm.Instructions {
		return prog(cond, alu64K(asm.ALUMov, 0, 0), ret(), alu64K(asm.ALUMov, 0, 1), ret())
	}
	setup := func(a, b uint64, cond asm.Instruction) asm.Instructions {
		cond.Offset = 2
		return prog(lddw(1, a), lddw(2, b), taken(cond))
	}
	runTable(t, []runCase{
		{"jeq imm", setup(5, 0, jmp(asm.JumpEq, 1, 5, 0)), 1},
		{"jeq imm sign-extends", setup(math.MaxUint64, 0, jmp(asm.JumpEq, 1, -1, 0)), 1},
		{"jne reg", setup(5, 6, jmpX(asm.JumpNE, 1, 2, 0)), 1},
		{"jgt unsigned", setup(math.MaxUint64, 1, jmpX(asm.JumpGT, 1, 2, 0)), 1},
		{"jsgt signed", setup(math.MaxUint64, 1, jmpX(asm.JumpSGT, 1, 2, 0)), 0},
		{"jge", setup(3, 3, jmpX(asm.JumpGE, 1, 2, 0)), 1},
		{"jlt", setup(2, 3, jmpX(asm.JumpLT, 1, 2, 0)), 1},
		{"jle", setup(4, 3, jmpX(asm.JumpLE, 1, 2, 0)), 0},
		{"jslt", setup(math.MaxUint64, 0, jmpX(asm.JumpSLT, 1, 2, 0)), 1},
		{"jsle", setup(0, 0, jmpX(asm.JumpSLE, 1, 2, 0)), 1},
		{"jsge imm", setup(0, 0, jmp(asm.JumpSGE, 1, -1, 0)), 1},
		{"jset", setup(6, 4, jmpX(asm.JumpSet, 1, 2, 0)), 1},
		{"jset miss", setup(6, 1, jmpX(asm.JumpSet, 1, 2, 0)), 0},
		{"jeq32 ignores high half", setup(0x100000005, 0, jmp32K(asm.JumpEq, 1, 5, 0)), 1},
		{"jsgt32 signed low half", setup(0xffffffff, 0, jmp32K(asm.JumpSGT, 1, 0, 0)), 0},
		{"jgt32 unsigned low half", setup(0xffffffff, 0, jmp32K(asm.JumpGT, 1, 0, 0)), 1},
		{"ja", prog(alu64K(asm.ALUMov, 0, 1), asm.Instruction{OpCode: asm.OpJA, Offset: 1}, alu64K(asm.ALUMov, 0, 2), ret()), 1},
		{"ja32", prog(alu64K(asm.ALUMov, 0, 1), asm.Instruction{OpCode: asm.OpJA32, Imm: 1}, alu64K(asm.ALUMov, 0, 2), ret()), 1},
	})
}

// TestMayGoto: may_goto falls through MaxLoops times in a run, then jumps;
// the next run starts counting again.
func TestMayGoto(t *testing.T) {
	insns := prog(alu64K(asm.ALUMov, 0, 0), asm.Instruction{OpCode: asm.OpMayGoto, Offset: 2}, alu64K(asm.ALUAdd, 0, 1),
		asm.Instruction{OpCode: asm.OpJA, Offset: -3}, ret())
	p, err := New(insns, &Options{Budget: 4 * MaxLoops})
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ {
		r0, err := p.Run(nil)
		if err != nil {
			t.Fatal(err)
		}
		if r0 != MaxLoops {
			t.Errorf("run %d: r0 = %d, want %d", run, r0, MaxLoops)
		}
	}
}

func TestMemory(t *testing.T) {
	mem := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa}
	cases := []struct {
		name    string
		insns   asm.Instructions
		want    uint64
		wantMem []byte
	}{
		{"ldxb", prog(ldx(asm.SizeB, 0, 1, 2), ret()), 0x33, nil},
		{"ldxh", prog(ldx(asm.SizeH, 0, 1, 2), ret()), 0x4433, nil},
		{"ldxw", prog(ldx(asm.SizeW, 0, 1, 2), ret()), 0x66554433, nil},
		{"ldxdw", prog(ldx(asm.SizeDW, 0, 1, 2), ret()), 0xaa99887766554433, nil},
		{"ldxsb", prog(ldxs(asm.SizeB, 0, 1, 8), ret()), 0xffffffffffffff99, nil},
		{"ldxsh", prog(ldxs(asm.SizeH, 0, 1, 8), ret()), 0xffffffffffffaa99, nil},
		{"ldxsw", prog(ldxs(asm.SizeW, 0, 1, 6), ret()), 0xffffffffaa998877, nil},
		{"r2 is the length", prog(alu64X(asm.ALUMov, 0, 2), ret()), 10, nil},
		{"stb", prog(st(asm.SizeB, 1, 0, 0x7f), alu64K(asm.ALUMov, 0, 0), ret()), 0, []byte{0x7f}},
		{"stxdw", prog(lddw(2, 0x0102030405060708), stx(asm.SizeDW, 1, 2, 0), alu64K(asm.ALUMov, 0, 0), ret()), 0, []byte{8, 7, 6, 5, 4, 3, 2, 1}},
		{"stack round trip", prog(lddw(2, 0xabcdef), stx(asm.SizeDW, 10, 2, -8), ldx(asm.SizeW, 0, 10, -8), ret()), 0xabcdef, nil},
		{"st sign-extends imm", prog(st(asm.SizeDW, 10, -8, -2), ldx(asm.SizeDW, 0, 10, -8), ret()), math.MaxUint64 - 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := append([]byte(nil), mem...)
			if got := mustRun(t, c.insns, m, nil); got != c.want {
				t.Errorf("r0 = %#x, want %#x", got, c.want)
			}
			if c.wantMem != nil && string(m[:len(c.wantMem)]) != string(c.wantMem) {
				t.Errorf("mem = % x, want prefix % x", m, c.wantMem)
			}
		})
	}
}

func TestAtomics(t *testing.T) {
	// Stack slot at r10-8 starts at 0b1100 (12); r1 = 0b1010 (10).
	base := func(ops ...any) asm.Instructions {
		return prog(append([]any{st(asm.SizeDW, 10, -8, 12), alu64K(asm.ALUMov, 1, 10)}, ops...)...)
	}
	slot := ldx(asm.SizeDW, 0, 10, -8)
	runTable(t, []runCase{
		{"add", base(atomicOp(asm.SizeDW, asm.AtomicAdd, 10, 1, -8), slot, ret()), 22},
		{"or", base(atomicOp(asm.SizeDW, asm.AtomicOr, 10, 1, -8), slot, ret()), 14},
		{"and", base(atomicOp(asm.SizeDW, asm.AtomicAnd, 10, 1, -8), slot, ret()), 8},
		{"xor", base(atomicOp(asm.SizeDW, asm.AtomicXor, 10, 1, -8), slot, ret()), 6},
		{"fetch add returns old", base(atomicOp(asm.SizeDW, asm.AtomicAdd|asm.AtomicFetch, 10, 1, -8), alu64X(asm.ALUMov, 0, 1), ret()), 12},
		{"fetch xor returns old", base(atomicOp(asm.SizeDW, asm.AtomicXor|asm.AtomicFetch, 10, 1, -8), alu64X(asm.ALUMov, 0, 1), ret()), 12},
		{"xchg", base(atomicOp(asm.SizeDW, asm.AtomicXchg, 10, 1, -8), alu64X(asm.ALUAdd, 1, 0), slot, alu64X(asm.ALUMul, 0, 1), ret()), 10 * 12},
		{"cmpxchg hit", base(alu64K(asm.ALUMov, 0, 12), atomicOp(asm.SizeDW, asm.AtomicCmpXchg, 10, 1, -8), slot, ret()), 10},
		{"cmpxchg miss loads old", base(alu64K(asm.ALUMov, 0, 5), atomicOp(asm.SizeDW, asm.AtomicCmpXchg, 10, 1, -8), ret()), 12},
		{"add32 leaves high half", base(lddw(2, 0xffffffff), stx(asm.SizeW, 10, 2, -8), alu64K(asm.ALUMov, 1, 1), atomicOp(asm.SizeW, asm.AtomicAdd, 10, 1, -8), slot, ret()), 0},
		{"fetch and32 zero-extends old", base(lddw(1, 0xffffffff00000003), atomicOp(asm.SizeW, asm.AtomicAnd|asm.AtomicFetch, 10, 1, -8), alu64X(asm.ALUMov, 0, 1), ret()), 12},
		{"cmpxchg32 compares low half", base(lddw(0, 0x500000000c), alu32K(asm.ALUMov, 1, 7), atomicOp(asm.SizeW, asm.AtomicCmpXchg, 10, 1, -8), slot, ret()), 7},
	})
}

func TestCalls(t *testing.T) {
	local := func(imm int32) asm.Instruction {
		return asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal, Imm: imm}
	}
	runTable(t, []runCase{
		{"callee-saved registers", prog(
			alu64K(asm.ALUMov, 6, 6), alu64K(asm.ALUMov, 1, 1), local(3),
			alu64X(asm.ALUAdd, 0, 6), ret(), ret(),
			// callee: clobber r6, return r1 + 10
			alu64K(asm.ALUMov, 6, 100), alu64X(asm.ALUMov, 0, 1), alu64K(asm.ALUAdd, 0, 10), ret(),
		), 17},
		{"fresh stack frame", prog(
			st(asm.SizeDW, 10, -8, 1), local(2), ldx(asm.SizeDW, 0, 10, -8), ret(),
			st(asm.SizeDW, 10, -8, 2), ret(),
		), 1},
		{"caller stack reachable by pointer", prog(
			st(asm.SizeDW, 10, -8, 1), alu64X(asm.ALUMov, 1, 10), alu64K(asm.ALUAdd, 1, -8), local(2), ldx(asm.SizeDW, 0, 10, -8), ret(),
			st(asm.SizeDW, 1, 0, 42), ret(),
		), 42},
	})

	t.Run("depth limit", func(t *testing.T) {
		// A function that calls itself forever.
		p, err := New(prog(local(-1), ret()), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Run(nil)
		var re *RuntimeError
		if !errors.As(err, &re) || !errors.Is(err, ErrCallDepth) || re.PC != 0 {
			t.Fatalf("err = %v, want call depth error at instruction 0", err)
		}
	})
	t.Run("eight frames are allowed", func(t *testing.T) {
		// main calls f1 ... f7 in a chain: 8 frames.
		var insns asm.Instructions
		for i := 0; i < 7; i++ {
			insns = append(insns, local(1), ret())
		}
		insns = append(insns, alu64K(asm.ALUMov, 0, 8), ret())
		if got := mustRun(t, insns, nil, nil); got != 8 {
			t.Fatalf("r0 = %d", got)
		}
	})
	t.Run("helper", func(t *testing.T) {
		helpers := map[int32]Helper{7: func(m *Machine, r1, r2, r3, r4, r5 uint64) (uint64, error) {
			return r1*10000 + r2*1000 + r3*100 + r4*10 + r5, nil
		}}
		insns := prog(alu64K(asm.ALUMov, 1, 1), alu64K(asm.ALUMov, 2, 2), alu64K(asm.ALUMov, 3, 3), alu64K(asm.ALUMov, 4, 4), alu64K(asm.ALUMov, 5, 5),
			asm.Instruction{OpCode: asm.OpCall, Imm: 7}, ret())
		if got := mustRun(t, insns, nil, &Options{Helpers: helpers}); got != 12345 {
			t.Fatalf("r0 = %d", got)
		}
		callx := prog(alu64K(asm.ALUMov, 1, 1), alu64K(asm.ALUMov, 6, 7), asm.Instruction{OpCode: asm.OpCallX, Dst: 6}, ret())
		if got := mustRun(t, callx, nil, &Options{Helpers: helpers}); got != 10000 {
			t.Fatalf("callx r0 = %d", got)
		}
	})
	t.Run("unknown helper", func(t *testing.T) {
		p, err := New(prog(alu64K(asm.ALUMov, 0, 0), asm.Instruction{OpCode: asm.OpCall, Imm: 99}, ret()), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Run(nil)
		var re *RuntimeError
		if !errors.As(err, &re) || !errors.Is(err, ErrUnknownHelper) || re.PC != 1 {
			t.Fatalf("err = %v, want unknown helper at instruction 1", err)
		}
	})
}

func TestLegacyPacketLoads(t *testing.T) {
	pkt := []byte{0x12, 0x34, 0x56, 0x78, 0x9a}
	ldabs := func(size asm.OpCode, imm int32) asm.Instruction {
		return asm.Instruction{OpCode: asm.ClassLD | asm.ModeABS | size, Imm: imm}
	}
	ldind := func(size asm.OpCode, src asm.Register, imm int32) asm.Instruction {
		return asm.Instruction{OpCode: asm.ClassLD | asm.ModeIND | size, Src: src, Imm: imm}
	}
	cases := []runCase{
		{"abs byte", prog(ldabs(asm.SizeB, 1), ret()), 0x34},
		{"abs half big-endian", prog(ldabs(asm.SizeH, 1), ret()), 0x3456},
		{"abs word big-endian", prog(ldabs(asm.SizeW, 1), ret()), 0x3456789a},
		{"ind", prog(alu64K(asm.ALUMov, 3, 2), ldind(asm.SizeH, 3, 1), ret()), 0x789a},
		{"past the end returns 0", prog(alu64K(asm.ALUMov, 0, 7), ldabs(asm.SizeW, 2), alu64K(asm.ALUMov, 0, 9), ret()), 0},
		{"negative offset returns 0", prog(alu64K(asm.ALUMov, 3, -1), ldind(asm.SizeB, 3, 0), alu64K(asm.ALUMov, 0, 9), ret()), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mustRun(t, c.insns, append([]byte(nil), pkt...), nil); got != c.want {
				t.Errorf("r0 = %#x, want %#x", got, c.want)
			}
		})
	}
}

func TestRuntimeChecks(t *testing.T) {
	cases := []struct {
		name   string
		insns  asm.Instructions
		mem    []byte
		err    error
		pc     int
		budget uint64
	}{
		{"read past memory", prog(ldx(asm.SizeW, 0, 1, 2), ret()), []byte{1, 2, 3, 4, 5}, ErrMemoryAccess, 0, 0},
		{"read before memory", prog(ldx(asm.SizeB, 0, 1, -1), ret()), []byte{1}, ErrMemoryAccess, 0, 0},
		{"read with no memory", prog(alu64K(asm.ALUMov, 0, 0), ldx(asm.SizeB, 0, 1, 0), ret()), nil, ErrMemoryAccess, 1, 0},
		{"write above the stack", prog(st(asm.SizeB, 10, 0, 1), ret()), nil, ErrMemoryAccess, 0, 0},
		{"write below the stack", prog(st(asm.SizeDW, 10, -4097, 1), ret()), nil, ErrMemoryAccess, 0, 0},
		{"wild pointer", prog(lddw(1, 0xdead0000), ldx(asm.SizeDW, 0, 1, 0), ret()), nil, ErrMemoryAccess, 2, 0},
		{"misaligned atomic", prog(alu64K(asm.ALUMov, 1, 1), atomicOp(asm.SizeDW, asm.AtomicAdd, 10, 1, -12), ret()), nil, ErrMemoryAccess, 1, 0},
		{"infinite loop", prog(asm.Instruction{OpCode: asm.OpJA, Offset: -1}, ret()), nil, ErrBudgetExceeded, 0, 0},
		{"budget", prog(alu64K(asm.ALUMov, 0, 0), alu64K(asm.ALUMov, 0, 0), alu64K(asm.ALUMov, 0, 0), ret()), nil, ErrBudgetExceeded, 2, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := New(c.insns, &Options{Budget: c.budget})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Run(c.mem)
			var re *RuntimeError
			if !errors.As(err, &re) || !errors.Is(err, c.err) || re.PC != c.pc {
				t.Fatalf("err = %v, want %v at instruction %d", err, c.err, c.pc)
			}
			if errors.Is(c.err, ErrMemoryAccess) && re.Addr == 0 && c.mem != nil {
				t.Errorf("memory fault without address: %v", err)
			}
		})
	}
}

func TestNewRejectsMalformedCode(t *testing.T) {
	for _, insns := range []asm.Instructions{
		nil,
		{{OpCode: 0xff}},
		{asm.LoadImm64(0, 1)[0]},
		{{OpCode: asm.OpJA, Offset: 5}, ret()},
	} {
		if _, err := New(insns, nil); err == nil {
			t.Errorf("New(%v) succeeded", insns)
		}
	}
}

func TestStackIsZeroedBetweenRuns(t *testing.T) {
	// Returns the old value of a slot in a callee's frame, then dirties it.
	insns := prog(asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal, Imm: 1}, ret(),
		ldx(asm.SizeDW, 0, 10, -8), st(asm.SizeDW, 10, -8, 99), ret())
	p, err := New(insns, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if r0, err := p.Run(nil); err != nil || r0 != 0 {
			t.Fatalf("run %d: r0 = %d, err = %v; want 0", i, r0, err)
		}
	}
}

func TestConcurrentRuns(t *testing.T) {
	// Sums the bytes of mem into r0 using the stack as the accumulator.
	insns := prog(
		st(asm.SizeDW, 10, -8, 0), alu64K(asm.ALUMov, 3, 0),
		jmpX(asm.JumpGE, 3, 2, 7),
		alu64X(asm.ALUMov, 4, 1), alu64X(asm.ALUAdd, 4, 3), ldx(asm.SizeB, 5, 4, 0),
		atomicOp(asm.SizeDW, asm.AtomicAdd, 10, 5, -8), alu64K(asm.ALUAdd, 3, 1), asm.Instruction{OpCode: asm.OpJA, Offset: -7},
		ret(),
		ldx(asm.SizeDW, 0, 10, -8), ret(),
	)
	// jump from 2 goes to 10 (2+1+7); 9 is an unreachable exit.
	p, err := New(insns, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			mem := make([]byte, 64+g)
			want := uint64(0)
			for i := range mem {
				mem[i] = byte(i * (g + 1))
				want += uint64(mem[i])
			}
			for i := 0; i < 200; i++ {
				if r0, err := p.Run(mem); err != nil || r0 != want {
					t.Errorf("goroutine %d: r0 = %d, err = %v; want %d", g, r0, err, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestRunDoesNotAllocate(t *testing.T) {
	p, err := New(prog(alu64K(asm.ALUMov, 0, 1), st(asm.SizeDW, 10, -8, 1), ldx(asm.SizeB, 1, 1, 0), ret()), nil)
	if err != nil {
		t.Fatal(err)
	}
	mem := make([]byte, 16)
	if n := testing.AllocsPerRun(100, func() { _, _ = p.Run(mem) }); n != 0 {
		t.Errorf("Run allocates %v times per run", n)
	}
}
