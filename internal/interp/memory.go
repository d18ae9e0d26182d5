package interp

import (
	"cmp"
	"slices"
	"unsafe"
)

// A region is a block of Go-owned memory a run may touch. Programs see real
// host addresses (as in the kernel and as the JIT will), so a region records
// where its bytes live; base points at the start of the Go allocation and so
// keeps it alive for the GC, which does not see addresses in BPF registers.
type region struct {
	lo       uint64
	size     uint64
	base     unsafe.Pointer
	writable bool
	name     string
}

func newRegion(buf []byte, writable bool, name string) region {
	if len(buf) == 0 {
		return region{name: name}
	}
	base := unsafe.Pointer(unsafe.SliceData(buf))
	return region{lo: uint64(uintptr(base)), size: uint64(len(buf)), base: base, writable: writable, name: name}
}

// The region table has two parts. The fixed regions (stack, packet,
// context memory, global data) are set up before the run and are few, so
// a linear scan is fastest. Regions helpers add during the run (map
// values, ring buffer records) can number in the thousands in a loop, so
// they are kept sorted by address and found by binary search, and a value
// looked up again is not added twice.

// translate returns a pointer to size bytes at addr if they lie wholly
// inside one region the run may access that way.
func (m *Machine) translate(addr, size uint64, write bool) (unsafe.Pointer, bool) {
	for i := range m.regions {
		r := &m.regions[i]
		off := addr - r.lo
		if off < r.size && size <= r.size-off {
			if write && !r.writable {
				return nil, false
			}
			return unsafe.Add(r.base, off), true
		}
	}
	if len(m.dyn) == 0 {
		return nil, false
	}
	return m.translateDyn(addr, size, write)
}

func (m *Machine) translateDyn(addr, size uint64, write bool) (unsafe.Pointer, bool) {
	m.sortDyn()
	lo := m.dynAfter(addr)
	// Regions may nest (a record inside a buffer also registered whole):
	// look back past ones that end too early.
	for i := lo - 1; i >= 0 && i >= lo-4; i-- {
		r := &m.dyn[i]
		off := addr - r.lo
		if off < r.size && size <= r.size-off {
			if write && !r.writable {
				return nil, false
			}
			return unsafe.Add(r.base, off), true
		}
	}
	return nil, false
}

