//go:build !(linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le))

package kernel

import "github.com/cilium/ebpf"

// Collection is a CollectionSpec loaded into the kernel.
type Collection struct{}

// LoadCollection always fails on this system.
func LoadCollection(*ebpf.CollectionSpec) (*Collection, error) { return nil, errUnsupported }

// Close does nothing.
func (*Collection) Close() error { return nil }

// Run always fails on this system.
func (*Collection) Run(string, RunOptions) (RunResult, error) { return RunResult{}, errUnsupported }

// Programs returns nothing on this system.
func (*Collection) Programs() []string { return nil }

// Maps always fails on this system.
func (*Collection) Maps() (map[string][]Entry, error) { return nil, errUnsupported }

// ReadRingbuf always fails on this system.
func (*Collection) ReadRingbuf(string) ([][]byte, error) { return nil, errUnsupported }
