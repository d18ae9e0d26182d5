//go:build amd64 && unix

package jit

import (
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
)

var sizes = []asm.OpCode{asm.SizeB, asm.SizeH, asm.SizeW, asm.SizeDW}

// TestMemory compares loads (plain and sign-extending), stores of
// registers and immediates, at offsets inside, across and outside the
// memory and the stack, so both the inline check and its exits run.
func TestMemory(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	mem := make([]byte, 16)
	for i := range mem {
		mem[i] = byte(0x81 + 0x11*i)
	}
	offs := []int16{0, 1, 7, 8, 12, 14, 15, 16, -1, -8, 100}
	for _, size := range sizes {
		for _, off := range offs {
			for _, mode := range []asm.OpCode{asm.ModeMEM, asm.ModeMEMSX} {
				if mode == asm.ModeMEMSX && size == asm.SizeDW {
					continue
				}
				ins := asm.Instruction{OpCode: asm.ClassLDX | mode | size, Dst: 0, Src: 1, Offset: off}
				check(t, "load", prog([]asm.Instruction{ins}, exit()), mem, nil)
				// Loads into the registers the JIT keeps fixed.
				ins.Dst = 4
				check(t, "load r4", prog([]asm.Instruction{ins, {OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: 0, Src: 4}}, exit()), mem, nil)
			}
			for _, src := range []asm.Register{0, 2, 4, 6} {
				st := asm.Instruction{OpCode: asm.ClassSTX | asm.ModeMEM | size, Dst: 1, Src: src, Offset: off}
				check(t, "store", prog(ld(src, 0x1122334455667788), []asm.Instruction{st}, exit()), mem, nil)
			}
			st := asm.Instruction{OpCode: asm.ClassST | asm.ModeMEM | size, Dst: 1, Offset: off, Imm: -0x12345}
			check(t, "store imm", prog([]asm.Instruction{st}, exit()), mem, nil)
		}
		// The stack through r10 (unchecked within the frame, checked
		// beyond it) and through a copy of r10 (always checked).
		for _, off := range []int16{-512, -8, -1, 0, 8, -513, -4096, -4097} {
			for _, base := range []asm.Register{10, 2} {
				insns := prog([]asm.Instruction{
					{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: 2, Src: 10},
					{OpCode: asm.ClassST | asm.ModeMEM | size, Dst: base, Offset: off, Imm: -3},
					{OpCode: asm.ClassLDX | asm.ModeMEM | size, Dst: 0, Src: base, Offset: off},
				}, exit())
				check(t, "stack", insns, nil, nil)
			}
		}
	}
	// A read-only region written: the write faults.
	check(t, "r10 moved", asm.MustAssemble("r10 = r1\n*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit\n", asm.SyntaxLLVM), mem, nil)
}

// TestAtomics compares every atomic operation, both sizes, with the
// operand in the fixed registers too, aligned and misaligned, in and out
// of bounds.
func TestAtomics(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	mem := make([]byte, 24)
	for i := range mem {
		mem[i] = byte(0xf1 - 3*i)
	}
	ops := []int32{asm.AtomicAdd, asm.AtomicOr, asm.AtomicAnd, asm.AtomicXor,
		asm.AtomicAdd | asm.AtomicFetch, asm.AtomicOr | asm.AtomicFetch, asm.AtomicAnd | asm.AtomicFetch, asm.AtomicXor | asm.AtomicFetch,
		asm.AtomicXchg, asm.AtomicCmpXchg}
	for _, size := range []asm.OpCode{asm.SizeW, asm.SizeDW} {
		for _, op := range ops {
			for _, src := range []asm.Register{0, 2, 3, 4} {
				for _, off := range []int16{0, 8, 4, 2, 24, -8} {
					for _, r0 := range []uint64{0, 0xf1eeebe8, 0xe5e2dfdcf1eeebe8} {
						insns := prog(ld(0, r0), ld(src, 0xff00ff00f0f0f0f0), []asm.Instruction{
							{OpCode: asm.ClassSTX | asm.ModeATOMIC | size, Dst: 1, Src: src, Offset: off, Imm: op},
							{OpCode: asm.ClassALU64 | asm.ALULsh | asm.SrcK, Dst: 0, Imm: 1},
							{OpCode: asm.ClassALU64 | asm.ALUXor | asm.SrcX, Dst: 0, Src: src},
						}, exit())
						if src == 0 {
							insns = prog(ld(0, r0), insns[4:])
						}
						check(t, "atomic", insns, mem, nil)
					}
				}
			}
		}
	}
}

