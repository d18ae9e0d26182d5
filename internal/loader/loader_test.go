package loader

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/asm"
)

func loadSpec(t *testing.T, name string) *ebpf.CollectionSpec {
	t.Helper()
	spec, err := ebpf.LoadCollectionSpec("../../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestConvertProgram(t *testing.T) {
	spec := loadSpec(t, "xdp_firewall.o")
	ps := spec.Programs["xdp_firewall"]
	p, err := ConvertProgram(ps)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Insns.Validate(); err != nil {
		t.Fatalf("converted program does not validate: %v", err)
	}
	if len(p.Lines) != len(p.Insns) || p.Lines[0] == nil {
		t.Errorf("line info: %d lines for %d slots", len(p.Lines), len(p.Insns))
	}
	if src := p.SourceLine(0); !strings.HasPrefix(src, "xdp_firewall.c:") {
		t.Errorf("SourceLine(0) = %q", src)
	}
	if p.FuncAt(0) != "xdp_firewall" || len(p.Funcs) < 2 {
		t.Errorf("functions %v", p.Funcs)
	}
	maps, values := 0, 0
	for _, r := range p.Relocs {
		ins := p.Insns[r.Slot]
		if !ins.IsLoadImm64() {
			t.Fatalf("reloc at slot %d is %v", r.Slot, ins)
		}
		if spec.Maps[r.Map] == nil {
			t.Errorf("reloc names unknown map %q", r.Map)
		}
		if r.Value {
			values++
			if ins.Src != asm.PseudoMapValue {
				t.Errorf("value reloc at %d has src %d", r.Slot, ins.Src)
			}
		} else {
			maps++
		}
	}
	if maps == 0 || values == 0 {
		t.Errorf("relocations: %d maps, %d global data values", maps, values)
	}
	// Subprogram calls resolve inside the program.
	calls := 0
	for pc, ins := range p.Insns {
		if ins.OpCode == asm.OpCall && ins.Src == asm.CallLocal {
			calls++
			if target := pc + 1 + int(ins.Imm); p.Funcs[target] == "" {
				t.Errorf("call at %d lands on %d, no function there", pc, target)
			}
		}
	}
	if calls == 0 {
		t.Error("no bpf-to-bpf calls found")
	}
	// The spec is not modified.
	if ps.Instructions[0].Constant != spec.Programs["xdp_firewall"].Instructions[0].Constant {
		t.Error("spec changed")
	}
}

func TestConvertKeepsKfuncNames(t *testing.T) {
	ps := &ebpf.ProgramSpec{Name: "k", Type: ebpf.XDP, Instructions: casm.Instructions{
		casm.Mov.Imm(casm.R0, 0),
		casm.Instruction{OpCode: casm.OpCode(casm.JumpClass).SetJumpOp(casm.Call), Src: casm.PseudoKfuncCall, Constant: -1}.WithReference("bpf_kfunc"),
		casm.Return(),
	}}
	p, err := ConvertProgram(ps)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Kfuncs) != 1 || p.Kfuncs[0] != (KfuncCall{Slot: 1, Name: "bpf_kfunc"}) {
		t.Errorf("kfunc calls %+v", p.Kfuncs)
	}
}

func TestMapContentsAppliesVariables(t *testing.T) {
	spec := loadSpec(t, "xdp_firewall.o")
	v := spec.Variables["min_ttl"]
	if v == nil {
		t.Fatal("no variable min_ttl")
	}
	if err := v.Set(uint8(9)); err != nil {
		t.Fatal(err)
	}
	contents, err := MapContents(v.SectionName, spec.Maps[v.SectionName], spec.Variables)
	if err != nil {
		t.Fatal(err)
	}
	data := contents[0].Value.([]byte)
	if data[v.Offset] != 9 {
		t.Errorf("min_ttl in .rodata = %d, want 9", data[v.Offset])
	}
	orig := spec.Maps[v.SectionName].Contents[0].Value.([]byte)
	if orig[v.Offset] == 9 {
		t.Error("MapContents changed the spec's bytes")
	}
}
