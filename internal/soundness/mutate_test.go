package soundness

import (
	"fmt"
	"math/rand/v2"

	"github.com/gbpf/gbpf/asm"
)

// nop is "goto +0": what a dropped instruction becomes, so that no jump
// offset changes.
var nop = asm.Instruction{OpCode: asm.OpJA}

// slotKinds marks the second slots of lddw, which no mutation touches.
func secondSlots(insns asm.Instructions) []bool {
	second := make([]bool, len(insns))
	for i := 0; i < len(insns); i++ {
		if insns[i].IsLoadImm64() && i+1 < len(insns) {
			second[i+1] = true
			i++
		}
	}
	return second
}

func isCondJump(ins asm.Instruction) bool {
	if !ins.OpCode.IsJump() {
		return false
	}
	switch ins.OpCode.JumpOp() {
	case asm.JumpA, asm.JumpCall, asm.JumpExit:
		return false
	}
	return true
}

func isMemAccess(ins asm.Instruction) bool {
	switch ins.OpCode.Class() {
	case asm.ClassLDX:
		return ins.OpCode.Mode() == asm.ModeMEM || ins.OpCode.Mode() == asm.ModeMEMSX
	case asm.ClassST, asm.ClassSTX:
		return ins.OpCode.Mode() == asm.ModeMEM || ins.OpCode.Mode() == asm.ModeATOMIC
	}
	return false
}

func isStackStore(ins asm.Instruction) bool {
	c := ins.OpCode.Class()
	return (c == asm.ClassST || c == asm.ClassSTX) && ins.OpCode.Mode() == asm.ModeMEM && ins.Dst == asm.RFP
}

func isHelperCall(ins asm.Instruction) bool {
	return ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper
}

func isMovImm(ins asm.Instruction) bool {
	return ins.OpCode.IsALU() && ins.OpCode.ALUOp() == asm.ALUMov && ins.OpCode.Source() == asm.SrcK && ins.Offset == 0
}

var condOps = []asm.OpCode{asm.JumpEq, asm.JumpGT, asm.JumpGE, asm.JumpSet, asm.JumpNE, asm.JumpSGT, asm.JumpSGE, asm.JumpLT, asm.JumpLE, asm.JumpSLT, asm.JumpSLE}
var sizes = []asm.OpCode{asm.SizeB, asm.SizeH, asm.SizeW, asm.SizeDW}
var smallDeltas = []int{-8, -4, -2, -1, 1, 2, 4, 8}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// mutator is one way of breaking a program: it changes the program at a
// chosen eligible slot and says what it did.
type mutator struct {
	name     string
	eligible func(insns asm.Instructions, i int) bool
	apply    func(rng *rand.Rand, insns asm.Instructions, i int) string
}

