package verifier

import (
	"fmt"
	"strings"
)

// Stack byte kinds (the kernel's STACK_*).
type slotKind uint8

const (
	stInvalid slotKind = iota
	stSpill
	stMisc
	stZero
	stDynptr // part of a struct bpf_dynptr (spillSize 1: its first slot, 2: its second)
	stIter   // an open-coded iterator (spillSize: iterActive or iterDrained; spill.refID: its reference)
)

const (
	maxStack      = 512
	slotSize      = 8
	maxCallFrames = 8
)

// slot is 8 bytes of stack: fp-8*(i+1) .. fp-8*i for slot i.
type slot struct {
	kinds     [slotSize]slotKind
	spill     reg // the spilled register when kinds start with stSpill
	spillSize int // bytes the spill covers (8, or less for narrow scalars)
}

func (s *slot) isSpill() bool { return s.kinds[0] == stSpill }

type frame struct {
	regs     [11]reg
	stack    []slot
	callsite int // slot of the call that created the frame; -1 for main
	subprog  int
	callback bool // a callback of bpf_loop or bpf_for_each_map_elem
	global   bool // a global function, verified on its own
	void     bool // a global function returning void
	depth    int  // deepest stack byte used, for the combined stack size
}

func (f *frame) clone() *frame {
	n := *f
	n.stack = append([]slot(nil), f.stack...)
	return &n
}

// grow makes sure the stack covers off (negative, from fp).
func (f *frame) grow(off int) {
	need := (-off + slotSize - 1) / slotSize
	for len(f.stack) < need {
		f.stack = append(f.stack, slot{})
	}
	if -off > f.depth {
		f.depth = -off
	}
}

// destroyDynptr forgets the struct bpf_dynptr a write at off lands in:
// both of its slots become uninitialized, as in the kernel.
func (f *frame) destroyDynptr(off int) {
	s, _ := f.byteAt(off)
	if s.kinds[0] != stDynptr {
		return
	}
	// The dynptr's first slot is the lower address, so the higher index.
	first := (-off - 1) / slotSize
	if s.spillSize == 2 {
		first++
	}
	for _, j := range []int{first, first - 1} {
		if j >= 0 && j < len(f.stack) && f.stack[j].kinds[0] == stDynptr {
			f.stack[j] = slot{}
		}
	}
}

// slotAt returns the slot and byte index of stack offset off.
func (f *frame) byteAt(off int) (*slot, int) {
	i := (-off - 1) / slotSize
	b := (off%slotSize + slotSize) % slotSize
	return &f.stack[i], b
}

type state struct {
	frames []*frame
	refs   []ref // acquired references (ring buffer records)
	lock   uint32
	// mayGoto counts the may_goto fall-throughs on this path (the
	// kernel's may_goto_depth).
	mayGoto int
	// jmpHist counts the entries the kernel's jump history would hold
	// since parent was saved (its jmp_history_cnt).
	jmpHist int
	lockM   *mapInfo
	parent  *snapshot
	// path is the trail of branch decisions and states for the log.
	path *pathNode
	// hist is the instructions run since parent was saved.
	hist []histEntry
}

type ref struct {
	id uint32
	pc int
}

type pathNode struct {
	prev *pathNode
	text string
}

func (s *state) cur() *frame { return s.frames[len(s.frames)-1] }

func (s *state) clone() *state {
	n := &state{refs: append([]ref(nil), s.refs...), lock: s.lock, lockM: s.lockM, mayGoto: s.mayGoto, jmpHist: s.jmpHist, parent: s.parent, path: s.path, hist: s.hist[:len(s.hist):len(s.hist)]}
	n.frames = make([]*frame, len(s.frames))
	for i, f := range s.frames {
		n.frames[i] = f.clone()
	}
	return n
}

// forEachReg visits every register and spilled register of every frame.
func (s *state) forEachReg(fn func(r *reg)) {
	for _, f := range s.frames {
		for i := range f.regs {
			fn(&f.regs[i])
		}
		for i := range f.stack {
			if f.stack[i].isSpill() {
				fn(&f.stack[i].spill)
			}
		}
	}
}

