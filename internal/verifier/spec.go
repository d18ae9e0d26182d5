package verifier

import (
	"strings"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/maps"
)

// ConfigFor builds the configuration for verifying prog of a collection:
// its type, the collection's maps (with the fix-ups libbpf and cilium/ebpf
// apply before creating them, with their spin lock offsets from BTF) and the
// read-only data sections.
func ConfigFor(spec *ebpf.CollectionSpec, prog *ebpf.ProgramSpec) *Config {
	cfg := &Config{License: prog.License, CheckLicense: true, Type: prog.Type, Attach: prog.AttachType, Maps: map[string]*maps.Spec{}, ReadOnly: map[string]bool{}, Frozen: map[string][]byte{}}
	for name, ms := range spec.Maps {
		cfg.Maps[name] = mapSpec(ms)
		if strings.HasPrefix(name, ".rodata") || ms.Flags&(1<<7) != 0 {
			cfg.ReadOnly[name] = true
		}
		// Loaders freeze .rodata after writing its contents.
		if strings.HasPrefix(name, ".rodata") && ms.Type == ebpf.Array && ms.MaxEntries == 1 {
			data := make([]byte, ms.ValueSize)
			if len(ms.Contents) == 1 {
				if b, ok := ms.Contents[0].Value.([]byte); ok {
					copy(data, b)
				}
			}
			cfg.Frozen[name] = data
		}
	}
	return cfg
}

func mapSpec(ms *ebpf.MapSpec) *maps.Spec {
	s := &maps.Spec{Name: ms.Name, Type: maps.Type(ms.Type), KeySize: ms.KeySize, ValueSize: ms.ValueSize, MaxEntries: ms.MaxEntries, Flags: ms.Flags}
	s.SpinLockOff, s.HasSpinLock = maps.SpinLockOffset(ms.Value)
	switch ms.Type {
	case ebpf.PerfEventArray:
		s.KeySize, s.ValueSize = 4, 4
	case ebpf.ArrayOfMaps, ebpf.HashOfMaps:
		s.ValueSize = 4
		if ms.InnerMap != nil {
			s.InnerMap = mapSpec(ms.InnerMap)
		}
	}
	return s
}
