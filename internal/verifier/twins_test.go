package verifier

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/internal/loader"
)

// The twins (testdata/verifier and asmTwins) are small programs, one rule
// each: ok_<topic> is safe and the kernel accepts it, bad_<topic> breaks
// the rule with one change and the kernel rejects it (with the message of
// twinKernelMsgs, so the twin fails for the rule it is named for).

// twinGaps are the twins on which gbpf's verifier and the kernel still
// disagree, with the reason. TestTwins fails when one of them starts to
// agree (remove it then) and when any other twin disagrees.
var twinGaps = map[string]string{
	// Accepted by gbpf, rejected by the kernel (soundness).
	// No verdict in time (the kernel rejects it in about a second).
	// Rejected by gbpf, accepted by the kernel.
}

// twinKernelMsgs holds, for every bad_ twin, a substring of the kernel's
// verifier log: the rule the kernel rejects it for (Linux 6.18, loaded
// with CAP_BPF and CAP_PERFMON).
var twinKernelMsgs = map[string]string{
	"bad_call_global":       "R1 invalid mem access 'mem_or_null'",
	"bad_call_ret_stack":    "cannot return stack pointer to the caller",
	"bad_helper_tail_stack": "tail_calls are not allowed when call stack of previous frames",
	"bad_license":           "cannot call GPL-restricted function from non-GPL compatible program",
	// cfg_regs.c
	"bad_cfg_reach":   "unreachable insn 2",
	"bad_cfg_end":     "last insn is not an exit or jmp",
	"bad_reg_r0":      "R0 !read_ok",
	"bad_reg_uninit":  "R2 !read_ok",
	"bad_reg_clobber": "R1 !read_ok",
	"bad_reg_fp":      "frame pointer is read only",
	"bad_cfg_ld_abs":  "BPF_LD_[ABS|IND] instructions not allowed for this program type",
	"bad_alu_div":     "div by zero",
	"bad_alu_shift":   "invalid shift 32",
	// bounds.c
	"bad_bounds_upper":  "invalid access to map value, value_size=128 off=128 size=8",
	"bad_bounds_mask":   "invalid access to map value, value_size=128 off=248 size=8",
	"bad_bounds_signed": "math between map_value pointer and register with unbounded min value is not allowed",
	"bad_bounds_jmp32":  "math between map_value pointer and register with unbounded min value is not allowed",
	"bad_bounds_arith":  "invalid access to map value, value_size=128 off=128 size=1",
	"bad_bounds_reg":    "invalid access to map value, value_size=128 off=128 size=1",
	"bad_bounds_stack":  "invalid variable-offset write to stack",
	"bad_bounds_shift":  "invalid access to map value, value_size=128 off=248 size=8",
	// bounds2.c
	"bad_bounds_jset":         "R6 max value is outside of the allowed memory range",
	"bad_bounds_sum":          "R6 max value is outside of the allowed memory range",
	"bad_bounds_sub":          "R6 min value is negative",
	"bad_bounds_eq":           "math between map_value pointer and register with unbounded min value is not allowed",
	"bad_bounds_reg_reg":      "R6 max value is outside of the allowed memory range",
	"bad_bounds_signed_cmp":   "R6 min value is negative",
	"bad_bounds_jmp32_signed": "R6 unbounded memory access",
	"bad_bounds_arsh":         "R6 min value is negative",
	"bad_bounds_mod":          "math between map_value pointer and register with unbounded min value is not allowed",
	"bad_bounds_alu32":        "value 4294967288 makes map_value pointer be out of bounds",
	"bad_bounds_mul":          "R6 max value is outside of the allowed memory range",
	"bad_bounds_or":           "R6 min value is outside of the allowed memory range",
	"bad_bounds_linked":       "R6 max value is outside of the allowed memory range",
	"bad_bounds_linked_off":   "R6 max value is outside of the allowed memory range",
	// nullcheck.c
	"bad_null_lookup":    "R0 invalid mem access 'map_value_or_null'",
	"bad_null_two":       "R0 invalid mem access 'map_value_or_null'",
	"bad_null_copy":      "R7 invalid mem access 'scalar'",
	"bad_null_arith":     "R0 pointer arithmetic on map_value_or_null prohibited",
	"bad_null_inner":     "R0 invalid mem access 'map_value_or_null'",
	"bad_null_outer":     "R1 type=map_value_or_null expected=map_ptr",
	"bad_null_ringbuf":   "R6 invalid mem access 'ringbuf_mem_or_null'",
	"bad_null_eq_ptr":    "R0 invalid mem access 'map_value_or_null'",
	"bad_null_array_key": "R0 invalid mem access 'map_value_or_null'",
	// packet.c
	"bad_pkt_eth":       "invalid access to packet, off=13 size=1, R1(id=0,off=13,r=13)",
	"bad_pkt_check":     "invalid access to packet, off=0 size=1, R1(id=0,off=0,r=0)",
	"bad_pkt_varoff":    "invalid access to packet, off=16 size=2, R1(id=1,off=16,r=0)",
	"bad_pkt_varmax":    "invalid access to packet, off=0 size=1, R2(id=1,off=0,r=0)",
	"bad_pkt_jmp32":     "invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)",
	"bad_pkt_end_arith": "R3 pointer arithmetic on pkt_end prohibited",
	"bad_pkt_meta":      "invalid access to packet, off=0 size=4, R1(id=0,off=0,r=2)",
	"bad_pkt_stale_tc":  "R7 invalid mem access 'scalar'",
	"bad_pkt_stale_xdp": "R7 invalid mem access 'scalar'",
	"bad_pkt_key":       "invalid access to packet, off=26 size=4, R2(id=0,off=26,r=28)",
	"bad_pkt_helper":    "helper access to the packet is not allowed",
	"bad_pkt_socket":    "invalid bpf_context access off=80 size=4",
	// helpers.c
	"bad_helper_size_mask":   "invalid write to stack R1 off=-64 size=127",
	"bad_helper_size_bound":  "R2 min value is negative, either use unsigned or 'var &= const'",
	"bad_helper_size_signed": "R2 min value is negative, either use unsigned or 'var &= const'",
	"bad_helper_size_zero":   "R2 invalid zero-sized read: u64=[0,0]",
	"bad_helper_key_size":    "invalid read from stack R2 off=-4 size=8",
	"bad_helper_value_size":  "R3 min value is outside of the allowed memory range",
	"bad_helper_map_arg":     "R1 type=fp expected=map_ptr",
	"bad_helper_ptr_arg":     "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem",
	"bad_helper_map_type":    "expected prog array map for tail call",
	"bad_helper_ctx_arg":     "dereference of modified ctx ptr R1 off=8 disallowed",
	"bad_helper_prog_type":   "program of this type cannot use helper bpf_skb_store_bytes#9",
	"bad_helper_tracing":     "program of this type cannot use helper bpf_probe_read#4",
	"bad_helper_const_str":   "R3 type=fp expected=map_value",
	"bad_helper_rdonly":      "write into map forbidden, value_size=16 off=8 size=8",
	"bad_helper_mem_region":  "R2 min value is outside of the allowed memory range",
	"bad_helper_queue":       "cannot pass map_type 1 into func bpf_map_push_elem#87",
	"bad_helper_str_len":     "R3 min value is negative",
	"bad_helper_perf_ctx":    "R1 type=fp expected=ctx",
	// globals.c
	"bad_global_index":  "R1 max value is outside of the allowed memory range",
	"bad_global_rodata": "write into map forbidden, value_size=4 off=0 size=4",
	// ctx.c
	"bad_ctx_xdp_write":    "invalid bpf_context access off=16 size=4",
	"bad_ctx_xdp_narrow":   "invalid bpf_context access off=12 size=2",
	"bad_ctx_xdp_egress":   "invalid bpf_context access off=20 size=4",
	"bad_ctx_tc_write":     "invalid bpf_context access off=0 size=4",
	"bad_ctx_tc_narrow":    "invalid bpf_context access off=76 size=2",
	"bad_ctx_tc_wide":      "invalid bpf_context access off=8 size=8",
	"bad_ctx_tstamp":       "invalid bpf_context access off=152 size=8",
	"bad_ctx_sock_write":   "invalid bpf_context access off=8 size=4",
	"bad_ctx_tc_sk":        "R1 invalid mem access 'sock_common_or_null'",
	"bad_ctx_kprobe_write": "invalid bpf_context access off=112 size=8",
	"bad_ctx_kprobe_end":   "invalid bpf_context access off=168 size=8",
	"bad_ctx_tp_header":    "invalid bpf_context access off=0 size=8",
	"bad_ctx_tp_write":     "invalid bpf_context access off=16 size=8",
	"bad_ctx_rawtp_args":   "invalid bpf_context access off=96 size=8",
	"bad_ctx_perf_regs":    "invalid bpf_context access off=24 size=4",
	"bad_ctx_perf_end":     "invalid bpf_context access off=184 size=8",
	"bad_ctx_perf_write":   "invalid bpf_context access off=168 size=8",
	"bad_ctx_moved":        "dereference of modified ctx ptr R1 off=8 disallowed",
	"bad_ctx_var":          "variable ctx access var_off=(0x0; 0x4) disallowed",
	"bad_ctx_cgskb_write":  "invalid bpf_context access off=0 size=4",
	"bad_ctx_syscall":      "invalid bpf_context access off=2 size=4",
	// loops.c
	"bad_loop_index":    "R0 min value is outside of the allowed memory range",
	"bad_loop_step":     "infinite loop detected",
	"bad_loop_bound":    "BPF program is too large. Processed 1000001 insn",
	"bad_loop_cb_ret":   "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
	"bad_loop_cb_data":  "invalid write to stack R2 off=0 size=8",
	"bad_loop_for_each": "write to change key R2 not allowed",
	"bad_loop_may_goto": "infinite loop detected",
	// pruning.c
	"bad_prune_scan": "BPF program is too large. Processed 1000001 insn",
	// tlv.c
	"bad_tlv_walk": "R1 offset is outside of the packet",
	// calls.c
	"bad_call_stack":     "combined stack size of 2 calls is 544. Too large",
	"bad_call_depth":     "the call stack of 9 frames is too deep",
	"bad_call_ptr_arg":   "invalid write to stack R1 off=0 size=8",
	"bad_call_regs":      "R6 !read_ok",
	"bad_call_r0":        "R0 !read_ok",
	"bad_call_recursion": "the call stack of 8 frames is too deep",
	"bad_call_pkt":       "invalid access to packet, off=0 size=1, R1(id=0,off=0,r=0)",
	// refs.c
	"bad_ref_leak":       "BPF_EXIT instruction in main prog would lead to reference leak",
	"bad_ref_twice":      "R1 type=scalar expected=ringbuf_mem",
	"bad_ref_after":      "R6 invalid mem access 'scalar'",
	"bad_ref_size":       "R0 min value is outside of the allowed memory range",
	"bad_ref_const_size": "R2 is not a known constant",
	"bad_ref_offset":     "R1 must have zero offset when passed to release func",
	"bad_lock_release":   "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region",
	"bad_lock_helper":    "function calls are not allowed while holding a lock",
	"bad_lock_subprog":   "function calls are not allowed while holding a lock",
	"bad_lock_nested":    "function calls are not allowed while holding a lock",
	"bad_lock_direct":    "bpf_spin_lock cannot be accessed directly by load/store",
	"bad_lock_other":     "bpf_spin_unlock of different lock",
	// retval.c
	"bad_ret_cgskb":         "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
	"bad_ret_cgskb_egress":  "At program exit the register R0 has smin=4 smax=4 should have been in [0, 3]",
	"bad_ret_cgskb_unknown": "At program exit the register R0 has smin=0 smax=3 should have been in [0, 1]",
	"bad_ret_cgskb_ptr":     "At program exit the register R0 is not a known value (ctx)",
	"bad_ret_sock_create":   "At program exit the register R0 has smin=4294967295 smax=4294967295 should have been in [0, 1]",
	"bad_ret_recvmsg":       "At program exit the register R0 has smin=0 smax=0 should have been in [1, 1]",
	"bad_ret_sysctl":        "At program exit the register R0 has smin=5 smax=5 should have been in [0, 1]",
	"bad_ret_sk_lookup":     "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
	"bad_ret_netfilter":     "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
	"bad_ret_xdp":           "R0 !read_ok",
	// ptr.c
	"bad_ptr_add_ptr":      "R1 pointer += pointer prohibited",
	"bad_ptr_bitwise":      "R2 bitwise operator &= on pointer prohibited",
	"bad_ptr_alu32":        "R2 32-bit pointer arithmetic prohibited",
	"bad_ptr_scalar_minus": "R3 tried to subtract pointer from scalar",
	"bad_ptr_mul":          "R2 pointer arithmetic with *= operator prohibited",
	"bad_ptr_map":          "R1 pointer arithmetic on map_ptr prohibited",
	"bad_ptr_unbounded":    "math between map_value pointer and register with unbounded min value is not allowed",
	"bad_ptr_fill":         "invalid size of register fill",
	"bad_ptr_spill":        "invalid size of register spill",
	"bad_ptr_clobbered":    "R2 invalid mem access 'scalar'",
	"bad_ptr_neg":          "R0 invalid mem access 'scalar'",
	"bad_ptr_bswap":        "R0 invalid mem access 'scalar'",
	"bad_ptr_atomic_align": "misaligned value access off (0x0; 0xc)+0+0 size 8",
	// stack.c
	"bad_stack_bounds":       "invalid write to stack R10 off=-520 size=8",
	"bad_stack_above":        "invalid read from stack R10 off=0 size=8",
	"bad_stack_align":        "misaligned stack access off 0+0+-12 size 8",
	"bad_stack_uninit":       "R2 invalid mem access 'scalar'",
	"bad_stack_spill_bounds": "math between map_value pointer and register with unbounded min value is not allowed",
	"bad_stack_narrow_fill":  "math between map_value pointer and register with unbounded min value is not allowed",
	"bad_stack_zero":         "R0 max value is outside of the allowed memory range",
	"bad_stack_varoff":       "invalid variable-offset write to stack R1 var_off=(0x0; 0xf8) off=-248 size=8",
	// license.c
}

