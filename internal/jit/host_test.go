//go:build amd64 && unix

package jit

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
)

// Helpers that continue the program: 3 is a bpf_loop (r1 iterations of
// the callback r2 with r3 as its context, stopping early when it returns
// nonzero), 4 a bpf_tail_call to entry r2 of the run's target table (the
// machine's Env).
var hostHelpers = map[int32]interp.Helper{
	2: func(m *interp.Machine, r1, _, _, _, _ uint64) (uint64, error) { return r1 * 3, nil },
	3: func(m *interp.Machine, n, fn, ctx, _, _ uint64) (uint64, error) {
		for i := uint64(0); i < n; i++ {
			ret, err := m.CallFunc(fn, i, ctx, 0, 0, 0)
			if err != nil {
				return 0, err
			}
			if ret != 0 {
				return i + 1, nil
			}
		}
		return n, nil
	},
	4: func(m *interp.Machine, _, idx, _, _, _ uint64) (uint64, error) {
		targets, _ := m.Env.([]*interp.Program)
		if idx >= uint64(len(targets)) || !m.TailCall(targets[idx]) {
			return ^uint64(1), nil // -ENOENT-like
		}
		return 0, nil
	},
}

// funcAddr is "lddw dst, function at target" placed at slot pc.
func funcAddr(dst asm.Register, pc, target int) []asm.Instruction {
	return []asm.Instruction{
		{OpCode: asm.OpLoadImm64, Dst: dst, Src: asm.PseudoFunc, Imm: int32(target - pc - 1)},
		{},
	}
}

func llvm(t *testing.T, src string) asm.Instructions {
	t.Helper()
	insns, err := asm.Assemble(src, asm.SyntaxLLVM)
	if err != nil {
		t.Fatal(err)
	}
	return insns
}

// runHosted runs programs[0] with the others as its tail call targets, in
// the interpreter or the JIT, on a copy of mem.
func runHosted(t *testing.T, useJIT bool, programs []asm.Instructions, mem []byte, budget uint64) outcome {
	t.Helper()
	buf := bytes.Clone(mem)
	var targets []*interp.Program
	if useJIT {
		var first *Program
		for _, insns := range programs {
			p, err := New(insns, &Options{Helpers: hostHelpers, Budget: budget})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if first == nil {
				first = p
			}
			targets = append(targets, p.Interp())
		}
		m, err := first.Machine()
		if err != nil {
			t.Fatal(err)
		}
		defer first.Release(m)
		m.Env = targets
		r1 := m.AddRegion(buf, true, "memory")
		r0, err := m.Run(r1, uint64(len(buf)))
		return outcome{r0, err, buf}
	}
	for _, insns := range programs {
		p, err := interp.New(insns, &interp.Options{Helpers: hostHelpers, Budget: budget})
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, p)
	}
	m := targets[0].Machine()
	defer targets[0].Release(m)
	m.Env = targets
	r1 := m.AddRegion(buf, true, "memory")
	r0, err := m.Run(r1, uint64(len(buf)))
	return outcome{r0, err, buf}
}

func checkHosted(t *testing.T, name string, programs []asm.Instructions, mem []byte, budget uint64) {
	t.Helper()
	want, got := runHosted(t, false, programs, mem, budget), runHosted(t, true, programs, mem, budget)
	if d := differ(want, got); d != "" {
		t.Errorf("%s:\n%s", name, d)
	}
}

