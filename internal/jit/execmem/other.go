//go:build !unix

package execmem

import "errors"

// ErrUnavailable says the process cannot have executable memory.
var ErrUnavailable = errors.New("executable memory is not available on this system")

// Available always fails here: only unix systems are supported so far.
func Available() error { return ErrUnavailable }

// Code is machine code mapped read-execute.
type Code struct{}

// New fails: no executable memory.
func New([]byte) (*Code, error) { return nil, ErrUnavailable }

// Addr is never called here.
func (c *Code) Addr() uintptr { return 0 }

// Bytes is never called here.
func (c *Code) Bytes() []byte { return nil }

// Close does nothing.
func (c *Code) Close() error { return nil }

// Block is unavailable here.
type Block struct{ Data []byte }

// NewBlock fails.
func NewBlock(int) (*Block, error) { return nil, ErrUnavailable }

// Close does nothing.
func (b *Block) Close() error { return nil }
