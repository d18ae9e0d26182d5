//go:build amd64 && unix

package jit

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
)

// outcome is what a run produced: r0, the error text and the memory after.
type outcome struct {
	r0  uint64
	err error
	mem []byte
}

func (o outcome) String() string {
	return fmt.Sprintf("r0=%#x err=%v mem=% x", o.r0, o.err, o.mem)
}

// scratch holds a run's memory: both engines run on the same buffer (at
// the same address, in case a program computes with it), reloaded from
// the input before each run.
var scratch []byte

func load(mem []byte) []byte {
	if len(mem) == 0 {
		return nil
	}
	if cap(scratch) < len(mem) {
		scratch = make([]byte, len(mem))
	}
	buf := scratch[:len(mem)]
	copy(buf, mem)
	return buf
}

func runInterp(insns asm.Instructions, mem []byte, opts *interp.Options) outcome {
	p, err := interp.New(insns, opts)
	if err != nil {
		return outcome{err: err}
	}
	buf := load(mem)
	r0, err := p.Run(buf)
	return outcome{r0, err, bytes.Clone(buf)}
}

func runJIT(insns asm.Instructions, mem []byte, opts *interp.Options) outcome {
	var o Options
	if opts != nil {
		o.Budget, o.Helpers = opts.Budget, opts.Helpers
	}
	return runJITWith(insns, mem, o)
}

// runJITWith runs insns compiled with o.
func runJITWith(insns asm.Instructions, mem []byte, o Options) outcome {
	p, err := New(insns, &o)
	if err != nil {
		return outcome{err: err}
	}
	defer p.Close()
	buf := load(mem)
	r0, err := p.Run(buf)
	return outcome{r0, err, bytes.Clone(buf)}
}

// differ describes how the JIT's outcome differs from the interpreter's,
// or returns "" when they agree. Addresses in error texts differ between
// engines only through the stack, which both place in their own memory,
// so errors compare by instruction, kind and access size.
func differ(want, got outcome) string {
	if want.r0 != got.r0 || !bytes.Equal(want.mem, got.mem) || (want.err == nil) != (got.err == nil) {
		return fmt.Sprintf("interpreter: %v\njit:         %v", want, got)
	}
	if want.err == nil {
		return ""
	}
	var we, ge *interp.RuntimeError
	if !errors.As(want.err, &we) || !errors.As(got.err, &ge) {
		if want.err.Error() != got.err.Error() {
			return fmt.Sprintf("interpreter error: %v\njit error:         %v", want.err, got.err)
		}
		return ""
	}
	if we.PC != ge.PC || !errors.Is(ge, we.Err) || we.Size != ge.Size || we.Detail != ge.Detail {
		return fmt.Sprintf("interpreter error: %v\njit error:         %v", want.err, got.err)
	}
	return ""
}

var errFault = errors.New("bad pointer")
