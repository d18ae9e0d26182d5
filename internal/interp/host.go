package interp

// Host is another engine (the JIT) running a program whose helpers get
// this machine as their view of the run's memory: the calls helpers make
// that continue the program, callbacks and tail calls, go to the host
// instead of the interpreter.
type Host interface {
	// CallFunc is Machine.CallFunc for the host's run.
	CallFunc(fn uint64, r1, r2, r3, r4, r5 uint64) (uint64, error)
	// TailCall is Machine.TailCall for the host's run.
	TailCall(target *Program) bool
	// RegionAdded tells the host that a helper gave the program memory
	// (AddRegion during the run), also when the machine already had it.
	RegionAdded(addr, size uint64, writable bool)
}

// SetHost makes h receive the machine's CallFunc and TailCall calls until
// the machine is released, and starts the host's run: regions added from
// now on are helpers' (dropped by Rearm), as during Run.
func (m *Machine) SetHost(h Host) {
	m.host = h
	m.running = true
	m.mayGoto = MaxLoops
}

// Attach records another engine's form of p (the JIT's compiled code), so
// that a host can find it when a helper tail-calls p.
func (p *Program) Attach(v any) { p.attached = v }

// Attached is what Attach recorded, or nil.
func (p *Program) Attached() any { return p.attached }

// PacketFrame returns what SetPacketFrame last set (helpers that resize
// a socket buffer set it again).
func (m *Machine) PacketFrame() (buf []byte, data, mac, net int) {
	return m.packet, m.pktData, m.pktMAC, m.pktNet
}

// RunBlock runs p's code from pc with the registers r0 to r10 in regs and
// a budget of budget instructions, in this machine's memory, and returns
// the error it stops with. A host whose run cannot afford a whole block
// of straight-line code runs the block here, so that the run stops at
// the interpreter's instruction with the interpreter's memory; the block
// ends in the budget error, or in a fault before it.
func (m *Machine) RunBlock(p *Program, pc int, regs [11]uint64, budget uint64) error {
	var r [16]uint64
	copy(r[:], regs[:])
	saveDepth, saveBudget := m.depth, m.budget
	m.budget = budget
	_, err := m.exec(p, pc, &r)
	m.depth, m.budget = saveDepth, saveBudget
	return err
}
