// Package asm is gbpf's model of eBPF instructions (RFC 9669 plus the
// kernel's extensions): opcodes, the raw 8-byte instruction slot, lossless
// decode and encode, structural validation, and two text syntaxes.
//
// An Instruction is exactly one 8-byte slot, as in the kernel's struct
// bpf_insn. The 64-bit immediate load (lddw) occupies two slots; its second
// slot is kept as its own Instruction so that decoding and encoding are
// lossless and jump offsets count slots without translation.
package asm

// OpCode is the first byte of an instruction: class in the low three bits,
// the rest depending on the class.
type OpCode uint8

// Instruction classes (the low three bits of an opcode).
const (
	ClassLD    OpCode = 0x00
	ClassLDX   OpCode = 0x01
	ClassST    OpCode = 0x02
	ClassSTX   OpCode = 0x03
	ClassALU   OpCode = 0x04
	ClassJMP   OpCode = 0x05
	ClassJMP32 OpCode = 0x06
	ClassALU64 OpCode = 0x07

	classMask OpCode = 0x07
)

// Source operand bit of ALU and jump opcodes.
const (
	SrcK OpCode = 0x00 // 32-bit immediate
	SrcX OpCode = 0x08 // source register

	srcMask OpCode = 0x08
)

// ALU operations (the high four bits of an ALU or ALU64 opcode).
const (
	ALUAdd  OpCode = 0x00
	ALUSub  OpCode = 0x10
	ALUMul  OpCode = 0x20
	ALUDiv  OpCode = 0x30 // SDIV with Offset 1
	ALUOr   OpCode = 0x40
	ALUAnd  OpCode = 0x50
	ALULsh  OpCode = 0x60
	ALURsh  OpCode = 0x70
	ALUNeg  OpCode = 0x80
	ALUMod  OpCode = 0x90 // SMOD with Offset 1
	ALUXor  OpCode = 0xa0
	ALUMov  OpCode = 0xb0 // MOVSX with Offset 8, 16 or 32
	ALUArsh OpCode = 0xc0
	ALUEnd  OpCode = 0xd0 // byte swap; the source bit selects to-le (K) or to-be (X)

	opMask OpCode = 0xf0
)

// Byte-swap directions, in the source bit of an ALUEnd opcode.
const (
	EndToLE OpCode = 0x00
	EndToBE OpCode = 0x08
)

// Jump operations (the high four bits of a JMP or JMP32 opcode).
const (
	JumpA    OpCode = 0x00
	JumpEq   OpCode = 0x10
	JumpGT   OpCode = 0x20
	JumpGE   OpCode = 0x30
	JumpSet  OpCode = 0x40
	JumpNE   OpCode = 0x50
	JumpSGT  OpCode = 0x60
	JumpSGE  OpCode = 0x70
	JumpCall OpCode = 0x80
	JumpExit OpCode = 0x90
	JumpLT   OpCode = 0xa0
	JumpLE   OpCode = 0xb0
	JumpSLT  OpCode = 0xc0
	JumpSLE  OpCode = 0xd0
	// JumpCond is BPF_JCOND: with source field 0, may_goto (a loop exit
	// the runtime takes after BPF_MAX_LOOPS executions).
	JumpCond OpCode = 0xe0
)

// Access sizes of load and store opcodes.
const (
	SizeW  OpCode = 0x00 // 4 bytes
	SizeH  OpCode = 0x08 // 2 bytes
	SizeB  OpCode = 0x10 // 1 byte
	SizeDW OpCode = 0x18 // 8 bytes

	sizeMask OpCode = 0x18
)

// Modes of load and store opcodes.
const (
	ModeIMM    OpCode = 0x00 // 64-bit immediate load (lddw)
	ModeABS    OpCode = 0x20 // legacy packet load, absolute offset
	ModeIND    OpCode = 0x40 // legacy packet load, register + offset
	ModeMEM    OpCode = 0x60
	ModeMEMSX  OpCode = 0x80 // sign-extending load (cpu v4)
	ModeATOMIC OpCode = 0xc0

	modeMask OpCode = 0xe0
)