// snapshot is a state saved at a prune point.
type snapshot struct {
	st       *state
	pc       int
	parent   *snapshot
	branches int         // paths still being explored that descend from it
	hist     []histEntry // the instructions run from parent to here
	// hits and misses count the paths it pruned and the comparisons it
	// failed while a new state was saved (the kernel's hit_cnt and
	// miss_cnt), to forget states that do not help.
	hits, misses int
	cleaned      bool // its dead stack slots were forgotten
}

func (v *verifier) regsString(f *frame) string {
	var parts []string
	for i, r := range f.regs {
		if r.t == notInit {
			continue
		}
		parts = append(parts, fmt.Sprintf("R%d=%s", i, r.String()))
	}
	for i := range f.stack {
		s := &f.stack[i]
		off := -(i + 1) * slotSize
		if s.isSpill() {
			parts = append(parts, fmt.Sprintf("fp%d=%s", off, s.spill.String()))
			continue
		}
		var b strings.Builder
		any := false
		for j := slotSize - 1; j >= 0; j-- {
			c := "?"
			switch s.kinds[j] {
			case stMisc:
				c, any = "m", true
			case stZero:
				c, any = "0", true
			}
			b.WriteString(c)
		}
		if any {
			parts = append(parts, fmt.Sprintf("fp%d=%s", off, b.String()))
		}
	}
	return strings.Join(parts, " ")
}