// twinProg is one twin: a program of a collection.
type twinProg struct {
	file  string // the object, or "asm" for asmTwins
	name  string
	spec  *ebpf.CollectionSpec
	lines bool // compiled from C: rejections must name a source line
}

func twinPrograms(t *testing.T) []twinProg {
	objs, err := filepath.Glob("../../testdata/verifier/*.o")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(objs)
	if len(objs) == 0 {
		t.Fatal("no objects in testdata/verifier")
	}
	var out []twinProg
	for _, obj := range objs {
		spec, err := ebpf.LoadCollectionSpec(obj)
		if err != nil {
			t.Fatalf("%s: %v", obj, err)
		}
		var names []string
		for n := range spec.Programs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, twinProg{file: filepath.Base(obj), name: n, spec: spec, lines: true})
		}
	}
	return append(out, asmTwinPrograms(t)...)
}

// TestTwins checks gbpf's verdict on every twin against the one its name
// promises and, with a usable kernel, against the kernel's.
func TestTwins(t *testing.T) {
	if name := os.Getenv(twinChildEnv); name != "" {
		twinChild(t, name)
		return
	}
	live := kernel.Available() == nil
	if !live {
		t.Log("kernel unavailable: checking the verdicts the names promise (ok_ accepted, bad_ rejected)")
	}
	progs := twinPrograms(t)
	seen := map[string]string{}
	topics := map[string]int{}
	agree := 0
	for _, tp := range progs {
		if prev, dup := seen[tp.name]; dup {
			t.Errorf("%s: program name also used in %s", tp.name, prev)
		}
		seen[tp.name] = tp.file
		if topic, ok := strings.CutPrefix(tp.name, "ok_"); ok {
			topics[topic] |= 1
		} else if topic, ok := strings.CutPrefix(tp.name, "bad_"); ok {
			topics[topic] |= 2
		} else {
			t.Errorf("%s: name is neither ok_* nor bad_*", tp.name)
			continue
		}
		t.Run(tp.name, func(t *testing.T) {
			want := strings.HasPrefix(tp.name, "ok_")
			if live {
				acc, klog, err := twinKernelVerdict(tp.spec, tp.name)
				switch {
				case err != nil:
					t.Logf("kernel: %v", err)
				case acc != want:
					t.Errorf("the kernel's verdict (accepted=%v) is not the one the name promises: %s", acc, lastLines(klog, 4))
					want = acc
				case !acc && twinKernelMsgs[tp.name] == "":
					t.Errorf("no kernel message recorded in twinKernelMsgs; the kernel says: %s", lastLines(klog, 4))
				case !acc && !strings.Contains(klog, twinKernelMsgs[tp.name]):
					t.Errorf("the kernel rejects it for another reason than %q: %s", twinKernelMsgs[tp.name], lastLines(klog, 4))
				}
			} else if !want && twinKernelMsgs[tp.name] == "" {
				t.Errorf("no kernel message recorded in twinKernelMsgs")
			}
			ps := tp.spec.Programs[tp.name]
			p, err := loader.ConvertProgram(ps)
			if err != nil {
				t.Fatalf("convert: %v", err)
			}
			gap, isGap := twinGaps[tp.name]
			var done bool
			if isGap && strings.HasPrefix(gap, "does not finish") {
				done, err = verifyInChild(t, tp.name, twinTimeout)
			} else {
				done, err = verifyWithin(p, ConfigFor(tp.spec, ps), twinTimeout)
			}
			if !done {
				if isGap {
					t.Logf("known gap (%s): no verdict after %v", gap, twinTimeout)
				} else {
					t.Errorf("no verdict after %v", twinTimeout)
				}
				return
			}
			got := err == nil
			if err != nil {
				var ve *Error
				if !errors.As(err, &ve) {
					t.Fatalf("rejection is not a *verifier.Error: %v", err)
				}
				if ve.Program == "" {
					// From verifyInChild: checked there.
				} else if ve.PC < 0 || ve.Insn == "" || tp.lines && (ve.Source == "" || ve.SourceText == "") {
					t.Errorf("rejection without a PC, an instruction and a source line: %+v", err)
				}
			}
			switch {
			case got == want && isGap:
				t.Errorf("agrees with the kernel now (%v): remove it from twinGaps", err)
			case got == want:
				agree++
				if err != nil {
					t.Logf("rejected as expected: %v", err)
				}
			case isGap && strings.HasPrefix(gap, "does not finish"):
				t.Errorf("finishes now, but disagrees with the kernel (accepted=%v %v): update its twinGaps reason", got, err)
			case isGap:
				t.Logf("known gap (%s): accepted=%v %v", gap, got, err)
			case got:
				t.Errorf("accepted, the kernel rejects it")
			default:
				t.Errorf("rejected, the kernel accepts it: %+v", err)
			}
		})
	}
	for topic, m := range topics {
		if m&2 != 0 && m&1 == 0 {
			t.Errorf("bad_%s has no ok_%s twin", topic, topic)
		}
	}
	t.Logf("%d programs, %d agree with the kernel, %d known gaps", len(progs), agree, len(twinGaps))
}

