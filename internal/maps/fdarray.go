package maps

import (
	"encoding/binary"
	"sync/atomic"
)

// fdArray holds the slots of the arrays whose values are kernel objects
// (programs, maps). Readers (tail calls, map-in-map lookups from programs)
// take no lock.
type fdArray[T any] struct {
	slots []atomic.Pointer[T]
}

func newFDArray[T any](n uint32) fdArray[T] {
	return fdArray[T]{slots: make([]atomic.Pointer[T], n)}
}

func (a *fdArray[T]) get(i uint32) *T {
	if i >= uint32(len(a.slots)) {
		return nil
	}
	return a.slots[i].Load()
}

func (a *fdArray[T]) getKey(key []byte) *T {
	if len(key) < 4 {
		return nil
	}
	return a.get(binary.NativeEndian.Uint32(key))
}

// lookup is bpf_fd_array_map_lookup_elem: it writes the object's id.
func (a *fdArray[T]) lookup(key, valueOut []byte, id func(*T) uint32) error {
	if len(key) < 4 || len(valueOut) < 4 {
		return errInval
	}
	p := a.getKey(key)
	if p == nil {
		return errNoEnt
	}
	binary.NativeEndian.PutUint32(valueOut, id(p))
	return nil
}

// del is fd_array_map_delete_elem.
func (a *fdArray[T]) del(key []byte) error {
	if len(key) < 4 {
		return errInval
	}
	i := binary.NativeEndian.Uint32(key)
	if i >= uint32(len(a.slots)) {
		return err2Big
	}
	if a.slots[i].Swap(nil) == nil {
		return errNoEnt
	}
	return nil
}

func (a *fdArray[T]) nextKey(key, nextOut []byte) error {
	return arrayNextKey(uint32(len(a.slots)), key, nextOut)
}
