//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le)

package kernel

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
)

// Verify loads program prog of spec (with the collection's maps) into the
// kernel with statistics logging and returns the verifier's statistics.
func Verify(spec *ebpf.CollectionSpec, prog string) (VerifierStats, error) {
	if err := Available(); err != nil {
		return VerifierStats{}, err
	}
	one := spec.Copy()
	for name := range one.Programs {
		if name != prog {
			delete(one.Programs, name)
		}
	}
	for _, ms := range one.Maps {
		ms.Pinning = ebpf.PinNone
	}
	coll, err := ebpf.NewCollectionWithOptions(one, ebpf.CollectionOptions{
		Programs: ebpf.ProgramOptions{LogLevel: ebpf.LogLevelStats, LogSizeStart: 1 << 16},
	})
	if err != nil {
		return VerifierStats{}, fmt.Errorf("loading program %s: %w", prog, err)
	}
	defer coll.Close()
	p := coll.Programs[prog]
	if p == nil {
		return VerifierStats{}, fmt.Errorf("program %s not in the collection", prog)
	}
	log := p.VerifierLog
	s, ok := parseStats(log)
	if !ok {
		return VerifierStats{}, fmt.Errorf("program %s: no statistics in the verifier log: %q", prog, strings.TrimSpace(log))
	}
	return s, nil
}
