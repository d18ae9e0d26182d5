package verifier

import (
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/internal/loader"
)

// pruningPrograms are programs whose verification depends on pruning as
// much as the kernel's does, with the instructions Linux 6.18 processes
// for them (BPF_LOG_STATS, with CAP_BPF and CAP_PERFMON).
var pruningPrograms = []struct {
	obj, prog string
	kernel    int
}{
	// A state machine scanning 512 packet bytes: accepted only if dead
	// registers before the helper call after the loop are ignored and
	// states of iterations still being explored are forgotten when they
	// keep missing, as in the kernel's is_state_visited.
	{"../../testdata/verifier/pruning.o", "ok_prune_scan", 629522},
	// Nested option walks over packet bytes: pruned only where a saved
	// state's precise scalar linked by id covers a constant without one
	// (check_scalar_ids gives it a fresh id); 50,649 instructions before.
	{"../../testdata/verifier/tlv.o", "ok_tlv_walk", 22163},
}

// pruningSlack is how far gbpf's processed count may be from the
// kernel's: its states are saved, compared and forgotten where the
// kernel's are, so the counts are nearly the same.
const pruningSlack = 0.05

// TestPruningMatchesKernel checks that gbpf processes about as many
// instructions as the kernel for programs that stress state pruning: a
// weaker pruning shows here before it makes gbpf reject a program the
// kernel accepts.
func TestPruningMatchesKernel(t *testing.T) {
	live := kernel.Available() == nil
	for _, pp := range pruningPrograms {
		t.Run(pp.prog, func(t *testing.T) {
			spec, err := ebpf.LoadCollectionSpec(pp.obj)
			if err != nil {
				t.Fatal(err)
			}
			ps := spec.Programs[pp.prog]
			if ps == nil {
				t.Fatalf("no program %s in %s", pp.prog, pp.obj)
			}
			want := pp.kernel
			if live {
				ks, err := kernel.Verify(spec, pp.prog)
				if err != nil {
					t.Fatalf("kernel: %v", err)
				}
				if ks.Processed != want {
					t.Logf("the kernel processes %d instructions (recorded: %d)", ks.Processed, want)
				}
				want = ks.Processed
			}
			p, err := loader.ConvertProgram(ps)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Verify(p, ConfigFor(spec, ps))
			if err != nil {
				t.Fatalf("rejected, the kernel accepts it after %d instructions: %v", want, err)
			}
			lo, hi := float64(want)*(1-pruningSlack), float64(want)*(1+pruningSlack)
			if float64(res.Processed) < lo || float64(res.Processed) > hi {
				t.Errorf("processed %d instructions, the kernel %d", res.Processed, want)
			}
			t.Logf("processed %d instructions (kernel %d), %d states at the peak", res.Processed, want, res.PeakStates)
		})
	}
}

// liveAnalysis runs the control-flow checks and register liveness of the
// kernel's pre-verification passes on an assembled program.
func liveAnalysis(t *testing.T, text string) *verifier {
	t.Helper()
	insns, err := asm.Assemble(text, asm.SyntaxLLVM)
	if err != nil {
		t.Fatal(err)
	}
	p := &loader.Program{Name: "live", Type: ebpf.XDP, Insns: insns, Funcs: map[int]string{}}
	v := newVerifier(p, &Config{Type: ebpf.XDP})
	v.checkCFG()
	v.computeLiveness()
	return v
}

// TestLiveBeforeCalls checks that a helper call reads only the registers
// of its prototype's parameters (bpf_get_call_summary), so that values
// left in the others are dead for pruning, and that a bpf-to-bpf call
// reads r1-r5.
func TestLiveBeforeCalls(t *testing.T) {
	const r10 = 1 << 10
	for _, tc := range []struct {
		name, text string
		pc         int
		live       uint16
	}{
		// bpf_map_lookup_elem(map, key): r1 and r2; r3-r5 hold
		// leftovers the helper does not read.
		{"helper_two_args", "r3 = 1\nr4 = 2\nr5 = 3\nr2 = r10\nr2 += -8\nr1 = 0 ll\ncall 1\nr0 = 0\nexit", 7, 1<<1 | 1<<2 | r10},
		// bpf_ktime_get_ns(): nothing.
		{"helper_no_args", "r1 = 1\ncall 5\nexit", 1, r10},
		// bpf_tail_call(ctx, map, index): r1-r3.
		{"helper_three_args", "r3 = 0\nr2 = 0 ll\ncall 12\nr0 = 0\nexit", 3, 1<<1 | 1<<2 | 1<<3 | r10},
		// A bpf-to-bpf call may read all argument registers.
		{"subprog", "r1 = 1\ncall pc+2\nr0 = 0\nexit\nr0 = r5\nexit", 1, 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5 | r10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := liveAnalysis(t, tc.text)
			if got := v.live[tc.pc]; got != tc.live {
				t.Errorf("live before insn %d: %#x, want %#x", tc.pc, got, tc.live)
			}
		})
	}
}

// TestPrunePoints checks that states are compared where the kernel's
// check_cfg marks prune points: at a conditional jump and its target, at
// a goto's target and after a call, not after a conditional jump.
func TestPrunePoints(t *testing.T) {
	v := liveAnalysis(t, "r0 = 0\n"+ // 0
		"r1 = 1\n"+ //                     1
		"if r1 == 0 goto +2\n"+ //         2: prune point
		"r0 = 1\n"+ //                     3: fall-through, not one
		"goto +1\n"+ //                    4
		"r0 = 2\n"+ //                     5: jump target
		"call 5\n"+ //                     6: target of the goto
		"r0 = 0\n"+ //                     7: after a call
		"exit") //                         8
	want := map[int]bool{2: true, 5: true, 6: true, 7: true}
	for pc := range v.insns {
		if v.prune[pc] != want[pc] {
			t.Errorf("insn %d: prune point %v, want %v", pc, v.prune[pc], want[pc])
		}
	}
}
