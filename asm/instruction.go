package asm

import (
	"encoding/binary"
	"fmt"
)

// InstructionSize is the size in bytes of one instruction slot.
const InstructionSize = 8

// Instruction is one raw 8-byte instruction slot. Every field keeps its raw
// bits, so any 8 bytes decode to an Instruction and encode back unchanged.
// Dst and Src are 4-bit fields; values above 15 cannot be encoded.
type Instruction struct {
	OpCode OpCode
	Dst    Register
	Src    Register
	Offset int16
	Imm    int32
}

// Decode reads one instruction slot from the first 8 bytes of b
// (little-endian, as on every host gbpf supports and in ELF objects for
// bpfel).
func Decode(b []byte) (Instruction, error) {
	if len(b) < InstructionSize {
		return Instruction{}, fmt.Errorf("instruction needs %d bytes, have %d", InstructionSize, len(b))
	}
	return Instruction{
		OpCode: OpCode(b[0]),
		Dst:    Register(b[1] & 0x0f),
		Src:    Register(b[1] >> 4),
		Offset: int16(binary.LittleEndian.Uint16(b[2:])),
		Imm:    int32(binary.LittleEndian.Uint32(b[4:])),
	}, nil
}

// Encode writes the instruction to the first 8 bytes of b.
func (ins Instruction) Encode(b []byte) {
	_ = b[7]
	b[0] = byte(ins.OpCode)
	b[1] = byte(ins.Dst&0x0f) | byte(ins.Src&0x0f)<<4
	binary.LittleEndian.PutUint16(b[2:], uint16(ins.Offset))
	binary.LittleEndian.PutUint32(b[4:], uint32(ins.Imm))
}

// Word returns the slot as a 64-bit little-endian word, the form the
// conformance suite's "-- raw" sections and gbpf's ".insn" directive use.
func (ins Instruction) Word() uint64 {
	var b [8]byte
	ins.Encode(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// FromWord is the inverse of Word.
func FromWord(w uint64) Instruction {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], w)
	ins, _ := Decode(b[:])
	return ins
}

// IsLoadImm64 reports whether the instruction is the first slot of a
// 64-bit immediate load, which takes two slots.
func (ins Instruction) IsLoadImm64() bool { return ins.OpCode == OpLoadImm64 }

// Width returns how many slots the instruction occupies: 2 for lddw, else 1.
func (ins Instruction) Width() int {
	if ins.IsLoadImm64() {
		return 2
	}
	return 1
}

// JumpTarget returns the slot index a jump or local call at index pc goes
// to, and whether the instruction has a code target at all.
func (ins Instruction) JumpTarget(pc int) (int, bool) {
	switch {
	case ins.OpCode == OpJA32:
		return pc + 1 + int(ins.Imm), true
	case ins.OpCode == OpCall && ins.Src == CallLocal:
		return pc + 1 + int(ins.Imm), true
	case ins.OpCode.IsJump():
		switch ins.OpCode.JumpOp() {
		case JumpCall, JumpExit:
			return 0, false
		}
		return pc + 1 + int(ins.Offset), true
	case ins.OpCode == OpLoadImm64 && ins.Src == PseudoFunc:
		return pc + 1 + int(ins.Imm), true
	}
	return 0, false
}

// Imm64 combines the immediates of a lddw slot and its second slot into
// the 64-bit value loaded.
func Imm64(first, second Instruction) uint64 {
	return uint64(uint32(first.Imm)) | uint64(uint32(second.Imm))<<32
}

// LoadImm64 returns the two slots of "dst = v" (lddw with src 0).
func LoadImm64(dst Register, v uint64) [2]Instruction {
	return LoadImm64Pseudo(dst, PseudoNone, v)
}

// LoadImm64Pseudo returns the two slots of a lddw with the given src
// (one of the Pseudo constants) and 64-bit immediate.
func LoadImm64Pseudo(dst, src Register, v uint64) [2]Instruction {
	return [2]Instruction{
		{OpCode: OpLoadImm64, Dst: dst, Src: src, Imm: int32(uint32(v))},
		{Imm: int32(uint32(v >> 32))},
	}
}

// Instructions is a program: a sequence of instruction slots.
type Instructions []Instruction

// DecodeAll decodes raw bytecode. Its length must be a multiple of 8.
func DecodeAll(b []byte) (Instructions, error) {
	if len(b)%InstructionSize != 0 {
		return nil, fmt.Errorf("bytecode length %d is not a multiple of %d", len(b), InstructionSize)
	}
	insns := make(Instructions, len(b)/InstructionSize)
	for i := range insns {
		insns[i], _ = Decode(b[i*InstructionSize:])
	}
	return insns, nil
}

// Encode returns the raw bytecode of the program.
func (insns Instructions) Encode() []byte {
	b := make([]byte, len(insns)*InstructionSize)
	for i, ins := range insns {
		ins.Encode(b[i*InstructionSize:])
	}
	return b
}
