package verifier

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/loader"
	"github.com/gbpf/gbpf/internal/maps"
)

// TestRules runs small programs, each accepted or rejected for one rule.
func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		typ        ebpf.ProgramType
		reject     string // substring of the reason; "" means accepted
	}{
		{"return_const", "r0 = 0\nexit", ebpf.XDP, ""},
		{"r0_unset", "exit", ebpf.XDP, "R0 !read_ok"},
		{"uninit_reg", "r0 = r2\nexit", ebpf.XDP, "R2 !read_ok"},
		{"fp_read_only", "r10 = 0\nr0 = 0\nexit", ebpf.XDP, "frame pointer is read only"},
		{"fall_off", "r0 = 0", ebpf.XDP, "off the end"},
		{"unreachable", "r0 = 0\nexit\nr0 = 1\nexit", ebpf.XDP, "unreachable insn 2"},
		{"div_zero_imm", "r0 = 1\nr0 /= 0\nexit", ebpf.XDP, "div by zero"},
		{"bad_shift", "r0 = 1\nr0 <<= 64\nexit", ebpf.XDP, "invalid shift 64"},
		{"stack_ok", "r1 = 5\n*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit", ebpf.XDP, ""},
		{"stack_oob", "r1 = 5\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit", ebpf.XDP, "invalid write to stack"},
		{"stack_misaligned", "r1 = 5\n*(u64 *)(r10 - 12) = r1\nr0 = 0\nexit", ebpf.XDP, "misaligned stack access"},
		{"pkt_unchecked", "r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit", ebpf.XDP, "invalid access to packet"},
		{"pkt_checked", "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\nr0 = 0\nif r4 > r3 goto +1\nr0 = *(u8 *)(r2 + 13)\nexit", ebpf.XDP, ""},
		{"pkt_off_by_one", "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\nr0 = 0\nif r4 > r3 goto +1\nr0 = *(u8 *)(r2 + 14)\nexit", ebpf.XDP, "invalid access to packet"},
		{"ctx_write_xdp", "r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit", ebpf.XDP, "invalid bpf_context access"},
		{"ctx_egress", "r0 = *(u32 *)(r1 + 20)\nexit", ebpf.XDP, "invalid bpf_context access"},
		{"ctx_tc_mark_write", "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit", ebpf.SchedCLS, ""},
		{"ctx_socket_data", "r0 = *(u32 *)(r1 + 76)\nexit", ebpf.SocketFilter, "invalid bpf_context access"},
		{"map_null", "r1 = 5\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_a ll\ncall 1\nr0 = *(u64 *)(r0 + 0)\nexit", ebpf.XDP, "map_value_or_null"},
		{"map_const_key", "r1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map_a ll\ncall 1\nr0 = *(u64 *)(r0 + 0)\nexit", ebpf.XDP, ""},
		{"map_checked", "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_a ll\ncall 1\nif r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 0)\nexit", ebpf.XDP, ""},
		{"map_oob", "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_a ll\ncall 1\nif r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 4)\nexit", ebpf.XDP, "invalid access to map value"},
		{"helper_arg_type", "call 113\nr0 = 0\nexit", ebpf.XDP, "expected=fp"},
		{"helper_wrong_prog", "r1 = r1\ncall 9\nr0 = 0\nexit", ebpf.XDP, "cannot use helper"},
		{"infinite_loop", "r0 = 0\nif r0 == 0 goto -1\nexit", ebpf.XDP, "infinite loop"},
		{"bounded_loop", "r0 = 0\nr0 += 1\nif r0 < 10 goto -2\nexit", ebpf.XDP, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.ReplaceAll(tc.text, "map_a ll", "0 ll")
			insns, err := asm.Assemble(text, asm.SyntaxLLVM)
			if err != nil {
				t.Fatal(err)
			}
			p := &loader.Program{Name: tc.name, Type: tc.typ, Insns: insns, Funcs: map[int]string{}}
			for i, ins := range insns {
				if ins.IsLoadImm64() && strings.Contains(tc.text, "map_a") && ins.Imm == 0 && ins.Dst == asm.R1 {
					p.Insns[i].Src = asm.PseudoMapFD
					p.Relocs = append(p.Relocs, loader.Reloc{Slot: i, Map: "a"})
				}
			}
			cfg := &Config{Type: tc.typ, Maps: map[string]*maps.Spec{"a": {Name: "a", Type: maps.Type(ebpf.Array), KeySize: 4, ValueSize: 8, MaxEntries: 4}}}
			_, err = Verify(p, cfg)
			switch {
			case tc.reject == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tc.reject != "" && err == nil:
				t.Errorf("accepted, want %q", tc.reject)
			case tc.reject != "" && !strings.Contains(err.Error(), tc.reject):
				t.Errorf("rejected with %v, want %q", err, tc.reject)
			}
		})
	}
}
