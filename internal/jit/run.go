//go:build amd64 && unix

package jit

import (
	"encoding/binary"
	"slices"
	"strconv"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit/amd64"
)

// Run executes the program from its first instruction with r1 and r2 set
// and r10 at the top of the entry frame, and returns r0.
func (m *Machine) Run(r1, r2 uint64) (uint64, error) {
	c := m.ctx
	if len(m.arrays) < len(m.prog.arrays) {
		// The values of inlined arrays are the run's memory.
		for _, am := range m.prog.arrays {
			v := am.Values(m.CPU)
			m.arrays = append(m.arrays, m.AddRegion(v, am.Writable, am.Name))
		}
	}
	if !m.indexed {
		// So are the elements of inlined hash and LPM lookups' maps.
		for _, im := range m.prog.indexed {
			m.AddRegion(im.Arena, im.Writable, im.Name)
		}
		m.indexed = true
	}
	c.CPU = uint64(m.CPU)
	c.MinFP = addrOf(m.stack) + 2*interp.StackSize
	c.Regs = [11]uint64{1: r1, 2: r2, 10: addrOf(m.stack) + stackAreaSize}
	c.Budget = m.prog.budget
	c.Depth, c.MaxDepth = 0, 0
	c.ResumeAddr = 0 // a run that ended in a helper's error may have left one
	stale := m.stale
	m.prepareTables()
	m.ctxFields = m.prog.comp.ConvertsContext()
	// The converted fields are as the last run left them (helpers and
	// stores that change them refill them), unless memory changed since.
	if m.ctxFields && (stale || !m.ctxFresh) {
		m.refillCtx()
	}
	m.running = true
	// The entry frame is called like any other, by the call stub, and
	// returns into it, which exits with ExitDone.
	c.NativeSP = m.nativeTop - 8
	m.putNative(c.NativeSP, m.prog.start)
	v, err := m.loop(m.prog.call)
	// Frames the run may have used, for the next acquisition to zero.
	d := int(c.MaxDepth)
	for _, p := range m.progs {
		if p.comp.R10Fixed {
			d = max(d, p.comp.MaxDepth)
		}
	}
	if len(m.progs) > 1 {
		d = interp.MaxFrames - 1 // tail calls nest programs' frames
	}
	m.dirty = max(m.dirty, d+1)
	return v, err
}

// putNative writes a word of the native stack.
func (m *Machine) putNative(at uintptr, v uintptr) {
	binary.LittleEndian.PutUint64(m.block.Data[at-(m.nativeTop-nativeStackSize):], uint64(v))
}

// resumeAddr is the address native code resumes at after the current
// exit: in the Context after a helper exit from the call stub's frame,
// else on top of the native stack.
func (m *Machine) resumeAddr() uintptr {
	if a := m.ctx.ResumeAddr; a != 0 {
		return uintptr(a)
	}
	return uintptr(binary.LittleEndian.Uint64(m.block.Data[m.ctx.NativeSP-(m.nativeTop-nativeStackSize):]))
}

// setResumeAddr changes where native code resumes after the current exit.
func (m *Machine) setResumeAddr(a uintptr) {
	if m.ctx.ResumeAddr != 0 {
		m.ctx.ResumeAddr = uint64(a)
		return
	}
	m.putNative(m.ctx.NativeSP, a)
}

// programAt finds the program whose code holds the native address pc:
// after a tail call from a bpf-to-bpf callee returns, the caller's
// program runs again.
func (m *Machine) programAt(pc uintptr) *Program {
	if p := m.cur; pc-p.lo < p.hi-p.lo {
		return p
	}
	for _, p := range m.progs {
		if pc-p.lo < p.hi-p.lo {
			return p
		}
	}
	panic("jit: exit from unknown code")
}