// Frequently used complete opcodes.
const (
	OpLoadImm64 = ClassLD | ModeIMM | SizeDW // 0x18
	OpCall      = ClassJMP | JumpCall | SrcK // 0x85
	OpCallX     = ClassJMP | JumpCall | SrcX // 0x8d
	OpExit      = ClassJMP | JumpExit        // 0x95
	OpMayGoto   = ClassJMP | JumpCond        // 0xe5 with source 0: may_goto
	OpJA        = ClassJMP | JumpA           // 0x05
	OpJA32      = ClassJMP32 | JumpA         // 0x06, offset in Imm (gotol)
	OpBswap     = ClassALU64 | ALUEnd | SrcK // 0xd7
	OpAtomicW   = ClassSTX | ModeATOMIC | SizeW
	OpAtomicDW  = ClassSTX | ModeATOMIC | SizeDW
)

// Atomic operations, in the Imm field of an atomic instruction.
const (
	AtomicAdd     int32 = 0x00
	AtomicOr      int32 = 0x40
	AtomicAnd     int32 = 0x50
	AtomicXor     int32 = 0xa0
	AtomicFetch   int32 = 0x01 // modifier: load the old value into Src
	AtomicXchg    int32 = 0xe0 | AtomicFetch
	AtomicCmpXchg int32 = 0xf0 | AtomicFetch
)

// Src values of the 64-bit immediate load, as defined by the kernel.
const (
	PseudoNone        Register = 0 // Imm64 is the value itself
	PseudoMapFD       Register = 1 // Imm is a map file descriptor
	PseudoMapValue    Register = 2 // Imm is a map fd, the second Imm an offset into its value
	PseudoBTFID       Register = 3 // Imm is a BTF id of a kernel variable
	PseudoFunc        Register = 4 // Imm is the relative offset of a function
	PseudoMapIdx      Register = 5 // Imm is an index into the program's map array
	PseudoMapIdxValue Register = 6 // like PseudoMapValue with a map index
)

// Src values of the call instruction.
const (
	CallHelper Register = 0 // Imm is a helper id
	CallLocal  Register = 1 // Imm is the relative offset of a bpf-to-bpf callee
	CallKfunc  Register = 2 // Imm is the BTF id of a kernel function
)

// Class returns the instruction class of op.
func (op OpCode) Class() OpCode { return op & classMask }

// IsALU reports whether op is in the ALU or ALU64 class.
func (op OpCode) IsALU() bool { c := op.Class(); return c == ClassALU || c == ClassALU64 }

// IsJump reports whether op is in the JMP or JMP32 class.
func (op OpCode) IsJump() bool { c := op.Class(); return c == ClassJMP || c == ClassJMP32 }

// ALUOp returns the operation bits of an ALU or jump opcode.
func (op OpCode) ALUOp() OpCode { return op & opMask }

// JumpOp returns the operation bits of a jump opcode.
func (op OpCode) JumpOp() OpCode { return op & opMask }

// Source returns SrcK or SrcX.
func (op OpCode) Source() OpCode { return op & srcMask }

// Size returns the size bits of a load or store opcode.
func (op OpCode) Size() OpCode { return op & sizeMask }

// Mode returns the mode bits of a load or store opcode.
func (op OpCode) Mode() OpCode { return op & modeMask }

// SizeBytes returns the access width in bytes of a load or store size.
func SizeBytes(size OpCode) int {
	switch size & sizeMask {
	case SizeB:
		return 1
	case SizeH:
		return 2
	case SizeW:
		return 4
	default:
		return 8
	}
}

// Register is an eBPF register number: R0 to R10.
type Register uint8

// The eBPF registers. R10 is the read-only frame pointer.
const (
	R0 Register = iota
	R1
	R2
	R3
	R4
	R5
	R6
	R7
	R8
	R9
	R10

	// RFP is the frame pointer.
	RFP = R10
	// MaxRegister is the highest valid register number.
	MaxRegister = R10
)