func (v *verifier) stateString(s *state) string {
	var parts []string
	for i, f := range s.frames {
		p := v.regsString(f)
		if len(s.frames) > 1 {
			p = fmt.Sprintf("frame%d: %s", i, p)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " | ")
}

// idMap checks that ids correspond one to one between two states. A
// state holds few ids, so pairs in a slice beat a map.
type idMap struct {
	pairs [][2]uint32 // old, cur
	tmp   uint32      // the last id given to a scalar without one
}

// checkScalar is the kernel's check_scalar_ids: a scalar without an id
// gets a fresh one, so that it matches only a register unlinked in the
// other state or linked to no other register there.
func (m *idMap) checkScalar(old, cur uint32) bool {
	if old == 0 {
		m.tmp++
		old = m.tmp
	}
	if cur == 0 {
		m.tmp++
		cur = m.tmp
	}
	return m.check(old, cur)
}

func (m *idMap) check(old, cur uint32) bool {
	if old == 0 && cur == 0 {
		return true
	}
	if old == 0 || cur == 0 {
		return false
	}
	for _, p := range m.pairs {
		if p[0] == old || p[1] == cur {
			return p[0] == old && p[1] == cur
		}
	}
	m.pairs = append(m.pairs, [2]uint32{old, cur})
	return true
}

// regSafe reports whether everything proven safe with old holds for cur.
func regSafe(old, cur *reg, ids *idMap, exact, unpriv bool) bool {
	if exact {
		if old.t != cur.t {
			return false
		}
	}
	switch old.t {
	case notInit:
		return exact == false || cur.t == notInit
	case scalar:
		if cur.t != scalar {
			return false
		}
		if !exact && !old.precise && !unpriv {
			return true // nothing relied on its bounds
		}
		if exact && !old.sameVar(cur) {
			return false
		}
		if !varWithin(old, cur) {
			return false
		}
		// regsafe: links (and their BPF_ADD_CONST offsets) must
		// correspond, ids checked by check_scalar_ids.
		return old.delta == cur.delta && ids.checkScalar(old.id, cur.id)
	}
	if cur.t != old.t || cur.maybeNull != old.maybeNull || cur.rdonly != old.rdonly || cur.off != old.off ||
		cur.m != old.m || cur.frame != old.frame || cur.target != old.target || cur.memSize != old.memSize {
		return false
	}
	if cur.rng < old.rng {
		return false
	}
	if exact && cur.rng != old.rng {
		return false
	}
	if !varWithin(old, cur) {
		return false
	}
	if exact && !old.sameVar(cur) {
		return false
	}
	if (old.maybeNull || old.isPkt()) && !ids.check(old.id, cur.id) {
		return false
	}
	if old.refID != 0 || cur.refID != 0 {
		if !ids.check(old.refID, cur.refID) {
			return false
		}
	}
	return true
}

// unboundReg is the scalar a load from misc bytes gives (the kernel's
// unbound_reg in stacksafe).
var unboundReg = unknownScalar()

// scalarForStack is the scalar a slot holds for pruning, as the kernel's
// scalar_reg_for_stack: an 8-byte spilled scalar, or an unbounded one
// for misc bytes (uninitialized ones count as misc where reading them is
// allowed); nil otherwise.
func scalarForStack(s *slot, allowUninit bool) *reg {
	if s.kinds[slotSize-1] == stSpill && s.spill.t == scalar {
		return &s.spill
	}
	for _, k := range s.kinds {
		if k != stMisc && !(k == stInvalid && allowUninit) {
			return nil
		}
	}
	return &unboundReg
}

// stackSafe reports whether everything proven safe with old's stack
// holds for cur's, byte by byte as the kernel's stacksafe compares them
// (a slot's kinds[0] is its lowest byte, the kernel's slot_type[7]).
// Privileged programs may read uninitialized stack, so misc bytes in
// old match anything then.
func stackSafe(old, cur *frame, ids *idMap, exact, unpriv bool) bool {
	allowUninit := !unpriv
	for i := range old.stack {
		o := &old.stack[i]
		missing := i >= len(cur.stack)
		var c *slot
		if missing {
			c = &slot{}
		} else {
			c = &cur.stack[i]
		}
		if exact {
			if o.kinds != c.kinds {
				return false
			}
			if o.isSpill() && !regSafe(&o.spill, &c.spill, ids, true, unpriv) {
				return false
			}
			continue
		}
		oReg, cReg := scalarForStack(o, allowUninit), scalarForStack(c, allowUninit)
		for b := slotSize - 1; b >= 0; b-- {
			ok, ck := o.kinds[b], c.kinds[b]
			if ok == stInvalid || allowUninit && ok == stMisc {
				continue
			}
			if missing {
				return false // old used bytes cur does not have
			}
			if oReg != nil && cReg != nil {
				// A spilled scalar against misc bytes (or another
				// spilled scalar): compared as registers, so that
				// their ids are checked.
				if !regSafe(oReg, cReg, ids, false, unpriv) {
					return false
				}
				break
			}
			if ok == stMisc && ck == stZero {
				continue // safe with any bytes, so with zeros
			}
			if ok != ck {
				return false
			}
			if b != 0 {
				continue
			}
			switch ok {
			case stSpill:
				if !regSafe(&o.spill, &c.spill, ids, false, unpriv) {
					return false
				}
			case stDynptr:
				if c.spillSize != o.spillSize {
					return false
				}
			case stIter:
				if c.spillSize != o.spillSize || !ids.check(o.spill.refID, c.spill.refID) {
					return false
				}
			}
		}
	}
	if exact && len(cur.stack) > len(old.stack) {
		for i := len(old.stack); i < len(cur.stack); i++ {
			if cur.stack[i].kinds != [8]slotKind{} {
				return false
			}
		}
	}
	return true
}

// statesEqual reports whether cur is covered by old (exact: identical).
//
// Scalars a saved state never relied on match any scalar, unless ranges
// is set (or in unprivileged mode): then bounds must be within old's.
func (v *verifier) statesEqual(old, cur *state, pc int, exact, ranges bool) bool {
	allPrecise := v.cfg.Unprivileged || ranges
	if len(old.frames) != len(cur.frames) || old.lock != 0 != (cur.lock != 0) || len(old.refs) != len(cur.refs) || old.lockM != cur.lockM {
		return false
	}
	ids := &v.ids
	ids.pairs = ids.pairs[:0]
	ids.tmp = v.idGen                                        // reset_idmap_scratch: fresh ids above every id in use
	if old.lock != 0 && !ids.check(old.lock-1, cur.lock-1) { // the locked values' ids
		return false
	}
	for i := range old.frames {
		of, cf := old.frames[i], cur.frames[i]
		if of.callsite != cf.callsite || of.callback != cf.callback {
			return false
		}
		live := ^uint16(0)
		if i == len(old.frames)-1 && v.live != nil {
			live = v.live[pc]
		}
		for r := range of.regs {
			if !exact && (live&(1<<r) == 0 || i < len(old.frames)-1 && r <= 5) {
				continue
			}
			if !regSafe(&of.regs[r], &cf.regs[r], ids, exact, allPrecise) {
				return false
			}
		}
		if !stackSafe(of, cf, ids, exact, allPrecise) {
			return false
		}
	}
	for i := range old.refs {
		if !ids.check(old.refs[i].id, cur.refs[i].id) {
			return false
		}
	}
	return true
}
