//go:build amd64 && unix

package jit

import (
	"math"
	"math/bits"
	"runtime"
	"unsafe"

	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit/amd64"
	"github.com/gbpf/gbpf/internal/jit/execmem"
)

// Sizes of a machine's memory block: the native stack (return addresses
// and saved registers of bpf-to-bpf calls, transient pushes), the Context
// page, then the BPF stack area, all between guard pages.
const (
	nativeStackSize = 64 << 10
	contextSize     = 8 << 10
	stackAreaSize   = interp.StackSize * interp.MaxFrames
)

// Machine is the state of one run, mirroring interp.Machine: the caller
// adds memory (AddRegion, SetContext, SetPacket), calls Run, and hands it
// back with Program.Release.
type Machine struct {
	// Env is the caller's per-run state for its helpers; helpers see it
	// as the Env of the *interp.Machine they get.
	Env any
	// CPU is the run's CPU, whose values of per-CPU arrays inlined
	// lookups return.
	CPU int

	prog      *Program   // the program the run started with
	cur       *Program   // the program whose code exited last
	progs     []*Program // the programs this run has entered (tail calls add)
	block     *execmem.Block
	ctx       *amd64.Context
	stack     []byte // the BPF stack area, in block
	nativeTop uintptr
	view      *interp.Machine // helpers' memory view, with the same regions
	regions   []fixedRegion   // fixed regions, for the inline check
	filled    []fixedRegion   // the regions the Context's bound table was filled for
	conv      interp.Context
	ctxLo     uint64
	ctxSize   uint64
	packet    []byte
	pktData   int
	pktMAC    int
	pktNet    int
	tail      *Program
	tails     int
	dirty     int                   // stack frames the last run used
	running   bool                  // helpers' regions are not fixed ones
	dynNext   int                   // the Dyn slot to fill next
	dynDirty  bool                  // Dyn or ClassLastDyn holds a helper's region
	ctxFields bool                  // a program of the run loads converted context fields
	ctxPlain  bool                  // the context lies in a fixed region: plain memory
	ctxClass  [amd64.CtxClasses]int // the fixed region each ClassCtx0+i is set to (-1: filler, -2: not set)
	stale     bool                  // regions or context changed: tables to rebuild before running
	ctxFresh  bool                  // CtxVal holds the converted fields of the context as it is
	arrays    []uint64              // where each inlined array's values start (ClassArray0+i), once added as regions
	indexed   bool                  // the arenas of inlined hash and LPM lookups are regions
}

type fixedRegion struct {
	lo, size uint64
	writable bool
	buf      []byte // keeps the memory alive, and fills the view
	name     string
}

func newMachine() (*Machine, error) {
	b, err := execmem.NewBlock(nativeStackSize + contextSize + stackAreaSize)
	if err != nil {
		return nil, err
	}
	m := &Machine{block: b}
	m.nativeTop = uintptr(unsafe.Pointer(&b.Data[nativeStackSize]))
	m.ctx = (*amd64.Context)(unsafe.Pointer(&b.Data[nativeStackSize]))
	m.stack = b.Data[nativeStackSize+contextSize : nativeStackSize+contextSize+stackAreaSize]
	runtime.AddCleanup(m, func(b *execmem.Block) { b.Close() }, b)
	return m, nil
}

func (m *Machine) reset(p *Program) {
	if m.dirty > 0 {
		clear(m.stack[stackAreaSize-m.dirty*interp.StackSize:])
	}
	m.dirty = 0
	m.prog, m.cur = p, p
	m.progs = append(m.progs[:0], p)
	m.view = nil
	m.regions = append(m.regions[:0], fixedRegion{lo: addrOf(m.stack), size: stackAreaSize, writable: true, buf: m.stack, name: "stack"})
	m.conv, m.ctxLo, m.ctxSize = nil, 0, 0
	m.packet = nil
	m.tail, m.tails = nil, 0
	m.running = false
	m.stale = true
	m.arrays = m.arrays[:0]
	m.indexed = false
	m.ctxFresh = false
}

func (m *Machine) release() {
	if m.view != nil {
		m.prog.view.Release(m.view)
		m.view = nil
	}
	clear(m.regions)
	m.regions = m.regions[:0]
	m.prog, m.cur, m.tail = nil, nil, nil
	clear(m.progs)
	m.progs = m.progs[:0]
	m.conv = nil
	m.packet = nil
	m.Env = nil
}

