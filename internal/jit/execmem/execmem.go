//go:build unix

// Package execmem maps machine code executable with W^X: pages are
// writable while the code is copied in, then read-execute, never both.
package execmem

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// ErrUnavailable says the process cannot have executable memory (a
// hardened kernel, SELinux execmem denial, a seccomp filter); callers fall
// back to the interpreter.
var ErrUnavailable = errors.New("executable memory is not available")

var probe struct {
	once sync.Once
	err  error
}

// Available reports, probing once per process, whether executable memory
// can be had. The error wraps ErrUnavailable and says why.
func Available() error {
	probe.once.Do(func() {
		c, err := New([]byte{0xc3}) // ret
		if err != nil {
			probe.err = err
			return
		}
		probe.err = c.Close()
	})
	return probe.err
}

// Code is machine code mapped read-execute.
type Code struct {
	mem []byte
}

// New maps a copy of code read-execute.
func New(code []byte) (*Code, error) {
	if len(code) == 0 {
		return nil, errors.New("execmem: empty code")
	}
	size := (len(code) + unix.Getpagesize() - 1) &^ (unix.Getpagesize() - 1)
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE|mapPopulate)
	if err != nil {
		return nil, fmt.Errorf("%w: mmap: %v", ErrUnavailable, err)
	}
	copy(mem, code)
	// Fill the tail with int3 so a stray jump past the code traps.
	for i := len(code); i < size; i++ {
		mem[i] = 0xcc
	}
	if err := unix.Mprotect(mem, unix.PROT_READ|unix.PROT_EXEC); err != nil {
		unix.Munmap(mem)
		return nil, fmt.Errorf("%w: mprotect read-execute: %v", ErrUnavailable, err)
	}
	return &Code{mem: mem}, nil
}

// Addr is the address of the first byte of code.
func (c *Code) Addr() uintptr { return uintptrOf(c.mem) }

// Bytes returns the mapped code (read-only memory: do not write).
func (c *Code) Bytes() []byte { return c.mem }

// Close unmaps the code; it must not be running.
func (c *Code) Close() error {
	if c.mem == nil {
		return nil
	}
	err := unix.Munmap(c.mem)
	c.mem = nil
	return err
}