var mutators = []mutator{
	{"memoff", func(s asm.Instructions, i int) bool { return isMemAccess(s[i]) }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		d := pick(rng, smallDeltas)
		if rng.IntN(5) == 0 {
			d = rng.IntN(129) - 64
		}
		s[i].Offset += int16(d)
		return fmt.Sprintf("offset %+d", d)
	}},
	{"memsize", func(s asm.Instructions, i int) bool {
		return isMemAccess(s[i]) && s[i].OpCode.Mode() == asm.ModeMEM
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		sz := pick(rng, sizes)
		s[i].OpCode = s[i].OpCode&^0x18 | sz
		return fmt.Sprintf("size %d", asm.SizeBytes(sz))
	}},
	{"jmpop", func(s asm.Instructions, i int) bool { return isCondJump(s[i]) }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		op := pick(rng, condOps)
		s[i].OpCode = s[i].OpCode&^0xf0 | op
		return fmt.Sprintf("op %#x", op)
	}},
	{"jmpimm", func(s asm.Instructions, i int) bool {
		return isCondJump(s[i]) && s[i].OpCode.Source() == asm.SrcK
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		d := pick(rng, smallDeltas)
		switch rng.IntN(6) {
		case 0:
			s[i].Imm = 0
			return "imm 0"
		case 1:
			s[i].Imm = -s[i].Imm - 1
			return "imm negated"
		}
		s[i].Imm += int32(d)
		return fmt.Sprintf("imm %+d", d)
	}},
	{"jmpclass", func(s asm.Instructions, i int) bool { return isCondJump(s[i]) }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		s[i].OpCode ^= asm.ClassJMP ^ asm.ClassJMP32
		return "jmp<->jmp32"
	}},
	{"jmpsrc", func(s asm.Instructions, i int) bool { return isCondJump(s[i]) }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		if s[i].OpCode.Source() == asm.SrcX {
			s[i].Dst, s[i].Src = s[i].Src, s[i].Dst
			s[i].OpCode = s[i].OpCode&^0xf0 | pick(rng, condOps)
			return "operands swapped"
		}
		s[i].OpCode |= asm.SrcX
		s[i].Src = asm.Register(rng.IntN(11))
		return fmt.Sprintf("compare with r%d", s[i].Src)
	}},
	{"jmpdel", func(s asm.Instructions, i int) bool { return isCondJump(s[i]) }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		s[i] = nop
		return "check deleted"
	}},
	{"jmpalways", func(s asm.Instructions, i int) bool { return isCondJump(s[i]) }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		s[i] = asm.Instruction{OpCode: asm.OpJA, Offset: s[i].Offset}
		return "always taken"
	}},
	{"jmpoff", func(s asm.Instructions, i int) bool {
		return s[i].OpCode.IsJump() && (isCondJump(s[i]) || s[i].OpCode == asm.OpJA)
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		d := pick(rng, []int16{-2, -1, 1, 2})
		s[i].Offset += d
		return fmt.Sprintf("target %+d", d)
	}},
	{"reg", func(s asm.Instructions, i int) bool {
		c := s[i].OpCode.Class()
		return c == asm.ClassALU || c == asm.ClassALU64 || c == asm.ClassLDX || c == asm.ClassSTX || isCondJump(s[i])
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		r := asm.Register(rng.IntN(11))
		if s[i].OpCode.Source() == asm.SrcX || s[i].OpCode.Class() == asm.ClassLDX || s[i].OpCode.Class() == asm.ClassSTX {
			if rng.IntN(2) == 0 {
				s[i].Src = r
				return fmt.Sprintf("src r%d", r)
			}
		}
		s[i].Dst = r
		return fmt.Sprintf("dst r%d", r)
	}},
	{"helpersize", func(s asm.Instructions, i int) bool { return sizeArgBefore(s, i) >= 0 }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		j := sizeArgBefore(s, i)
		old := s[j].Imm
		switch rng.IntN(6) {
		case 0:
			s[j].Imm = old * 2
		case 1:
			s[j].Imm = -old
		case 2:
			s[j].Imm = int32(rng.IntN(1025))
		default:
			s[j].Imm += int32(pick(rng, smallDeltas))
		}
		return fmt.Sprintf("r%d %d -> %d at %d", s[j].Dst, old, s[j].Imm, j)
	}},
	{"dropinit", func(s asm.Instructions, i int) bool { return isStackStore(s[i]) }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		s[i] = nop
		return "stack store dropped"
	}},
	{"exitval", func(s asm.Instructions, i int) bool { return isMovImm(s[i]) && s[i].Dst == asm.R0 }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		s[i].Imm = pick(rng, []int32{-1, 0, 1, 2, 3, 4, 5, 7, 8, 100, 0x7fffffff})
		return fmt.Sprintf("r0 = %d", s[i].Imm)
	}},
	{"aluimm", func(s asm.Instructions, i int) bool {
		return s[i].OpCode.IsALU() && s[i].OpCode.Source() == asm.SrcK && s[i].OpCode.ALUOp() != asm.ALUEnd
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		switch rng.IntN(4) {
		case 0:
			s[i].Imm = s[i].Imm*2 + 1
		case 1:
			s[i].Imm = -s[i].Imm
		default:
			s[i].Imm += int32(pick(rng, smallDeltas))
		}
		return fmt.Sprintf("imm %d", s[i].Imm)
	}},
	{"aluop", func(s asm.Instructions, i int) bool {
		op := s[i].OpCode.ALUOp()
		return s[i].OpCode.IsALU() && op != asm.ALUEnd && op != asm.ALUNeg && op != asm.ALUDiv && op != asm.ALUMod
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		op := pick(rng, []asm.OpCode{asm.ALUAdd, asm.ALUSub, asm.ALUOr, asm.ALUAnd, asm.ALULsh, asm.ALURsh, asm.ALUXor, asm.ALUMov, asm.ALUArsh, asm.ALUMul})
		s[i].OpCode = s[i].OpCode&^0xf0 | op
		s[i].Offset = 0
		return fmt.Sprintf("alu op %#x", op)
	}},
	{"alu32", func(s asm.Instructions, i int) bool { return s[i].OpCode.IsALU() }, func(rng *rand.Rand, s asm.Instructions, i int) string {
		s[i].OpCode ^= asm.ClassALU ^ asm.ClassALU64
		return "alu<->alu64"
	}},
	{"drop", func(s asm.Instructions, i int) bool {
		return s[i].OpCode != asm.OpExit && !s[i].IsLoadImm64() && s[i] != nop
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		s[i] = nop
		return "dropped"
	}},
	{"lddwoff", func(s asm.Instructions, i int) bool {
		return s[i].IsLoadImm64() && s[i].Src == asm.PseudoMapValue && i+1 < len(s)
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		d := pick(rng, smallDeltas)
		s[i+1].Imm += int32(d)
		return fmt.Sprintf("value offset %+d", d)
	}},
	{"swap", func(s asm.Instructions, i int) bool {
		return i+1 < len(s) && swappable(s[i]) && swappable(s[i+1])
	}, func(rng *rand.Rand, s asm.Instructions, i int) string {
		s[i], s[i+1] = s[i+1], s[i]
		return "swapped with next"
	}},
}

func swappable(ins asm.Instruction) bool {
	return !ins.OpCode.IsJump() && !ins.IsLoadImm64() && ins.OpCode != 0
}

// sizeArgBefore finds, for a helper call at i, the "rN = imm" (N in 2..5)
// closest before it, within a few slots: usually a size argument.
func sizeArgBefore(s asm.Instructions, i int) int {
	if !isHelperCall(s[i]) {
		return -1
	}
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		ins := s[j]
		if ins.OpCode.IsJump() || (j > 0 && s[j-1].IsLoadImm64()) {
			return -1
		}
		if isMovImm(ins) && ins.Dst >= asm.R2 && ins.Dst <= asm.R5 {
			return j
		}
	}
	return -1
}

// Mutate applies n random mutations to a copy of p.
func Mutate(p *Prog, rng *rand.Rand, n int) *Prog {
	q := p.clone()
	second := secondSlots(q.Insns)
	for range n {
		for try := 0; try < 20; try++ {
			m := pick(rng, mutators)
			var cands []int
			for i := range q.Insns {
				if !second[i] && m.eligible(q.Insns, i) {
					cands = append(cands, i)
				}
			}
			if len(cands) == 0 {
				continue
			}
			i := pick(rng, cands)
			desc := m.apply(rng, q.Insns, i)
			q.Origin += fmt.Sprintf(" | %s@%d: %s", m.name, i, desc)
			break
		}
	}
	return q
}
