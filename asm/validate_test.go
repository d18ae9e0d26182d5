package asm

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	exit := Instruction{OpCode: OpExit}
	mov := func(dst Register, imm int32) Instruction {
		return Instruction{OpCode: ClassALU64 | ALUMov | SrcK, Dst: dst, Imm: imm}
	}
	lddw := LoadImm64(R1, 0x1122334455667788)
	cases := []struct {
		name   string
		insns  Instructions
		index  int
		reason string // substring; "" means valid
	}{
		{"minimal", Instructions{mov(0, 1), exit}, 0, ""},
		{"every lddw kind", Instructions{LoadImm64Pseudo(1, PseudoMapIdxValue, 1)[0], LoadImm64Pseudo(1, PseudoMapIdxValue, 1)[1], exit}, 0, ""},
		{"empty", nil, 0, "empty program"},
		{"unknown opcode", Instructions{{OpCode: 0xff}, exit}, 0, "unknown opcode 0xff"},
		{"unknown ALU op", Instructions{{OpCode: ClassALU64 | 0xe0}, exit}, 0, "unknown opcode 0xe7"},
		{"neg with register source", Instructions{{OpCode: ClassALU64 | ALUNeg | SrcX}, exit}, 0, "unknown opcode 0x8f"},
		{"bswap to-be form", Instructions{{OpCode: ClassALU64 | ALUEnd | SrcX, Imm: 16}, exit}, 0, "unknown opcode 0xdf"},
		{"bad swap width", Instructions{{OpCode: ClassALU | ALUEnd, Imm: 8}, exit}, 0, "16, 32 or 64"},
		{"register 11", Instructions{mov(11, 0), exit}, 0, "r11 does not exist"},
		{"source register 12", Instructions{{OpCode: ClassALU64 | ALUAdd | SrcX, Src: 12}, exit}, 0, "r12 does not exist"},
		{"reserved imm of reg form", Instructions{{OpCode: ClassALU64 | ALUAdd | SrcX, Src: 1, Imm: 3}, exit}, 0, "reserved field immediate"},
		{"reserved src of imm form", Instructions{{OpCode: ClassALU64 | ALUAdd | SrcK, Src: 1}, exit}, 0, "reserved field source register"},
		{"reserved offset of add", Instructions{{OpCode: ClassALU64 | ALUAdd | SrcK, Offset: 1}, exit}, 0, "reserved field offset"},
		{"bad division offset", Instructions{{OpCode: ClassALU64 | ALUDiv | SrcK, Offset: 2, Imm: 1}, exit}, 0, "0 (unsigned) or 1 (signed)"},
		{"movsx32 in alu32", Instructions{{OpCode: ClassALU | ALUMov | SrcX, Offset: 32}, exit}, 0, "sign-extension width"},
		{"exit with offset", Instructions{{OpCode: OpExit, Offset: 1}}, 0, "reserved field offset"},
		{"call kind 3", Instructions{{OpCode: OpCall, Src: 3}, exit}, 0, "call kind"},
		{"jmp32 call", Instructions{{OpCode: ClassJMP32 | JumpCall}, exit}, 0, "unknown opcode 0x86"},
		{"atomic byte", Instructions{{OpCode: ClassSTX | ModeATOMIC | SizeB}, exit}, 0, "unknown opcode 0xd3"},
		{"unknown atomic op", Instructions{{OpCode: OpAtomicDW, Imm: 0x10}, exit}, 0, "unknown atomic operation 0x10"},
		{"sign-extending dw load", Instructions{{OpCode: ClassLDX | ModeMEMSX | SizeDW}, exit}, 0, "unknown opcode 0x99"},
		{"store with source", Instructions{{OpCode: ClassST | ModeMEM | SizeW, Src: 1}, exit}, 0, "reserved field source register"},
		{"ld abs dw", Instructions{{OpCode: ClassLD | ModeABS | SizeDW}, exit}, 0, "unknown opcode 0x38"},
		{"lddw kind 7", Instructions{{OpCode: OpLoadImm64, Src: 7}, {}, exit}, 0, "0 to 6"},
		{"jump out of range", Instructions{{OpCode: OpJA, Offset: 5}, exit}, 0, "jump to 6 is out of range"},
		{"jump before start", Instructions{mov(0, 0), {OpCode: ClassJMP | JumpEq, Offset: -3}, exit}, 1, "jump to -1 is out of range"},
		{"jump into lddw", Instructions{{OpCode: OpJA, Offset: 1}, lddw[0], lddw[1], exit}, 0, "middle of the 64-bit immediate load at 1"},
		{"ja32 into lddw", Instructions{lddw[0], lddw[1], {OpCode: OpJA32, Imm: -2}, exit}, 2, "middle of the 64-bit immediate load at 0"},
		{"call into lddw", Instructions{{OpCode: OpCall, Src: CallLocal, Imm: 1}, lddw[0], lddw[1], exit}, 0, "call to 2 lands in the middle"},
		{"truncated lddw", Instructions{exit, lddw[0]}, 1, "truncated 64-bit immediate load"},
		{"bad second slot", Instructions{lddw[0], {OpCode: 0x95, Imm: 1}, exit}, 1, "second slot"},
		{"falls off the end", Instructions{mov(0, 0)}, 0, "last instruction must be exit"},
		{"ends in a conditional jump", Instructions{mov(0, 0), {OpCode: ClassJMP | JumpEq, Offset: -2}}, 1, "last instruction must be exit"},
		{"ends in lddw", Instructions{lddw[0], lddw[1]}, 1, "last instruction must be exit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.insns.Validate()
			if c.reason == "" {
				if err != nil {
					t.Fatalf("valid program rejected: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidInstruction) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if ve.Index != c.index || !strings.Contains(ve.Reason, c.reason) {
				t.Fatalf("got %q at %d, want %q at %d", ve.Reason, ve.Index, c.reason, c.index)
			}
		})
	}
}
