package amd64

// Context is the block native code and Go share while a program runs. It
// lives in memory outside the Go heap (it must not move while native code
// holds its address in R12) and holds no Go pointers.
type Context struct {
	GoSP     uintptr    // Go's stack pointer at entry, restored on exit
	GoBP     uintptr    // Go's frame pointer at entry
	NativeSP uintptr    // the JIT stack pointer: the resume address is on top
	Regs     [11]uint64 // r0 to r10 while Go handles an exit
	Budget   uint64     // instructions left (x86 R9 while running)
	ExitCode uint32     // why native code returned to Go
	ExitPC   uint32     // the BPF slot that exited
	ExitArg  uint64     // extra data of the exit (the budget block's length)
	Depth    uint32     // current bpf-to-bpf call depth
	MaxDepth uint32     // deepest call depth this run, for stack zeroing
	Bounds   [2][4][Slots]Bound
}

// Bound is one region of the inline access check: an access of the
// table's size at addr is allowed when addr-Lo <= Lim (unsigned), that is
// Lim = region size - access size.
type Bound struct{ Lo, Lim uint64 }

// Slots is how many regions the inline check tries before exiting to Go.
const Slots = 3

// Bounds indexes: reads and writes, then the access size.
const (
	BoundRead  = 0
	BoundWrite = 1
)

// SizeIndex maps an access size in bytes to its Bounds index.
func SizeIndex(size int) int {
	switch size {
	case 1:
		return 0
	case 2:
		return 1
	case 4:
		return 2
	}
	return 3
}

// Offsets of Context fields, used by the generated code and by the
// trampoline (which knows GoSP, GoBP and NativeSP by number); a test checks
// them against unsafe.Offsetof.
const (
	offGoSP     = 0
	offGoBP     = 8
	offNativeSP = 16
	offRegs     = 24
	offBudget   = offRegs + 11*8
	offExitCode = offBudget + 8
	offExitPC   = offExitCode + 4
	offExitArg  = offExitPC + 4
	offDepth    = offExitArg + 8
	offMaxDepth = offDepth + 4
	offBounds   = offMaxDepth + 4
	boundSize   = 16
)

func offBound(kind, sizeIdx, slot int) int32 {
	return int32(offBounds + ((kind*4+sizeIdx)*Slots+slot)*boundSize)
}

// Exit codes.
const (
	ExitDone      = iota // the program returned; r0 is in Regs[0]
	ExitHelper           // call a helper (the instruction at ExitPC), resume after it
	ExitCallX            // callx: the helper id is in the dst register
	ExitMemory           // a load, store or atomic the inline check did not allow
	ExitPacket           // legacy packet load (LD_ABS/LD_IND)
	ExitBudget           // the block at ExitPC, ExitArg instructions long, exceeds the budget
	ExitCallDepth        // a bpf-to-bpf call beyond the frame limit
)
