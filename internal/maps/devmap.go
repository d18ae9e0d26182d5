package maps

import (
	"encoding/binary"
	"slices"
	"sync"
)

// redirectMap is DEVMAP, DEVMAP_HASH and CPUMAP (kernel/bpf/devmap.c,
// cpumap.c): the targets of bpf_redirect_map. A slot holds an ifindex (or
// a CPU queue size) and optionally a program fd; gbpf has no devices or
// CPU queues to send to, so the maps keep the values and
// bpf_redirect_map answers XDP_REDIRECT for an occupied slot. Any nonzero
// ifindex is accepted, since gbpf has no device table to check it against
// (the kernel answers ENODEV for an unknown one).
type redirectMap struct {
	base
	hashed bool
	mu     sync.RWMutex
	slots  map[uint32][]byte
}

func newRedirectMap(spec *Spec, cpus int) (*redirectMap, error) {
	if spec.KeySize != 4 || (spec.ValueSize != 4 && spec.ValueSize != 8) || spec.MaxEntries == 0 ||
		spec.Flags&^(FlagNumaNode|flagAccessMask) != 0 {
		return nil, errInval
	}
	return &redirectMap{base: newBase(spec, cpus), hashed: spec.Type == DevMapHash, slots: map[uint32][]byte{}}, nil
}

func (d *redirectMap) index(key []byte) (uint32, bool) {
	k, ok := d.key(key)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(k), true
}

// ProgLookup returns the slot's value (struct bpf_devmap_val or
// bpf_cpumap_val), which programs may read.
func (d *redirectMap) ProgLookup(key []byte, cpu int) []byte {
	i, ok := d.index(key)
	if !ok {
		return nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.slots[i]
}

// Programs cannot change these maps (the verifier refuses it).
func (d *redirectMap) ProgUpdate(key, value []byte, flags uint64, cpu int) error { return errInval }
func (d *redirectMap) ProgDelete(key []byte) error                               { return errInval }

func (d *redirectMap) Lookup(key, valueOut []byte) error {
	if err := d.canRead(); err != nil {
		return err
	}
	v := d.ProgLookup(key, 0)
	if v == nil {
		return errNoEnt
	}
	copy(valueOut, v)
	return nil
}

func (d *redirectMap) Update(key, value []byte, flags uint64) error {
	if err := d.hostUpdate(flags); err != nil {
		return err
	}
	i, ok := d.index(key)
	if !ok || len(value) < int(d.spec.ValueSize) || flags > UpdateExist {
		return errInval
	}
	if !d.hashed && i >= d.spec.MaxEntries {
		return err2Big
	}
	val := alloc(int(d.spec.ValueSize))
	copy(val, value)
	if d.spec.ValueSize == 8 && binary.LittleEndian.Uint32(val[4:]) != 0 {
		return errInval // attaching programs to entries is not supported
	}
	empty := binary.LittleEndian.Uint32(val) == 0
	d.mu.Lock()
	defer d.mu.Unlock()
	_, exists := d.slots[i]
	switch {
	case !d.hashed && flags == UpdateNoExist:
		return errExist // arrays always have the slot
	case d.hashed && flags == UpdateNoExist && exists:
		return errExist
	case d.hashed && flags == UpdateExist && !exists:
		return errNoEnt
	case d.hashed && !exists && len(d.slots) >= int(d.spec.MaxEntries):
		return err2Big
	case d.hashed && empty:
		return errInval // a hashed device map needs a device
	}
	if empty {
		delete(d.slots, i)
		return nil
	}
	d.slots[i] = val
	return nil
}

func (d *redirectMap) Delete(key []byte) error {
	if err := d.canWrite(); err != nil {
		return err
	}
	i, ok := d.index(key)
	if !ok {
		return errInval
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.hashed {
		if i >= d.spec.MaxEntries {
			return errInval
		}
		delete(d.slots, i)
		return nil
	}
	if _, ok := d.slots[i]; !ok {
		return errNoEnt
	}
	delete(d.slots, i)
	return nil
}

// NextKey walks indexes like an array for DEVMAP and CPUMAP, and the
// occupied keys in ascending order for DEVMAP_HASH.
func (d *redirectMap) NextKey(key, nextOut []byte) error {
	if err := d.canRead(); err != nil {
		return err
	}
	var next uint32
	if !d.hashed {
		if key != nil {
			i, ok := d.index(key)
			if !ok {
				return errInval
			}
			if i < d.spec.MaxEntries {
				next = i + 1
			}
		}
		if next >= d.spec.MaxEntries {
			return errNoEnt
		}
		binary.LittleEndian.PutUint32(nextOut, next)
		return nil
	}
	d.mu.RLock()
	keys := make([]uint32, 0, len(d.slots))
	for k := range d.slots {
		keys = append(keys, k)
	}
	d.mu.RUnlock()
	slices.Sort(keys)
	pos := 0
	if key != nil {
		i, ok := d.index(key)
		if !ok {
			return errInval
		}
		if at, found := slices.BinarySearch(keys, i); found {
			pos = at + 1
		}
	}
	if pos >= len(keys) {
		return errNoEnt
	}
	binary.LittleEndian.PutUint32(nextOut, keys[pos])
	return nil
}

func (d *redirectMap) LookupAndDelete(key, valueOut []byte) error { return errOpNotSupp }
