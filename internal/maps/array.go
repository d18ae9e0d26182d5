package maps

import "encoding/binary"

const arrayCreateFlags = FlagNumaNode | FlagMmapable | flagAccessMask | FlagPreserveElems | FlagInnerMap

// arrayCheck is array_map_alloc_check, shared by every array-shaped map.
func arrayCheck(spec *Spec) error {
	percpu := spec.Type == PerCPUArray
	if spec.MaxEntries == 0 || spec.KeySize != 4 || spec.ValueSize == 0 ||
		spec.Flags&^arrayCreateFlags != 0 || !accessFlagsOK(spec.Flags) ||
		(percpu && spec.Flags&FlagNumaNode != 0) {
		return errInval
	}
	if spec.Type != Array && spec.Flags&(FlagMmapable|FlagInnerMap) != 0 {
		return errInval
	}
	if spec.Type != PerfEventArray && spec.Flags&FlagPreserveElems != 0 {
		return errInval
	}
	if spec.ValueSize > 1<<31-1 {
		return err2Big
	}
	if percpu && roundUp8(spec.ValueSize) > pcpuMinUnitSize {
		return err2Big
	}
	return nil
}

// array is ARRAY and PERCPU_ARRAY. Values live in one 8-byte aligned block,
// each slot round_up(ValueSize, 8) bytes like the kernel's (and its mmap
// layout); per-CPU arrays keep one block per CPU, so CPUs do not share cache
// lines. Lookups take no lock: slots never move.
type array struct {
	base
	percpu bool
	stride int
	mem    []byte // cpus * MaxEntries * stride (one CPU for ARRAY)
}

var _ interface {
	Map
	Values
	ArrayMemory
} = (*array)(nil)

func newArray(spec *Spec, cpus int) (*array, error) {
	if err := arrayCheck(spec); err != nil {
		return nil, err
	}
	a := &array{base: newBase(spec, cpus), percpu: spec.Type == PerCPUArray, stride: roundUp8(spec.ValueSize)}
	n := 1
	if a.percpu {
		n = cpus
	}
	size := uint64(n) * uint64(spec.MaxEntries) * uint64(a.stride)
	if size > maxMapBytes {
		return nil, errNoMem
	}
	a.mem = alloc(int(size))
	return a, nil
}

func (a *array) HostValueSize() int {
	if a.percpu {
		return a.cpus * a.stride
	}
	return int(a.spec.ValueSize)
}

// slot returns the whole stride-sized slot (value plus padding).
func (a *array) slot(index uint32, cpu int) []byte {
	off := (cpu*int(a.spec.MaxEntries) + int(index)) * a.stride
	return a.mem[off : off+a.stride : off+a.stride]
}

// Value returns the live value of index on cpu (cpu is ignored for ARRAY).
func (a *array) Value(index uint32, cpu int) []byte {
	if index >= a.spec.MaxEntries {
		return nil
	}
	if !a.percpu {
		cpu = 0
	} else if cpu < 0 || cpu >= a.cpus {
		return nil
	}
	return a.slot(index, cpu)[:a.spec.ValueSize]
}

// Memory returns the whole value area of an ARRAY (what BPF_F_MMAPABLE maps
// share with user space): MaxEntries slots of round_up(ValueSize, 8) bytes.
// It returns nil for PERCPU_ARRAY.
func (a *array) Memory() []byte {
	if a.percpu {
		return nil
	}
	return a.mem
}

func (a *array) index(key []byte) (uint32, bool) {
	if len(key) < 4 {
		return 0, false
	}
	return binary.NativeEndian.Uint32(key), true
}

func (a *array) ProgLookup(key []byte, cpu int) []byte {
	if len(key) < 4 {
		return nil
	}
	i := binary.NativeEndian.Uint32(key)
	if i >= a.spec.MaxEntries {
		return nil
	}
	if !a.percpu {
		off := int(i) * a.stride
		return a.mem[off : off+int(a.spec.ValueSize) : off+a.stride]
	}
	if uint(cpu) >= uint(a.cpus) {
		return nil
	}
	return a.slot(i, cpu)[:a.spec.ValueSize]
}

