package gbpf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"syscall"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/gbpf/gbpf/internal/env"
	"github.com/gbpf/gbpf/internal/maps"
)

// MapUpdateFlags are the flags of Map.Update, as in cilium/ebpf.
type MapUpdateFlags = ebpf.MapUpdateFlags

// Update flags.
const (
	UpdateAny     = ebpf.UpdateAny
	UpdateNoExist = ebpf.UpdateNoExist
	UpdateExist   = ebpf.UpdateExist
	UpdateLock    = ebpf.UpdateLock
)

// Errors map operations wrap, the same values cilium/ebpf uses, so code
// written for one checks errors of the other. Every map error also wraps
// the kernel's errno (syscall.ENOENT, EEXIST, E2BIG, ...).
var (
	ErrKeyNotExist = ebpf.ErrKeyNotExist
	ErrKeyExist    = ebpf.ErrKeyExist
)

// Map is a map of a collection, or one made with NewMap.
type Map struct {
	name string
	spec *ebpf.MapSpec
	m    maps.Map
	addr uint64
	// owner is, for a program array, 1 + the type of the programs it
	// holds and of those that refer to it (0: none yet), as the kernel's
	// bpf_prog_map_compatible keeps it: a tail call never hands a program
	// another type's context, which its verification assumed.
	owner atomic.Int64
}

// claim makes typ the program array's owner type, or reports that
// another type owns it.
func (m *Map) claim(typ ebpf.ProgramType) bool {
	want := int64(typ) + 1
	return m.owner.CompareAndSwap(0, want) || m.owner.Load() == want
}

// NewMap creates a map outside any collection, e.g. an inner map for a
// map of maps.
func NewMap(spec *MapSpec) (*Map, error) {
	return newMap(spec.Name, spec, possibleCPUs())
}

func newMap(name string, ms *ebpf.MapSpec, cpus int) (*Map, error) {
	spec, err := internalSpec(ms, cpus)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", name, err)
	}
	m, err := maps.New(spec, cpus)
	if err != nil {
		return nil, fmt.Errorf("map %s: create %s: %w", name, spec.Type, err)
	}
	fixed := ms.Copy()
	fixed.KeySize, fixed.ValueSize, fixed.MaxEntries = spec.KeySize, spec.ValueSize, spec.MaxEntries
	return &Map{name: name, spec: fixed, m: m, addr: env.Register(m)}, nil
}

// internalSpec converts a cilium MapSpec, with the fix-ups cilium/ebpf and
// libbpf apply before creating a map: a perf event array has 4-byte keys
// and values and one slot per CPU; a map of maps holds 4-byte ids.
func internalSpec(ms *ebpf.MapSpec, cpus int) (*maps.Spec, error) {
	s := &maps.Spec{
		Name:       ms.Name,
		Type:       maps.Type(ms.Type),
		KeySize:    ms.KeySize,
		ValueSize:  ms.ValueSize,
		MaxEntries: ms.MaxEntries,
		Flags:      ms.Flags,
		MapExtra:   ms.MapExtra,
	}
	s.SpinLockOff, s.HasSpinLock = maps.SpinLockOffset(ms.Value)
	switch ms.Type {
	case ebpf.PerfEventArray:
		s.KeySize, s.ValueSize = 4, 4
		if s.MaxEntries == 0 || s.MaxEntries > uint32(cpus) {
			s.MaxEntries = uint32(cpus)
		}
	case ebpf.ArrayOfMaps, ebpf.HashOfMaps:
		s.ValueSize = 4
		if ms.InnerMap == nil {
			return nil, errors.New("map of maps without an inner map")
		}
		inner, err := internalSpec(ms.InnerMap, cpus)
		if err != nil {
			return nil, fmt.Errorf("inner map: %w", err)
		}
		s.InnerMap = inner
	}
	return s, nil
}

// Close releases the map's address; programs must not use it afterwards.
func (m *Map) Close() error {
	if m.addr != 0 {
		env.Unregister(m.addr)
		m.addr = 0
	}
	return nil
}

// Name is the map's name in its object.
func (m *Map) Name() string { return m.name }

// Type, KeySize, ValueSize, MaxEntries and Flags describe the map as
// created.
func (m *Map) Type() MapType       { return m.spec.Type }
func (m *Map) KeySize() uint32     { return m.spec.KeySize }
func (m *Map) ValueSize() uint32   { return m.spec.ValueSize }
func (m *Map) MaxEntries() uint32  { return m.spec.MaxEntries }
func (m *Map) Flags() uint32       { return m.spec.Flags }
func (m *Map) KeyType() btf.Type   { return m.spec.Key }
func (m *Map) ValueType() btf.Type { return m.spec.Value }

