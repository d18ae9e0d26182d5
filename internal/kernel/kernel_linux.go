//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le)

package kernel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gbpf/gbpf/asm"
)

// Available reports whether this process may load and test-run an XDP
// program. It tries once and caches the answer.
func Available() error { return availableOnce() }

var availableOnce = sync.OnceValue(func() error {
	p, err := load(asm.Instructions{
		{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcK, Dst: asm.R0, Imm: 2},
		{OpCode: asm.OpExit},
	})
	if err != nil {
		return fmt.Errorf("%w: %w%s", ErrUnavailable, err, privilegeHint(err))
	}
	defer p.Close()
	if _, err := p.Run(nil, 1); err != nil {
		return fmt.Errorf("%w: test-running an XDP program: %w%s", ErrUnavailable, err, privilegeHint(err))
	}
	return nil
})

func privilegeHint(err error) string {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return " (needs root, or CAP_BPF and CAP_NET_ADMIN)"
	case errors.Is(err, unix.ENOSYS):
		return " (the kernel has no bpf syscall)"
	}
	return ""
}

// Program is an XDP program loaded into the kernel.
type Program struct {
	prog *ebpf.Program
}

// LoadXDP loads insns as an XDP program. A verifier rejection returns a
// *VerifierError carrying the verifier log.
func LoadXDP(insns asm.Instructions) (*Program, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	return load(insns)
}

func load(insns asm.Instructions) (*Program, error) {
	cinsns, err := toCilium(insns)
	if err != nil {
		return nil, err
	}
	prog, err := ebpf.NewProgramWithOptions(&ebpf.ProgramSpec{
		Name:         "gbpf",
		Type:         ebpf.XDP,
		Instructions: cinsns,
		License:      "GPL",
	}, ebpf.ProgramOptions{LogSizeStart: 1 << 20})
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, &VerifierError{Err: ve.Cause, Log: ve.Log}
		}
		return nil, fmt.Errorf("loading XDP program: %w", err)
	}
	return &Program{prog: prog}, nil
}

// toCilium converts raw slots to cilium's instruction model by way of the
// wire encoding, so nothing is lost or reinterpreted.
func toCilium(insns asm.Instructions) (casm.Instructions, error) {
	out, err := casm.AppendInstructions(nil, bytes.NewReader(insns.Encode()), binary.LittleEndian, "linux")
	if err != nil {
		return nil, fmt.Errorf("converting instructions for the kernel: %w", err)
	}
	return out, nil
}

// Close unloads the program.
func (p *Program) Close() error { return p.prog.Close() }

// progRunAttr is the BPF_PROG_TEST_RUN part of union bpf_attr on 64-bit
// hosts. cilium/ebpf's Run hides the duration, so the syscall is made here.
type progRunAttr struct {
	progFD      uint32
	retval      uint32
	dataSizeIn  uint32
	dataSizeOut uint32
	dataIn      unsafe.Pointer
	dataOut     unsafe.Pointer
	repeat      uint32
	duration    uint32
	ctxSizeIn   uint32
	ctxSizeOut  uint32
	ctxIn       unsafe.Pointer
	ctxOut      unsafe.Pointer
	flags       uint32
	cpu         uint32
	batchSize   uint32
	_           uint32
}

const bpfProgTestRun = 10 // BPF_PROG_TEST_RUN

// maxEINTR bounds the retries when a signal interrupts a long test run.
const maxEINTR = 100