// loop enters native code through the stub at entry and handles its
// exits, resuming after each, until the frame it was entered for returns
// (ExitDone).
func (m *Machine) loop(entry uintptr) (uint64, error) {
	c := m.ctx
	for {
		amd64.Enter(entry, c)
		entry = m.prog.resume
		if c.CtxDirty != 0 {
			m.flushCtx()
		}
		if c.ExitCode == amd64.ExitDone {
			return c.Regs[0], nil
		}
		cur := m.programAt(m.resumeAddr())
		m.cur = cur
		pc := int(c.ExitPC)
		switch c.ExitCode {
		case amd64.ExitHelper:
			h := cur.helperAt[pc]
			if h == nil {
				return 0, &interp.RuntimeError{PC: pc, Err: interp.ErrUnknownHelper, Detail: "no helper with id " + strconv.FormatUint(uint64(uint32(cur.insns[pc].Imm)), 10)}
			}
			if err := m.callHelper(pc, h); err != nil {
				return 0, err
			}
			if m.ctxFields && !keepsContext(cur.insns[pc].Imm, c.Regs[5]) {
				m.refillCtx()
			}
		case amd64.ExitCallX:
			id := c.Regs[cur.insns[pc].Dst]
			if id > 0x7fffffff {
				return 0, &interp.RuntimeError{PC: pc, Err: interp.ErrUnknownHelper, Detail: "callx target is not a helper id"}
			}
			h := cur.helpers[int32(id)]
			if h == nil {
				return 0, &interp.RuntimeError{PC: pc, Err: interp.ErrUnknownHelper, Detail: "no helper with id " + strconv.FormatUint(id, 10)}
			}
			if err := m.callHelper(pc, h); err != nil {
				return 0, err
			}
			if m.ctxFields {
				m.refillCtx()
			}
		case amd64.ExitMemory:
			ins := cur.insns[pc]
			if err := m.access(pc, ins); err != nil {
				return 0, err
			}
			if m.ctxFields {
				m.afterContextStore(ins)
			}
		case amd64.ExitPacket:
			v, ok, err := m.loadPacket(pc, cur.insns[pc])
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, nil // a load outside the packet ends the program
			}
			c.Regs[0] = v
		case amd64.ExitBudget:
			// The block at pc costs more than is left: the interpreter
			// runs what the budget affords of it.
			left := c.Budget + c.ExitArg
			return 0, m.View().RunBlock(cur.view, pc, c.Regs, left)
		case amd64.ExitCallDepth:
			return 0, &interp.RuntimeError{PC: pc, Err: interp.ErrCallDepth, Detail: "more than 8 nested bpf-to-bpf calls"}
		default:
			panic("jit: unknown exit code " + strconv.Itoa(int(c.ExitCode)))
		}
	}
}

func (m *Machine) callHelper(pc int, h interp.Helper) error {
	r := &m.ctx.Regs
	v, err := h(m.View(), r[1], r[2], r[3], r[4], r[5])
	if err != nil {
		return &interp.RuntimeError{PC: pc, Err: interp.ErrHelper, Detail: err.Error()}
	}
	r[0] = v
	if t := m.tail; t != nil {
		// Continue in the same frame at the target's first instruction:
		// replace the resume address the exit left on the native stack.
		m.tail = nil
		m.cur = t
		if !slices.Contains(m.progs, t) {
			m.progs = append(m.progs, t)
			if t.comp.ConvertsContext() {
				m.ctxFields = true
				m.refillCtx()
			}
		}
		for _, im := range t.indexed {
			m.View().AddRegion(im.Arena, im.Writable, im.Name)
		}
		// The target's inlined arrays: its memory too, and its classes.
		for k, am := range t.arrays {
			v := am.Values(m.CPU)
			r := fixedRegion{lo: m.View().AddRegion(v, am.Writable, am.Name), size: uint64(len(v)), writable: am.Writable}
			m.setClass(amd64.ClassArray0+k, &r)
		}
		m.setResumeAddr(t.start)
	}
	return nil
}

// callFunc runs the callback fn of the program whose helper call is
// being handled, in a new frame below the helper caller's, the way
// interp.Machine.CallFunc does: native code is entered again on the
// native stack below the helper's exit, through the call stub, into
// which the callback's exit returns to end this nested loop.
func (m *Machine) callFunc(fn uint64, r1, r2, r3, r4, r5 uint64) (uint64, error) {
	p := m.cur
	pc := fn - amd64.FuncTag
	if fn < amd64.FuncTag || pc >= uint64(len(p.insns)) {
		return 0, &interp.RuntimeError{PC: -1, Err: interp.ErrBadCallback, Detail: "0x" + strconv.FormatUint(fn, 16) + " is not a function of this program"}
	}
	c := m.ctx
	depth := int(c.Depth)
	if p.comp.R10Fixed { // the frame top tells the depth
		depth = int((addrOf(m.stack) + stackAreaSize - c.Regs[10]) / amd64.StackSize)
	}
	if depth+1 >= amd64.MaxFrames {
		return 0, &interp.RuntimeError{PC: int(pc), Err: interp.ErrCallDepth, Detail: "more than 8 nested calls (callback)"}
	}
	off := p.comp.PCOffsets[pc]
	if off < 0 {
		return 0, &interp.RuntimeError{PC: int(pc), Err: asm.ErrInvalidInstruction, Detail: "not an executable instruction"}
	}
	saved, savedSP, savedResume := c.Regs, c.NativeSP, c.ResumeAddr
	c.Regs = [11]uint64{1: r1, 2: r2, 3: r3, 4: r4, 5: r5, 10: saved[10] - amd64.StackSize}
	c.ResumeAddr = 0
	c.Depth++
	c.MaxDepth = max(c.MaxDepth, c.Depth)
	c.NativeSP = savedSP - 8
	m.putNative(c.NativeSP, p.lo+uintptr(off))
	v, err := m.loop(p.call)
	c.Depth--
	c.Regs, c.NativeSP, c.ResumeAddr = saved, savedSP, savedResume
	m.cur = p
	return v, err
}

