package verifier

import (
	"math/bits"

	"github.com/gbpf/gbpf/asm"
)

// Precision tracking, as the kernel's mark_chain_precision does it.
//
// A scalar's exact bounds matter for safety only when they decide
// something: an offset added to a pointer, a helper's size argument, a
// branch the verifier found always or never taken, a return value with a
// required range. Saved states keep their scalars "imprecise" until such
// a use is found; an imprecise scalar in a saved state matches any scalar
// at pruning time, so loops that carry counters and accumulators no use
// depends on stop being explored once the rest of the state repeats.
//
// When a use is found, the registers and stack slots the value came from
// are traced back through the instructions of the current path (each
// state keeps the instructions run since its last saved state) and marked
// precise in every saved state on the way.

// backtrackLimit bounds the instructions precision tracking walks back
// over a whole verification: a pathological program (a long loop whose
// every iteration decides a branch on a value carried from its start)
// ends with a rejection in seconds instead of running for hours.
const backtrackLimit = 50_000_000

// histEntry is one instruction a path ran.
type histEntry struct {
	pc       int32
	depth    int8  // call frame the instruction ran in
	stkFrame int8  // frame of the stack slot it loaded or stored at a constant offset, -1 for none
	stkSlot  int16 // that slot's index
	linked   *linkSet
}

// linkSet is the registers and spilled slots a conditional jump refined
// together because they held the same scalar (the same id).
type linkSet struct{ need precSet }

// precSet is a set of registers and stack slots per call frame.
type precSet struct {
	regs  [maxCallFrames]uint16
	slots [maxCallFrames]uint64 // 512 bytes of stack: 64 slots
}

func (s *precSet) empty() bool {
	for i := range s.regs {
		if s.regs[i] != 0 || s.slots[i] != 0 {
			return false
		}
	}
	return true
}

func (s *precSet) hasReg(d int, r asm.Register) bool { return s.regs[d]&(1<<r) != 0 }
func (s *precSet) setReg(d int, r asm.Register)      { s.regs[d] |= 1 << r }
func (s *precSet) clearReg(d int, r asm.Register)    { s.regs[d] &^= 1 << r }
func (s *precSet) hasSlot(d, i int) bool             { return i < 64 && s.slots[d]&(1<<i) != 0 }
func (s *precSet) setSlot(d, i int) {
	if i < 64 {
		s.slots[d] |= 1 << i
	}
}
func (s *precSet) clearSlot(d, i int) {
	if i < 64 {
		s.slots[d] &^= 1 << i
	}
}

func (s *precSet) intersects(o *precSet) bool {
	for i := range s.regs {
		if s.regs[i]&o.regs[i] != 0 || s.slots[i]&o.slots[i] != 0 {
			return true
		}
	}
	return false
}

func (s *precSet) union(o *precSet) {
	for i := range s.regs {
		s.regs[i] |= o.regs[i]
		s.slots[i] |= o.slots[i]
	}
}

// record adds the instruction at pc to the current path's history.
func (v *verifier) record() {
	v.st.hist = append(v.st.hist, histEntry{pc: int32(v.pc), depth: int8(len(v.st.frames) - 1), stkFrame: -1})
}

// noteStackSlot records that the instruction being run accessed a stack
// slot at a constant offset (a spill or a fill).
func (v *verifier) noteStackSlot(frame, off int) {
	h := v.st.hist
	if len(h) == 0 {
		return
	}
	h[len(h)-1].stkFrame = int8(frame)
	h[len(h)-1].stkSlot = int16((-off - 1) / slotSize)
}

// noteLinked records, for the conditional jump being run, the registers
// and spilled slots that share an id with its operands.
func (v *verifier) noteLinked(ids ...uint32) {
	var ls linkSet
	found := false
	for d, f := range v.st.frames {
		for r := range f.regs {
			x := &f.regs[r]
			for _, id := range ids {
				if id != 0 && x.t == scalar && x.id == id {
					ls.need.setReg(d, asm.Register(r))
					found = true
				}
			}
		}
		for i := range f.stack {
			s := &f.stack[i]
			for _, id := range ids {
				if id != 0 && s.isSpill() && s.spill.t == scalar && s.spill.id == id {
					ls.need.setSlot(d, i)
					found = true
				}
			}
		}
	}
	if found && len(v.st.hist) > 0 {
		v.st.hist[len(v.st.hist)-1].linked = &ls
	}
	if n := ls.need.count(); n > 1 {
		v.noteHistEntry() // the kernel records linked registers from two on
	}
}

