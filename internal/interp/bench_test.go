package interp

import (
	"testing"

	"github.com/gbpf/gbpf/asm"
)

// primeProgram is the bpf_conformance suite's prime test (is 67 prime?),
// a division-heavy loop of 655 executed instructions.
func primeProgram() asm.Instructions {
	return prog(
		alu64K(asm.ALUMov, 1, 67),
		alu64K(asm.ALUMov, 0, 1),
		alu64K(asm.ALUMov, 2, 2),
		jmp(asm.JumpGT, 1, 2, 4),
		asm.Instruction{OpCode: asm.OpJA, Offset: 10},
		alu64K(asm.ALUAdd, 2, 1), // loop:
		alu64K(asm.ALUMov, 0, 1),
		jmpX(asm.JumpGE, 2, 1, 7),
		alu64X(asm.ALUMov, 3, 1), // check:
		alu64X(asm.ALUDiv, 3, 2),
		alu64X(asm.ALUMul, 3, 2),
		alu64X(asm.ALUMov, 4, 1),
		alu64X(asm.ALUSub, 4, 3),
		alu64K(asm.ALUMov, 0, 0),
		jmp(asm.JumpNE, 4, 0, -10),
		ret(),
	)
}

// executedInstructions finds how many instructions a run executes: the
// smallest budget it completes within.
func executedInstructions(tb testing.TB, insns asm.Instructions, mem []byte) uint64 {
	tb.Helper()
	lo, hi := uint64(1), uint64(DefaultBudget)
	for lo < hi {
		mid := (lo + hi) / 2
		p, err := New(insns, &Options{Budget: mid})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := p.Run(mem); err == nil {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func TestPrime(t *testing.T) {
	if got := mustRun(t, primeProgram(), nil, nil); got != 1 {
		t.Fatalf("prime(67) = %d", got)
	}
	if n := executedInstructions(t, primeProgram(), nil); n != 655 {
		t.Fatalf("prime executes %d instructions, want 655", n)
	}
}

func BenchmarkPrime(b *testing.B) {
	insns := primeProgram()
	n := executedInstructions(b, insns, nil)
	p, err := New(insns, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Run(nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/insn")
}