// CPUs is the number of per-CPU values of a per-CPU map.
func (m *Map) CPUs() int { return m.m.CPUs() }

// IsPerCPU reports whether values are per CPU.
func (m *Map) IsPerCPU() bool {
	switch m.spec.Type {
	case ebpf.PerCPUArray, ebpf.PerCPUHash, ebpf.LRUCPUHash:
		return true
	}
	return false
}

func (m *Map) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	return &mapError{op: op, name: m.name, err: err}
}

// mapError names the map and operation and lets errors.Is match both the
// errno and cilium/ebpf's sentinels.
type mapError struct {
	op, name string
	err      error
}

func (e *mapError) Error() string { return fmt.Sprintf("map %s: %s: %v", e.name, e.op, e.err) }
func (e *mapError) Unwrap() error { return e.err }
func (e *mapError) Is(target error) bool {
	switch target {
	case ErrKeyNotExist:
		return errors.Is(e.err, syscall.ENOENT)
	case ErrKeyExist:
		return errors.Is(e.err, syscall.EEXIST)
	}
	return false
}

func (m *Map) key(key any) ([]byte, error) {
	if m.spec.KeySize == 0 {
		return nil, nil
	}
	return marshal(key, int(m.spec.KeySize))
}

func (m *Map) value(value any) ([]byte, error) {
	if m.IsPerCPU() {
		return marshalPerCPU(value, int(m.spec.ValueSize), m.m.CPUs())
	}
	return marshal(value, int(m.spec.ValueSize))
}

func (m *Map) unmarshalValue(b []byte, out any) error {
	if m.IsPerCPU() {
		return unmarshalPerCPU(b, out, int(m.spec.ValueSize), m.m.CPUs())
	}
	return unmarshal(b, out)
}

// Lookup copies the value of key into valueOut (a pointer, or a []byte of
// the value's size; for per-CPU maps a pointer to a slice).
func (m *Map) Lookup(key, valueOut any) error {
	k, err := m.key(key)
	if err != nil {
		return m.fail("lookup", err)
	}
	buf := make([]byte, m.m.HostValueSize())
	if err := m.m.Lookup(k, buf); err != nil {
		return m.fail("lookup", err)
	}
	return m.fail("lookup", m.unmarshalValue(buf, valueOut))
}

// LookupAndDelete is Lookup and Delete at once; for queues and stacks it
// pops (key nil).
func (m *Map) LookupAndDelete(key, valueOut any) error {
	k, err := m.key(key)
	if err != nil {
		return m.fail("lookup and delete", err)
	}
	buf := make([]byte, m.m.HostValueSize())
	if err := m.m.LookupAndDelete(k, buf); err != nil {
		return m.fail("lookup and delete", err)
	}
	return m.fail("lookup and delete", m.unmarshalValue(buf, valueOut))
}

// Update sets the value of key with the kernel's flag semantics. For a
// program array value is a *Program, for a map of maps a *Map.
func (m *Map) Update(key, value any, flags MapUpdateFlags) error {
	k, err := m.key(key)
	if err != nil {
		return m.fail("update", err)
	}
	switch v := value.(type) {
	case *Program:
		progs, ok := m.m.(maps.Programs)
		if !ok || len(k) != 4 {
			return m.fail("update", fmt.Errorf("a program is not a value of a %s map: %w", m.spec.Type, syscall.EINVAL))
		}
		if !m.claim(v.typ) {
			return m.fail("update", fmt.Errorf("program %s is of type %s, the array's programs of type %s: %w", v.name, v.typ, ebpf.ProgramType(m.owner.Load()-1), syscall.EINVAL))
		}
		return m.fail("update", progs.UpdateProgram(binary.LittleEndian.Uint32(k), v.prog))
	case *Map:
		outer, ok := m.m.(maps.MapOfMaps)
		if !ok {
			return m.fail("update", fmt.Errorf("a map is not a value of a %s map: %w", m.spec.Type, syscall.EINVAL))
		}
		return m.fail("update", outer.UpdateInner(k, v.m, uint64(flags)))
	}
	val, err := m.value(value)
	if err != nil {
		return m.fail("update", err)
	}
	return m.fail("update", m.m.Update(k, val, uint64(flags)))
}

// Put is Update with UpdateAny.
func (m *Map) Put(key, value any) error { return m.Update(key, value, UpdateAny) }

// Delete removes key.
func (m *Map) Delete(key any) error {
	k, err := m.key(key)
	if err != nil {
		return m.fail("delete", err)
	}
	return m.fail("delete", m.m.Delete(k))
}

