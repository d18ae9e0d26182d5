package gbpf

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/maps"
)

// ErrReadOnly is returned when setting a variable of read-only data
// (.rodata, const volatile settings) after the collection was made: set
// those on the spec before NewCollection.
var ErrReadOnly = errors.New("variable is read-only")

// Variable is a global variable of a loaded collection (in .data, .bss,
// .rodata or a custom data section), read and written in the memory the
// programs use, like cilium/ebpf's Variable.
type Variable struct {
	name     string
	mem      []byte // the variable's bytes inside its section's value
	readOnly bool
}

// loadVariables finds every variable of spec in the collection's data
// section maps.
func (c *Collection) loadVariables(vars map[string]*ebpf.VariableSpec) {
	c.Variables = map[string]*Variable{}
	for name, vs := range vars {
		m := c.Maps[vs.SectionName]
		if m == nil {
			continue
		}
		arr, ok := m.m.(maps.ArrayMemory)
		if !ok {
			continue
		}
		val := arr.Value(0, 0)
		end := uint64(vs.Offset) + uint64(vs.Size())
		if end > uint64(len(val)) {
			continue
		}
		c.Variables[name] = &Variable{name: name, mem: val[vs.Offset:end], readOnly: m.spec.Flags&maps.FlagRdonlyProg != 0}
	}
}

// Size is the variable's size in bytes.
func (v *Variable) Size() int { return len(v.mem) }

// ReadOnly reports whether the programs see the variable as constant.
func (v *Variable) ReadOnly() bool { return v.readOnly }

// Get reads the variable into out (a pointer to a value of its size, or a
// []byte).
func (v *Variable) Get(out any) error {
	if err := unmarshal(append([]byte(nil), v.mem...), out); err != nil {
		return fmt.Errorf("variable %s: %w", v.name, err)
	}
	return nil
}

// Set writes in (a value of the variable's size) where programs read it.
// Programs running at the same time may see a partial write, as with the
// kernel's mmapped data sections.
func (v *Variable) Set(in any) error {
	if v.readOnly {
		return fmt.Errorf("variable %s: %w", v.name, ErrReadOnly)
	}
	b, err := marshal(in, len(v.mem))
	if err != nil {
		return fmt.Errorf("variable %s: %w", v.name, err)
	}
	copy(v.mem, b)
	return nil
}

// Memory returns the live value area of a BPF_F_MMAPABLE array, which the
// host may read and write while programs run, as with an mmapped map.
func (m *Map) Memory() ([]byte, error) {
	mem, ok := m.m.(interface{ Memory() []byte })
	if !ok || m.spec.Flags&maps.FlagMmapable == 0 {
		return nil, fmt.Errorf("map %s: not a BPF_F_MMAPABLE array: %w", m.name, ErrNotSupported)
	}
	return mem.Memory(), nil
}
