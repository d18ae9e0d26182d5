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
	// Dyn holds the regions helpers handed out most recently (map
	// values), checked out of line when Bounds misses, before exiting.
	Dyn [2][4][DynSlots]Bound
	// CtxKey and CtxVal serve 4-byte loads from the converted context:
	// a load at offset 4*i from a base equal to CtxKey[i] gives CtxVal[i],
	// the converted value Go computed (CtxKey[i] is ^0 when the field
	// cannot be served so).
	CtxKey [CtxSlots]uint64
	CtxVal [CtxSlots]uint64
	// Class holds, per region class (see ClassStack), the region an
	// access of that class is tried against first.
	Class [NumClasses][2][4]Bound
	// CPU is the run's CPU, for inlined per-CPU array lookups.
	CPU uint64
	// MinFP is the lowest frame top a bpf-to-bpf call may leave (the
	// last frame's): below it the call depth limit is reached.
	MinFP uint64
	// CtxStKey serves 4-byte stores into plain context fields (what is
	// stored is what a load gives back, like __sk_buff's mark): a store
	// at offset 4*i to a base equal to CtxStKey[i] goes to CtxVal[i] and
	// sets bit i of CtxDirty, for Go to pass on to the context at the
	// next exit. CtxStKey[i] is ^0 where stores take the checked path.
	CtxStKey [CtxSlots]uint64
	CtxDirty uint64
	// PktLo and PktLen are the run's packet (skb->data and skb->len), for
	// inlined bpf_skb_load_bytes; PktLo is 0 when the context has none.
	PktLo, PktLen uint64
	// ResumeAddr, when not 0, is where native code resumes after a
	// helper exit from a frame the call stub entered (see exitHelper);
	// else the resume address is on top of the native stack.
	ResumeAddr uint64
	// CtxStMask is what a plain field keeps of a value stored into it
	// (0xffff for __sk_buff's tc_index): CtxVal[i] gets the value and
	// CtxStMask[i].
	CtxStMask [CtxStoreSlots + 1]uint32
}

// Region classes: what the compiler predicts a memory access's base
// points into, from where the register's value came from. The check
// tries the class's region (Context.Class, filled by Go) before the
// others.
const (
	ClassNone    = 0
	ClassStack   = 1 // derived from r10
	ClassLastDyn = 2 // derived from r0 after a helper call: the region it handed out last
	ClassCtx0    = 3 // derived from a converted context field load (CtxClasses of them)
	CtxClasses   = 4
	ClassArray0  = ClassCtx0 + CtxClasses // a value of the program's i-th inlined array map (ArrayClasses of them)
	ArrayClasses = 8
	NumClasses   = ClassArray0 + ArrayClasses
)

// Bound is one region of the inline access check: an access of the
// table's size at addr is allowed when addr-Lo <= Lim (unsigned), that is
// Lim = region size - access size.
type Bound struct{ Lo, Lim uint64 }

// Slots is how many regions the inline check tries; DynSlots how many
// regions of helpers are tried after them, before exiting to Go.
const (
	Slots    = 3
	DynSlots = 4
)

// CtxSlots is how many 4-byte context fields (offsets 0 to 4*CtxSlots-4)
// loads can take from CtxVal.
const CtxSlots = 64

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
	offDyn      = offBounds + 2*4*Slots*boundSize
	offCtxKey   = offDyn + 2*4*DynSlots*boundSize
	offCtxVal   = offCtxKey + CtxSlots*8
	offClass    = offCtxVal + CtxSlots*8
	offCPU      = offClass + NumClasses*2*4*boundSize
	offMinFP    = offCPU + 8
	offCtxStKey = offMinFP + 8
	offCtxDirty = offCtxStKey + CtxSlots*8
	offPktLo    = offCtxDirty + 8
	offPktLen   = offPktLo + 8
	offResume   = offPktLen + 8
	offCtxStMsk = offResume + 8
)

// CtxStoreSlots bounds the fields stores may reach through CtxStKey: the
// dirty bit is set with an or of a sign-extended 32-bit immediate.
const CtxStoreSlots = 31

func offClassBound(class, kind, sizeIdx int) int32 {
	return int32(offClass + ((class*2+kind)*4+sizeIdx)*boundSize)
}

func offBound(kind, sizeIdx, slot int) int32 {
	return int32(offBounds + ((kind*4+sizeIdx)*Slots+slot)*boundSize)
}

func offDynBound(kind, sizeIdx, slot int) int32 {
	return int32(offDyn + ((kind*4+sizeIdx)*DynSlots+slot)*boundSize)
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