// TestCallbacks runs callbacks (helper 3) from the entry frame and from a
// bpf-to-bpf callee, with stack use and calls inside the callback, an
// early stop, the frame limit, a bad callback address and the budget
// running out inside a callback.
func TestCallbacks(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	// The callback adds i to the u64 at ctx, keeps it on its own stack,
	// calls a subprogram that reads it back from the caller's frame, and
	// stops the loop at i == 7.
	const callback = `
r3 = *(u64 *)(r2 + 0)
r3 += r1
*(u64 *)(r2 + 0) = r3
*(u64 *)(r10 - 8) = r3
r6 = r1
call 5
r0 = 0
if r6 != 7 goto +1
r0 = 1
exit
r1 = *(u64 *)(r10 + 504)
r0 = r1
exit
`
	// The loop itself: r6 holds the memory, N the iteration count.
	const loop = `
r2 = 0 ll
r3 = r6
r1 = N
call 3
r1 = *(u64 *)(r6 + 0)
r0 += r1
exit
`
	build := func(n int, viaCall bool) asm.Instructions {
		head := "r6 = r1\n"
		if viaCall {
			head += "call 1\nr0 += 1000\nexit\n"
		}
		insns := llvm(t, head+strings.ReplaceAll(loop, "N", strconv.Itoa(n))+callback)
		at := 1
		if viaCall {
			insns[1] = asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal, Imm: 2}
			at = 4
		}
		cb := at + 8
		insns[at] = funcAddr(asm.R2, at, cb)[0]
		insns[cb+5] = asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal, Imm: 4}
		return insns
	}
	mem := make([]byte, 16)
	for _, n := range []int{0, 1, 5, 20} {
		checkHosted(t, "entry frame", []asm.Instructions{build(n, false)}, mem, 0)
		checkHosted(t, "callee frame", []asm.Instructions{build(n, true)}, mem, 0)
	}
	for _, budget := range []uint64{20, 60, 100} {
		checkHosted(t, "budget in callback", []asm.Instructions{build(20, false)}, mem, budget)
	}
	checkHosted(t, "bad callback", []asm.Instructions{llvm(t, "r1 = 3\nr2 = 12345\ncall 3\nexit\n")}, mem, 0)
	// A callback that loops into itself through helper 3 until the frame
	// limit.
	rec := llvm(t, "r2 = 0 ll\nr1 = 1\ncall 3\nexit\nr2 = 0 ll\nr1 = 1\ncall 3\nexit\n")
	rec[0] = funcAddr(asm.R2, 0, 5)[0]
	rec[5] = funcAddr(asm.R2, 5, 5)[0]
	checkHosted(t, "callback depth", []asm.Instructions{rec}, mem, 0)
}

// TestTailCalls runs tail calls from the entry frame and from a
// bpf-to-bpf callee (whose caller then continues in the first program),
// chains, a missing target and the tail call limit.
func TestTailCalls(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	mem := make([]byte, 8)
	// Program 0 calls sub, which tail-calls program 1; program 1's exit
	// returns into program 0, which then calls a helper (an exit from
	// program 0's code after program 1 ran) and adds r6.
	p0 := llvm(t, `
r6 = 5
call 5
r1 = r0
call 2
r0 += r6
exit
r2 = 1
call 4
r0 = 99
exit
`)
	p0[1] = asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal, Imm: 4}
	p1 := llvm(t, "*(u64 *)(r1 + 0) = 77\nr0 = 40\nexit\n")
	checkHosted(t, "tail call from callee", []asm.Instructions{p0, p1}, mem, 0)
	// Entry-frame chain 0 -> 1 -> 2, and a missing slot.
	q0 := llvm(t, "r6 = r1\nr2 = 1\ncall 4\nr0 = 1\nexit\n")
	q1 := llvm(t, "*(u8 *)(r6 + 1) = 11\nr2 = 2\ncall 4\nr0 = 2\nexit\n")
	q2 := llvm(t, "r2 = 9\ncall 4\nr0 += 300\nr1 = *(u8 *)(r6 + 1)\nr0 += r1\nexit\n")
	checkHosted(t, "chain", []asm.Instructions{q0, q1, q2}, mem, 0)
	// A program that tail-calls itself: stops after the limit.
	self := llvm(t, "r6 = r1\nr2 = *(u64 *)(r6 + 0)\nr2 += 1\n*(u64 *)(r6 + 0) = r2\nr2 = 0\ncall 4\nexit\n")
	checkHosted(t, "limit", []asm.Instructions{self}, mem, 0)
}

