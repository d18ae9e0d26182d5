package interp

import (
	"unsafe"
)

// A region is a block of Go-owned memory a run may touch. Programs see real
// host addresses (as in the kernel and as the JIT will), so a region records
// where its bytes live; the buffer reference keeps them alive for the GC,
// which does not see addresses held in BPF registers.
type region struct {
	lo       uint64
	size     uint64
	base     unsafe.Pointer
	buf      []byte
	writable bool
	name     string
}

func newRegion(buf []byte, writable bool, name string) region {
	if len(buf) == 0 {
		return region{name: name}
	}
	base := unsafe.Pointer(unsafe.SliceData(buf))
	return region{lo: uint64(uintptr(base)), size: uint64(len(buf)), base: base, buf: buf, writable: writable, name: name}
}

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
	return nil, false
}

// AddRegion lets helpers hand the program memory for the rest of the run
// (a map value, a ring buffer record) and returns its address.
func (m *Machine) AddRegion(buf []byte, writable bool, name string) uint64 {
	r := newRegion(buf, writable, name)
	if r.size == 0 {
		return 0
	}
	m.regions = append(m.regions, r)
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