func addrOf(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

// AddRegion gives the program memory for the rest of the run and returns
// its address. Regions added before Run are checked inline (the first
// few); later ones, from helpers, through an exit to Go.
func (m *Machine) AddRegion(buf []byte, writable bool, name string) uint64 {
	if len(buf) == 0 {
		return 0
	}
	if m.running {
		return m.View().AddRegion(buf, writable, name)
	}
	a := addrOf(buf)
	m.regions = append(m.regions, fixedRegion{lo: a, size: uint64(len(buf)), writable: writable, buf: buf, name: name})
	m.stale = true
	if m.view != nil {
		// The view treats new regions as helpers'; build it again.
		m.prog.view.Release(m.view)
		m.view = nil
	}
	return a
}

// Memory returns program memory for a helper-like caller (see
// interp.Machine.Memory).
func (m *Machine) Memory(addr, size uint64, write bool) ([]byte, bool) {
	return m.View().Memory(addr, size, write)
}

// View is the *interp.Machine helpers receive: same regions, same Env.
// It is built on first use, so runs that call no helper and leave no
// access to Go do not pay for it.
func (m *Machine) View() *interp.Machine {
	if m.view == nil {
		v := m.prog.view.Machine()
		for _, r := range m.regions {
			v.AddRegion(r.buf, r.writable, r.name)
		}
		if m.conv != nil {
			v.SetContext(m.ctxLo, m.ctxSize, m.conv)
		}
		v.SetPacketFrame(m.packet, m.pktData, m.pktMAC, m.pktNet)
		v.SetHost((*host)(m))
		m.view = v
	}
	m.view.Env = m.Env
	return m.view
}

// Viewed is the helpers' view if a helper or an access handled in Go
// has built it this run, else nil (then no helper has run).
func (m *Machine) Viewed() *interp.Machine { return m.view }

// SetContext makes [addr, addr+size) the run's converted context (see
// interp.Machine.SetContext).
func (m *Machine) SetContext(addr, size uint64, c interp.Context) {
	m.ctxLo, m.ctxSize, m.conv = addr, size, c
	m.stale = true
	if m.view != nil {
		m.view.SetContext(addr, size, c)
	}
}

// SetPacket sets the bytes legacy packet loads read.
func (m *Machine) SetPacket(pkt []byte) { m.SetPacketFrame(pkt, 0, 0, 0) }

// SetPacketFrame is interp.Machine.SetPacketFrame.
func (m *Machine) SetPacketFrame(buf []byte, data, mac, net int) {
	m.packet, m.pktData, m.pktMAC, m.pktNet = buf, data, mac, net
	if m.view != nil {
		m.view.SetPacketFrame(buf, data, mac, net)
	}
}

// Rearm readies m for another run of its program with the same memory,
// as interp.Machine.Rearm does: the regions helpers added are dropped,
// the stack is left as the last run left it.
func (m *Machine) Rearm() {
	m.cur, m.tail, m.tails = m.prog, nil, 0
	clear(m.progs[1:])
	m.progs = m.progs[:1]
	if m.view != nil {
		m.view.Rearm(m.prog.view)
	}
}

// host is the Machine as the helpers' view sees it: callbacks and tail
// calls of helpers continue in native code.
type host Machine

// RegionAdded puts a region a helper handed out into the Dyn table, over
// the one put there longest ago, so that the program's accesses to it
// (a map value it looked up) need no exit.
func (h *host) RegionAdded(addr, size uint64, writable bool) {
	m := (*Machine)(h)
	c := m.ctx
	if last := &c.Class[amd64.ClassLastDyn][amd64.BoundRead][0]; m.dynDirty && last.Lo == addr && last.Lim == size-1 {
		return // the same region again (a value looked up again)
	}
	slot := m.dynNext
	m.dynNext = (slot + 1) % amd64.DynSlots
	m.dynDirty = true
	for si := range 4 {
		n := uint64(1) << si
		rb, wb := c.Bounds[amd64.BoundRead][si][0], c.Bounds[amd64.BoundWrite][si][0]
		if size >= n {
			rb = amd64.Bound{Lo: addr, Lim: size - n}
			if writable {
				wb = rb
			}
		}
		c.Dyn[amd64.BoundRead][si][slot], c.Dyn[amd64.BoundWrite][si][slot] = rb, wb
		c.Class[amd64.ClassLastDyn][amd64.BoundRead][si], c.Class[amd64.ClassLastDyn][amd64.BoundWrite][si] = rb, wb
	}
}

// boundFor is the bound table entry that allows accesses of kind and
// size index si to a region, or the filler (the first fixed region's
// entry, which the check allows anyway) when the region allows none.
func (m *Machine) boundFor(kind, si int, lo, size uint64, writable bool) amd64.Bound {
	n := uint64(1) << si
	if size < n || (kind == amd64.BoundWrite && !writable) {
		return m.ctx.Bounds[kind][si][0]
	}
	return amd64.Bound{Lo: lo, Lim: size - n}
}

// setClass points a region class at r (nil: the filler).
func (m *Machine) setClass(cls int, r *fixedRegion) {
	for kind := 0; kind < 2; kind++ {
		for si := range 4 {
			if r == nil {
				m.ctx.Class[cls][kind][si] = m.ctx.Bounds[kind][si][0]
			} else {
				m.ctx.Class[cls][kind][si] = m.boundFor(kind, si, r.lo, r.size, r.writable)
			}
		}
	}
}

// fixedAt is the index of the fixed region holding addr, or -1.
func (m *Machine) fixedAt(addr uint64) int {
	for i := range m.regions {
		if r := &m.regions[i]; addr-r.lo < r.size {
			return i
		}
	}
	return -1
}

// clearDyn empties the Dyn table: every slot repeats the first fixed
// region, which the fixed check allows anyway.
func (m *Machine) clearDyn() {
	m.dynNext = 0
	m.dynDirty = false
	m.setClass(amd64.ClassLastDyn, nil)
	for kind := range m.ctx.Dyn {
		for si := range m.ctx.Dyn[kind] {
			for slot := range m.ctx.Dyn[kind][si] {
				m.ctx.Dyn[kind][si][slot] = m.ctx.Bounds[kind][si][0]
			}
		}
	}
}

// refillCtx computes the converted context fields the run's programs
// load (amd64.Compiled.CtxOffsets) for Context.CtxVal: before a run when
// memory changed, after helpers that may change the context, and after
// stores into a field loads convert.
func (m *Machine) refillCtx() { m.refillFields(0, math.MaxUint64) }

// refillFields is refillCtx for the fields overlapping [lo, hi) only:
// after a store there into a context whose stores change nothing but the
// bytes stored (FieldStores).
func (m *Machine) refillFields(lo, hi uint64) {
	in := func(off int) bool { return uint64(off) < hi && lo < uint64(off)+4 }
	c := m.ctx
	if c.CtxDirty != 0 {
		m.flushCtx()
	}
	m.ctxFresh = true
	plain, _ := m.conv.(PlainStores)
	c.PktLo, c.PktLen = 0, 0
	if ps, ok := m.conv.(PacketSpanner); ok {
		c.PktLo, c.PktLen = ps.PacketSpan()
	}
	for _, p := range m.progs {
		for _, off := range p.comp.CtxStoreOffsets {
			if !in(off) {
				continue
			}
			key := ^uint64(0)
			if plain != nil && uint64(off)+4 <= m.ctxSize && !m.ctxPlain {
				if mask, ok := plain.PlainStore(off); ok {
					if v, ok := m.conv.LoadContext(off, 4); ok {
						key = m.ctxLo
						c.CtxVal[off/4] = v
						c.CtxStMask[off/4] = mask
					}
				}
			}
			c.CtxStKey[off/4] = key
		}
		for _, off := range p.comp.CtxOffsets {
			if !in(off) {
				continue
			}
			key := ^uint64(0)
			if m.conv != nil && uint64(off)+4 <= m.ctxSize && !m.ctxPlain {
				if v, ok := m.conv.LoadContext(off, 4); ok {
					key = m.ctxLo
					c.CtxVal[off/4] = v
				}
			}
			c.CtxKey[off/4] = key
		}
		// Pointers derived from fields (packet data) are predicted to
		// point into the region holding the field's value.
		for i, off := range p.comp.CtxClassOffsets {
			if off < 0 || !in(off) {
				continue
			}
			at := -1
			if c.CtxKey[off/4] != ^uint64(0) {
				at = m.fixedAt(c.CtxVal[off/4])
			}
			if at != m.ctxClass[i] {
				m.ctxClass[i] = at
				if at < 0 {
					m.setClass(amd64.ClassCtx0+i, nil)
				} else {
					m.setClass(amd64.ClassCtx0+i, &m.regions[at])
				}
			}
		}
	}
}

// FieldStores is a context (interp.Context) whose stores change nothing
// but the bytes stored: after one, only the converted fields there need
// computing again.
type FieldStores interface {
	FieldStores() bool
}

// PlainStores is a context (interp.Context) with plain fields: a 4-byte
// store at such an offset changes nothing but what a 4-byte load there
// gives, which is the value stored and mask, so native code keeps it
// (Context.CtxStKey) and Go passes it on with StoreContext at the next
// exit.
type PlainStores interface {
	PlainStore(off int) (mask uint32, ok bool)
}

// PacketSpanner is a context with a packet: its address and length
// (skb->data, skb->len), which inlined bpf_skb_load_bytes reads.
type PacketSpanner interface {
	PacketSpan() (addr, n uint64)
}

// flushCtx passes the stores native code made into plain context fields
// on to the context.
func (m *Machine) flushCtx() {
	c := m.ctx
	for d := c.CtxDirty; d != 0; d &= d - 1 {
		slot := bits.TrailingZeros64(d)
		m.conv.StoreContext(4*slot, 4, uint64(uint32(c.CtxVal[slot])))
	}
	c.CtxDirty = 0
}

// prepareTables brings the Context's tables up to date with the run's
// memory before native code runs: all of them after the regions or the
// context changed, else only what the last run's helpers left in Dyn.
func (m *Machine) prepareTables() {
	if m.stale {
		m.stale = false
		// Where the context is plain memory the interpreter reads it
		// as such, so its fields are never served converted.
		m.ctxPlain = m.conv != nil && m.fixedAt(m.ctxLo) >= 0
		m.ctxClass = [amd64.CtxClasses]int{-2, -2, -2, -2}
		if m.fillBounds() {
			m.setClass(amd64.ClassStack, &m.regions[0])
			for k, lo := range m.arrays {
				if i := m.fixedAt(lo); i >= 0 {
					m.setClass(amd64.ClassArray0+k, &m.regions[i])
				}
			}
			m.clearDyn()
			return
		}
	}
	if m.dynDirty {
		m.clearDyn()
	}
}

// TailCall makes the running helper's program continue as target once
// the helper returns; false when the run used up its tail calls or
// target has no JIT code (a program of an interpreter collection).
func (h *host) TailCall(target *interp.Program) bool {
	t, _ := target.Attached().(*Program)
	if t == nil || h.tails >= interp.MaxTailCalls {
		return false
	}
	h.tails++
	h.tail = t
	return true
}

// CallFunc runs a callback (see interp.Machine.CallFunc).
func (h *host) CallFunc(fn uint64, r1, r2, r3, r4, r5 uint64) (uint64, error) {
	return (*Machine)(h).callFunc(fn, r1, r2, r3, r4, r5)
}

func (m *Machine) filledFor(rs []fixedRegion) bool {
	if len(rs) != len(m.filled) {
		return false
	}
	for i, r := range rs {
		f := m.filled[i]
		if r.lo != f.lo || r.size != f.size || r.writable != f.writable {
			return false
		}
	}
	return true
}

// fillBounds writes the inline check's table: per access kind and size,
// the first regions that allow it; unused slots repeat the stack, which
// allows every size and both kinds. It reports whether the table changed
// (else it holds the same regions as for the last run).
func (m *Machine) fillBounds() bool {
	if m.filledFor(m.regions) {
		return false
	}
	m.filled = m.filled[:0]
	for _, r := range m.regions {
		m.filled = append(m.filled, fixedRegion{lo: r.lo, size: r.size, writable: r.writable})
	}
	for kind := 0; kind < 2; kind++ {
		for si, size := range [4]uint64{1, 2, 4, 8} {
			slot := 0
			for _, r := range m.regions {
				if slot == amd64.Slots {
					break
				}
				if r.size < size || (kind == amd64.BoundWrite && !r.writable) {
					continue
				}
				m.ctx.Bounds[kind][si][slot] = amd64.Bound{Lo: r.lo, Lim: r.size - size}
				slot++
			}
			for ; slot < amd64.Slots; slot++ {
				m.ctx.Bounds[kind][si][slot] = m.ctx.Bounds[kind][si][0]
			}
		}
	}
	return true
}