// NextKey writes the key after key into nextKeyOut; key nil starts at the
// first. At the end it returns an error matching ErrKeyNotExist.
func (m *Map) NextKey(key, nextKeyOut any) error {
	var k []byte
	if key != nil {
		var err error
		if k, err = m.key(key); err != nil {
			return m.fail("next key", err)
		}
	}
	next := make([]byte, m.spec.KeySize)
	if err := m.m.NextKey(k, next); err != nil {
		return m.fail("next key", err)
	}
	return m.fail("next key", unmarshal(next, nextKeyOut))
}

// Freeze makes the map read-only for the host.
func (m *Map) Freeze() error { return m.fail("freeze", m.m.Freeze()) }

// Iterate walks the map's entries.
func (m *Map) Iterate() *MapIterator { return &MapIterator{m: m} }

// MapIterator walks a map with NextKey, as cilium/ebpf's does.
type MapIterator struct {
	m    *Map
	cur  []byte
	done bool
	err  error
}

// Next writes the next key and value into keyOut and valueOut and reports
// whether there was one; check Err afterwards.
func (it *MapIterator) Next(keyOut, valueOut any) bool {
	for !it.done {
		next := make([]byte, it.m.spec.KeySize)
		if err := it.m.m.NextKey(it.cur, next); err != nil {
			it.done = true
			if !errors.Is(err, syscall.ENOENT) {
				it.err = it.m.fail("iterate", err)
			}
			return false
		}
		it.cur = next
		buf := make([]byte, it.m.m.HostValueSize())
		if err := it.m.m.Lookup(next, buf); err != nil {
			if errors.Is(err, syscall.ENOENT) {
				continue // deleted meanwhile
			}
			it.err, it.done = it.m.fail("iterate", err), true
			return false
		}
		if err := unmarshal(next, keyOut); err != nil {
			it.err, it.done = err, true
			return false
		}
		if err := it.m.unmarshalValue(buf, valueOut); err != nil {
			it.err, it.done = err, true
			return false
		}
		return true
	}
	return false
}

// Err is the error that ended the iteration, if any.
func (it *MapIterator) Err() error { return it.err }

// MapEntry is one element of a map in raw bytes, as Map.Entries lists it.
type MapEntry struct {
	// Key is nil for maps without keys (queue, stack, ring buffer).
	Key []byte
	// Value is nil for per-CPU maps, program arrays and maps of maps.
	Value []byte
	// Values holds a per-CPU map's value on each CPU, in CPU order.
	Values [][]byte
	// Name is the program or inner map a program array or map-of-maps
	// slot holds.
	Name string
}

// Entries lists a map's contents without changing them: keyed maps sorted
// by key bytes; queues and stacks in pop order; a ring buffer's records a
// consumer would read next. Perf event arrays and bloom filters cannot be
// enumerated and list nothing, as with the kernel's maps.
func (m *Map) Entries() ([]MapEntry, error) {
	es := []MapEntry{}
	switch m.spec.Type {
	case ebpf.PerfEventArray, ebpf.BloomFilter:
		return es, nil
	case ebpf.RingBuf, ebpf.Queue, ebpf.Stack:
		l, ok := m.m.(interface{ Elements() [][]byte })
		if !ok {
			return nil, m.fail("list entries", fmt.Errorf("%s maps cannot list their elements: %w", m.spec.Type, ErrNotSupported))
		}
		for _, v := range l.Elements() {
			es = append(es, MapEntry{Value: v})
		}
		return es, nil
	}
	var cur []byte
	for {
		next := make([]byte, m.spec.KeySize)
		if err := m.m.NextKey(cur, next); err != nil {
			if errors.Is(err, syscall.ENOENT) {
				break
			}
			return nil, m.fail("list entries", err)
		}
		cur = next
		e := MapEntry{Key: next}
		switch mm := m.m.(type) {
		case maps.Programs:
			p, _ := mm.Program(binary.LittleEndian.Uint32(next)).(*env.Prog)
			if p == nil {
				continue
			}
			e.Name = p.Name
		case maps.MapOfMaps:
			inner := mm.LookupInner(next)
			if inner == nil {
				continue
			}
			e.Name = inner.Spec().Name
		default:
			buf := make([]byte, m.m.HostValueSize())
			if err := m.m.Lookup(next, buf); err != nil {
				if errors.Is(err, syscall.ENOENT) {
					continue
				}
				return nil, m.fail("list entries", err)
			}
			if m.IsPerCPU() {
				stride := roundUp8(int(m.spec.ValueSize))
				for cpu := 0; cpu < m.m.CPUs(); cpu++ {
					e.Values = append(e.Values, buf[cpu*stride:cpu*stride+int(m.spec.ValueSize)])
				}
			} else {
				e.Value = buf
			}
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return bytes.Compare(es[i].Key, es[j].Key) < 0 })
	return es, nil
}
