// Package kfmt implements the printf family of BPF helpers (bpf_snprintf,
// bpf_trace_printk, bpf_trace_vprintk) and bpf_strncmp with the semantics
// of Linux on x86-64: the format is validated by bpf_bprintf_prepare's
// rules and printed by bstr_printf's, quirks included.
//
// What the kernel accepts: ASCII characters must be printable or white
// space, while bytes from 0x80 up pass (Linux 6.18 lets UTF-8 through);
// conversions are %d %i %u %x %X with an optional l or ll, %c,
// %s, %% and the pointer formats %p %pK %px %ps %pS %pB %pks %pus %pi4 %pI4
// %pi6 %pI6. Flags are limited to '0', '+', '-' and ' ' followed by a
// width; there is no precision, '#', '*', h, z, t or %o. A %s must be
// followed by the end, white space or punctuation. Everything else is
// -EINVAL, as is a conversion without an argument.
//
// Strings, IP addresses and %pB symbols are formatted while the arguments
// are prepared, into a 512-byte buffer: long strings are truncated to the
// room left there, and running out of room is -ENOSPC. An unreadable %s
// prints as the empty string and an unreadable %pI4 as 0.0.0.0. Such
// pre-formatted arguments ignore the width, and the characters after a
// pointer conversion that are letters or digits are swallowed ("%pI4x"
// prints the address alone).
//
// Pointers: %px prints the value, sixteen hex digits. The kernel prints %p
// and %pK (with kptr_restrict 0, as on the reference machine) as a keyed
// 32-bit hash, zero-padded to sixteen digits, except for NULL and error
// values, which print as they are; this package prints a fixed 32-bit mix
// of the pointer instead, of the same width. %ps, %pS and %pB print 0x
// followed by the hex value, which is what the kernel prints for an address
// that is not a kernel symbol. %s and %pks read through the Memory
// function; %pus reads user memory, which program memory is not, so it
// prints the empty string as the kernel does for a kernel address.
//
// The kernel never clears its per-CPU argument buffer. In the corner cases
// where it reads arguments it did not store (a full output buffer skips
// pre-formatted arguments without moving past them, see Snprintf) this
// package reads zeros where the kernel reads stale bytes.
package kfmt

import (
	"bytes"
	"syscall"
)

// Memory reads program memory for %s and %pI4-style pointer arguments: it
// returns up to n bytes at addr, or ok=false if addr is unreadable. A
// shorter slice means the memory ends there: a string that runs into the
// end faults as a whole, as the kernel's probe read does.
type Memory func(addr uint64, n int) ([]byte, bool)

// NoMemory is a Memory in which nothing is readable.
func NoMemory(uint64, int) ([]byte, bool) { return nil, false }

// Returned by Format for formats the kernel refuses.
var (
	// ErrInvalid is the kernel's EINVAL.
	ErrInvalid error = syscall.EINVAL
	// ErrNoSpace is the kernel's ENOSPC: the arguments, with the strings
	// and addresses formatted into them, need more than 512 bytes.
	ErrNoSpace error = syscall.ENOSPC
)

// maxOutput is the size limit vsnprintf accepts (INT_MAX): Format's output
// is never truncated below it.
const maxOutput = 1<<31 - 1

// cut returns format up to its first NUL, as the kernel's C string.
func cut(format []byte) []byte {
	if i := bytes.IndexByte(format, 0); i >= 0 {
		return format[:i]
	}
	return format
}

// Format validates format and formats args as bpf_snprintf does, returning
// the whole output. The format ends at its first NUL or at the end of the
// slice. Errors are syscall.Errno values: EINVAL for formats the kernel
// refuses or more than MaxArgs arguments, ENOSPC when the arguments do not
// fit the kernel's argument buffer.
func Format(format []byte, args []uint64, mem Memory) (string, error) {
	if len(args) > MaxArgs {
		return "", syscall.EINVAL
	}
	f := cut(format)
	bin, _, errno := prepare(f, args, orNone(mem))
	if errno != 0 {
		return "", errno
	}
	out, n := bstrPrintf(f, bin, maxOutput)
	return string(out[:n]), nil
}

