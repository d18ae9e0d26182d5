// Package gbpf runs eBPF programs in user space, in pure Go: it loads the
// ELF objects clang builds (or the CollectionSpec that cilium/ebpf and its
// bpf2go produce), creates their maps with the kernel's semantics and runs
// their programs with the kernel's helpers and program contexts.
//
// The API follows cilium/ebpf where the concept is the same: load a
// CollectionSpec, make a Collection from it, then use its Programs and
// Maps by name.
//
//	spec, err := gbpf.LoadCollectionSpec("xdp_stats.o")
//	coll, err := gbpf.NewCollection(spec)
//	defer coll.Close()
//	res, err := coll.Programs["xdp_stats"].Run(&gbpf.RunOptions{Data: packet})
package gbpf

import (
	"debug/elf"
	"fmt"
	"io"
	"os"

	"github.com/cilium/ebpf"
)

// CollectionSpec, ProgramSpec and MapSpec are cilium/ebpf's: gbpf parses
// objects with its ELF reader, so specs from bpf2go-generated code, with
// variables set and constants rewritten, load here unchanged.
type (
	CollectionSpec = ebpf.CollectionSpec
	ProgramSpec    = ebpf.ProgramSpec
	MapSpec        = ebpf.MapSpec
	ProgramType    = ebpf.ProgramType
	MapType        = ebpf.MapType
)

// LoadCollectionSpec parses an ELF object built by clang -target bpf.
func LoadCollectionSpec(file string) (*CollectionSpec, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	defer f.Close()
	spec, err := LoadCollectionSpecFromReader(f)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	return spec, nil
}

// maxSectionSize bounds the sections an object may declare: a data
// section becomes one map value, which the kernel caps far lower, and a
// malformed object must not make the parser allocate gigabytes for a
// .bss that only claims that size.
const maxSectionSize = 1 << 26

// LoadCollectionSpecFromReader parses an ELF object from rd.
func LoadCollectionSpecFromReader(rd io.ReaderAt) (*CollectionSpec, error) {
	if f, err := elf.NewFile(rd); err == nil {
		for _, s := range f.Sections {
			if s.Size > maxSectionSize && (s.Type == elf.SHT_NOBITS || s.Type == elf.SHT_PROGBITS) {
				return nil, fmt.Errorf("load ELF: section %s claims %d bytes, more than %d", s.Name, s.Size, maxSectionSize)
			}
		}
	}
	spec, err := ebpf.LoadCollectionSpecFromReader(rd)
	if err != nil {
		return nil, fmt.Errorf("load ELF: %w", err)
	}
	return spec, nil
}
