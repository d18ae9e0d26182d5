//go:build !(linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le))

package kernel

import (
	"fmt"
	"runtime"
	"time"

	"github.com/gbpf/gbpf/asm"
)

var errUnsupported = fmt.Errorf("%w: not supported on %s/%s (needs 64-bit little-endian Linux)", ErrUnavailable, runtime.GOOS, runtime.GOARCH)

// Available reports whether this process may load and test-run an XDP
// program: never on this system.
func Available() error { return errUnsupported }

// Program is an XDP program loaded into the kernel.
type Program struct{}

// LoadXDP always fails on this system.
func LoadXDP(asm.Instructions) (*Program, error) { return nil, errUnsupported }

// Run always fails on this system.
func (*Program) Run([]byte, int) (Result, error) { return Result{}, errUnsupported }

// Close does nothing.
func (*Program) Close() error { return nil }

// RunXDP always fails on this system.
func RunXDP(asm.Instructions, []byte, int) (Result, error) { return Result{}, errUnsupported }

// Benchmark always fails on this system.
func Benchmark(asm.Instructions, []byte, int) (time.Duration, error) { return 0, errUnsupported }

// ValueMap is a one-entry array map whose value programs can address.
type ValueMap struct{}

// NewValueMap always fails on this system.
func NewValueMap(int) (*ValueMap, error) { return nil, errUnsupported }

// FD returns -1.
func (*ValueMap) FD() int { return -1 }

// Size returns 0.
func (*ValueMap) Size() int { return 0 }

// LoadAddr returns the two slots of "lddw dst, map_value" for an invalid map.
func (*ValueMap) LoadAddr(dst asm.Register, off uint32) [2]asm.Instruction {
	return asm.LoadImm64Pseudo(dst, asm.PseudoMapValue, uint64(0xffffffff)|uint64(off)<<32)
}

// Read always fails on this system.
func (*ValueMap) Read() ([]byte, error) { return nil, errUnsupported }

// Fill always fails on this system.
func (*ValueMap) Fill(byte) error { return errUnsupported }

// Run always fails on this system.
func (*ValueMap) Run(asm.Instructions, []byte, byte) (Result, []byte, error) {
	return Result{}, nil, errUnsupported
}

// Close does nothing.
func (*ValueMap) Close() error { return nil }
