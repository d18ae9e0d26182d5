package progen

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
)

func TestGenerateIsDeterministic(t *testing.T) {
	for seed := int64(0); seed < 50; seed++ {
		a, b := Generate(seed, Config{}), Generate(seed, Config{})
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: two programs differ", seed)
		}
	}
	if reflect.DeepEqual(Generate(1, Config{}), Generate(2, Config{})) {
		t.Error("seeds 1 and 2 give the same program")
	}
}

// TestVariantsShareTheBody checks that the kernel and gbpf variants are
// well formed and differ only in how the epilogue finds the result buffer.
func TestVariantsShareTheBody(t *testing.T) {
	loadOut := asm.LoadImm64Pseudo(asm.R1, asm.PseudoMapValue, 3)
	for _, s := range shapes {
		for seed := int64(0); seed < 200; seed++ {
			p := Generate(seed, s.cfg)
			k, g := p.Kernel(loadOut), p.Gbpf()
			for name, insns := range map[string]asm.Instructions{"kernel": k, "gbpf": g} {
				if err := insns.Validate(); err != nil {
					t.Fatalf("%s seed %d: %s variant is malformed: %v", s.name, seed, name, err)
				}
			}
			if len(k) != len(g) {
				t.Fatalf("%s seed %d: variants have %d and %d slots", s.name, seed, len(k), len(g))
			}
			var diff []int
			for i := range k {
				if k[i] != g[i] {
					diff = append(diff, i)
				}
			}
			// Only the two slots that load the result pointer differ.
			at := 1 + len(p.Body) + 1
			if !reflect.DeepEqual(diff, []int{at, at + 1}) {
				t.Fatalf("%s seed %d: variants differ at slots %v, want only %d and %d", s.name, seed, diff, at, at+1)
			}
		}
	}
}

// TestGbpfRunsGenerated runs the gbpf variant of many programs: they must
// run to completion, deterministically, and write the whole result block.
// It needs no kernel.
func TestGbpfRunsGenerated(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	for _, s := range shapes {
		for seed := int64(0); seed < int64(n/s.share); seed++ {
			p := Generate(seed, s.cfg)
			prog, err := interp.New(p.Gbpf(), nil)
			if err != nil {
				t.Fatalf("%s seed %d: %v", s.name, seed, err)
			}
			var results [2][]byte
			for i, fill := range []byte{0x00, 0xff} {
				mem := bytes.Repeat([]byte{fill}, p.ResultSize())
				if _, err := prog.Run(mem); err != nil {
					t.Fatalf("%s seed %d: %v\n%s", s.name, seed, err, listing(p.Gbpf()))
				}
				results[i] = mem
			}
			if !bytes.Equal(results[0], results[1]) {
				t.Fatalf("%s seed %d: the result depends on the buffer's previous contents", s.name, seed)
			}
		}
	}
}

// TestGeneratorCoverage requires every instruction form the generator is
// meant to produce to appear in a few hundred programs.
func TestGeneratorCoverage(t *testing.T) {
	var cov coverage
	for seed := int64(0); seed < 300; seed++ {
		p := Generate(seed, Config{})
		cov.add(p.Body)
		cov.add(p.Subprogs)
	}
	var missing []string
	for _, form := range expectedForms() {
		if cov.counts[form] == 0 {
			missing = append(missing, form)
		}
	}
	if len(missing) > 0 {
		t.Errorf("forms never generated: %v", missing)
	}
	if testing.Verbose() {
		t.Log(cov.String())
	}
}

// expectedForms lists, in the notation of describe, every form generated.
func expectedForms() []string {
	var forms []string
	add := func(op asm.OpCode, suffix string) {
		forms = append(forms, fmt.Sprintf("op=%#02x%s", uint8(op), suffix))
	}
	for _, class := range []asm.OpCode{asm.ClassALU, asm.ClassALU64} {
		for _, op := range aluOps {
			for _, src := range []asm.OpCode{asm.SrcK, asm.SrcX} {
				add(class|op|src, "")
				if op == asm.ALUDiv || op == asm.ALUMod {
					add(class|op|src, " off=1")
				}
			}
		}
		add(class|asm.ALUNeg, "")
		add(class|asm.ALUMov|asm.SrcX, " off=8")
		add(class|asm.ALUMov|asm.SrcX, " off=16")
	}
	add(asm.ClassALU64|asm.ALUMov|asm.SrcX, " off=32")
	for _, imm := range []string{" imm=16", " imm=32", " imm=64"} {
		add(asm.ClassALU|asm.ALUEnd|asm.EndToLE, imm)
		add(asm.ClassALU|asm.ALUEnd|asm.EndToBE, imm)
		add(asm.OpBswap, imm)
	}
	for _, class := range []asm.OpCode{asm.ClassJMP, asm.ClassJMP32} {
		for _, op := range jumpOps {
			add(class|op|asm.SrcK, "")
			add(class|op|asm.SrcX, "")
		}
	}
	add(asm.OpJA, "")
	add(asm.OpJA32, "")
	add(asm.OpCall, " src=1")
	add(asm.OpExit, "")
	add(asm.OpLoadImm64, "")
	for _, size := range []asm.OpCode{asm.SizeB, asm.SizeH, asm.SizeW, asm.SizeDW} {
		add(asm.ClassST|asm.ModeMEM|size, "")
		add(asm.ClassSTX|asm.ModeMEM|size, "")
		add(asm.ClassLDX|asm.ModeMEM|size, "")
		if size != asm.SizeDW {
			add(asm.ClassLDX|asm.ModeMEMSX|size, "")
		}
	}
	for _, op := range []asm.OpCode{asm.OpAtomicW, asm.OpAtomicDW} {
		for _, imm := range atomicOps {
			add(op, fmt.Sprintf(" imm=%#02x", uint32(imm)))
		}
	}
	return forms
}
