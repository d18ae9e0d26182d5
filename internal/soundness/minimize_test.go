package soundness

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/verifier"
)

// reproduce says whether q still shows a finding of f's kind and cause:
// gbpf accepts it and the same oracle fires with the same signature.
func reproduce(q *Prog, f *Finding) bool {
	same, done := within(10*time.Second, func() bool {
		g := recheck(q, f.Kind, f.InputSeed)
		return g != nil && g.Signature() == f.Signature()
	})
	return done && same
}

// recheck runs only the oracle of kind on q.
func recheck(q *Prog, kind string, inSeed uint64) *Finding {
	_, spec, err, pf := verify(q)
	if kind == kindVerifierPanic {
		return pf
	}
	if pf != nil || err != nil {
		return nil
	}
	switch kind {
	case kindKernelRejects:
		if acc, msg, ok := kernelVerdict(spec); ok && !acc {
			return &Finding{Kind: kindKernelRejects, Detail: msg}
		}
		return nil
	default:
		g := reproduceRuntime(q, inSeed)
		if g != nil && g.Kind == kind {
			return g
		}
		return nil
	}
}

// Minimize shrinks p while the finding reproduces: it turns chunks of
// slots into no-ops (big chunks first), then removes the no-ops.
func Minimize(p *Prog, f *Finding) *Prog {
	best := p.clone()
	second := secondSlots(best.Insns)
	for _, chunk := range []int{64, 16, 4, 1} {
		if chunk > len(best.Insns)/2 && chunk > 1 {
			continue
		}
		for changed := true; changed; {
			changed = false
			for start := len(best.Insns) - 1; start >= 0; start -= chunk {
				lo := max(0, start-chunk+1)
				q := best.clone()
				touched := false
				for i := lo; i <= start; i++ {
					if second[i] || q.Insns[i] == nop {
						continue
					}
					if q.Insns[i].IsLoadImm64() && i+1 < len(q.Insns) {
						q.Insns[i+1] = nop
					}
					q.Insns[i] = nop
					touched = true
				}
				// A lddw whose second slot is in the chunk but the
				// first is not stays whole.
				if lo > 0 && second[lo] && q.Insns[lo-1].IsLoadImm64() {
					q.Insns[lo] = best.Insns[lo]
				}
				if touched && reproduce(q, f) {
					best = q
					changed = chunk == 1
				}
			}
		}
		second = secondSlots(best.Insns)
	}
	if c := compact(best); c != nil && reproduce(c, f) {
		best = c
	}
	return best
}

// compact removes no-op slots, fixing jump and call offsets.
func compact(p *Prog) *Prog {
	n := len(p.Insns)
	second := secondSlots(p.Insns)
	keep := make([]bool, n)
	newIdx := make([]int, n+1)
	k := 0
	for i, ins := range p.Insns {
		newIdx[i] = k
		keep[i] = ins != nop || second[i]
		if keep[i] {
			k++
		}
	}
	newIdx[n] = k
	q := p.clone()
	q.Insns = q.Insns[:0:0]
	for i, ins := range p.Insns {
		if !keep[i] {
			continue
		}
		if t, ok := ins.JumpTarget(i); ok && !second[i] {
			if t < 0 || t > n {
				return nil
			}
			rel := newIdx[t] - newIdx[i] - 1
			switch {
			case ins.OpCode == asm.OpJA32, ins.OpCode == asm.OpCall, ins.IsLoadImm64():
				ins.Imm = int32(rel)
			default:
				if rel != int(int16(rel)) {
					return nil
				}
				ins.Offset = int16(rel)
			}
		}
		q.Insns = append(q.Insns, ins)
	}
	return q
}

// describe renders a finding as case comments.
func describe(p *Prog, f *Finding) []string {
	lines := []string{"origin: " + p.Origin, "finding: " + firstLine(f.Detail)}
	if f.Verifier != "" {
		lines = append(lines, "gbpf verifier: "+f.Verifier)
	}
	switch f.Kind {
	case kindKernelRejects:
		lines = append(lines, "kernel: rejects it; log tail:")
		for l := range strings.SplitSeq(f.Detail, "\n") {
			lines = append(lines, "  "+l)
		}
	default:
		if acc, msg, ok := kernelVerdictOf(p); ok {
			if acc {
				lines = append(lines, "kernel: accepts it")
			} else {
				lines = append(lines, "kernel: rejects it: "+firstLine(msg))
			}
		}
	}
	return lines
}

func kernelVerdictOf(p *Prog) (bool, string, bool) {
	spec, err := p.Spec()
	if err != nil {
		return false, "", false
	}
	return kernelVerdict(spec)
}

// verifierLog is the verifier's log of p's last explored path, for reports.
func verifierLog(p *Prog) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprintf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	spec, err := p.Spec()
	if err != nil {
		return err.Error()
	}
	lp, err := p.loaderProgram()
	if err != nil {
		return err.Error()
	}
	cfg := verifier.ConfigFor(spec, spec.Programs[progName])
	cfg.Log = true
	res, err := verifier.Verify(lp, cfg)
	if err != nil {
		return fmt.Sprintf("%+v", err)
	}
	return strings.Join(res.Log, "\n")
}
