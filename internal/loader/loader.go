// Package loader adapts cilium/ebpf's CollectionSpec (what its ELF reader
// and bpf2go produce) to gbpf's own model: programs as raw instruction
// slots with their map references and source lines, maps as maps.Spec with
// their initial contents. It is the one place that knows cilium's types.
package loader

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gbpf/gbpf/asm"
)

// ErrUnsupported is wrapped by errors for object features gbpf cannot run.
var ErrUnsupported = errors.New("unsupported")

// Program is one program of a collection, linked with the functions it
// calls, as raw slots.
type Program struct {
	Name    string
	Section string
	Type    ebpf.ProgramType
	Attach  ebpf.AttachType
	License string
	Insns   asm.Instructions
	// Relocs are the slots whose 64-bit immediate load names a map; the
	// loader of a collection patches in the map's address.
	Relocs []Reloc
	// Lines holds the source line of each slot (nil where unknown); BTF
	// line info names only the first slot of each line, later ones inherit.
	Lines []*btf.Line
	// Funcs names the functions by their first slot, for error messages.
	Funcs map[int]string
	// FuncTypes are the functions' BTF (prototype and linkage) by first
	// slot, when the object has BTF.
	FuncTypes map[int]*btf.Func
	// Kfuncs are the slots that call kernel functions, by name; the
	// collection loader resolves them (their immediates are 0 here).
	Kfuncs []KfuncCall
}

// KfuncCall is a call of a kernel function by name.
type KfuncCall struct {
	Slot int
	Name string
}

// Reloc is a reference from a lddw slot to a map.
type Reloc struct {
	Slot  int    // index of the lddw's first slot
	Map   string // map name in the collection spec
	Value bool   // the address of the map's value (global data), not the map
	Off   uint32 // offset into the value, for Value
}

// ConvertProgram turns a cilium ProgramSpec into slots. spec is not
// modified.
func ConvertProgram(spec *ebpf.ProgramSpec) (*Program, error) {
	insns := slices.Clone(spec.Instructions)
	for i := range insns {
		ins := &insns[i]
		switch {
		case ins.IsKfuncCall():
			// Marshal would want a BTF id; the name is kept in Kfuncs.
			ins.Constant = 0
		case ins.OpCode.IsDWordLoad() && ins.Src == casm.PseudoMapFD && ins.Reference() == "":
			return nil, fmt.Errorf("program %s: instruction %d loads a map by file descriptor without naming it: %w", spec.Name, i, ErrUnsupported)
		}
		if ins.IsLoadFromMap() && ins.Reference() != "" {
			// Marshal would want a file descriptor; the reference is kept in
			// Relocs and the constant patched later.
			ins.Constant &= ^int64(0xffffffff)
		}
	}
	var buf bytes.Buffer
	if err := insns.Marshal(&buf, binary.LittleEndian); err != nil {
		return nil, fmt.Errorf("program %s: %w", spec.Name, err)
	}
	raw, err := asm.DecodeAll(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("program %s: %w", spec.Name, err)
	}
	p := &Program{
		Name:    spec.Name,
		Section: spec.SectionName,
		Type:    spec.Type,
		Attach:  spec.AttachType,
		License: spec.License,
		Insns:   raw,
		Lines:   make([]*btf.Line, len(raw)),
		Funcs:   map[int]string{},
	}
	var line *btf.Line
	iter := insns.Iterate()
	for iter.Next() {
		ins, slot := iter.Ins, int(iter.Offset)
		if src, ok := ins.Source().(*btf.Line); ok {
			line = src
		}
		p.Lines[slot] = line
		if ins.OpCode.IsDWordLoad() {
			p.Lines[slot+1] = line
		}
		if sym := ins.Symbol(); sym != "" {
			p.Funcs[slot] = sym
		}
		if fn := btf.FuncMetadata(ins); fn != nil {
			if p.FuncTypes == nil {
				p.FuncTypes = map[int]*btf.Func{}
			}
			p.FuncTypes[slot] = fn
		}
		if ins.IsKfuncCall() {
			p.Kfuncs = append(p.Kfuncs, KfuncCall{Slot: slot, Name: ins.Reference()})
		}
		if ins.IsLoadFromMap() && ins.Reference() != "" {
			r := Reloc{Slot: slot, Map: ins.Reference()}
			if ins.Src == casm.PseudoMapValue {
				r.Value = true
				r.Off = uint32(uint64(ins.Constant) >> 32)
			}
			p.Relocs = append(p.Relocs, r)
		}
	}
	return p, nil
}

// SourceLine renders the source position of slot pc as "file.c:42", or ""
// when the object has no line info for it.
func (p *Program) SourceLine(pc int) string {
	if pc < 0 || pc >= len(p.Lines) || p.Lines[pc] == nil {
		return ""
	}
	l := p.Lines[pc]
	name := l.FileName()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return fmt.Sprintf("%s:%d", name, l.LineNumber())
}

// FuncAt names the function that slot pc belongs to.
func (p *Program) FuncAt(pc int) string {
	best, name := -1, p.Name
	for start, sym := range p.Funcs {
		if start <= pc && start > best {
			best, name = start, sym
		}
	}
	return name
}

// MapContents returns the initial contents of a map spec, with the
// collection's variables written into global data sections (so that a
// user's VariableSpec.Set before loading takes effect, as in cilium/ebpf).
func MapContents(name string, ms *ebpf.MapSpec, vars map[string]*ebpf.VariableSpec) ([]ebpf.MapKV, error) {
	if _, ok := ms.Value.(*btf.Datasec); !ok || len(ms.Contents) != 1 {
		return ms.Contents, nil
	}
	data, ok := ms.Contents[0].Value.([]byte)
	if !ok {
		return nil, fmt.Errorf("map %s: data section contents are %T, not bytes", name, ms.Contents[0].Value)
	}
	data = slices.Clone(data)
	var sec []*ebpf.VariableSpec
	for _, v := range vars {
		if v.SectionName == name {
			sec = append(sec, v)
		}
	}
	sort.Slice(sec, func(i, j int) bool { return sec[i].Offset < sec[j].Offset })
	for _, v := range sec {
		end := int(v.Offset) + len(v.Value)
		if end > len(data) {
			return nil, fmt.Errorf("map %s: variable %s ends past the section", name, v.Name)
		}
		copy(data[v.Offset:end], v.Value)
	}
	return []ebpf.MapKV{{Key: uint32(0), Value: data}}, nil
}
