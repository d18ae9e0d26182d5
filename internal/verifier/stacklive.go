package verifier

import "github.com/gbpf/gbpf/asm"

// Stack slot liveness, as the kernel's kernel/bpf/liveness.c (Linux
// 6.18): while paths are explored, each instruction records the stack
// slots it may read and the ones it surely writes in full, per call
// chain (a function instance); when a path ends, slots live before each
// instruction are computed backwards over the function's control flow,
// and a finished saved state forgets the slots no later instruction may
// read (clean_live_states), so that they match anything when states are
// compared.

// liveKey names a function instance: the function a state entered first
// and the call sites of the frames above it.
type liveKey struct {
	depth int
	sub0  int
	cs    [maxCallFrames]int
}

type liveInst struct {
	key    liveKey
	sub    int // the innermost frame's subprog
	nf     int // frames tracked (depth+1)
	reads  []uint64
	writes []uint64
	seen   []bool
	before []uint64
	dirty  bool
}

func liveKeyOf(st *state, depth int) liveKey {
	k := liveKey{depth: depth, sub0: st.frames[0].subprog}
	for i := 1; i <= depth; i++ {
		k.cs[i-1] = st.frames[i].callsite
	}
	return k
}

// liveInstance is the function instance of st's frames up to depth
// (the kernel's lookup_instance).
func (v *verifier) liveInstance(st *state, depth int) *liveInst {
	k := liveKeyOf(st, depth)
	if in := v.stackLive[k]; in != nil {
		return in
	}
	n := len(v.insns) * (depth + 1)
	in := &liveInst{key: k, sub: st.frames[depth].subprog, nf: depth + 1,
		reads: make([]uint64, n), writes: make([]uint64, n), seen: make([]bool, len(v.insns)), before: make([]uint64, n)}
	if v.stackLive == nil {
		v.stackLive = map[liveKey]*liveInst{}
	}
	v.stackLive[k] = in
	return in
}

// stackSlotsMask is the slots of stack bytes [lo, hi) (offsets from
// the frame pointer).
func stackSlotsMask(lo, hi int) uint64 {
	var m uint64
	for o := lo; o < hi; o++ {
		if o < 0 && o >= -maxStack {
			m |= 1 << uint((-o-1)/slotSize)
		}
	}
	return m
}

// markStackRead records that the instruction being run reads stack
// bytes [lo, hi) of frame (bpf_mark_stack_read).
func (v *verifier) markStackRead(frame, lo, hi int) {
	in := v.liveCur
	if in == nil || frame >= in.nf {
		return
	}
	i := v.liveCurPC*in.nf + frame
	if m := stackSlotsMask(lo, hi); in.reads[i]|m != in.reads[i] {
		in.reads[i] |= m
		in.dirty = true
	}
}

// markStackWrite records that the instruction being run writes the
// 8-byte slot at off of frame in full (bpf_mark_stack_write).
func (v *verifier) markStackWrite(frame, off int) {
	if frame < maxCallFrames {
		v.liveWrites[frame] |= stackSlotsMask(off, off+1)
	}
}

// liveBegin starts recording the stack accesses of the instruction at
// v.pc (bpf_reset_stack_write_marks).
func (v *verifier) liveBegin() {
	v.liveCur = v.liveInstance(v.st, len(v.st.frames)-1)
	v.liveCurPC = v.pc
	v.liveWrites = [maxCallFrames]uint64{}
}

// liveCommit keeps, as the slots the instruction surely writes, those
// every run of it wrote (bpf_commit_stack_write_marks).
func (v *verifier) liveCommit() {
	in, pc := v.liveCur, v.liveCurPC
	if in == nil {
		return
	}
	v.liveCur = nil
	for f := 0; f < in.nf; f++ {
		i := pc*in.nf + f
		w := v.liveWrites[f]
		if in.seen[pc] {
			w &= in.writes[i]
		}
		if !in.seen[pc] || w != in.writes[i] {
			in.writes[i] = w
			in.dirty = true
		}
	}
	in.seen[pc] = true
}

