package progen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/kernel"
)

// truncate returns p with its body cut after k slots: jumps past the cut
// land on the epilogue, calls are re-aimed at the moved subprograms, and
// registers unwritten on some path to the cut are set to 0 so that the
// verifier lets the epilogue read them. Every subprogram gets a call that
// never runs, since the kernel refuses code no path reaches.
func truncate(p *Program, k int) Program {
	var tail asm.Instructions
	unset := ^initAtCut(p.Body, k)
	for r := asm.R0; r <= asm.R9; r++ {
		if unset&(1<<r) != 0 {
			tail = append(tail, asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcK, Dst: r})
		}
	}
	var subStarts []int
	for i := range p.Subprogs {
		if i == 0 || p.Subprogs[i-1].OpCode == asm.OpExit {
			subStarts = append(subStarts, i)
		}
	}
	var calls asm.Instructions
	if n := len(subStarts); n > 0 {
		// r0 = 0 makes the jump certain for the verifier, which then never
		// explores the calls; r0 is saved around it in a slot the epilogue
		// overwrites anyway.
		tail = append(tail,
			asm.Instruction{OpCode: asm.ClassSTX | asm.ModeMEM | asm.SizeDW, Dst: asm.RFP, Src: asm.R0, Offset: p.savedR1Slot()},
			asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcK, Dst: asm.R0},
			asm.Instruction{OpCode: asm.ClassJMP | asm.JumpEq | asm.SrcK, Dst: asm.R0, Offset: int16(n)})
		calls = make(asm.Instructions, n)
	}
	bodyLen := k + len(tail) + len(calls)
	if len(calls) > 0 {
		bodyLen++ // the reload of r0
	}
	subBase := 1 + bodyLen + p.EpilogueLen()
	for i, s := range subStarts {
		pc := 1 + k + len(tail) + i // absolute slot of this call
		calls[i] = asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal, Imm: int32(subBase + s - pc - 1)}
	}
	tail = append(tail, calls...)
	if len(calls) > 0 {
		tail = append(tail, asm.Instruction{OpCode: asm.ClassLDX | asm.ModeMEM | asm.SizeDW, Dst: asm.R0, Src: asm.RFP, Offset: p.savedR1Slot()})
	}
	shift := len(p.Body) - bodyLen
	q := *p
	q.Body = append(append(asm.Instructions(nil), p.Body[:k]...), tail...)
	for pc := 0; pc < k; pc++ {
		ins := &q.Body[pc]
		switch {
		case ins.OpCode == asm.OpCall && ins.Src == asm.CallLocal:
			ins.Imm -= int32(shift)
		case ins.OpCode == asm.OpJA32:
			ins.Imm = int32(min(pc+1+int(ins.Imm), k) - pc - 1)
		case ins.OpCode.IsJump() && ins.OpCode != asm.OpExit && ins.OpCode != asm.OpCall:
			ins.Offset = int16(min(pc+1+int(ins.Offset), k) - pc - 1)
		}
	}
	return q
}

// stackInitEnd returns the length of the body's straight-line start that
// writes the whole stack area: shorter prefixes would compare garbage.
func stackInitEnd(p *Program) int {
	written := make([]bool, p.StackSize)
	left := p.StackSize
	for pc, ins := range p.Body {
		c := ins.OpCode.Class()
		if (c == asm.ClassST || c == asm.ClassSTX) && ins.Dst == asm.RFP {
			for i := 0; i < asm.SizeBytes(ins.OpCode.Size()); i++ {
				if b := int(ins.Offset) + i + p.StackSize; b >= 0 && b < p.StackSize && !written[b] {
					written[b] = true
					left--
				}
			}
		}
		if left == 0 {
			return pc + 1
		}
	}
	return len(p.Body)
}

// initAtCut returns the registers written on every path from the body's
// start to slot k, when jumps past k are cut short to land on k.
func initAtCut(body asm.Instructions, k int) uint16 {
	const all = 1<<10 - 1
	in := make([]uint16, k+1)
	for i := range in {
		in[i] = all
	}
	in[0] = 0
	for pc := 0; pc < k; pc++ {
		ins := body[pc]
		out := in[pc]
		op := ins.OpCode
		switch {
		case op.IsALU(), op.Class() == asm.ClassLDX, op.Class() == asm.ClassLD:
			out |= 1 << ins.Dst
		case op.Class() == asm.ClassSTX && op.Mode() == asm.ModeATOMIC:
			if ins.Imm == asm.AtomicCmpXchg {
				out |= 1
			} else if ins.Imm&asm.AtomicFetch != 0 {
				out |= 1 << ins.Src
			}
		case op == asm.OpCall:
			out = out&^0b111110 | 1
		}
		if target, ok := ins.JumpTarget(pc); ok && op != asm.OpCall {
			in[min(target, k)] &= out
			if op == asm.OpJA || op == asm.OpJA32 {
				continue // no fall-through
			}
		}
		next := pc + ins.Width()
		in[min(next, k)] &= out
		pc = next - 1
	}
	return in[k]
}

// firstDivergence finds the shortest prefix of p's body after which gbpf
// and the kernel disagree, and describes it: the last instruction of that
// prefix is the likely culprit.
func firstDivergence(p *Program, m *kernel.ValueMap) string {
	prevAgreed := -1
	for k := stackInitEnd(p); k <= len(p.Body); k++ {
		if k > 0 && p.Body[k-1].IsLoadImm64() {
			continue // would split a lddw
		}
		q := truncate(p, k)
		report, err := compare(&q, m)
		switch {
		case err != nil:
			continue
		case report == "":
			prevAgreed = k
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "first divergence after body slot %d (last agreeing prefix: %d slots)\n", k-1, prevAgreed)
		if prevAgreed >= 0 {
			q0 := truncate(p, prevAgreed)
			_, before, _ := runBoth(&q0, m)
			fmt.Fprintf(&b, "state before (gbpf = kernel):\n%s", before)
		}
		text, _ := asm.FormatInstruction(p.Body, k-1, asm.SyntaxLLVM)
		fmt.Fprintf(&b, "instruction: %s\nstate after:\n%s", text, report)
		return b.String()
	}
	return "no prefix of the body diverges"
}

// runBoth returns the agreed result block of p, formatted.
func runBoth(p *Program, m *kernel.ValueMap) (bool, string, error) {
	_, val, err := m.Run(p.Kernel(m.LoadAddr(asm.R1, 0)), nil, sentinel)
	if err != nil {
		return false, "", err
	}
	return true, diffResults(val[:p.ResultSize()], val[:p.ResultSize()]), nil
}

// TestTruncatedProgramsAgree checks the truncation firstDivergence relies
// on: every cut of a program must load, and gbpf and the kernel must agree
// on the state there.
func TestTruncatedProgramsAgree(t *testing.T) {
	requireKernel(t)
	m, err := kernel.NewValueMap(maxResultSize)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for seed := int64(0); seed < 20; seed++ {
		p := Generate(seed, Config{})
		for k := stackInitEnd(&p); k <= len(p.Body); k += 7 {
			if p.Body[k-1].IsLoadImm64() {
				k++
			}
			q := truncate(&p, k)
			if err := q.Gbpf().Validate(); err != nil {
				t.Fatalf("seed %d cut %d: %v", seed, k, err)
			}
			report, err := compare(&q, m)
			if err != nil {
				t.Fatalf("seed %d cut %d: %v", seed, k, err)
			}
			if report != "" {
				t.Fatalf("seed %d cut %d: gbpf and the kernel disagree:\n%s", seed, k, report)
			}
		}
	}
}