// count is the number of registers and slots in s.
func (s *precSet) count() int {
	n := 0
	for d := range s.regs {
		n += bits.OnesCount16(s.regs[d]) + bits.OnesCount64(s.slots[d])
	}
	return n
}

// noteHistEntry counts an entry of the kernel's jump history for the
// instruction being run (push_jmp_history: at most one per instruction;
// at jump points, spills and fills of registers, and jumps on linked
// registers). A path that has recorded more than 40 since its last saved
// state saves one at the next prune point.
func (v *verifier) noteHistEntry() {
	if v.histAt != v.processed {
		v.histAt = v.processed
		v.st.jmpHist++
	}
}

// markPrecise makes the scalar in register r of the current frame
// precise, before the instruction being run.
func (v *verifier) markPrecise(r asm.Register) {
	if v.cfg.Unprivileged {
		return // every scalar is compared exactly
	}
	x := &v.regs()[r]
	if x.t != scalar {
		return
	}
	var need precSet
	need.setReg(len(v.st.frames)-1, r)
	v.backtrack(&need, true)
}

// backtrack walks the current path back from its last instruction
// (skipping it when skipLast: the need is from before it ran), moving
// the need from each instruction's outputs to its inputs, and marks what
// is needed precise in every saved state it passes.
func (v *verifier) backtrack(need *precSet, skipLast bool) {
	hist := v.st.hist
	parent := v.st.parent
	first := true
	for {
		for i := len(hist) - 1; i >= 0; i-- {
			e := &hist[i]
			if first && skipLast {
				// The need is from before this instruction; it may
				// still have entered or left a frame.
				first = false
				if i > 0 {
					v.crossFrames(need, e, &hist[i-1])
				}
				continue
			}
			first = false
			v.backtracked++
			if v.backtracked > backtrackLimit {
				v.reject("split the program into smaller functions, or make loops' exits depend on fewer values",
					"BPF program is too complex: precision tracking walked back %d instructions (processed %d insn)", v.backtracked, v.processed)
			}
			v.backtrackInsn(need, e)
			if i > 0 {
				v.crossFrames(need, e, &hist[i-1])
			}
			if need.empty() {
				return
			}
		}
		if parent == nil {
			return
		}
		// need is now what the path needs at parent's instruction.
		if !v.markState(parent.st, need) {
			return // nothing new: the rest of the chain has it already
		}
		if len(hist) > 0 && len(parent.hist) > 0 {
			v.crossFrames(need, &hist[0], &parent.hist[len(parent.hist)-1])
		}
		hist = parent.hist
		parent = parent.parent
	}
}

// crossFrames adjusts need when going back from instruction e to prev
// crosses a call boundary.
func (v *verifier) crossFrames(need *precSet, e, prev *histEntry) {
	d, pd := int(e.depth), int(prev.depth)
	switch {
	case pd == d+1:
		// prev is the exit of a function e's frame called: r0 came
		// from it.
		if need.hasReg(d, asm.R0) {
			need.clearReg(d, asm.R0)
			need.setReg(pd, asm.R0)
		}
	case pd == d-1:
		// prev is the call that entered e's frame: the arguments came
		// from the caller, unless a helper made them (callbacks).
		call := v.insns[prev.pc]
		if call.Src == asm.CallLocal {
			for r := asm.R1; r <= asm.R5; r++ {
				if need.hasReg(d, r) {
					need.setReg(pd, r)
				}
			}
		}
		need.regs[d], need.slots[d] = 0, 0
	}
}

