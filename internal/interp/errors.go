package interp

import (
	"errors"
	"fmt"
)

// Sentinel errors a run can end with; a *RuntimeError wraps one of them.
var (
	ErrMemoryAccess   = errors.New("invalid memory access")
	ErrBudgetExceeded = errors.New("instruction budget exhausted")
	ErrUnknownHelper  = errors.New("unknown helper")
	ErrCallDepth      = errors.New("call depth exceeded")
	ErrHelper         = errors.New("helper failed")
	ErrNoPacket       = errors.New("legacy packet load without packet data")
	ErrBadCallback    = errors.New("invalid callback")
)

// RuntimeError is how a run ends when a runtime check fires: it names the
// instruction index and, for memory faults, the address and access size.
type RuntimeError struct {
	PC     int    // slot index of the instruction that failed
	Err    error  // one of the sentinels above, or a helper's error
	Addr   uint64 // faulting address (memory faults only)
	Size   int    // access size in bytes (memory faults only)
	Detail string // extra words for the reader
}

func (e *RuntimeError) Error() string {
	switch {
	case errors.Is(e.Err, ErrMemoryAccess):
		return fmt.Sprintf("instruction %d: %v: %s of %d bytes at 0x%x", e.PC, e.Err, e.Detail, e.Size, e.Addr)
	case e.Detail != "":
		return fmt.Sprintf("instruction %d: %v: %s", e.PC, e.Err, e.Detail)
	}
	return fmt.Sprintf("instruction %d: %v", e.PC, e.Err)
}

func (e *RuntimeError) Unwrap() error { return e.Err }