// updateStackLive recomputes the slots live before each instruction of
// the instances whose accesses changed, innermost first, handing the
// slots of outer frames live at a function's entry to its call site in
// the caller's instance (bpf_update_live_stack,
// propagate_to_outer_instance).
func (v *verifier) updateStackLive() {
	for {
		var in *liveInst
		for _, c := range v.stackLive {
			if c.dirty && (in == nil || c.nf > in.nf) {
				in = c
			}
		}
		if in == nil {
			return
		}
		in.dirty = false
		sp := v.subprogs[in.sub]
		nf := in.nf
		out := make([]uint64, nf)
		for changed := true; changed; {
			changed = false
			for pc := sp.end - 1; pc >= sp.start; pc-- {
				for f := range out {
					out[f] = 0
				}
				for _, t := range v.succ[pc] {
					if t >= sp.start && t < sp.end {
						for f := 0; f < nf; f++ {
							out[f] |= in.before[t*nf+f]
						}
					}
				}
				for f := 0; f < nf; f++ {
					i := pc*nf + f
					b := in.reads[i] | out[f]&^in.writes[i]
					if b != in.before[i] {
						in.before[i] = b
						changed = true
					}
				}
			}
		}
		if nf == 1 {
			continue
		}
		// The caller's instance: the same key one frame shorter.
		ok := in.key
		ok.depth--
		callsite := ok.cs[ok.depth]
		ok.cs[ok.depth] = 0
		outer := v.stackLive[ok]
		if outer == nil || callsite < 0 {
			continue
		}
		for f := 0; f < outer.nf; f++ {
			i := callsite*outer.nf + f
			if m := in.before[sp.start*nf+f]; outer.reads[i]|m != outer.reads[i] {
				outer.reads[i] |= m
				outer.dirty = true
			}
		}
	}
}

// stackSlotAlive reports whether slot spi of frame may still be read
// after st, saved at pc (bpf_stack_slot_alive): read before pc in the
// innermost function, or after (for a callback: before) the call site
// in an outer one.
func (v *verifier) stackSlotAlive(st *state, pc, frame, spi int) bool {
	depth := len(st.frames) - 1
	in := v.liveInstance(st, depth)
	if in.before[pc*in.nf+frame]&(1<<uint(spi)) != 0 {
		return true
	}
	for i := frame; i < depth; i++ {
		cs := st.frames[i+1].callsite
		o := v.liveInstance(st, i)
		at := cs + 1
		if st.frames[i+1].callback {
			at = cs
		}
		if at >= 0 && at < len(v.insns) && o.before[at*o.nf+frame]&(1<<uint(spi)) != 0 {
			return true
		}
	}
	return false
}

// cleanStack forgets the dead stack slots of a finished saved state
// (clean_verifier_state): they become uninitialized, which matches
// anything when states are compared.
func (v *verifier) cleanStack(s *snapshot) {
	s.cleaned = true
	for i, f := range s.st.frames {
		for spi := range f.stack {
			if spi < 64 && !v.stackSlotAlive(s.st, s.pc, i, spi) {
				f.stack[spi] = slot{}
			}
		}
	}
}

func sameCallsites(a, b *state) bool {
	if len(a.frames) != len(b.frames) {
		return false
	}
	for i := range a.frames {
		if a.frames[i].callsite != b.frames[i].callsite || a.frames[i].subprog != b.frames[i].subprog {
			return false
		}
	}
	return true
}

// stackCleanOK: gbpf has no equivalent of the kernel's tracking of
// loops whose exploration is still incomplete (incomplete_read_marks),
// so states are not cleaned in programs with iterator, may_goto or
// callback loops, where a finished state's paths may have been pruned
// against states of loops still being explored.
func (v *verifier) stackCleanOK() bool {
	for pc, ins := range v.insns {
		switch {
		case ins.OpCode == asm.OpMayGoto:
			return false
		case ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper && isCallbackHelper(ins.Imm):
			return false
		case v.isIterNext(pc):
			return false
		}
	}
	return true
}
