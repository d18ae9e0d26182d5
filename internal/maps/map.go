package maps

import (
	"fmt"
	"sync/atomic"
)

// Type is the kernel's enum bpf_map_type value.
type Type uint32

// Map types implemented by this package (kernel values).
const (
	Hash           Type = 1
	Array          Type = 2
	ProgArray      Type = 3
	PerfEventArray Type = 4
	PerCPUHash     Type = 5
	PerCPUArray    Type = 6
	LRUHash        Type = 9
	LRUPerCPUHash  Type = 10
	LPMTrie        Type = 11
	ArrayOfMaps    Type = 12
	HashOfMaps     Type = 13
	Queue          Type = 22
	Stack          Type = 23
	RingBuf        Type = 27
	BloomFilter    Type = 30
	DevMap         Type = 14
	CPUMap         Type = 16
	DevMapHash     Type = 25
)

// typeNames are bpftool's names, indexed by Type, including types this
// package does not implement so errors and listings read well.
var typeNames = [...]string{
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap",
	"xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray",
	"percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
	"struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter",
	"user_ringbuf", "cgrp_storage", "arena",
}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// Map creation flags (kernel values).
const (
	FlagNoPrealloc    = 1 << 0 // BPF_F_NO_PREALLOC
	FlagNoCommonLRU   = 1 << 1 // BPF_F_NO_COMMON_LRU
	FlagNumaNode      = 1 << 2 // BPF_F_NUMA_NODE
	FlagRdonly        = 1 << 3 // BPF_F_RDONLY
	FlagWronly        = 1 << 4 // BPF_F_WRONLY
	FlagStackBuildID  = 1 << 5 // BPF_F_STACK_BUILD_ID
	FlagZeroSeed      = 1 << 6 // BPF_F_ZERO_SEED
	FlagRdonlyProg    = 1 << 7 // BPF_F_RDONLY_PROG
	FlagWronlyProg    = 1 << 8 // BPF_F_WRONLY_PROG
	FlagClone         = 1 << 9 // BPF_F_CLONE
	FlagMmapable      = 1 << 10
	FlagPreserveElems = 1 << 11
	FlagInnerMap      = 1 << 12

	// flagAccessMask is BPF_F_ACCESS_MASK.
	flagAccessMask = FlagRdonly | FlagRdonlyProg | FlagWronly | FlagWronlyProg
)

// Update flags (kernel values).
const (
	UpdateAny     = 0
	UpdateNoExist = 1
	UpdateExist   = 2
	UpdateLock    = 4
)

// CurrentCPU is BPF_F_CURRENT_CPU, the index meaning "this CPU" for perf
// event output.
const CurrentCPU = 0xffffffff

// Spec describes a map like the kernel's bpf_attr for BPF_MAP_CREATE.
type Spec struct {
	Name       string
	Type       Type
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uint32
	MapExtra   uint64 // bloom filter: number of hash functions in the low 4 bits (0 means 5)
	InnerMap   *Spec  // template for ARRAY_OF_MAPS / HASH_OF_MAPS
	// HasSpinLock says the value holds a struct bpf_spin_lock (from BTF)
	// at SpinLockOff: value copies leave its 4 bytes alone, as the
	// kernel's copy_map_value does, and only hash and array maps may
	// have one.
	HasSpinLock bool
	SpinLockOff uint32
}

// Map is what every map type implements: host-side operations with bpf(2)
// syscall semantics (values are copied). All methods are safe for concurrent use.
type Map interface {
	// Spec returns the map's spec as the kernel keeps it (MaxEntries may be
	// adjusted, as for per-CPU LRU maps). Callers must not modify it.
	Spec() *Spec
	CPUs() int
	// HostValueSize is the size of the value buffer Lookup/Update use on the
	// host: ValueSize, or for per-CPU types CPUs()*round_up(ValueSize, 8).
	HostValueSize() int
	Lookup(key, valueOut []byte) error
	Update(key, value []byte, flags uint64) error
	Delete(key []byte) error
	// NextKey writes the key after key (key == nil: the first key) into
	// nextOut; ENOENT after the last. For hash maps an absent key gives the
	// first key, as in the kernel.
	NextKey(key, nextOut []byte) error
	// LookupAndDelete is BPF_MAP_LOOKUP_AND_DELETE_ELEM: queue/stack pop,
	// lookup-and-delete for hash types, ENOTSUPP for the rest.
	LookupAndDelete(key, valueOut []byte) error
	// Freeze is BPF_MAP_FREEZE: host writes fail with EPERM from now on.
	Freeze() error
	Frozen() bool
	// ID is a process-unique map id, what the kernel reports when a map of
	// maps is looked up from the host.
	ID() uint32
}

// Values is implemented by types whose lookup hands the program a pointer to
// the live value (array, percpu_array, hash, percpu_hash, lru_hash,
// lru_percpu_hash, lpm_trie).
type Values interface {
	// ProgLookup returns the live value for key on cpu (per-CPU types: that
	// CPU's slot), or nil. The memory is 8-byte aligned and stays valid for
	// as long as the caller holds it, even if the element is deleted or
	// replaced. LRU types mark the element referenced.
	ProgLookup(key []byte, cpu int) []byte
	// ProgUpdate is bpf_map_update_elem from a program: for per-CPU types
	// value is one CPU's value, written to cpu's slot (a new element gets
	// zeros on the other CPUs).
	ProgUpdate(key, value []byte, flags uint64, cpu int) error
	ProgDelete(key []byte) error
}

