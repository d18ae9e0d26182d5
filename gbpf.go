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
	"fmt"
	"io"

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
	spec, err := ebpf.LoadCollectionSpec(file)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	return spec, nil
}

// LoadCollectionSpecFromReader parses an ELF object from rd.
func LoadCollectionSpecFromReader(rd io.ReaderAt) (*CollectionSpec, error) {
	spec, err := ebpf.LoadCollectionSpecFromReader(rd)
	if err != nil {
		return nil, fmt.Errorf("load ELF: %w", err)
	}
	return spec, nil
}