// TestCalls compares bpf-to-bpf calls (callee-saved registers, frames,
// the depth limit), helper calls, callx and their errors.
func TestCalls(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	opts := &interp.Options{Helpers: map[int32]interp.Helper{
		1: func(m *interp.Machine, r1, r2, r3, r4, r5 uint64) (uint64, error) {
			return r1*1000 + r2*100 + r3*10 + r4 + r5<<20, nil
		},
		2: func(m *interp.Machine, r1, r2, _, _, _ uint64) (uint64, error) {
			b, ok := m.Memory(r1, r2, true)
			if !ok {
				return 0, errFault
			}
			for i := range b {
				b[i]++
			}
			return uint64(len(b)), nil
		},
	}}
	for _, c := range []struct{ name, src string }{
		{"local", `
			r6 = 6
			r7 = 7
			r1 = 1
			call f
			r0 += r6
			r0 += r7
			exit
		f:
			r6 = 60
			r7 = 70
			*(u64 *)(r10 - 8) = r6
			r0 = *(u64 *)(r10 - 8)
			r0 += r1
			exit`},
		{"recursion too deep", `
			r1 = 0
			call f
			exit
		f:
			r1 += 1
			*(u64 *)(r10 - 8) = r1
			call f
			exit`},
		{"recursion", `
			r1 = 5
			call f
			exit
		f:
			r0 = 0
			if r1 == 0 goto out
			*(u64 *)(r10 - 8) = r1
			r1 -= 1
			call f
			r1 = *(u64 *)(r10 - 8)
			r0 += r1
		out:
			exit`},
		{"helper", "r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\ncall 1\nexit\n"},
		{"helper memory", "r2 = 8\ncall 2\nr0 = *(u64 *)(r1 + 0)\nexit\n"},
		{"helper fault", "r2 = 100\ncall 2\nexit\n"},
		{"unknown helper", "call 99\nexit\n"},
		{"callx", "r8 = 1\nr1 = 3\ncallx r8\nexit\n"},
		{"callx unknown", "r8 = 77\ncallx r8\nexit\n"},
		{"callx not an id", "r8 = -1\ncallx r8\nexit\n"},
	} {
		insns, err := asm.Assemble(c.src, asm.SyntaxLLVM)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		check(t, c.name, insns, make([]byte, 16), opts)
	}
}

// TestBudget compares budget exhaustion at every budget up to a loop's
// length and beyond, so the error lands on each instruction of a block.
func TestBudget(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	insns := asm.MustAssemble(`
		r0 = 0
		r1 = 10
		r2 = 0x100000000 ll
	l:
		r0 += r1
		r0 ^= r2
		r1 -= 1
		if r1 != 0 goto l
		call f
		exit
	f:
		r0 += 1
		exit`, asm.SyntaxLLVM)
	for budget := uint64(1); budget < 60; budget++ {
		check(t, "budget", insns, nil, &interp.Options{Budget: budget})
	}
}

// TestPackets compares legacy packet loads, in and out of the packet.
func TestPackets(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	pkt := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	for _, size := range []asm.OpCode{asm.SizeB, asm.SizeH, asm.SizeW} {
		for _, imm := range []int32{0, 3, 6, 7, 8, -1} {
			check(t, "ld_abs", prog([]asm.Instruction{{OpCode: asm.ClassLD | asm.ModeABS | size, Imm: imm}}, exit()), pkt, nil)
			check(t, "ld_ind", prog(ld(7, 2), []asm.Instruction{{OpCode: asm.ClassLD | asm.ModeIND | size, Src: 7, Imm: imm}}, exit()), pkt, nil)
		}
	}
	check(t, "no packet", prog([]asm.Instruction{{OpCode: asm.ClassLD | asm.ModeABS | asm.SizeB}}, exit()), nil, nil)
}