// loadPacket performs LD_ABS/LD_IND as the interpreter does. ok is false
// when the load falls outside the packet, which ends the program.
func (m *Machine) loadPacket(pc int, ins asm.Instruction) (v uint64, ok bool, err error) {
	pkt, data, mac, net := m.packet, m.pktData, m.pktMAC, m.pktNet
	if m.view != nil { // helpers may have moved the packet
		pkt, data, mac, net = m.view.PacketFrame()
	}
	if pkt == nil {
		return 0, false, &interp.RuntimeError{PC: pc, Err: interp.ErrNoPacket, Detail: "this run has no packet"}
	}
	off := int64(ins.Imm)
	if ins.OpCode.Mode() == asm.ModeIND {
		off = int64(int32(uint32(ins.Imm) + uint32(m.ctx.Regs[ins.Src])))
	}
	size := int64(asm.SizeBytes(ins.OpCode.Size()))
	const skfNetOff, skfLLOff = -0x100000, -0x200000
	switch {
	case off >= 0:
		off += int64(data)
	case off >= skfNetOff:
		off = int64(net) + off - skfNetOff
	case off >= skfLLOff:
		off = int64(mac) + off - skfLLOff
	default:
		return 0, false, nil
	}
	if off < 0 || off+size > int64(len(pkt)) {
		return 0, false, nil
	}
	for _, b := range pkt[off : off+size] {
		v = v<<8 | uint64(b)
	}
	return v, true, nil
}

// afterContextStore refills the converted fields when ins, a store or
// atomic just done by Go (or a load, which changes nothing), wrote into
// the context over a field loads take from CtxVal: a store changes the
// field it writes and no other.
func (m *Machine) afterContextStore(ins asm.Instruction) {
	if ins.OpCode.Class() == asm.ClassLDX {
		return
	}
	size := uint64(asm.SizeBytes(ins.OpCode.Size()))
	off, in := m.inContext(m.ctx.Regs[ins.Dst]+uint64(int64(ins.Offset)), size)
	if !in {
		return
	}
	hits := func(fields []int) bool {
		for _, f := range fields {
			if uint64(f) < off+size && off < uint64(f)+4 {
				return true
			}
		}
		return false
	}
	for _, p := range m.progs {
		if hits(p.comp.CtxOffsets) || hits(p.comp.CtxStoreOffsets) {
			if fs, ok := m.conv.(FieldStores); ok && fs.FieldStores() {
				m.refillFields(off, off+size)
			} else {
				m.refillCtx()
			}
			return
		}
	}
}

// keepsContext reports helpers (by Linux id) that change no context
// field a program can load: after them the converted fields need not be
// computed again. Helpers that run callbacks are not among them. r5 is
// the call's fifth argument (flags, for some).
func keepsContext(id int32, r5 uint64) bool {
	switch id {
	case 9: // skb_store_bytes: packet bytes, and the hash if told to
		const invalidateHash = 2
		return r5&invalidateHash == 0
	case 1, 2, 3, // map lookup, update, delete
		10, 11, // l3 and l4 csum_replace: packet bytes only
		4, 45, 112, 113, 114, 115, // probe reads
		5, 6, 7, 8, // ktime, trace_printk, prandom, smp_processor_id
		26, 28, 68, // skb_load_bytes, csum_diff, skb_load_bytes_relative
		12,         // tail call: the same context
		14, 15, 16, // pid/tgid, uid/gid, comm
		25,         // perf_event_output
		87, 88, 89, // map push, pop, peek
		93, 94, // spin lock, unlock
		125,                     // ktime_get_boot_ns
		130, 131, 132, 133, 134, // ringbuf output, reserve, submit, discard, query
		160: // ktime_get_coarse_ns
		return true
	}
	return false
}
