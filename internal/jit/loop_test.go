//go:build amd64 && unix

package jit

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/env"
	"github.com/gbpf/gbpf/internal/interp"
)

// loopHelpers add gbpf's bpf_loop (181) to hostHelpers.
var loopHelpers = func() map[int32]interp.Helper {
	h := map[int32]interp.Helper{181: env.Helpers[181]}
	for id, f := range hostHelpers {
		h[id] = f
	}
	return h
}()

// TestInlineLoop runs bpf_loop calls the JIT inlines (a constant
// callback) against the interpreter calling the helper: iteration counts,
// an early stop, r6 to r9 across the loop, the callee frame, flags and
// counts the helper refuses. Only verified programs get the inlined loop
// (their call depth is bounded), so these count as verified.
func TestInlineLoop(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	// The callback adds i to the u64 at ctx and stops at i == 7; it
	// writes r6 and r7, which the loop's caller keeps.
	const callback = `
r3 = *(u64 *)(r2 + 0)
r3 += r1
*(u64 *)(r2 + 0) = r3
r6 = r1
r7 = 99
r0 = 0
if r6 != 7 goto +1
r0 = 1
exit
`
	const loop = `
r2 = 0 ll
r3 = r6
r1 = N
r4 = F
call 181
r1 = *(u64 *)(r6 + 0)
r0 <<= 32
r0 += r1
r0 += r7
exit
`
	build := func(n string, flags int, viaCall bool) asm.Instructions {
		head := "r6 = r1\nr7 = 5\n"
		if viaCall {
			head += "call 1\nr0 += 1000\nexit\n"
		}
		src := strings.NewReplacer("N", n, "F", strconv.Itoa(flags)).Replace(loop)
		insns := llvm(t, head+src+callback)
		at := 2
		if viaCall {
			insns[2] = asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal, Imm: 2}
			at = 5
		}
		insns[at] = funcAddr(asm.R2, at, at+11)[0]
		return insns
	}
	run := func(insns asm.Instructions, useJIT bool) outcome {
		mem := make([]byte, 16)
		if useJIT {
			p, err := New(insns, &Options{Helpers: loopHelpers, LinuxHelpers: true, Verified: true})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			r0, err := p.Run(mem)
			return outcome{r0, err, mem}
		}
		p, err := interp.New(insns, &interp.Options{Helpers: loopHelpers})
		if err != nil {
			t.Fatal(err)
		}
		r0, err := p.Run(mem)
		return outcome{r0, err, bytes.Clone(mem)}
	}
	check := func(name string, insns asm.Instructions) {
		t.Helper()
		if d := differ(run(insns, false), run(insns, true)); d != "" {
			t.Errorf("%s:\n%s", name, d)
		}
	}
	for _, n := range []string{"0", "1", "5", "7", "8", "20", "8388608", "8388609", "-1"} {
		check("entry frame, "+n, build(n, 0, false))
		check("callee frame, "+n, build(n, 0, true))
	}
	check("flags", build("5", 1, false))
	// The inlined form is what runs: no exit to the helper.
	p, err := New(build("5", 0, false), &Options{Helpers: map[int32]interp.Helper{}, LinuxHelpers: true, Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Run(make([]byte, 16)); err != nil {
		t.Errorf("the inlined loop called the helper: %v", err)
	}
}