// Run test-runs the program repeat times (at least once) on data, padded to
// MinDataSize. Stores to the packet persist from one repetition to the
// next, as in the kernel.
func (p *Program) Run(data []byte, repeat int) (Result, error) {
	if repeat < 1 {
		repeat = 1
	}
	if uint64(repeat) > 1<<32-1 {
		return Result{}, fmt.Errorf("repeat %d does not fit in 32 bits", repeat)
	}
	in := padData(data)
	// The output is as large as the input: XDP programs here do not grow
	// the packet, and the kernel says ENOSPC if they did.
	out := make([]byte, len(in))
	attr := progRunAttr{
		progFD:      uint32(p.prog.FD()),
		dataSizeIn:  uint32(len(in)),
		dataSizeOut: uint32(len(out)),
		dataIn:      unsafe.Pointer(&in[0]),
		dataOut:     unsafe.Pointer(&out[0]),
		repeat:      uint32(repeat),
	}
	for tries := 0; ; tries++ {
		_, _, errno := unix.Syscall(unix.SYS_BPF, bpfProgTestRun, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
		runtime.KeepAlive(in)
		runtime.KeepAlive(out)
		if errno == unix.EINTR && tries < maxEINTR {
			continue
		}
		if errno != 0 {
			return Result{}, fmt.Errorf("BPF_PROG_TEST_RUN: %w", errno)
		}
		break
	}
	n := min(int(attr.dataSizeOut), len(out))
	return Result{
		Retval:   attr.retval,
		DataOut:  out[:n],
		Duration: time.Duration(attr.duration),
	}, nil
}

// RunXDP loads insns as an XDP program, test-runs it repeat times on data
// and unloads it.
func RunXDP(insns asm.Instructions, data []byte, repeat int) (Result, error) {
	p, err := LoadXDP(insns)
	if err != nil {
		return Result{}, err
	}
	defer p.Close()
	return p.Run(data, repeat)
}

// Benchmark returns the kernel's average time per run of insns over repeat
// runs on data, as measured by BPF_PROG_TEST_RUN. With the JIT enabled this
// is the JIT's speed plus the test harness' per-run cost.
func Benchmark(insns asm.Instructions, data []byte, repeat int) (time.Duration, error) {
	r, err := RunXDP(insns, data, repeat)
	if err != nil {
		return 0, err
	}
	return r.Duration, nil
}

// ValueMap is a one-entry array map whose value programs can address
// directly, to report more than the 32-bit return value.
type ValueMap struct {
	m    *ebpf.Map
	size int
}

// NewValueMap creates a one-entry array map with a value of size bytes.
func NewValueMap(size int) (*ValueMap, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if size <= 0 || size > 1<<20 {
		return nil, fmt.Errorf("map value size %d out of range", size)
	}
	m, err := ebpf.NewMap(&ebpf.MapSpec{
		Type:       ebpf.Array,
		KeySize:    4,
		ValueSize:  uint32(size),
		MaxEntries: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("creating array map: %w", err)
	}
	return &ValueMap{m: m, size: size}, nil
}

// FD returns the map's file descriptor, for "lddw rX, map_value" loads.
func (v *ValueMap) FD() int { return v.m.FD() }

// Size returns the value size in bytes.
func (v *ValueMap) Size() int { return v.size }

// LoadAddr returns the two slots of "lddw dst, map_value": dst becomes a
// pointer to byte off of the map value.
func (v *ValueMap) LoadAddr(dst asm.Register, off uint32) [2]asm.Instruction {
	return asm.LoadImm64Pseudo(dst, asm.PseudoMapValue, uint64(uint32(v.FD()))|uint64(off)<<32)
}

// Read returns the current map value.
func (v *ValueMap) Read() ([]byte, error) {
	b := make([]byte, v.size)
	if err := v.m.Lookup(uint32(0), b); err != nil {
		return nil, fmt.Errorf("reading map value: %w", err)
	}
	return b, nil
}

// Fill sets every byte of the map value to c, so that a later Read shows
// which bytes a program wrote.
func (v *ValueMap) Fill(c byte) error {
	if err := v.m.Put(uint32(0), bytes.Repeat([]byte{c}, v.size)); err != nil {
		return fmt.Errorf("writing map value: %w", err)
	}
	return nil
}

// Close releases the map. Programs already loaded keep it alive.
func (v *ValueMap) Close() error { return v.m.Close() }

// Run fills the map value with sentinel, loads insns as an XDP program,
// test-runs it once on data and returns the result and the map value
// afterwards.
func (v *ValueMap) Run(insns asm.Instructions, data []byte, sentinel byte) (Result, []byte, error) {
	p, err := LoadXDP(insns)
	if err != nil {
		return Result{}, nil, err
	}
	defer p.Close()
	if err := v.Fill(sentinel); err != nil {
		return Result{}, nil, err
	}
	r, err := p.Run(data, 1)
	if err != nil {
		return Result{}, nil, err
	}
	val, err := v.Read()
	return r, val, err
}
