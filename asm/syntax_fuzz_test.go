package asm

import (
	"bytes"
	"path/filepath"
	"testing"
)

// fuzzSeeds are programs in both syntaxes for the assembler fuzz targets.
var fuzzSeeds = []string{
	"mov32 %r0, 1\nlock fetch add32 [%r10-8], %r1\nlddw %r1, map_value 5 16\njeq %r1, 2, exit\nexit",
	"L: ldxw %r0, [%r1+2]\nstb [%r1-2], 0x11\njne32 %r1, %r2, L\ncall local L\nja32 L\nexit",
	"movsx1632 %r2, %r3\nbe16 %r0\nbswap64 %r0\nsdiv %r0, -3\ncall %r2\ncall runtime 7, 2\nldindh %r1, 12\n.insn 0xff",
	"r0 = *(u32 *)(r1 + 4)\n*(u64 *)(r10 - 8) = r1\nif w1 s< 5 goto -3\nr1 = 0x1122334455667788 ll\nexit",
	"r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)\nw0 = cmpxchg32_32(r10 - 8, w0, w1)\nr0 = (s8)r1\nr1 = map_idx_value(0) + 8 ll",
	"out: call pc+3\ncall kfunc 1234\nr0 = *(u16 *)skb[r1 + 12]\ngotol out\n  12:\t85 00 00 00 05 00 00 00\tcall 5",
}

// FuzzDisassembleRoundTrip checks that any bytes disassemble, in either
// syntax, to text that assembles back to the same bytes.
func FuzzDisassembleRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		for _, syn := range syntaxes {
			if insns, err := Assemble(s, syn); err == nil {
				f.Add(insns.Encode())
			}
		}
	}
	f.Add(mustHex(f, "18 01 00 00 05 00 00 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		insns, err := DecodeAll(b[:len(b)/InstructionSize*InstructionSize])
		if err != nil {
			t.Fatal(err)
		}
		for _, syn := range syntaxes {
			checkRoundTrip(t, insns, syn)
		}
	})
}

func fuzzAssemble(f *testing.F, syn Syntax) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	// The conformance suite's programs, in both syntaxes, when present.
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*.data"))
	for _, path := range files {
		if text, err := readConformanceAsm(path); err == nil {
			if insns, err := Assemble(text, SyntaxConformance); err == nil {
				f.Add(Disassemble(insns, syn))
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		insns, err := Assemble(text, syn)
		if err != nil {
			return
		}
		// Reassembling the disassembly is the identity, in both syntaxes.
		for _, out := range syntaxes {
			got, err := Assemble(Disassemble(insns, out), out)
			if err != nil || !bytes.Equal(got.Encode(), insns.Encode()) {
				t.Fatalf("%v: %q assembles to %x; its %v disassembly gives %x, %v", syn, text, insns.Encode(), out, got.Encode(), err)
			}
		}
	})
}

// FuzzAssembleConformance feeds any text to the conformance assembler: it
// must fail or round-trip, never panic.
func FuzzAssembleConformance(f *testing.F) { fuzzAssemble(f, SyntaxConformance) }

// FuzzAssembleLLVM feeds any text to the LLVM assembler: it must fail or
// round-trip, never panic.
func FuzzAssembleLLVM(f *testing.F) { fuzzAssemble(f, SyntaxLLVM) }