func orNone(mem Memory) Memory {
	if mem == nil {
		return NoMemory
	}
	return mem
}

// Snprintf has bpf_snprintf's contract: it writes the NUL-terminated output
// truncated to len(out) and returns the number of bytes the full output
// needs, NUL included, or a negative errno. One kernel quirk carries over:
// once out is full, pre-formatted arguments (%pI4 and the like, %pks,
// %pus, %pB) count for nothing in the returned length, so sizing a buffer
// with a zero-length call undercounts them.
func Snprintf(out []byte, format []byte, args []uint64, mem Memory) int64 {
	if len(args) > MaxArgs {
		return -int64(syscall.EINVAL)
	}
	f := cut(format)
	bin, _, errno := prepare(f, args, orNone(mem))
	if errno != 0 {
		return -int64(errno)
	}
	res, n := bstrPrintf(f, bin, len(out))
	copy(out, res)
	return int64(n) + 1
}

// Check validates format for nargs arguments as the kernel's verifier does
// for bpf_snprintf's constant format (bpf_bprintf_prepare without the
// arguments): the format must be one the kernel accepts and need at most
// nargs arguments. It returns EINVAL when not.
func Check(format []byte, nargs int) error {
	f := cut(format)
	// A format cannot use more arguments than it has '%'s.
	nargs = min(nargs, bytes.Count(f, []byte{'%'}))
	if _, _, errno := prepare(f, make([]uint64, nargs), NoMemory); errno == syscall.EINVAL {
		return errno
	}
	return nil
}

// Args decodes the data/data_len argument array of bpf_snprintf and
// bpf_trace_vprintk: ok is false, and the helper returns -EINVAL, unless
// its length is a multiple of 8 and at most 8*MaxArgs.
func Args(data []byte) (args []uint64, ok bool) {
	if len(data)%8 != 0 || len(data) > 8*MaxArgs {
		return nil, false
	}
	for i := 0; i < len(data); i += 8 {
		var v uint64
		for k := 7; k >= 0; k-- {
			v = v<<8 | uint64(data[i+k])
		}
		args = append(args, v)
	}
	return args, true
}

// TracePrintk has bpf_trace_printk's contract: format holds fmt_size bytes
// and must contain a NUL, and the three arguments are always available to
// it. It returns the text the helper hands to the bpf_trace_printk trace
// event and the helper's return value: the length of the full output
// (which may exceed what was kept) or a negative errno.
//
// The text is cut to the kernel's 1024-byte buffer (1023 characters) and
// at the first NUL byte a %c may have produced, since the event copies a C
// string. It is exactly what the program formatted: the tracer adds its own
// line header and ends every event with a newline, so a format ending in
// "\n" shows an empty line after it in trace_pipe.
func TracePrintk(format []byte, args [3]uint64, mem Memory) (line string, ret int64) {
	return tracePrintk(format, args[:], mem)
}

// TraceVprintk is bpf_trace_vprintk: TracePrintk with up to MaxArgs
// arguments, which the format may leave unused.
func TraceVprintk(format []byte, args []uint64, mem Memory) (line string, ret int64) {
	if len(args) > MaxArgs {
		return "", -int64(syscall.EINVAL)
	}
	return tracePrintk(format, args, mem)
}

func tracePrintk(format []byte, args []uint64, mem Memory) (string, int64) {
	end := bytes.IndexByte(format, 0)
	if end < 0 {
		return "", -int64(syscall.EINVAL)
	}
	f := format[:end]
	bin, _, errno := prepare(f, args, orNone(mem))
	if errno != 0 {
		return "", -int64(errno)
	}
	out, n := bstrPrintf(f, bin, traceBufSize)
	return string(cut(out)), int64(n)
}
