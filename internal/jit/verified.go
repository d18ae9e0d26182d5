package jit

import "github.com/gbpf/gbpf/asm"

// ProvenSafe is what a program the verifier accepted gets as
// Options.Safe (see Options.Verified): for disassembly.
func ProvenSafe(insns asm.Instructions) []bool { return provenSafe(insns) }

// provenSafe marks, for a program the verifier accepted, the loads,
// stores and atomics that need no run-time check: all of them, except
// those whose base register may hold a context pointer.
//
// The verifier proves every access in bounds of what its base points to,
// and in gbpf everything a verified pointer can point to is plain memory
// the run keeps alive (the stack, the packet, map values and keys, ring
// buffer records and dynptr data, global data), with one exception: the
// context, which is not memory but converted (xdp_md.data becomes a
// 64-bit pointer) or a buffer of the caller's size, which may be shorter
// than the context type. So accesses that may go through the context keep
// the check, and its slow path does the conversion.
//
// Whether a register may hold the context is over-approximated with the
// ways the verifier lets a context pointer travel: r1 at the entry, the
// arguments of bpf-to-bpf calls (r1 to r5 at a callback's entry), copies
// and arithmetic, 8-byte stack spills
// and fills (a fill from the stack through a pointer other than r10 may
// give the context when any spill of it does) and functions' return
// values. Unreachable code is marked too: it never runs.
func provenSafe(insns asm.Instructions) []bool {
	n := len(insns)
	entry := make([]uint16, n)
	entry[0] = 1 << asm.R1
	const args = 1<<asm.R1 | 1<<asm.R2 | 1<<asm.R3 | 1<<asm.R4 | 1<<asm.R5
	for pc := 0; pc < n; pc++ {
		ins := insns[pc]
		if t, ok := ins.JumpTarget(pc); ok && t >= 0 && t < n && ins.IsLoadImm64() {
			entry[t] |= args // a callback: what helpers pass is not tracked
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}

	var (
		spills  = map[int16]bool{} // r10 offsets where the context may be stored
		escaped bool               // it may be stored through another pointer
		retCtx  bool               // a function may return it
		in      []uint16
	)
	mayCtx := func(set uint16, r asm.Register) bool { return r < asm.R10 && set&(1<<r) != 0 }
	// fill says whether an 8-byte load from base+off may give the context.
	fill := func(base asm.Register, off int16) bool {
		if escaped {
			return true
		}
		if base == asm.R10 {
			return spills[off]
		}
		return len(spills) > 0
	}
	for changed := true; changed; {
		changed = false
		in = make([]uint16, n)
		seen := make([]bool, n)
		work := make([]int, 0, 16)
		flow := func(to int, set uint16) {
			if to < 0 || to >= n || seen[to] && in[to]|set == in[to] {
				return
			}
			seen[to] = true
			in[to] |= set
			work = append(work, to)
		}
		for pc := 0; pc < n; pc++ {
			if entry[pc] != 0 {
				flow(pc, entry[pc])
			}
		}
		for len(work) > 0 {
			pc := work[len(work)-1]
			work = work[:len(work)-1]
			ins := insns[pc]
			op := ins.OpCode
			set := in[pc]
			d := ins.Dst
			bit := func(r asm.Register) uint16 {
				if r > asm.R10 {
					return 0
				}
				return 1 << r
			}
			next := pc + 1
			switch cls := op.Class(); {
			case ins.IsLoadImm64():
				set &^= bit(d)
				next = pc + 2
			case op.IsALU():
				if op.ALUOp() == asm.ALUMov {
					set &^= bit(d)
				}
				if op.Source() == asm.SrcX && mayCtx(set|in[pc], ins.Src) {
					set |= bit(d)
				}
			case cls == asm.ClassLDX:
				set &^= bit(d)
				if op.Size() == asm.SizeDW && fill(ins.Src, ins.Offset) {
					set |= bit(d)
				}
			case cls == asm.ClassLD:
				set &^= 1 // legacy packet loads set r0
			case cls == asm.ClassSTX && op.Mode() == asm.ModeATOMIC:
				if mayCtx(set, ins.Src) && !escaped {
					escaped, changed = true, true
				}
				if ins.Imm&asm.AtomicFetch != 0 {
					r := ins.Src
					if ins.Imm == asm.AtomicCmpXchg {
						r = asm.R0
					}
					set &^= bit(r)
					if fill(ins.Dst, ins.Offset) {
						set |= bit(r)
					}
				}
			case cls == asm.ClassSTX:
				if mayCtx(set, ins.Src) {
					if ins.Dst == asm.R10 {
						if !spills[ins.Offset] {
							spills[ins.Offset], changed = true, true
						}
					} else if !escaped {
						escaped, changed = true, true
					}
				}
			case op.IsJump():
				switch op.JumpOp() {
				case asm.JumpExit:
					if mayCtx(set, asm.R0) && !retCtx {
						retCtx, changed = true, true
					}
					continue
				case asm.JumpCall:
					if t, ok := ins.JumpTarget(pc); ok && ins.Src == asm.CallLocal {
						flow(t, set&args) // the callee gets the arguments
					}
					set &^= args | 1
					if ins.Src == asm.CallLocal && retCtx {
						set |= 1
					}
				case asm.JumpA:
					if t, ok := ins.JumpTarget(pc); ok {
						flow(t, set)
					}
					continue
				default:
					if t, ok := ins.JumpTarget(pc); ok {
						flow(t, set)
					}
				}
			}
			flow(next, set)
		}
	}

	safe := make([]bool, n)
	for pc := 0; pc < n; pc++ {
		ins := insns[pc]
		switch op := ins.OpCode; op.Class() {
		case asm.ClassLDX:
			safe[pc] = !mayCtx(in[pc], ins.Src)
		case asm.ClassST, asm.ClassSTX:
			safe[pc] = !mayCtx(in[pc], ins.Dst)
		case asm.ClassJMP:
			// An inlined bpf_map_lookup_elem reads the key at r2, which
			// the verifier proved readable for the key's size.
			if op == asm.OpCall && ins.Src == asm.CallHelper && ins.Imm == 1 {
				safe[pc] = !mayCtx(in[pc], asm.R2)
			}
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}
	return safe
}