// twinKernelVerdict loads only prog of spec into the running kernel. The
// log has the error and the statistics only: a twin that reaches the
// complexity limit would take many seconds to log at LogLevelBranch (what
// cilium/ebpf retries with by default).
func twinKernelVerdict(spec *ebpf.CollectionSpec, prog string) (accepted bool, log string, err error) {
	one := spec.Copy()
	for name := range one.Programs {
		if name != prog {
			delete(one.Programs, name)
		}
	}
	c, err := ebpf.NewCollectionWithOptions(one, ebpf.CollectionOptions{
		Programs: ebpf.ProgramOptions{LogLevel: ebpf.LogLevelStats, LogSizeStart: 1 << 16},
	})
	if err == nil {
		c.Close()
		return true, "", nil
	}
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return false, strings.Join(ve.Log, "\n"), nil
	}
	return false, "", err
}

// twinTimeout bounds gbpf's verification of one twin (the kernel needs
// about a second for a twin that reaches its complexity limit).
const twinTimeout = 10 * time.Second

// twinChildEnv names the twin a child test process verifies.
const twinChildEnv = "GBPF_TWIN_CHILD"

// verifyInChild verifies the twin in a child process (this test binary,
// running TestTwins with twinChildEnv set), killed after d: for twins
// gbpf takes too long on, so that no goroutine keeps verifying while the
// package's other tests run.
func verifyInChild(t *testing.T, name string, d time.Duration) (done bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestTwins$")
	cmd.Env = append(os.Environ(), twinChildEnv+"="+name)
	out, runErr := cmd.Output()
	if ctx.Err() != nil {
		return false, nil
	}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "twin: accepted" {
			return true, nil
		}
		if r, ok := strings.CutPrefix(line, "twin: rejected: "); ok {
			return true, &Error{PC: -1, Reason: r}
		}
	}
	t.Fatalf("child process: %v: %s", runErr, out)
	return false, nil
}

