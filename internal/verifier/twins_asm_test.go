package verifier

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/asm"
)

// asmTwins are twins written as raw instructions: control flow that no
// compiler or ELF object produces. TestTwins runs them with the others.
var asmTwins = []struct {
	name, text string
	typ        ebpf.ProgramType
	kernelMsg  string // for bad_ twins: the kernel's reason
}{
	{"ok_cfg_jump_range", "r0 = 0\nif r0 == 0 goto +0\nexit", ebpf.XDP, ""},
	{"bad_cfg_jump_range", "r0 = 0\nif r0 == 0 goto +1\nexit", ebpf.XDP, "jump out of range from insn 1 to 3"},
	{"ok_cfg_jump_lddw", "r0 = 0\nif r0 == 0 goto +2\nr1 = 0x100000000 ll\nexit", ebpf.XDP, ""},
	{"bad_cfg_jump_lddw", "r0 = 0\nif r0 == 0 goto +1\nr1 = 0x100000000 ll\nexit", ebpf.XDP, "jump into the middle of ldimm64 insn 2"},
	{"ok_cfg_call_range", "call pc+2\nr0 = 0\nexit\nr0 = 1\nexit", ebpf.XDP, ""},
	{"bad_cfg_call_range", "call pc+9\nr0 = 0\nexit\nr0 = 1\nexit", ebpf.XDP, "call to invalid destination"},
	{"ok_cfg_loop_forever", "r0 = 0\nr0 += 1\nif r0 < 4 goto -2\nexit", ebpf.XDP, ""},
	{"bad_cfg_loop_forever", "r0 = 0\nr0 += 0\nif r0 < 4 goto -2\nexit", ebpf.XDP, "infinite loop detected"},
	{"ok_cfg_opcode", ".insn 0x00000000000000b7\nexit", ebpf.XDP, ""},
	{"bad_cfg_opcode", ".insn 0x00000000000000b7\n.insn 0x00000000000000f7\nexit", ebpf.XDP, "unknown opcode f7"},
	{"ok_cfg_reserved_fields", "r0 = 0\n.insn 0x0000000000000095", ebpf.SocketFilter, ""},
	{"bad_cfg_reserved_fields", "r0 = 0\n.insn 0x0000000100000095", ebpf.SocketFilter, "BPF_EXIT uses reserved fields"},
}

func init() {
	for _, tc := range asmTwins {
		if tc.kernelMsg != "" {
			twinKernelMsgs[tc.name] = tc.kernelMsg
		}
	}
}

// asmTwinPrograms assembles asmTwins, each into a collection of its own.
func asmTwinPrograms(t *testing.T) []twinProg {
	var out []twinProg
	for _, tc := range asmTwins {
		insns, err := asm.Assemble(tc.text, asm.SyntaxLLVM)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		cins, err := casm.AppendInstructions(nil, bytes.NewReader(insns.Encode()), binary.LittleEndian, "linux")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		spec := &ebpf.CollectionSpec{
			Maps: map[string]*ebpf.MapSpec{},
			Programs: map[string]*ebpf.ProgramSpec{tc.name: {
				Name: tc.name, Type: tc.typ, License: "GPL", Instructions: cins,
			}},
		}
		out = append(out, twinProg{file: "asm", name: tc.name, spec: spec})
	}
	return out
}
