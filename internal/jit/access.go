//go:build amd64 && unix

package jit

import (
	"encoding/binary"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
)

// access does a load, store or atomic the inline check did not allow:
// memory of a region it does not hold (helpers' regions, regions past the
// inline slots), the converted context, or a fault. Results and errors are
// the interpreter's.
func (m *Machine) access(pc int, ins asm.Instruction) error {
	r := &m.ctx.Regs
	size := uint64(asm.SizeBytes(ins.OpCode.Size()))
	switch ins.OpCode.Class() {
	case asm.ClassLDX:
		a := r[ins.Src] + uint64(int64(ins.Offset))
		v, err := m.load(pc, a, size)
		if err != nil {
			return err
		}
		if ins.OpCode.Mode() == asm.ModeMEMSX {
			shift := 64 - 8*size
			v = uint64(int64(v<<shift) >> shift)
		}
		r[ins.Dst] = v
		return nil
	case asm.ClassST:
		return m.store(pc, r[ins.Dst]+uint64(int64(ins.Offset)), size, uint64(int64(ins.Imm)))
	}
	a := r[ins.Dst] + uint64(int64(ins.Offset))
	if ins.OpCode.Mode() == asm.ModeMEM {
		return m.store(pc, a, size, r[ins.Src])
	}
	return m.atomic(pc, ins, a, size)
}

func (m *Machine) fault(pc int, addr, size uint64, what string) error {
	return &interp.RuntimeError{PC: pc, Err: interp.ErrMemoryAccess, Addr: addr, Size: int(size), Detail: what}
}

func (m *Machine) inContext(addr, size uint64) (uint64, bool) {
	off := addr - m.ctxLo
	return off, m.conv != nil && off < m.ctxSize && size <= m.ctxSize-off
}

func (m *Machine) load(pc int, addr, size uint64) (uint64, error) {
	if b, ok := m.View().Memory(addr, size, false); ok {
		var w [8]byte
		copy(w[:], b)
		return binary.LittleEndian.Uint64(w[:]), nil
	}
	if off, ok := m.inContext(addr, size); ok {
		if v, ok := m.conv.LoadContext(int(off), int(size)); ok {
			return v, nil
		}
		return 0, m.fault(pc, addr, size, "read of context offset "+strconv.FormatUint(off, 10)+" (not a readable field of this size)")
	}
	return 0, m.fault(pc, addr, size, "read")
}

func (m *Machine) store(pc int, addr, size, v uint64) error {
	if b, ok := m.View().Memory(addr, size, true); ok {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], v)
		copy(b, w[:size])
		return nil
	}
	if off, ok := m.inContext(addr, size); ok {
		if m.conv.StoreContext(int(off), int(size), v) {
			return nil
		}
		return m.fault(pc, addr, size, "write of context offset "+strconv.FormatUint(off, 10)+" (not a writable field of this size)")
	}
	return m.fault(pc, addr, size, "write")
}

func (m *Machine) atomic(pc int, ins asm.Instruction, addr, size uint64) error {
	if addr%size != 0 {
		return m.fault(pc, addr, size, "misaligned atomic access")
	}
	b, ok := m.View().Memory(addr, size, true)
	if !ok {
		return m.fault(pc, addr, size, "atomic access")
	}
	r := &m.ctx.Regs
	p := unsafe.Pointer(unsafe.SliceData(b))
	if size == 4 {
		old, ok := atomic32((*uint32)(p), ins.Imm, uint32(r[ins.Src]), uint32(r[0]))
		m.setAtomicResult(ins, uint64(old), ok)
	} else {
		old, ok := atomic64((*uint64)(p), ins.Imm, r[ins.Src], r[0])
		m.setAtomicResult(ins, old, ok)
	}
	return nil
}

func (m *Machine) setAtomicResult(ins asm.Instruction, old uint64, fetched bool) {
	switch {
	case ins.Imm == asm.AtomicCmpXchg:
		m.ctx.Regs[0] = old
	case fetched:
		m.ctx.Regs[ins.Src] = old
	}
}

// atomic32 applies op and returns the old value and whether the
// instruction fetches it.
func atomic32(a *uint32, op int32, v, want uint32) (uint32, bool) {
	var old uint32
	switch op &^ asm.AtomicFetch {
	case asm.AtomicAdd:
		old = atomic.AddUint32(a, v) - v
	case asm.AtomicOr:
		old = atomic.OrUint32(a, v)
	case asm.AtomicAnd:
		old = atomic.AndUint32(a, v)
	case asm.AtomicXor:
		for old = atomic.LoadUint32(a); !atomic.CompareAndSwapUint32(a, old, old^v); old = atomic.LoadUint32(a) {
		}
	case asm.AtomicXchg &^ asm.AtomicFetch:
		old = atomic.SwapUint32(a, v)
	case asm.AtomicCmpXchg &^ asm.AtomicFetch:
		for old = atomic.LoadUint32(a); old == want && !atomic.CompareAndSwapUint32(a, old, v); old = atomic.LoadUint32(a) {
		}
	}
	return old, op&asm.AtomicFetch != 0
}

func atomic64(a *uint64, op int32, v, want uint64) (uint64, bool) {
	var old uint64
	switch op &^ asm.AtomicFetch {
	case asm.AtomicAdd:
		old = atomic.AddUint64(a, v) - v
	case asm.AtomicOr:
		old = atomic.OrUint64(a, v)
	case asm.AtomicAnd:
		old = atomic.AndUint64(a, v)
	case asm.AtomicXor:
		for old = atomic.LoadUint64(a); !atomic.CompareAndSwapUint64(a, old, old^v); old = atomic.LoadUint64(a) {
		}
	case asm.AtomicXchg &^ asm.AtomicFetch:
		old = atomic.SwapUint64(a, v)
	case asm.AtomicCmpXchg &^ asm.AtomicFetch:
		for old = atomic.LoadUint64(a); old == want && !atomic.CompareAndSwapUint64(a, old, v); old = atomic.LoadUint64(a) {
		}
	}
	return old, op&asm.AtomicFetch != 0
}
