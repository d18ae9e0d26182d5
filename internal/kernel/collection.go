package kernel

import (
	"errors"
	"time"
)

// ErrNoTestRun is wrapped by the error Collection.Run returns for program
// types that BPF_PROG_TEST_RUN does not support (kprobe, tracepoint,
// perf_event, cgroup socket hooks, ...). Such programs can still be loaded,
// which checks that the verifier accepts them.
var ErrNoTestRun = errors.New("the kernel cannot test-run this program type")

// RunOptions mirror the inputs of BPF_PROG_TEST_RUN. Runs happen on the
// first CPU the process may use, so that per-CPU map slots and
// bpf_get_smp_processor_id are the same every time.
type RunOptions struct {
	// Data is the packet for packet programs (XDP, tc, socket filter, ...).
	// It is passed as is: the kernel rejects packets shorter than an
	// Ethernet header.
	Data []byte
	// Context is the context the program starts with: struct xdp_md,
	// struct __sk_buff, the u64 arguments of a raw tracepoint, or the
	// argument block of a syscall program. Nil lets the kernel build it.
	Context []byte
	// Repeat runs the program this many times (0 and 1 both mean once).
	// Packet stores persist across the repetitions, as in the kernel. For
	// raw tracepoint and syscall programs, which the kernel runs only once
	// per call, the repetitions are separate calls with the same input.
	Repeat int
	// DataOutSize bounds the packet the kernel may hand back; 0 means
	// len(Data) plus 64 KiB, more than any program can grow a packet.
	DataOutSize int
}

// RunResult is the outcome of Collection.Run.
type RunResult struct {
	// Retval is the low 32 bits of r0 after the last run.
	Retval uint32
	// DataOut is the packet after the last run; nil for programs without
	// packet data.
	DataOut []byte
	// ContextOut is the context after the last run, for program types whose
	// context the kernel copies back (XDP, skb programs, syscall) when
	// Context was given; nil otherwise.
	ContextOut []byte
	// Duration is the kernel's average time per run. For raw tracepoint and
	// syscall programs the kernel measures nothing, so it is the wall-clock
	// time per call measured here, syscall overhead included.
	Duration time.Duration
}

// Entry is one element of a map as Collection.Maps reports it.
type Entry struct {
	// Key is the raw key; nil for maps without keys (queue, stack, ring
	// buffer).
	Key []byte
	// Value is the raw value; nil for per-CPU maps, prog arrays and maps of
	// maps.
	Value []byte
	// Values holds a per-CPU map's value on each possible CPU, in CPU order.
	Values [][]byte
	// Name is what a prog array or map-of-maps slot refers to: the function
	// name of the program, or the spec name of the inner map. Objects the
	// collection did not create are named "id:N" after their kernel ID.
	Name string
}
