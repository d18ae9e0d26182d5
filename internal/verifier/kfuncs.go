package verifier

import (
	"fmt"

	"github.com/gbpf/gbpf/asm"
)

// Open-coded iterators (bpf_iter_num_*, libbpf's bpf_for and bpf_repeat),
// verified as the kernel's process_iter_next_call does: the iterator is
// 8 bytes of stack holding a reference that bpf_iter_num_destroy releases;
// each bpf_iter_num_next forks the path into "the loop ends" (r0 NULL, the
// path goes on now) and "one more iteration" (r0 points to the number,
// queued); the loop is proven once an iteration reaches the next call in
// a state the previous one covers.

const (
	iterActive  = 1
	iterDrained = 2
)

// kfuncs gbpf's verifier knows, by name.
var kfuncs = map[string]func(v *verifier){
	"bpf_iter_num_new":     (*verifier).iterNumNew,
	"bpf_iter_num_next":    (*verifier).iterNumNext,
	"bpf_iter_num_destroy": (*verifier).iterNumDestroy,
}

// kfuncParams are the parameter counts of the kfuncs' BTF prototypes
// (for register liveness).
var kfuncParams = map[string]int{
	"bpf_iter_num_new":     3,
	"bpf_iter_num_next":    1,
	"bpf_iter_num_destroy": 1,
}

// callKfunc checks a call of a kernel function by name.
func (v *verifier) callKfunc() {
	name := v.kfuncAt[v.pc]
	fn := kfuncs[name]
	if fn == nil {
		v.rejectUnsupported("gbpf implements only some kfuncs", "calling kernel function %s is not allowed", name)
	}
	if v.st.lock != 0 {
		v.reject("release the spin lock before calling kfuncs", "function calls are not allowed while holding a lock")
	}
	fn(v)
	v.trail(fmt.Sprintf("%d: call %s", v.pc, name))
}

// iterSlot checks that r1 points to an 8-byte aligned stack slot at a
// constant offset and returns it.
func (v *verifier) iterSlot() *slot {
	r := v.readReg(asm.R1)
	if r.t != ptrStack {
		v.reject("", "arg#0 expected pointer to an iterator on stack")
	}
	if !r.varZero() || r.off%slotSize != 0 {
		v.reject("", "arg#0 expected pointer to an iterator at a constant, 8-byte aligned stack offset")
	}
	off := int(r.off)
	if off < -maxStack || off >= 0 {
		v.reject("", "invalid indirect access to stack R1 off=%d size=8", off)
	}
	f := v.st.frames[r.frame]
	f.grow(off)
	v.noteDepth(r.frame, off)
	v.markStackRead(r.frame, off, off+slotSize)
	s, _ := f.byteAt(off)
	return s
}

func (v *verifier) clobberArgs() {
	regs := v.regs()
	for r := asm.R0; r <= asm.R5; r++ {
		regs[r] = reg{}
	}
}

func (v *verifier) iterNumNew() {
	s := v.iterSlot()
	if s.kinds[0] == stIter {
		v.reject("destroy the iterator before reusing its stack slot", "expected uninitialized iter_num as arg #0")
	}
	for _, r := range []asm.Register{asm.R2, asm.R3} {
		if x := v.readReg(r); x.t != scalar {
			v.reject("", "R%d type=%s expected=scalar", r, typeName(x))
		}
	}
	rid := v.newID()
	*s = slot{spillSize: iterActive}
	s.spill.refID = rid
	for i := range s.kinds {
		s.kinds[i] = stIter
	}
	v.st.refs = append(v.st.refs, ref{id: rid, pc: v.pc})
	v.clobberArgs()
	v.regs()[0] = unknownScalar()
}

func (v *verifier) initializedIter() *slot {
	s := v.iterSlot()
	if s.kinds[0] != stIter {
		v.reject("start it with bpf_iter_num_new first", "expected an initialized iter_num as arg #0")
	}
	return s
}

func (v *verifier) iterNumNext() {
	s := v.initializedIter()
	if s.spillSize == iterActive {
		// One more iteration, queued: r0 points to the number.
		next := v.st.clone()
		nf := next.cur()
		for r := asm.R0; r <= asm.R5; r++ {
			nf.regs[r] = reg{}
		}
		nf.regs[0] = reg{t: ptrMem, memSize: 4, rdonly: true}
		nf.regs[0].setConstVar(0)
		if prev := v.prevIteration(); prev != nil {
			widenImprecise(prev.st, next)
		}
		next.path = &pathNode{prev: next.path, text: fmt.Sprintf("%d: bpf_iter_num_next: one more iteration", v.pc)}
		v.push(next, v.pc+1)
	}
	// This path: the iterator is drained and returns NULL from now on.
	s.spillSize = iterDrained
	v.clobberArgs()
	v.regs()[0] = scalarConst(0)
	v.trail(fmt.Sprintf("%d: bpf_iter_num_next: the loop ends", v.pc))
}

func (v *verifier) iterNumDestroy() {
	s := v.initializedIter()
	v.release(v.st, s.spill.refID, true)
	*s = slot{}
	v.clobberArgs()
}

// isIterNext reports whether pc calls bpf_iter_num_next.
func (v *verifier) isIterNext(pc int) bool {
	return v.kfuncAt[pc] == "bpf_iter_num_next"
}

// prevIteration finds the state the previous iteration saved at this
// next call, on the current path.
func (v *verifier) prevIteration() *snapshot {
	p := v.st.parent
	if p != nil && p.pc == v.pc {
		p = p.parent // this iteration's own
	}
	for ; p != nil; p = p.parent {
		if p.pc == v.pc && p.branches > 0 && len(p.st.frames) == len(v.st.frames) {
			return p
		}
	}
	return nil
}

// widenImprecise forgets the values of scalars that changed since the
// previous iteration and that nothing relied on yet, as the kernel's
// widen_imprecise_scalars does: the loop then converges in a few
// iterations instead of one per value.
func widenImprecise(old *state, cur *state) {
	widen := func(o, c *reg) {
		if o.t != scalar || c.t != scalar || o.precise || c.precise || o.sameVar(c) && o.id == c.id {
			return
		}
		*c = unknownScalar()
	}
	for d := range old.frames {
		of, cf := old.frames[d], cur.frames[d]
		for r := range of.regs {
			widen(&of.regs[r], &cf.regs[r])
		}
		for i := range of.stack {
			if i < len(cf.stack) && of.stack[i].isSpill() && cf.stack[i].isSpill() && cf.stack[i].spillSize == slotSize {
				widen(&of.stack[i].spill, &cf.stack[i].spill)
			}
		}
	}
}

// mayGotoInsn is may_goto, as the kernel verifies it: this path takes the
// jump (the loop ends, as it does at run time after BPF_MAX_LOOPS rounds),
// and one more round is queued from the next instruction.
func (v *verifier) mayGotoInsn(ins asm.Instruction) {
	if ins.Offset == 0 {
		v.reject("", "invalid may_goto off %d imm %d", ins.Offset, ins.Imm)
	}
	next := v.st.clone()
	next.mayGoto++
	if prev := v.prevIteration(); prev != nil {
		widenImprecise(prev.st, next)
	}
	next.path = &pathNode{prev: next.path, text: fmt.Sprintf("%d: may_goto: one more round", v.pc)}
	v.push(next, v.pc+1)
	v.trail(fmt.Sprintf("%d: may_goto: the loop ends", v.pc))
	v.pc += 1 + int(ins.Offset)
}
