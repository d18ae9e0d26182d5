//go:build !(amd64 && unix)

package jit

import (
	"errors"

	"github.com/gbpf/gbpf/asm"
)

var errUnsupported = errors.New("the JIT supports amd64 on unix systems only")

// Available reports that the JIT cannot run here.
func Available() error { return errUnsupported }

// Conformance fails: the JIT cannot run here.
func Conformance(asm.Instructions, []byte) (uint64, error) { return 0, errUnsupported }
