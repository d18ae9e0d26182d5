// Package kernel runs eBPF programs in the Linux kernel, through the bpf(2)
// syscall, so that the kernel can serve as gbpf's test oracle and speed
// reference.
//
// Programs are loaded as XDP programs (license GPL) and executed with
// BPF_PROG_TEST_RUN. The kernel only returns the low 32 bits of r0, so
// programs that need to report more store it into an array map value, which
// they address with a "lddw rX, map_value" pseudo load (see ValueMap).
//
// Everything here needs Linux and the privilege to load XDP programs (root,
// or CAP_BPF with CAP_NET_ADMIN). Call Available first: on other systems and
// without privileges every function returns an error wrapping
// ErrUnavailable.
package kernel

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrUnavailable is wrapped by every error that says the kernel cannot be
// used as an engine in this process.
var ErrUnavailable = errors.New("kernel eBPF engine unavailable")

// MinDataSize is the smallest packet XDP test runs accept (an Ethernet
// header); shorter data is padded with zeros.
const MinDataSize = 14

// Result is the outcome of one BPF_PROG_TEST_RUN.
type Result struct {
	// Retval is the low 32 bits of r0 at exit: the kernel reports no more.
	Retval uint32
	// DataOut is the packet after the (last) run.
	DataOut []byte
	// Duration is the kernel's average time per run, over all repetitions.
	Duration time.Duration
}

// VerifierError is returned when the kernel refuses to load a program.
type VerifierError struct {
	Err error    // the error from the load, e.g. EACCES or EINVAL
	Log []string // the verifier log, one line per element
}

func (e *VerifierError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kernel verifier rejected the program: %v", e.Err)
	if len(e.Log) > 0 {
		b.WriteString("\nverifier log:\n")
		// The log is long; its end says why it failed.
		log := e.Log
		const keep = 60
		if len(log) > keep {
			fmt.Fprintf(&b, "  ... (%d earlier lines)\n", len(log)-keep)
			log = log[len(log)-keep:]
		}
		for _, l := range log {
			b.WriteString("  ")
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (e *VerifierError) Unwrap() error { return e.Err }

// padData returns data extended with zeros to MinDataSize if shorter.
func padData(data []byte) []byte {
	if len(data) >= MinDataSize {
		return data
	}
	p := make([]byte, MinDataSize)
	copy(p, data)
	return p
}
