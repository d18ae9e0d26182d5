//go:build !(linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le))

package kernel

import "github.com/cilium/ebpf"

// Verify needs Linux.
func Verify(*ebpf.CollectionSpec, string) (VerifierStats, error) {
	return VerifierStats{}, errUnsupported
}
