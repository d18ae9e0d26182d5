package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/internal/loader"
	"github.com/gbpf/gbpf/internal/verifier"
)

// disasmObject prints the programs of an ELF object: the one --prog names,
// or every program, each under a comment header. Instruction indexes,
// source lines from BTF line info and map references appear as comments,
// so the text still reassembles to the same bytes.
func disasmObject(w io.Writer, path string, b []byte, prog string, syn asm.Syntax, withJIT bool) error {
	spec, err := loadObject(path, b)
	if err != nil {
		return err
	}
	var progs []*ebpf.ProgramSpec
	if prog != "" || len(spec.Programs) == 1 {
		ps, err := pickProgram(path, spec, prog)
		if err != nil {
			return err
		}
		progs = append(progs, ps)
	} else {
		for _, name := range sortedNames(spec.Programs) {
			progs = append(progs, spec.Programs[name])
		}
	}
	var coll *gbpf.Collection
	if withJIT {
		// The code a loaded collection runs, where the object loads (maps
		// resolved, the verifier's proofs used); otherwise a listing
		// compiled with placeholder addresses and every check.
		if c, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: gbpf.EngineJIT}); err == nil {
			defer c.Close()
			coll = c
		}
	}
	for i, ps := range progs {
		lp, err := loader.ConvertProgram(ps)
		if err != nil {
			return usageError("%s: %v", path, err)
		}
		if len(progs) > 1 {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "; program %s (section %s, %s)\n", ps.Name, ps.SectionName, typeName(ps.Type))
		}
		if withJIT && coll != nil {
			if insns, code, offsets, ok := coll.Programs[ps.Name].MachineCode(); ok {
				fmt.Fprintf(w, "; as loading compiles it (verified, maps and data at this run's addresses)\n")
				writeJITCode(w, insns, code, offsets, syn, func(pc int) []string { return sourceComments(lp, pc) })
				continue
			}
		}
		if withJIT {
			insns, err := jitInsns(lp)
			var safe []bool
			if err == nil {
				// What loading runs: a program the verifier accepts is
				// compiled without the checks its proof makes redundant.
				if _, verr := verifier.Verify(lp, verifier.ConfigFor(spec, ps)); verr == nil {
					safe = jit.ProvenSafe(insns)
					fmt.Fprintf(w, "; verified: only accesses that may go through the context are checked\n")
				} else {
					fmt.Fprintf(w, "; not verified (%v): every access is checked\n", verr)
				}
				err = writeJITListing(w, insns, syn, safe, func(pc int) []string { return sourceComments(lp, pc) })
			}
			if err != nil {
				return usageError("%s: program %s: %v", path, ps.Name, err)
			}
			continue
		}
		writeListing(w, lp, syn)
	}
	return nil
}

func writeListing(w io.Writer, lp *loader.Program, syn asm.Syntax) {
	maps := map[int]string{}
	for _, r := range lp.Relocs {
		if r.Value {
			maps[r.Slot] = fmt.Sprintf("%s+%d", r.Map, r.Off)
		} else {
			maps[r.Slot] = r.Map
		}
	}
	for pc := 0; pc < len(lp.Insns); {
		for _, line := range sourceComments(lp, pc) {
			fmt.Fprintln(w, line)
		}
		text, width := asm.FormatInstruction(lp.Insns, pc, syn)
		if width == 0 {
			break
		}
		note := fmt.Sprintf("; %d", pc)
		if m, ok := maps[pc]; ok {
			note += ": " + m
		}
		fmt.Fprintf(w, "\t%-40s %s\n", text, note)
		pc += width
	}
}

// sourceComments are the comment lines before slot pc: the function
// starting there, and its source line when it differs from the previous
// slot's.
func sourceComments(lp *loader.Program, pc int) []string {
	var out []string
	if fn, ok := lp.Funcs[pc]; ok {
		out = append(out, fmt.Sprintf("; %s:", fn))
	}
	if l := lp.Lines[pc]; l != nil {
		where := lp.SourceLine(pc)
		prev := ""
		for q := pc - 1; q >= 0; q-- {
			if lp.Lines[q] != nil {
				prev = lp.SourceLine(q)
				break
			}
		}
		if text := strings.TrimSpace(l.Line()); where != prev && text != "" {
			out = append(out, fmt.Sprintf("; %s: %s", where, text))
		}
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