// twinChild is TestTwins in the child process of verifyInChild.
func twinChild(t *testing.T, name string) {
	for _, tp := range twinPrograms(t) {
		if tp.name != name {
			continue
		}
		ps := tp.spec.Programs[name]
		p, err := loader.ConvertProgram(ps)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Verify(p, ConfigFor(tp.spec, ps))
		var ve *Error
		switch {
		case err == nil:
			fmt.Println("twin: accepted")
		case !errors.As(err, &ve) || ve.PC < 0 || ve.Insn == "" || tp.lines && (ve.Source == "" || ve.SourceText == ""):
			fmt.Printf("twin: rejected: without a PC, an instruction and a source line: %v\n", err)
		default:
			fmt.Printf("twin: rejected: %v\n", err)
		}
		return
	}
	t.Fatalf("no twin %s", name)
}

// verifyWithin runs Verify for at most d; done is false when it did not
// finish (its goroutine is left running until the test binary exits).
func verifyWithin(p *loader.Program, cfg *Config, d time.Duration) (done bool, err error) {
	ch := make(chan error, 1)
	go func() {
		_, err := Verify(p, cfg)
		ch <- err
	}()
	select {
	case err := <-ch:
		return true, err
	case <-time.After(d):
		return false, nil
	}
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, " | ")
}