// TestInlineArrayLookup runs bpf_map_lookup_elem on an array map inline
// (Options.ArrayMaps) and compares with the interpreter calling the
// helper: keys in and out of range, a key pointer the helper refuses,
// and the value written through the pointer.
func TestInlineArrayLookup(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	const tag = 0xfff1_0000_0000_0001
	vals := make([]byte, 4*16)
	helpers := map[int32]interp.Helper{1: func(m *interp.Machine, r1, r2, _, _, _ uint64) (uint64, error) {
		if r1 != tag {
			return 0, nil
		}
		key, ok := m.Memory(r2, 4, false)
		if !ok {
			return 0, errFault
		}
		k := uint64(key[0]) | uint64(key[1])<<8 | uint64(key[2])<<16 | uint64(key[3])<<24
		if k >= 4 {
			return 0, nil
		}
		return m.AddRegion(vals[k*16:k*16+12], true, "array"), nil
	}}
	arrays := func(addr uint64) (ArrayMap, bool) {
		return ArrayMap{MaxEntries: 4, Stride: 16, Values: func(int) []byte { return vals }, Writable: true, Name: "array"}, addr == tag
	}
	for _, c := range []struct{ name, src string }{
		{"hit", "*(u32 *)(r10 - 4) = 2\nr2 = r10\nr2 += -4\nr1 = 0xfff1000000000001 ll\ncall 1\nif r0 == 0 goto +3\nr1 = 7\n*(u64 *)(r0 + 4) = r1\nr0 = *(u64 *)(r0 + 4)\nexit\n"},
		{"miss", "*(u32 *)(r10 - 4) = 4\nr2 = r10\nr2 += -4\nr1 = 0xfff1000000000001 ll\ncall 1\nexit\n"},
		{"bad key", "r2 = 0\nr1 = 0xfff1000000000001 ll\ncall 1\nexit\n"},
		{"other map", "*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\nr1 = 0xfff1000000000002 ll\ncall 1\nexit\n"},
		{"r1 to r5 kept", "*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\nr1 = 0xfff1000000000001 ll\nr3 = 33\ncall 1\nr0 = r3\nr0 += r2\nr0 -= r10\nexit\n"},
	} {
		insns := llvm(t, c.src)
		clear(vals)
		ip, err := interp.New(insns, &interp.Options{Helpers: helpers})
		if err != nil {
			t.Fatal(err)
		}
		want0, wantErr := ip.Run(nil)
		want := bytes.Clone(vals)
		clear(vals)
		jp, err := New(insns, &Options{Helpers: helpers, ArrayMaps: arrays})
		if err != nil {
			t.Fatal(err)
		}
		if inlined := len(jp.comp.Arrays) == 1; inlined == (c.name == "other map") {
			t.Errorf("%s: inlined %v", c.name, inlined)
		}
		got0, gotErr := jp.Run(nil)
		jp.Close()
		if got0 != want0 || (gotErr == nil) != (wantErr == nil) || !bytes.Equal(vals, want) {
			t.Errorf("%s: jit %#x, %v, % x; interpreter %#x, %v, % x", c.name, got0, gotErr, vals, want0, wantErr, want)
		}
		if c.name == "hit" && (got0 != 7 || vals[2*16+4] != 7) {
			t.Errorf("hit: r0 %d, values % x", got0, vals)
		}
	}
}

// TestBudgetLoops runs loops (whose back edges pay for their header
// blocks) with every budget that runs out inside them: the error, its
// instruction and the memory are the interpreter's.
func TestBudgetLoops(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	for _, src := range []string{
		"r0 = 0\nr0 += 1\n*(u64 *)(r1 + 0) = r0\nif r0 > 5 goto +1\ngoto -4\nexit\n",
		"r0 = 0\nr2 = 3\nr0 += r2\n*(u32 *)(r1 + 4) = r0\nr2 += -1\nif r2 != 0 goto -4\nr0 += 1\ngoto +0\n*(u8 *)(r1 + 1) = r0\nexit\n",
		"r0 = 0\ngoto +2\nr0 += 1\nexit\nr0 += 2\n*(u64 *)(r1 + 0) = r0\ngoto -5\n",
	} {
		insns := llvm(t, src)
		for budget := uint64(1); budget < 40; budget++ {
			check(t, fmt.Sprintf("budget %d", budget), insns, make([]byte, 8), &interp.Options{Budget: budget})
		}
	}
}
