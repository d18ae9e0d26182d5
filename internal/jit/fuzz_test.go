//go:build amd64 && unix

package jit

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/progen"
)

// fuzzOps are the opcodes random programs draw from: every executable
// class, so that most random programs validate.
var fuzzOps = func() []asm.OpCode {
	var ops []asm.OpCode
	for _, class := range []asm.OpCode{asm.ClassALU, asm.ClassALU64} {
		for op := asm.ALUAdd; op <= asm.ALUEnd; op += 0x10 {
			ops = append(ops, class|op|asm.SrcK, class|op|asm.SrcX)
		}
	}
	for _, class := range []asm.OpCode{asm.ClassJMP, asm.ClassJMP32} {
		for op := asm.JumpEq; op <= asm.JumpSLE; op += 0x10 {
			if op != asm.JumpCall && op != asm.JumpExit {
				ops = append(ops, class|op|asm.SrcK, class|op|asm.SrcX)
			}
		}
	}
	ops = append(ops, asm.OpJA, asm.OpJA32, asm.OpCall, asm.OpCallX, asm.OpExit)
	for _, size := range sizes {
		ops = append(ops, asm.ClassLDX|asm.ModeMEM|size, asm.ClassST|asm.ModeMEM|size, asm.ClassSTX|asm.ModeMEM|size)
		if size != asm.SizeDW {
			ops = append(ops, asm.ClassLDX|asm.ModeMEMSX|size, asm.ClassLD|asm.ModeABS|size, asm.ClassLD|asm.ModeIND|size)
		}
	}
	return append(ops, asm.OpAtomicW, asm.OpAtomicDW, asm.OpAtomicW, asm.OpAtomicDW)
}()

var atomicOps = []int32{asm.AtomicAdd, asm.AtomicOr, asm.AtomicAnd, asm.AtomicXor,
	asm.AtomicAdd | asm.AtomicFetch, asm.AtomicOr | asm.AtomicFetch, asm.AtomicAnd | asm.AtomicFetch, asm.AtomicXor | asm.AtomicFetch,
	asm.AtomicXchg, asm.AtomicCmpXchg}

// randomProgram shapes 8 bytes per instruction into a likely valid
// instruction: small jump offsets (loops included), memory offsets near
// the buffer and the frame, immediates biased to interesting values.
func randomProgram(code []byte) asm.Instructions {
	var insns asm.Instructions
	for len(code) >= 8 {
		b := code[:8]
		code = code[8:]
		op := fuzzOps[int(b[0])%len(fuzzOps)]
		ins := asm.Instruction{OpCode: op, Dst: asm.Register(b[1] & 15 % 11), Src: asm.Register(b[1] >> 4 % 11)}
		off := int16(int8(b[2]))
		imm := int32(binary.LittleEndian.Uint32(b[4:]))
		if b[3]&1 == 0 {
			imm = int32(int8(b[4])) // small immediates are the interesting ones
		}
		switch c := op.Class(); {
		case op == asm.OpCall:
			ins.Src, ins.Imm = 0, imm&3 // helpers 0 (unknown) to 3
			if b[3]&6 == 0 && len(insns) > 0 {
				ins.Src, ins.Imm = asm.CallLocal, int32(int8(b[2])%8)
			}
		case op == asm.OpCallX:
			ins.Src, ins.Offset = 0, 0
		case op == asm.OpJA32:
			ins.Dst, ins.Src, ins.Imm = 0, 0, int32(off%8)
		case op.IsJump():
			ins.Offset = off % 8
			if op.Source() == asm.SrcK {
				ins.Src = 0
			} else {
				ins.Imm = 0
			}
			if op == asm.OpJA || op == asm.OpExit {
				ins.Dst, ins.Src, ins.Imm = 0, 0, 0
			}
			if op == asm.OpExit {
				ins.Offset = 0
			}
		case op.IsALU():
			if op.Source() == asm.SrcK {
				ins.Src = 0
			} else {
				ins.Imm = 0
			}
			switch op.ALUOp() {
			case asm.ALUDiv, asm.ALUMod:
				ins.Offset = off & 1
			case asm.ALUMov:
				if op.Source() == asm.SrcX {
					ins.Offset = []int16{0, 0, 8, 16, 32}[int(b[2])%5]
					if op.Class() == asm.ClassALU && ins.Offset == 32 {
						ins.Offset = 0
					}
				}
			case asm.ALUEnd:
				ins.Src, ins.Imm = 0, []int32{16, 32, 64}[int(b[4])%3]
				if op.Class() == asm.ClassALU64 && op.Source() == asm.SrcX {
					ins.OpCode = asm.OpBswap
				}
			case asm.ALUNeg:
				ins.OpCode &^= asm.SrcX
				ins.Src, ins.Imm = 0, 0
			}
		case c == asm.ClassLD:
			ins.Dst, ins.Offset = 0, 0
			if op.Mode() == asm.ModeABS {
				ins.Src = 0
			}
		case c == asm.ClassLDX:
			ins.Imm = 0
			if b[3]&2 != 0 {
				ins.Src, ins.Offset = asm.R10, -(off&0x7f)-1 // stack
			}
		case c == asm.ClassST:
			ins.Src = 0
			if b[3]&2 != 0 {
				ins.Dst, ins.Offset = asm.R10, -(off&0x7f)-1
			}
		case op.Mode() == asm.ModeATOMIC:
			ins.Imm = atomicOps[int(b[4])%len(atomicOps)]
			ins.Offset = off & 0x18
			if b[3]&2 != 0 {
				ins.Dst, ins.Offset = asm.R10, -(off&0x38)-8
			}
		default: // STX
			ins.Imm = 0
			if b[3]&2 != 0 {
				ins.Dst, ins.Offset = asm.R10, -(off&0x7f)-1
			}
		}
		insns = append(insns, hideR10(ins))
	}
	return append(insns, asm.Instruction{OpCode: asm.OpExit})
}