// checkUpdate is array_map_update_elem's flag and range checks.
func (a *array) checkUpdate(key []byte, flags uint64) (uint32, error) {
	if flags&^UpdateLock > UpdateExist {
		return 0, errInval
	}
	i, ok := a.index(key)
	if !ok {
		return 0, errInval
	}
	if i >= a.spec.MaxEntries {
		return 0, err2Big
	}
	if flags&UpdateNoExist != 0 {
		return 0, errExist
	}
	if flags&UpdateLock != 0 {
		return 0, errInval
	}
	return i, nil
}

func (a *array) ProgUpdate(key, value []byte, flags uint64, cpu int) error {
	if err := a.progWrite(); err != nil {
		return err
	}
	i, err := a.checkUpdate(key, flags)
	if err != nil {
		return err
	}
	if !a.percpu {
		cpu = 0
	} else if uint(cpu) >= uint(a.cpus) {
		return errInval
	}
	a.copyIn(a.slot(i, cpu)[:a.spec.ValueSize], value)
	return nil
}

// ProgDelete fails like the kernel's: array elements cannot be deleted.
func (a *array) ProgDelete(key []byte) error { return errInval }

func (a *array) Lookup(key, valueOut []byte) error {
	if err := a.canRead(); err != nil {
		return err
	}
	i, ok := a.index(key)
	if !ok || len(valueOut) < a.HostValueSize() {
		return errInval
	}
	if i >= a.spec.MaxEntries {
		return errNoEnt
	}
	if !a.percpu {
		copy(valueOut, a.slot(i, 0)[:a.spec.ValueSize])
		a.clearLock(valueOut)
		return nil
	}
	// The kernel copies whole 8-byte rounded slots, padding included.
	for cpu := 0; cpu < a.cpus; cpu++ {
		copy(valueOut[cpu*a.stride:], a.slot(i, cpu))
	}
	return nil
}

func (a *array) Update(key, value []byte, flags uint64) error {
	if err := a.hostUpdate(flags); err != nil {
		return err
	}
	if len(value) < a.HostValueSize() {
		return errInval
	}
	i, err := a.checkUpdate(key, flags)
	if err != nil {
		return err
	}
	if !a.percpu {
		a.copyIn(a.slot(i, 0)[:a.spec.ValueSize], value)
		return nil
	}
	for cpu := 0; cpu < a.cpus; cpu++ {
		copy(a.slot(i, cpu), value[cpu*a.stride:(cpu+1)*a.stride])
	}
	return nil
}

func (a *array) Delete(key []byte) error {
	if err := a.canWrite(); err != nil {
		return err
	}
	return errInval
}

// NextKey is array_map_get_next_key: an out-of-range (or nil) key restarts
// at index 0.
func (a *array) NextKey(key, nextOut []byte) error {
	if err := a.canRead(); err != nil {
		return err
	}
	return arrayNextKey(a.spec.MaxEntries, key, nextOut)
}

func arrayNextKey(max uint32, key, nextOut []byte) error {
	if len(nextOut) < 4 {
		return errInval
	}
	i := uint32(0xffffffff)
	if key != nil {
		if len(key) < 4 {
			return errInval
		}
		i = binary.NativeEndian.Uint32(key)
	}
	if i >= max {
		binary.NativeEndian.PutUint32(nextOut, 0)
		return nil
	}
	if i == max-1 {
		return errNoEnt
	}
	binary.NativeEndian.PutUint32(nextOut, i+1)
	return nil
}

func (a *array) LookupAndDelete(key, valueOut []byte) error {
	if err := a.hostLookupAndDelete(); err != nil {
		return err
	}
	return ENOTSUPP
}
