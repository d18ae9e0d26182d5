package maps

import "sync"

// lruHash is LRU_HASH and LRU_PERCPU_HASH: a preallocated hash whose
// elements come from an lru (lru.go), which evicts instead of failing when
// the map is full.
type lruHash struct {
	base
	percpu bool
	stride int
	mu     sync.RWMutex
	t      table
	lru    *lru
	ix     *hashIndex // nil when the map is too large for one
}

var _ interface {
	Map
	Values
} = (*lruHash)(nil)

func newLRUHash(spec *Spec, cpus int) (*lruHash, error) {
	max, err := htabCheck(spec, cpus)
	if err != nil {
		return nil, err
	}
	h := &lruHash{base: newBase(spec, cpus), percpu: spec.Type == LRUPerCPUHash,
		stride: roundUp8(spec.ValueSize), t: newTable()}
	h.spec.MaxEntries = max
	nodes := make([]elem, max)
	// Node i is element i of the index (the LRU hands out and reuses
	// the nodes; the index's own free list stays unused).
	if h.ix = newHashIndex(int(spec.KeySize), h.valueBytes(), max, 0); h.ix != nil {
		for i := range nodes {
			nodes[i].slot = int32(i)
			nodes[i].refp = h.ix.refWord(int32(i))
		}
	}
	h.lru = newLRU(spec.Flags&FlagNoCommonLRU != 0, cpus, nodes, h.evict)
	return h, nil
}

// Layout describes the map's index for native lookups.
func (h *lruHash) Layout() (HashLayout, bool) {
	l, ok := indexLayout(h.ix, &h.base, h.percpu, h.stride)
	l.LRU = ok
	return l, ok
}

// add puts e into the table and the index.
func (h *lruHash) add(e *elem) {
	h.t.add(e)
	if h.ix != nil {
		h.ix.link(e.slot)
	}
}

// remove takes e out of the table and the index.
func (h *lruHash) remove(e *elem) {
	h.t.remove(e)
	if h.ix != nil {
		h.ix.unchain(e.slot)
	}
}

// evict is the lru's del_from_htab.
func (h *lruHash) evict(e *elem) bool {
	if !e.inTable {
		return false
	}
	h.remove(e)
	return true
}

func (h *lruHash) HostValueSize() int {
	if h.percpu {
		return h.cpus * h.stride
	}
	return int(h.spec.ValueSize)
}

func (h *lruHash) valueBytes() int { return h.HostValueSize() }

func (h *lruHash) ProgLookup(key []byte, cpu int) []byte {
	if len(key) > int(h.spec.KeySize) {
		key = key[:h.spec.KeySize]
	}
	h.mu.RLock()
	e := h.t.m[string(key)]
	var v []byte
	if e != nil {
		setRef(e)
		v = e.value
	}
	h.mu.RUnlock()
	if v == nil || !h.percpu {
		return v
	}
	if uint(cpu) >= uint(h.cpus) {
		return nil
	}
	off := cpu * h.stride
	return v[off : off+int(h.spec.ValueSize) : off+h.stride]
}

// take pops a free element for key on cpu, giving it fresh value memory.
func (h *lruHash) take(key []byte, cpu int) *elem {
	e := h.lru.pop(cpu)
	if e == nil {
		return nil
	}
	e.key = string(key)
	if h.ix != nil {
		e.value = h.ix.prepare(e.slot, key, h.valueBytes())
	} else {
		e.value = alloc(h.valueBytes())
	}
	return e
}

// update is htab_lru_map_update_elem and __htab_lru_percpu_map_update_elem.
// Like the kernel, a new element is taken (possibly evicting others) before
// the flags are checked against the key, so even a failing update may evict.
func (h *lruHash) update(key []byte, flags uint64, cpu int, fill func(dst []byte)) error {
	if flags > UpdateExist {
		return errInval
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.percpu {
		e := h.take(key, cpu)
		if e == nil {
			return errNoMem
		}
		fill(e.value)
		old := h.t.get(key)
		if err := checkFlags(old != nil, flags); err != nil {
			h.lru.push(e)
			return err
		}
		if old == nil {
			h.add(e)
			return nil
		}
		setRef(e)
		h.t.replace(old, e)
		if h.ix != nil {
			// The new element ahead of the old, then the old out.
			h.ix.link(e.slot)
			h.ix.unchain(old.slot)
		}
		h.lru.push(old)
		return nil
	}
	var e *elem
	if flags != UpdateExist {
		if e = h.take(key, cpu); e == nil {
			return errNoMem
		}
	}
	old := h.t.get(key)
	err := checkFlags(old != nil, flags)
	switch {
	case err != nil:
	case old != nil:
		setRef(old)
		fill(old.value) // per-CPU values are updated in place
	default:
		fill(e.value)
		h.add(e)
		e = nil
	}
	if e != nil {
		h.lru.push(e)
	}
	return err
}

func (h *lruHash) ProgUpdate(key, value []byte, flags uint64, cpu int) error {
	if err := h.progWrite(); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok || uint(cpu) >= uint(h.cpus) {
		return errInval
	}
	if !h.percpu {
		return h.update(k, flags, cpu, func(dst []byte) { copy(dst, value) })
	}
	vs := int(h.spec.ValueSize)
	return h.update(k, flags, cpu, func(dst []byte) {
		copy(dst[cpu*h.stride:cpu*h.stride+vs], value)
	})
}

func (h *lruHash) ProgDelete(key []byte) error {
	if err := h.progWrite(); err != nil {
		return err
	}
	return h.del(key, nil)
}

// del removes key, copying its value to valueOut first when non-nil.
func (h *lruHash) del(key, valueOut []byte) error {
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
	if valueOut != nil {
		copy(valueOut, e.value)
	}
	h.remove(e)
	h.lru.push(e)
	return nil
}

// Lookup does not mark the element referenced: the kernel's syscall lookup
// of LRU maps does not either.
func (h *lruHash) Lookup(key, valueOut []byte) error {
	if err := h.canRead(); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok || len(valueOut) < h.HostValueSize() {
		return errInval
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	e := h.t.get(k)
	if e == nil {
		return errNoEnt
	}
	copy(valueOut, e.value)
	return nil
}

// Update runs as if on CPU 0.
func (h *lruHash) Update(key, value []byte, flags uint64) error {
	if err := h.hostUpdate(flags); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok || len(value) < h.HostValueSize() {
		return errInval
	}
	return h.update(k, flags, 0, func(dst []byte) { copy(dst, value) })
}

func (h *lruHash) Delete(key []byte) error {
	if err := h.canWrite(); err != nil {
		return err
	}
	return h.del(key, nil)
}

func (h *lruHash) NextKey(key, nextOut []byte) error {
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

func (h *lruHash) LookupAndDelete(key, valueOut []byte) error {
	if err := h.hostLookupAndDelete(); err != nil {
		return err
	}
	if len(valueOut) < h.HostValueSize() {
		return errInval
	}
	return h.del(key, valueOut)
}
