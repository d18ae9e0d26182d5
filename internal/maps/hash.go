package maps

import "sync"

const htabCreateFlags = FlagNoPrealloc | FlagNoCommonLRU | FlagNumaNode | flagAccessMask | FlagZeroSeed

// htabElemOverhead is sizeof(struct htab_elem) on x86-64, part of the
// kernel's size limit for keys plus values.
const htabElemOverhead = 48

// htabCheck is htab_map_alloc_check plus the size checks of htab_map_alloc,
// for every hash-shaped type. It returns max_entries as the kernel keeps it:
// per-CPU LRU lists each get the same number of elements.
func htabCheck(spec *Spec, cpus int) (uint32, error) {
	percpu := spec.Type == PerCPUHash || spec.Type == LRUPerCPUHash
	lru := spec.Type == LRUHash || spec.Type == LRUPerCPUHash
	percpuLRU := spec.Flags&FlagNoCommonLRU != 0
	prealloc := spec.Flags&FlagNoPrealloc == 0
	if spec.Flags&^htabCreateFlags != 0 || !accessFlagsOK(spec.Flags) {
		return 0, errInval
	}
	if !lru && percpuLRU {
		return 0, errInval
	}
	if lru && !prealloc {
		return 0, ENOTSUPP
	}
	if spec.Flags&FlagNumaNode != 0 && (percpu || percpuLRU) {
		return 0, errInval
	}
	if spec.MaxEntries == 0 || spec.KeySize == 0 || spec.ValueSize == 0 {
		return 0, errInval
	}
	if uint64(spec.KeySize)+uint64(spec.ValueSize) >= kmallocMax-htabElemOverhead {
		return 0, err2Big
	}
	if percpu && roundUp8(spec.ValueSize) > pcpuMinUnitSize {
		return 0, err2Big
	}
	max := uint64(spec.MaxEntries)
	if percpuLRU {
		c := uint64(cpus)
		max = (max + c - 1) / c * c
		if max > 1<<32-1 {
			max = uint64(spec.MaxEntries) / c * c
		}
	}
	if max > 1<<31 {
		return 0, err2Big
	}
	// n_buckets = roundup_pow_of_two(max) must fit U32_MAX / sizeof(struct bucket).
	buckets := uint64(1)
	for buckets < max {
		buckets <<= 1
	}
	if buckets > (1<<32-1)/16 {
		return 0, err2Big
	}
	if prealloc {
		elem := uint64(htabElemOverhead + roundUp8(spec.KeySize))
		if percpu {
			elem += 8 + uint64(cpus*roundUp8(spec.ValueSize))
		} else {
			elem += uint64(roundUp8(spec.ValueSize))
		}
		if max*elem > maxMapBytes {
			return 0, errNoMem
		}
	}
	return uint32(max), nil
}

// hashFlags is the flag check of htab_map_update_elem.
func hashFlags(flags uint64) error {
	if flags&^UpdateLock > UpdateExist || flags&UpdateLock != 0 {
		return errInval
	}
	return nil
}

// checkFlags is the kernel's check_flags for an update of a key that is
// present (old) or not.
func checkFlags(present bool, flags uint64) error {
	if present && flags == UpdateNoExist {
		return errExist
	}
	if !present && flags == UpdateExist {
		return errNoEnt
	}
	return nil
}

// hash is HASH and PERCPU_HASH. Preallocated and BPF_F_NO_PREALLOC maps
// behave alike: both hold at most MaxEntries keys and fail with E2BIG when full.
type hash struct {
	base
	percpu bool
	stride int
	mu     sync.RWMutex
	t      table
	ix     *hashIndex // nil when the map is too large for one
}

var _ interface {
	Map
	Values
} = (*hash)(nil)

func newHash(spec *Spec, cpus int) (*hash, error) {
	if _, err := htabCheck(spec, cpus); err != nil {
		return nil, err
	}
	h := &hash{base: newBase(spec, cpus), percpu: spec.Type == PerCPUHash,
		stride: roundUp8(spec.ValueSize), t: newTable()}
	h.ix = newHashIndex(int(spec.KeySize), h.valueBytes(), spec.MaxEntries, uint32(cpus)+1)
	return h, nil
}

// Layout describes the map's index for native lookups.
func (h *hash) Layout() (HashLayout, bool) { return indexLayout(h.ix, &h.base, h.percpu, h.stride) }

// indexLayout describes the index ix of a hash-shaped map.
func indexLayout(ix *hashIndex, b *base, percpu bool, stride int) (HashLayout, bool) {
	if ix == nil {
		return HashLayout{}, false
	}
	l := ix.layout()
	if percpu {
		l.CPUStride = uint32(stride)
	}
	l.Writable = b.spec.Flags&FlagRdonlyProg == 0
	l.Name = b.spec.Name
	return l, true
}