// ArrayMemory is implemented by arrays, which expose their memory (global
// data sections are 1-element arrays; mmapable arrays are shared with the host).
type ArrayMemory interface {
	// Value returns the live value slot of index for cpu (no copy), nil if
	// out of range.
	Value(index uint32, cpu int) []byte
	Freeze() error
	Frozen() bool
}

// PushPop is implemented by Queue, Stack and BloomFilter
// (bpf_map_push/pop/peek_elem).
type PushPop interface {
	Push(value []byte, flags uint64) error // bloom: add
	Pop(valueOut []byte) error
	Peek(valueOut []byte) error // bloom: check membership, ENOENT when absent
}

// MapOfMaps is implemented by ArrayOfMaps and HashOfMaps.
type MapOfMaps interface {
	// UpdateInner stores inner at key; inner must be compatible with the
	// InnerMap template by the kernel's rules, else EINVAL.
	UpdateInner(key []byte, inner Map, flags uint64) error
	// LookupInner returns the map at key, nil if absent.
	LookupInner(key []byte) Map
}

// Programs is implemented by ProgArray; programs are opaque to this package.
type Programs interface {
	// UpdateProgram stores prog at key; a nil prog empties the slot.
	UpdateProgram(key uint32, prog any) error
	Program(key uint32) any // nil if empty
}

// nextID hands out map ids; the kernel's ids start at 1 too.
var nextID atomic.Uint32

// base holds what every map shares: the spec, CPU count, id and frozen state,
// and the bpf(2) permission checks that come before any type-specific ones.
type base struct {
	spec   Spec
	cpus   int
	id     uint32
	frozen atomic.Bool
}

// newBase returns the base for a new map; frozen is false.
func newBase(spec *Spec, cpus int) base {
	s := *spec
	if spec.InnerMap != nil {
		inner := *spec.InnerMap
		s.InnerMap = &inner
	}
	return base{spec: s, cpus: cpus, id: nextID.Add(1)}
}

func (b *base) Spec() *Spec        { return &b.spec }
func (b *base) CPUs() int          { return b.cpus }
func (b *base) ID() uint32         { return b.id }
func (b *base) Frozen() bool       { return b.frozen.Load() }
func (b *base) HostValueSize() int { return int(b.spec.ValueSize) }

// Freeze is BPF_MAP_FREEZE. Freezing needs write permission, which a frozen
// map no longer has, so freezing twice is EPERM, as in the kernel.
func (b *base) Freeze() error {
	if err := b.canWrite(); err != nil {
		return err
	}
	if !b.frozen.CompareAndSwap(false, true) {
		return errBusy
	}
	return nil
}

// canRead is the FMODE_CAN_READ check of lookups and key iteration.
func (b *base) canRead() error {
	if b.spec.Flags&FlagWronly != 0 {
		return errPerm
	}
	return nil
}

// copyIn copies a value into a map's memory but not its spin lock, whose
// word keeps what dst holds (copy_map_value).
func (b *base) copyIn(dst, src []byte) {
	if !b.spec.HasSpinLock {
		copy(dst, src)
		return
	}
	// New checked the lock lies inside the value.
	lo := b.spec.SpinLockOff
	copy(dst[:lo], src)
	copy(dst[lo+4:], src[lo+4:])
}

// copyNew fills a new element's value: its spin lock starts unlocked.
func (b *base) copyNew(dst, src []byte) {
	copy(dst, src)
	b.clearLock(dst)
}

// clearLock zeroes the spin lock of a value copied out to the host
// (check_and_init_map_value).
func (b *base) clearLock(v []byte) {
	if b.spec.HasSpinLock {
		clear(v[b.spec.SpinLockOff : b.spec.SpinLockOff+4])
	}
}

// canWrite is the FMODE_CAN_WRITE check of updates and deletes: a frozen or
// BPF_F_RDONLY map refuses them.
func (b *base) canWrite() error {
	if b.spec.Flags&FlagRdonly != 0 || b.frozen.Load() {
		return errPerm
	}
	return nil
}

// hostUpdate is what map_update_elem checks before the map type sees the
// call: write permission, then BPF_F_LOCK, which needs a bpf_spin_lock in the
// value (BTF), something these maps never have.
func (b *base) hostUpdate(flags uint64) error {
	if err := b.canWrite(); err != nil {
		return err
	}
	if flags&UpdateLock != 0 {
		return errInval
	}
	return nil
}

// hostLookupAndDelete checks both permissions, as the kernel does.
func (b *base) hostLookupAndDelete() error {
	if err := b.canRead(); err != nil {
		return err
	}
	return b.canWrite()
}

// progWrite refuses program writes to BPF_F_RDONLY_PROG maps.
func (b *base) progWrite() error {
	if b.spec.Flags&FlagRdonlyProg != 0 {
		return errPerm
	}
	return nil
}

// noKey is the key copy of maps with key_size 0: the kernel refuses any
// key pointer for them (EINVAL), so only an empty key is accepted.
func noKey(key []byte) error {
	if len(key) > 0 {
		return errInval
	}
	return nil
}

// key returns key cut to KeySize, or false when it is too short; extra bytes are ignored, as the
// kernel copies exactly key_size bytes.
func (b *base) key(key []byte) ([]byte, bool) {
	if len(key) < int(b.spec.KeySize) {
		return nil, false
	}
	return key[:b.spec.KeySize], true
}