// backtrackInsn moves the need from e's outputs to its inputs.
func (v *verifier) backtrackInsn(need *precSet, e *histEntry) {
	ins := v.insns[e.pc]
	d := int(e.depth)
	dst, src := ins.Dst, ins.Src
	srcX := ins.OpCode.Source() == asm.SrcX
	switch ins.OpCode.Class() {
	case asm.ClassALU, asm.ClassALU64:
		if !need.hasReg(d, dst) {
			return
		}
		switch ins.OpCode.ALUOp() {
		case asm.ALUMov:
			need.clearReg(d, dst)
			if srcX {
				need.setReg(d, src)
			}
		case asm.ALUNeg, asm.ALUEnd:
		default:
			if srcX {
				need.setReg(d, src)
			}
		}
	case asm.ClassLDX:
		if !need.hasReg(d, dst) {
			return
		}
		need.clearReg(d, dst)
		if e.stkFrame >= 0 {
			need.setSlot(int(e.stkFrame), int(e.stkSlot))
		}
	case asm.ClassST, asm.ClassSTX:
		if ins.OpCode.Mode() == asm.ModeATOMIC {
			// The memory is an unknown scalar afterwards; a fetched
			// value comes from the memory before.
			out := src
			if ins.Imm == asm.AtomicCmpXchg {
				out = asm.R0
			}
			if ins.Imm&asm.AtomicFetch != 0 && need.hasReg(d, out) {
				need.clearReg(d, out)
				if e.stkFrame >= 0 {
					need.setSlot(int(e.stkFrame), int(e.stkSlot))
				}
				return
			}
			if e.stkFrame >= 0 {
				need.clearSlot(int(e.stkFrame), int(e.stkSlot))
			}
			return
		}
		if e.stkFrame < 0 || !need.hasSlot(int(e.stkFrame), int(e.stkSlot)) {
			return
		}
		need.clearSlot(int(e.stkFrame), int(e.stkSlot))
		if ins.OpCode.Class() == asm.ClassSTX {
			need.setReg(d, src)
		}
	case asm.ClassLD:
		if ins.IsLoadImm64() {
			need.clearReg(d, dst)
			return
		}
		need.clearReg(d, asm.R0) // LD_ABS/IND: from the packet
	case asm.ClassJMP, asm.ClassJMP32:
		switch {
		case ins.OpCode.JumpOp() == asm.JumpCall:
			need.clearReg(d, asm.R0)
		case ins.OpCode == asm.OpExit || ins.OpCode == asm.OpJA || ins.OpCode == asm.OpJA32:
		default:
			any := need.hasReg(d, dst) || srcX && need.hasReg(d, src)
			if e.linked != nil && (any || need.intersects(&e.linked.need)) {
				need.union(&e.linked.need)
				any = true
			}
			if any {
				need.setReg(d, dst)
				if srcX {
					need.setReg(d, src)
				}
			}
		}
	}
}

// markState marks what need names precise in a saved state, dropping
// from need what is not a scalar there. It reports whether anything was
// still imprecise.
func (v *verifier) markState(st *state, need *precSet) bool {
	changed := false
	for d := range need.regs {
		if d >= len(st.frames) {
			need.regs[d], need.slots[d] = 0, 0
			continue
		}
		f := st.frames[d]
		for r := asm.R0; r <= asm.R10; r++ {
			if !need.hasReg(d, r) {
				continue
			}
			x := &f.regs[r]
			if x.t != scalar {
				need.clearReg(d, r)
				continue
			}
			if !x.precise {
				x.precise = true
				changed = true
			}
		}
		for i := 0; i < 64; i++ {
			if !need.hasSlot(d, i) {
				continue
			}
			if i >= len(f.stack) || !f.stack[i].isSpill() || f.stack[i].spill.t != scalar {
				need.clearSlot(d, i)
				continue
			}
			if !f.stack[i].spill.precise {
				f.stack[i].spill.precise = true
				changed = true
			}
		}
	}
	return changed
}

// propagatePrecision marks, in the current path, what the saved state
// old (that the path was just found equivalent to) has precise: old's
// safety relied on those values.
func (v *verifier) propagatePrecision(old *state) {
	if v.cfg.Unprivileged {
		return
	}
	var need precSet
	for d, f := range old.frames {
		for r := range f.regs {
			if f.regs[r].t == scalar && f.regs[r].precise {
				need.setReg(d, asm.Register(r))
			}
		}
		for i := range f.stack {
			if i < 64 && f.stack[i].isSpill() && f.stack[i].spill.t == scalar && f.stack[i].spill.precise {
				need.setSlot(d, i)
			}
		}
	}
	if !need.empty() {
		v.backtrack(&need, false)
	}
}
