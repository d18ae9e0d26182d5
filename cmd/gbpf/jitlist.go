package main

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/env"
	"github.com/gbpf/gbpf/internal/jit/amd64"
	"github.com/gbpf/gbpf/internal/loader"
)

// Placeholders for what loading resolves: map references and global
// data addresses are only known in a loaded collection, and they only
// change the immediates of the listing.
const (
	placeholderMap  = 0xfff1_0000_0000_0000
	placeholderData = 0x7f00_0000_0000
)

// jitInsns resolves an object's program the way loading does, with
// placeholder addresses, so the JIT can compile it for a listing.
func jitInsns(lp *loader.Program) (asm.Instructions, error) {
	insns := append(asm.Instructions(nil), lp.Insns...)
	for _, r := range lp.Relocs {
		addr := uint64(placeholderMap)
		if r.Value {
			addr = placeholderData + uint64(r.Off)
		}
		pair := asm.LoadImm64(insns[r.Slot].Dst, addr)
		insns[r.Slot], insns[r.Slot+1] = pair[0], pair[1]
	}
	for _, k := range lp.Kfuncs {
		id, ok := env.Kfuncs[k.Name]
		if !ok {
			return nil, fmt.Errorf("instruction %d calls kernel function %s, which gbpf does not implement", k.Slot, k.Name)
		}
		insns[k.Slot] = asm.Instruction{OpCode: asm.OpCall, Src: asm.CallHelper, Imm: id}
	}
	return insns, nil
}

// writeJITListing prints each BPF instruction with the x86-64 code the
// JIT generates for it, then the stubs and out-of-line paths. source, if
// set, gives the comment lines before slot pc (function names, source).
func writeJITListing(w io.Writer, insns asm.Instructions, syn asm.Syntax, safe []bool, source func(pc int) []string) error {
	if err := insns.Validate(); err != nil {
		return err
	}
	c, err := amd64.Compile(insns, amd64.Options{Safe: safe})
	if err != nil {
		return err
	}
	writeJITCode(w, insns, c.Code, c.PCOffsets, syn, source)
	return nil
}

// writeJITCode lists code, compiled from insns with offsets[pc] where
// slot pc's code starts: the stubs before the first instruction, each
// instruction with its code, then the out-of-line paths.
func writeJITCode(w io.Writer, insns asm.Instructions, code []byte, offsets []int, syn asm.Syntax, source func(pc int) []string) {
	fmt.Fprintf(w, "; %d instructions, %d bytes of x86-64 code\n", len(insns), len(code))
	fmt.Fprintf(w, "; entry stub, exit stub and finish stub:\n")
	writeX86(w, code, 0, offsets[0])
	for pc := 0; pc < len(insns); {
		if source != nil {
			for _, line := range source(pc) {
				fmt.Fprintln(w, line)
			}
		}
		text, width := asm.FormatInstruction(insns, pc, syn)
		if width == 0 {
			break
		}
		fmt.Fprintf(w, "%-44s ; %d\n", text, pc)
		next := pc + width
		end := offsets[len(insns)]
		for n := next; n < len(insns); n++ {
			if offsets[n] >= 0 {
				end = offsets[n]
				break
			}
		}
		writeX86(w, code, offsets[pc], end)
		pc = next
	}
	if end := offsets[len(insns)]; end < len(code) {
		fmt.Fprintf(w, "; out-of-line paths (exits to Go):\n")
		writeX86(w, code, end, len(code))
	}
}

// writeX86 decodes code[from:to] and prints it, one instruction a line.
func writeX86(w io.Writer, code []byte, from, to int) {
	for at := from; at < to; {
		inst, err := x86asm.Decode(code[at:to], 64)
		if err != nil || inst.Len == 0 {
			fmt.Fprintf(w, "    %05x  %-30x (bytes)\n", at, code[at:to])
			return
		}
		raw := fmt.Sprintf("% x", code[at:at+inst.Len])
		fmt.Fprintf(w, "    %05x  %-30s %s\n", at, raw, strings.ToLower(x86asm.IntelSyntax(inst, uint64(at), nil)))
		at += inst.Len
	}
}
