package maps

import (
	"encoding/binary"
	"sync"
)

// innerCheck is bpf_map_meta_alloc: the template must be a valid map of a
// type that can be an inner map, and not itself a map of maps.
func innerCheck(inner *Spec, cpus int) error {
	if inner == nil {
		return errBadF
	}
	switch inner.Type {
	case ArrayOfMaps, HashOfMaps:
		return errInval
	case ProgArray:
		// Its ops have no map_meta_equal.
		if _, err := New(inner, cpus); err != nil {
			return err
		}
		return ENOTSUPP
	}
	_, err := New(inner, cpus)
	return err
}

// compatible is the inner map's map_meta_equal: same type, sizes and flags;
// arrays must also have the same max_entries unless the template has
// BPF_F_INNER_MAP.
func compatible(tmpl *Spec, inner Map) bool {
	s := inner.Spec()
	if s.Type != tmpl.Type || s.KeySize != tmpl.KeySize || s.ValueSize != tmpl.ValueSize || s.Flags != tmpl.Flags {
		return false
	}
	if (s.Type == Array || s.Type == PerCPUArray) && tmpl.Flags&FlagInnerMap == 0 {
		return s.MaxEntries == tmpl.MaxEntries
	}
	return true
}

func mapID(m *Map) uint32 { return (*m).ID() }

// arrayOfMaps is ARRAY_OF_MAPS.
type arrayOfMaps struct {
	base
	fdArray[Map]
}

var _ interface {
	Map
	MapOfMaps
} = (*arrayOfMaps)(nil)

func newArrayOfMaps(spec *Spec, cpus int) (*arrayOfMaps, error) {
	if err := fdArrayCheck(spec); err != nil {
		return nil, err
	}
	if err := innerCheck(spec.InnerMap, cpus); err != nil {
		return nil, err
	}
	if uint64(spec.MaxEntries)*8 > maxMapBytes {
		return nil, errNoMem
	}
	return &arrayOfMaps{base: newBase(spec, cpus), fdArray: newFDArray[Map](spec.MaxEntries)}, nil
}

// UpdateInner is bpf_fd_array_map_update_elem with a map.
func (a *arrayOfMaps) UpdateInner(key []byte, inner Map, flags uint64) error {
	if err := a.hostUpdate(flags); err != nil {
		return err
	}
	if err := fdArrayUpdateCheck(a.spec.MaxEntries, key, flags, nil); err != nil {
		return err
	}
	if inner == nil {
		return errBadF
	}
	if !compatible(a.spec.InnerMap, inner) {
		return errInval
	}
	a.slots[binary.NativeEndian.Uint32(key)].Store(&inner)
	return nil
}

func (a *arrayOfMaps) LookupInner(key []byte) Map {
	if m := a.getKey(key); m != nil {
		return *m
	}
	return nil
}

// Lookup writes the inner map's id, as the kernel does.
func (a *arrayOfMaps) Lookup(key, valueOut []byte) error {
	if err := a.canRead(); err != nil {
		return err
	}
	return a.lookup(key, valueOut, mapID)
}

// Update would need a map fd: use UpdateInner.
func (a *arrayOfMaps) Update(key, value []byte, flags uint64) error {
	if err := a.hostUpdate(flags); err != nil {
		return err
	}
	return fdArrayUpdateCheck(a.spec.MaxEntries, key, flags, errBadF)
}

func (a *arrayOfMaps) Delete(key []byte) error {
	if err := a.canWrite(); err != nil {
		return err
	}
	return a.del(key)
}

func (a *arrayOfMaps) NextKey(key, nextOut []byte) error {
	if err := a.canRead(); err != nil {
		return err
	}
	return a.nextKey(key, nextOut)
}

func (a *arrayOfMaps) LookupAndDelete(key, valueOut []byte) error {
	if err := a.hostLookupAndDelete(); err != nil {
		return err
	}
	return ENOTSUPP
}

// hashOfMaps is HASH_OF_MAPS.
type hashOfMaps struct {
	base
	mu sync.RWMutex
	t  table
}

var _ interface {
	Map
	MapOfMaps
} = (*hashOfMaps)(nil)

func newHashOfMaps(spec *Spec, cpus int) (*hashOfMaps, error) {
	if spec.ValueSize != 4 {
		return nil, errInval
	}
	if _, err := htabCheck(spec, cpus); err != nil {
		return nil, err
	}
	if err := innerCheck(spec.InnerMap, cpus); err != nil {
		return nil, err
	}
	return &hashOfMaps{base: newBase(spec, cpus), t: newTable()}, nil
}

// UpdateInner is bpf_fd_htab_map_update_elem: the map is checked before
// the flags.
func (h *hashOfMaps) UpdateInner(key []byte, inner Map, flags uint64) error {
	if err := h.hostUpdate(flags); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok {
		return errInval
	}
	if inner == nil {
		return errBadF
	}
	if !compatible(h.spec.InnerMap, inner) {
		return errInval
	}
	if err := hashFlags(flags); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.t.get(k)
	if err := checkFlags(e != nil, flags); err != nil {
		return err
	}
	if e != nil {
		e.inner = inner
		return nil
	}
	if h.t.len() >= int(h.spec.MaxEntries) {
		return err2Big
	}
	h.t.add(&elem{key: string(k), inner: inner})
	return nil
}

func (h *hashOfMaps) LookupInner(key []byte) Map {
	k, ok := h.key(key)
	if !ok {
		return nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if e := h.t.get(k); e != nil {
		return e.inner
	}
	return nil
}

func (h *hashOfMaps) Lookup(key, valueOut []byte) error {
	if err := h.canRead(); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok || len(valueOut) < 4 {
		return errInval
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	e := h.t.get(k)
	if e == nil {
		return errNoEnt
	}
	binary.NativeEndian.PutUint32(valueOut, e.inner.ID())
	return nil
}

// Update would need a map fd: use UpdateInner.
func (h *hashOfMaps) Update(key, value []byte, flags uint64) error {
	if err := h.hostUpdate(flags); err != nil {
		return err
	}
	return errBadF
}

func (h *hashOfMaps) Delete(key []byte) error {
	if err := h.canWrite(); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok {
		return errInval
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.t.get(k)
	if e == nil {
		return errNoEnt
	}
	h.t.remove(e)
	return nil
}

func (h *hashOfMaps) NextKey(key, nextOut []byte) error {
	if err := h.canRead(); err != nil {
		return err
	}
	if len(nextOut) < int(h.spec.KeySize) {
		return errInval
	}
	if key != nil {
		k, ok := h.key(key)
		if !ok {
			return errInval
		}
		key = k
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.t.nextKey(key, nextOut)
}

func (h *hashOfMaps) LookupAndDelete(key, valueOut []byte) error {
	if err := h.hostLookupAndDelete(); err != nil {
		return err
	}
	return ENOTSUPP
}
