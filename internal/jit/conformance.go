//go:build amd64 && unix

package jit

import (
	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/conformance"
)

// Conformance is the JIT as a conformance.Engine: the suite's calling
// convention and helpers, on a private copy of mem.
func Conformance(insns asm.Instructions, mem []byte) (uint64, error) {
	p, err := New(insns, &Options{Helpers: conformance.Helpers()})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	return p.Run(append([]byte(nil), mem...))
}
