package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/loader"
)

// disasmObject prints the programs of an ELF object: the one --prog names,
// or every program, each under a comment header. Instruction indexes,
// source lines from BTF line info and map references appear as comments,
// so the text still reassembles to the same bytes.
func disasmObject(w io.Writer, path string, b []byte, prog string, syn asm.Syntax) error {
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
	lastLine := ""
	for pc := 0; pc < len(lp.Insns); {
		if fn, ok := lp.Funcs[pc]; ok {
			fmt.Fprintf(w, "; %s:\n", fn)
		}
		if l := lp.Lines[pc]; l != nil {
			where := lp.SourceLine(pc)
			if text := strings.TrimSpace(l.Line()); where != lastLine && text != "" {
				fmt.Fprintf(w, "; %s: %s\n", where, text)
			}
			lastLine = where
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

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
