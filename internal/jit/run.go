//go:build amd64 && unix

package jit

import (
	"encoding/binary"
	"strconv"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit/amd64"
)

// Run executes the program from its first instruction with r1 and r2 set
// and r10 at the top of the entry frame, and returns r0.
func (m *Machine) Run(r1, r2 uint64) (uint64, error) {
	c := m.ctx
	c.Regs = [11]uint64{1: r1, 2: r2, 10: addrOf(m.stack) + stackAreaSize}
	c.Budget = m.prog.budget
	c.Depth, c.MaxDepth = 0, 0
	m.fillBounds()
	m.running = true
	// The entry frame is "called" like any other: it returns into the
	// finish stub, which exits with ExitDone.
	native := m.block.Data[:nativeStackSize]
	binary.LittleEndian.PutUint64(native[nativeStackSize-16:], uint64(m.prog.start))
	binary.LittleEndian.PutUint64(native[nativeStackSize-8:], uint64(m.prog.finish))
	c.NativeSP = m.nativeTop - 16
	defer func() { m.dirty = max(m.dirty, int(c.MaxDepth)+1) }()
	for {
		amd64.Enter(m.prog.entry, c)
		pc := int(c.ExitPC)
		switch c.ExitCode {
		case amd64.ExitDone:
			return c.Regs[0], nil
		case amd64.ExitHelper:
			id := m.cur.insns[pc].Imm
			h := m.cur.helpers[id]
			if h == nil {
				return 0, &interp.RuntimeError{PC: pc, Err: interp.ErrUnknownHelper, Detail: "no helper with id " + strconv.FormatUint(uint64(uint32(id)), 10)}
			}
			if err := m.callHelper(pc, h); err != nil {
				return 0, err
			}
		case amd64.ExitCallX:
			id := c.Regs[m.cur.insns[pc].Dst]
			if id > 0x7fffffff {
				return 0, &interp.RuntimeError{PC: pc, Err: interp.ErrUnknownHelper, Detail: "callx target is not a helper id"}
			}
			h := m.cur.helpers[int32(id)]
			if h == nil {
				return 0, &interp.RuntimeError{PC: pc, Err: interp.ErrUnknownHelper, Detail: "no helper with id " + strconv.FormatUint(id, 10)}
			}
			if err := m.callHelper(pc, h); err != nil {
				return 0, err
			}
		case amd64.ExitMemory:
			if err := m.access(pc, m.cur.insns[pc]); err != nil {
				return 0, err
			}
		case amd64.ExitPacket:
			v, ok, err := m.loadPacket(pc, m.cur.insns[pc])
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, nil // a load outside the packet ends the program
			}
			c.Regs[0] = v
		case amd64.ExitBudget:
			return 0, &interp.RuntimeError{PC: m.budgetPC(pc, c.Budget+c.ExitArg), Err: interp.ErrBudgetExceeded, Detail: "the program ran longer than its budget of executed instructions"}
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
		at := m.ctx.NativeSP - (m.nativeTop - nativeStackSize)
		binary.LittleEndian.PutUint64(m.block.Data[at:], uint64(t.start))
	}
	return nil
}

// budgetPC is the instruction the interpreter runs out of budget at: the
// block at leader was charged whole, with left instructions remaining.
func (m *Machine) budgetPC(leader int, left uint64) int {
	pc := leader
	for ; left > 0; left-- {
		pc += m.cur.insns[pc].Width()
	}
	return pc
}

// loadPacket performs LD_ABS/LD_IND as the interpreter does. ok is false
// when the load falls outside the packet, which ends the program.
func (m *Machine) loadPacket(pc int, ins asm.Instruction) (v uint64, ok bool, err error) {
	if m.packet == nil {
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
		off += int64(m.pktData)
	case off >= skfNetOff:
		off = int64(m.pktNet) + off - skfNetOff
	case off >= skfLLOff:
		off = int64(m.pktMAC) + off - skfLLOff
	default:
		return 0, false, nil
	}
	if off < 0 || off+size > int64(len(m.packet)) {
		return 0, false, nil
	}
	for _, b := range m.packet[off : off+size] {
		v = v<<8 | uint64(b)
	}
	return v, true, nil
}