// hideR10 keeps r10 to its role as a memory base: its value is an address
// in each engine's own stack, so reading or writing it as a number would
// make the engines' results differ for no fault of either.
func hideR10(ins asm.Instruction) asm.Instruction {
	op := ins.OpCode
	base := op.Class() == asm.ClassLDX && ins.Src == asm.R10 ||
		(op.Class() == asm.ClassST || op.Class() == asm.ClassSTX) && ins.Dst == asm.R10
	if ins.Src == asm.R10 && !(base && op.Class() == asm.ClassLDX) {
		ins.Src = asm.R9
	}
	if ins.Dst == asm.R10 && !base {
		ins.Dst = asm.R9
	}
	return ins
}

var fuzzOptions = &interp.Options{Budget: 5000, Helpers: map[int32]interp.Helper{
	1: func(m *interp.Machine, r1, r2, _, _, _ uint64) (uint64, error) {
		if b, ok := m.Memory(r1, r2&0xff, true); ok && len(b) > 0 {
			b[0]++
		}
		return r1 ^ r2, nil // r1: the same buffer address in both engines
	},
	2: func(m *interp.Machine, r1, _, _, _, _ uint64) (uint64, error) {
		if r1 == 7 {
			return 0, errors.New("helper 2 refuses 7")
		}
		return r1 * 3, nil
	},
}}

// FuzzDifferential runs the same program and input through the
// interpreter and the JIT: the same r0, memory and error. kind selects
// random instructions (any behaviour, faults and loops included) or a
// progen program (verifier-valid code with calls).
func FuzzDifferential(f *testing.F) {
	f.Add(byte(0), []byte{}, []byte{})
	f.Add(byte(1), []byte{0x30, 0x21, 0x05, 0, 7, 0, 0, 0, 0x61, 0x10, 0x02, 0, 1, 2, 3, 4}, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	for seed := range 20 {
		f.Add(byte(2), binary.LittleEndian.AppendUint64(nil, uint64(seed)), []byte{})
	}
	for seed := range 40 {
		var code []byte
		x := uint64(seed)*0x9e3779b97f4a7c15 + 1
		for range 8 * 24 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			code = append(code, byte(x))
		}
		f.Add(byte(1), code, []byte("0123456789abcdef0123456789abcdef"))
	}
	if isolated(f) {
		f.Fuzz(func(*testing.T, byte, []byte, []byte) {}) // the child ran the seeds
		return
	}
	requireJIT(f)
	f.Fuzz(func(t *testing.T, kind byte, code, mem []byte) {
		var insns asm.Instructions
		if kind%2 == 0 {
			var seed uint64
			if len(code) >= 8 {
				seed = binary.LittleEndian.Uint64(code)
			}
			p := progen.Generate(int64(seed), progen.Config{})
			insns = p.Gbpf()
			mem = make([]byte, p.ResultSize())
		} else {
			insns = randomProgram(code)
			if insns.Validate() != nil {
				return
			}
		}
		want, got := runInterp(insns, mem, fuzzOptions), runJIT(insns, mem, fuzzOptions)
		if d := differ(want, got); d != "" {
			t.Fatalf("%s\n%s", asm.Disassemble(insns, asm.SyntaxLLVM), d)
		}
		if !errors.Is(want.err, interp.ErrBudgetExceeded) {
			// Code that ended within the budget also runs without budget
			// charges, as verified programs do (other code shapes, jumps
			// fused), and with the atomics of exclusive runs, to the same
			// end.
			got = runJITWith(insns, mem, Options{Budget: interp.Unbounded, Helpers: fuzzOptions.Helpers, Exclusive: true})
			if d := differ(want, got); d != "" {
				t.Fatalf("without a budget:\n%s\n%s", asm.Disassemble(insns, asm.SyntaxLLVM), d)
			}
		}
	})
}
