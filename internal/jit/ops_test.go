//go:build amd64 && unix

package jit

import (
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit/amd64"
)

// Edge values for operands: zero, one, all ones, the signed extremes and
// values whose halves differ.
var edges = []uint64{0, 1, 2, 7, 63, 64, 0xffffffff, 0x80000000, 0x7fffffff, 1 << 63, 1<<63 - 1, ^uint64(0), ^uint64(1), 0x123456789abcdef0, 0xfffffffe00000003}

var edgeImms = []int32{0, 1, -1, 2, 31, 32, 63, 64, -2147483648, 2147483647, 0x1234, -7}

// every returns every step-th value from start.
func every(vals []uint64, start, step int) []uint64 {
	var out []uint64
	for i := start; i < len(vals); i += step {
		out = append(out, vals[i])
	}
	return out
}

func ld(r asm.Register, v uint64) []asm.Instruction {
	l := asm.LoadImm64(r, v)
	return l[:]
}

func prog(parts ...[]asm.Instruction) asm.Instructions {
	var out asm.Instructions
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func exit() []asm.Instruction { return []asm.Instruction{{OpCode: asm.OpExit}} }

func check(t *testing.T, name string, insns asm.Instructions, mem []byte, opts *interp.Options) {
	t.Helper()
	if d := differ(runInterp(insns, mem, opts), runJIT(insns, mem, opts)); d != "" {
		t.Errorf("%s:\n%s\n%s", name, asm.Disassemble(insns, asm.SyntaxLLVM), d)
	}
}

// TestALU compares every ALU operation, both widths, register and
// immediate sources, over edge values and register pairs that exercise
// the fixed registers (r0 = rax, r3 = rdx, r4 = rcx).
func TestALU(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	ops := []asm.OpCode{asm.ALUAdd, asm.ALUSub, asm.ALUMul, asm.ALUDiv, asm.ALUOr, asm.ALUAnd, asm.ALULsh, asm.ALURsh, asm.ALUNeg, asm.ALUMod, asm.ALUXor, asm.ALUMov, asm.ALUArsh}
	pairs := [][2]asm.Register{{1, 2}, {0, 3}, {3, 0}, {4, 1}, {1, 4}, {4, 4}, {0, 0}, {3, 4}, {4, 3}, {3, 3}, {6, 9}}
	for _, class := range []asm.OpCode{asm.ClassALU, asm.ClassALU64} {
		for _, op := range ops {
			offs := []int16{0}
			switch op {
			case asm.ALUDiv, asm.ALUMod:
				offs = []int16{0, 1}
			case asm.ALUMov:
				offs = []int16{0, 8, 16, 32}
			}
			for _, off := range offs {
				if class == asm.ClassALU && op == asm.ALUMov && off == 32 {
					continue
				}
				for i, p := range pairs {
					d, s := p[0], p[1]
					as, bs := edges, edges
					if i > 1 { // the register pairs need fewer values
						as, bs = every(edges, 0, 5), every(edges, 1, 4)
					}
					for _, a := range as {
						for _, b := range bs {
							ins := asm.Instruction{OpCode: class | op | asm.SrcX, Dst: d, Src: s, Offset: off}
							if op == asm.ALUNeg {
								ins.OpCode, ins.Src = class|op, 0
							}
							insns := prog(ld(d, a), ld(s, b), ld(5, 0x5555), []asm.Instruction{ins}, []asm.Instruction{
								{OpCode: asm.ClassALU64 | asm.ALUXor | asm.SrcX, Dst: 5, Src: d}, // fold dst and the others into r0
								{OpCode: asm.ClassALU64 | asm.ALUXor | asm.SrcX, Dst: 5, Src: s},
								{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: 0, Src: 5},
							}, exit())
							if d == s {
								insns = prog(ld(d, a), ld(5, 0x5555), []asm.Instruction{ins}, insns[6:])
							}
							check(t, "alu", insns, nil, nil)
						}
						if op == asm.ALUNeg {
							continue
						}
						if i > 0 {
							continue
						}
						for _, imm := range edgeImms {
							ins := asm.Instruction{OpCode: class | op | asm.SrcK, Dst: d, Offset: off, Imm: imm}
							if op == asm.ALUMov {
								ins.Offset = 0
							}
							check(t, "alu imm", prog(ld(d, a), []asm.Instruction{ins, {OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: 0, Src: d}}, exit()), nil, nil)
						}
					}
				}
			}
		}
		for _, d := range []asm.Register{0, 1, 3, 4, 9} {
			for _, a := range edges {
				for _, imm := range []int32{16, 32, 64} {
					for _, src := range []asm.OpCode{asm.EndToLE, asm.EndToBE} {
						if class == asm.ClassALU64 && src == asm.EndToBE {
							continue
						}
						ins := asm.Instruction{OpCode: class | asm.ALUEnd | src, Dst: d, Imm: imm}
						check(t, "end", prog(ld(d, a), []asm.Instruction{ins, {OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: 0, Src: d}}, exit()), nil, nil)
					}
				}
			}
		}
	}
}

// TestJumps compares every conditional jump, both widths, register and
// immediate forms, over edge values.
func TestJumps(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	ops := []asm.OpCode{asm.JumpEq, asm.JumpGT, asm.JumpGE, asm.JumpSet, asm.JumpNE, asm.JumpSGT, asm.JumpSGE, asm.JumpLT, asm.JumpLE, asm.JumpSLT, asm.JumpSLE}
	taken := []asm.Instruction{{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcK, Dst: 0, Imm: 1}, {OpCode: asm.OpExit}}
	for _, class := range []asm.OpCode{asm.ClassJMP, asm.ClassJMP32} {
		for _, op := range ops {
			for _, a := range edges {
				for _, b := range edges {
					ins := asm.Instruction{OpCode: class | op | asm.SrcX, Dst: 1, Src: 4, Offset: 2}
					check(t, "jump", prog(ld(1, a), ld(4, b), ld(0, 0), []asm.Instruction{ins}, exit(), exit(), taken), nil, nil)
				}
				for _, imm := range edgeImms {
					ins := asm.Instruction{OpCode: class | op | asm.SrcK, Dst: 1, Offset: 1, Imm: imm}
					check(t, "jump imm", prog(ld(1, a), ld(0, 0), []asm.Instruction{ins}, exit(), taken), nil, nil)
				}
			}
		}
	}
	// gotol and a backward loop.
	check(t, "gotol", asm.MustAssemble("r0 = 1\ngotol +1\nexit\nr0 = 2\nexit\n", asm.SyntaxLLVM), nil, nil)
	check(t, "loop", asm.MustAssemble("r0 = 0\nr1 = 100\nl:\nr0 += r1\nr1 -= 1\nif r1 != 0 goto l\nexit\n", asm.SyntaxLLVM), nil, nil)
}

// TestZeroExtension checks clang's zero-extension idiom ("r = s; r <<= 32;
// r >>= 32", compiled as one 32-bit move) against the interpreter, also
// where a jump lands in its middle (then it is not fused), with and
// without the budget, and that the fused form is shorter.
func TestZeroExtension(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	const hi = "r2 = 0xfedcba9876543210 ll\n"
	const neg = "r2 = 0x1234567887654321 ll\n" // the low half negative
	progs := map[string]string{
		"move and shifts": hi + "r0 = r2\nr0 <<= 32\nr0 >>= 32\nexit\n",
		"shifts":          hi + "r0 = r2\nr0 += 1\nr0 <<= 32\nr0 >>= 32\nexit\n",
		"other register":  hi + "r0 = r2\nr0 <<= 32\nr2 >>= 32\nr0 += r2\nexit\n",
		"other amount":    hi + "r0 = r2\nr0 <<= 32\nr0 >>= 31\nexit\n",
		"sign":            neg + "r0 = r2\nr0 <<= 32\nr0 s>>= 32\nexit\n",
		"sign, shifts":    neg + "r0 = r2\nr0 += 0x1000\nr0 <<= 32\nr0 s>>= 32\nexit\n",
		"sign, positive":  "r2 = 0x7fffffff\nr0 = r2\nr0 <<= 32\nr0 s>>= 32\nexit\n",
		"jump into it": hi + "r0 = 0\nr3 = r2\nif r0 == 0 goto +2\nr3 <<= 32\n" +
			"r3 >>= 32\nr0 = r3\nexit\n",
		"jump to the second shift": hi + "r0 = r2\nif r0 != 0 goto +1\nr0 <<= 32\nr0 >>= 32\nexit\n",
		"in a loop": hi + "r0 = 0\nr1 = 5\nl:\nr3 = r2\nr3 <<= 32\nr3 >>= 32\nr0 += r3\nr2 += r1\n" +
			"r1 -= 1\nif r1 != 0 goto l\nexit\n",
	}
	for name, src := range progs {
		check(t, name, asm.MustAssemble(src, asm.SyntaxLLVM), nil, nil)
		want := runInterp(asm.MustAssemble(src, asm.SyntaxLLVM), nil, &interp.Options{Budget: interp.Unbounded})
		got := runJITWith(asm.MustAssemble(src, asm.SyntaxLLVM), nil, Options{Budget: interp.Unbounded})
		if d := differ(want, got); d != "" {
			t.Errorf("%s, without a budget: %s", name, d)
		}
	}
	fused, err := amd64.Compile(asm.MustAssemble(hi+"r0 = r2\nr0 <<= 32\nr0 >>= 32\nexit\n", asm.SyntaxLLVM), amd64.Options{NoBudget: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := amd64.Compile(asm.MustAssemble(hi+"r0 = r2\nr0 <<= 32\nr0 >>= 31\nexit\n", asm.SyntaxLLVM), amd64.Options{NoBudget: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(fused.Code) >= len(plain.Code) {
		t.Errorf("the idiom compiles to %d bytes, a shift pair to %d: not fused", len(fused.Code), len(plain.Code))
	}
}