// newValue gives key a value filled by fill: in the index, linked into its
// chain, when the map has one.
func (h *hash) newValue(key []byte, fill func(dst []byte)) (int32, []byte) {
	if h.ix == nil {
		v := alloc(h.valueBytes())
		fill(v)
		return -1, v
	}
	return h.ix.insert(key, h.valueBytes(), fill)
}

// unlink takes e out of the index.
func (h *hash) unlink(e *elem) {
	if h.ix != nil {
		h.ix.unlink(e.slot)
	}
}

// remove takes e out of the table and the index.
func (h *hash) remove(e *elem) {
	h.t.remove(e)
	h.unlink(e)
}

func (h *hash) HostValueSize() int {
	if h.percpu {
		return h.cpus * h.stride
	}
	return int(h.spec.ValueSize)
}

// valueBytes is the size of an element's value buffer.
func (h *hash) valueBytes() int {
	if h.percpu {
		return h.cpus * h.stride
	}
	return int(h.spec.ValueSize)
}

func (h *hash) ProgLookup(key []byte, cpu int) []byte {
	if len(key) > int(h.spec.KeySize) {
		key = key[:h.spec.KeySize]
	}
	h.mu.RLock()
	e := h.t.m[string(key)]
	h.mu.RUnlock()
	if e == nil {
		return nil
	}
	if !h.percpu {
		return e.value
	}
	if uint(cpu) >= uint(h.cpus) {
		return nil
	}
	off := cpu * h.stride
	return e.value[off : off+int(h.spec.ValueSize) : off+h.stride]
}

// upsert inserts or replaces key under the write lock. A replaced non-per-CPU
// value gets new memory, as the kernel's replacing element does; per-CPU
// values are updated in place, as in the kernel.
func (h *hash) upsert(key []byte, flags uint64, fill func(dst []byte)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.t.get(key)
	if err := checkFlags(e != nil, flags); err != nil {
		return err
	}
	if e != nil {
		if h.percpu {
			fill(e.value)
			return nil
		}
		// The new element is linked ahead of the old one before that is
		// freed, so concurrent lookups always find one of them.
		slot, v := h.newValue(key, fill)
		h.unlink(e)
		e.slot, e.value = slot, v
		return nil
	}
	if h.t.len() >= int(h.spec.MaxEntries) {
		return err2Big
	}
	slot, v := h.newValue(key, fill)
	h.t.add(&elem{key: string(key), value: v, slot: slot})
	return nil
}

func (h *hash) ProgUpdate(key, value []byte, flags uint64, cpu int) error {
	if err := h.progWrite(); err != nil {
		return err
	}
	if err := hashFlags(flags); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok || (h.percpu && uint(cpu) >= uint(h.cpus)) {
		return errInval
	}
	if !h.percpu {
		return h.upsert(k, flags, func(dst []byte) { h.copyNew(dst, value) })
	}
	vs := int(h.spec.ValueSize)
	return h.upsert(k, flags, func(dst []byte) {
		copy(dst[cpu*h.stride:cpu*h.stride+vs], value)
	})
}

func (h *hash) ProgDelete(key []byte) error {
	if err := h.progWrite(); err != nil {
		return err
	}
	return h.del(key)
}

func (h *hash) del(key []byte) error {
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
	h.remove(e)
	return nil
}

func (h *hash) Lookup(key, valueOut []byte) error {
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
	h.clearLock(valueOut)
	return nil
}

func (h *hash) Update(key, value []byte, flags uint64) error {
	if err := h.hostUpdate(flags); err != nil {
		return err
	}
	if err := hashFlags(flags); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok || len(value) < h.HostValueSize() {
		return errInval
	}
	return h.upsert(k, flags, func(dst []byte) { h.copyNew(dst, value) })
}

func (h *hash) Delete(key []byte) error {
	if err := h.canWrite(); err != nil {
		return err
	}
	return h.del(key)
}

func (h *hash) NextKey(key, nextOut []byte) error {
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

func (h *hash) LookupAndDelete(key, valueOut []byte) error {
	if err := h.hostLookupAndDelete(); err != nil {
		return err
	}
	k, ok := h.key(key)
	if !ok || len(valueOut) < h.HostValueSize() {
		return errInval
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.t.get(k)
	if e == nil {
		return errNoEnt
	}
	copy(valueOut, e.value)
	h.clearLock(valueOut)
	h.remove(e)
	return nil
}