// dynAfter is the index of the first helper-added region that starts
// above addr.
func (m *Machine) dynAfter(addr uint64) int {
	lo, hi := 0, len(m.dyn)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if m.dyn[mid].lo <= addr {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// Readable returns the readable bytes from addr to the end of the region
// holding it, at most max: what helpers that read C strings of unknown
// length may look at. nil when addr is in no region.
func (m *Machine) Readable(addr, max uint64) []byte {
	pick := func(r *region) []byte {
		n := min(r.size-(addr-r.lo), max)
		return unsafe.Slice((*byte)(unsafe.Add(r.base, addr-r.lo)), n)
	}
	for i := range m.regions {
		if r := &m.regions[i]; addr-r.lo < r.size {
			return pick(r)
		}
	}
	m.sortDyn()
	lo := m.dynAfter(addr)
	for i := lo - 1; i >= 0 && i >= lo-4; i-- {
		if r := &m.dyn[i]; addr-r.lo < r.size {
			return pick(r)
		}
	}
	return nil
}

// AddRegion gives the program memory for the rest of the run and returns
// its address: before Run, the run's fixed memory; from helpers, a map
// value or ring buffer record.
func (m *Machine) AddRegion(buf []byte, writable bool, name string) uint64 {
	r := newRegion(buf, writable, name)
	if r.size == 0 {
		return 0
	}
	if !m.running {
		m.regions = append(m.regions, r)
		return r.lo
	}
	if m.host != nil {
		// A host checks memory itself and rarely asks here: append,
		// and sort when asked.
		m.host.RegionAdded(r.lo, r.size, r.writable)
		for i := len(m.dyn) - 1; i >= 0 && i >= len(m.dyn)-4; i-- {
			if o := &m.dyn[i]; o.lo == r.lo && o.size == r.size && o.writable == r.writable {
				return r.lo
			}
		}
		m.dyn = append(m.dyn, r)
		m.dynUnsorted = true
		return r.lo
	}
	m.sortDyn()
	lo, hi := 0, len(m.dyn)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if m.dyn[mid].lo < r.lo {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < len(m.dyn) && m.dyn[i].lo == r.lo; i++ {
		if o := &m.dyn[i]; o.size == r.size && o.writable == r.writable {
			return r.lo
		}
	}
	m.dyn = append(m.dyn, region{})
	copy(m.dyn[lo+1:], m.dyn[lo:])
	m.dyn[lo] = r
	return r.lo
}

// Memory returns the size bytes at addr as a slice aliasing program memory,
// or false if the run may not access them (write says whether it will be
// written). Helpers use it to read and write through pointer arguments.
func (m *Machine) Memory(addr, size uint64, write bool) ([]byte, bool) {
	if size == 0 {
		return nil, true
	}
	p, ok := m.translate(addr, size, write)
	if !ok {
		return nil, false
	}
	return unsafe.Slice((*byte)(p), size), true
}

// Context gives a program's context its kernel semantics. The program sees
// the UAPI struct (struct xdp_md, struct __sk_buff, ...) at the context
// address, and every load and store there is converted, as the kernel's
// verifier rewrites them: a 32-bit xdp_md.data load yields a full 64-bit
// packet address, a store to __sk_buff.mark sets the packet's mark. ok is
// false for an access the program type does not allow.
type Context interface {
	LoadContext(off, size int) (v uint64, ok bool)
	StoreContext(off, size int, v uint64) (ok bool)
}

// contextRegion is the run's converted context: the address range the
// program was given in r1, served by a Context instead of plain memory.
type contextRegion struct {
	lo, size uint64
	conv     Context
}

// SetContext makes [addr, addr+size) the run's converted context. addr is
// normally the address of a buffer the caller keeps alive and the Context
// owns; accesses there never touch it directly.
func (m *Machine) SetContext(addr, size uint64, c Context) {
	m.ctx = contextRegion{lo: addr, size: size, conv: c}
}

// slowLoad serves a load that no plain region holds: a context field, or
// a fault.
func (m *Machine) slowLoad(pc int, addr, size uint64) (uint64, error) {
	if off := addr - m.ctx.lo; m.ctx.conv != nil && off < m.ctx.size && size <= m.ctx.size-off {
		if v, ok := m.ctx.conv.LoadContext(int(off), int(size)); ok {
			return v, nil
		}
		return 0, &RuntimeError{PC: pc, Err: ErrMemoryAccess, Addr: addr, Size: int(size), Detail: "read of context offset " + itoa(off) + " (not a readable field of this size)"}
	}
	return 0, m.fault(pc, addr, int(size), "read")
}

// slowStore is slowLoad's counterpart for stores.
func (m *Machine) slowStore(pc int, addr, size, v uint64) error {
	if off := addr - m.ctx.lo; m.ctx.conv != nil && off < m.ctx.size && size <= m.ctx.size-off {
		if m.ctx.conv.StoreContext(int(off), int(size), v) {
			return nil
		}
		return &RuntimeError{PC: pc, Err: ErrMemoryAccess, Addr: addr, Size: int(size), Detail: "write of context offset " + itoa(off) + " (not a writable field of this size)"}
	}
	return m.fault(pc, addr, int(size), "write")
}

// sortDyn sorts the helpers' regions a host's run appended.
func (m *Machine) sortDyn() {
	if m.dynUnsorted {
		m.dynUnsorted = false
		slices.SortStableFunc(m.dyn, func(a, b region) int { return cmp.Compare(a.lo, b.lo) })
	}
}
