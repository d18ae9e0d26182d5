package kernel

import "github.com/gbpf/gbpf/asm"

// PrimeProgram returns the conformance suite's prime test (tests/prime.data
// of bpf_conformance): it checks that 67 is prime by trial division and
// returns 1. It executes 655 instructions, mostly a divide-heavy loop, and
// is the standard speed reference. It ignores r1, so it runs unchanged as
// an XDP program.
func PrimeProgram() asm.Instructions {
	const (
		alu64K = asm.ClassALU64 | asm.SrcK
		alu64X = asm.ClassALU64 | asm.SrcX
		jmpK   = asm.ClassJMP | asm.SrcK
		jmpX   = asm.ClassJMP | asm.SrcX
	)
	return asm.Instructions{
		{OpCode: alu64K | asm.ALUMov, Dst: asm.R1, Imm: 67},              //  0: mov r1, 67
		{OpCode: alu64K | asm.ALUMov, Dst: asm.R0, Imm: 1},               //  1: mov r0, 1
		{OpCode: alu64K | asm.ALUMov, Dst: asm.R2, Imm: 2},               //  2: mov r2, 2
		{OpCode: jmpK | asm.JumpGT, Dst: asm.R1, Imm: 2, Offset: 4},      //  3: jgt r1, 2, L3
		{OpCode: asm.OpJA, Offset: 10},                                   //  4: ja exit
		{OpCode: alu64K | asm.ALUAdd, Dst: asm.R2, Imm: 1},               //  5: L2: add r2, 1
		{OpCode: alu64K | asm.ALUMov, Dst: asm.R0, Imm: 1},               //  6: mov r0, 1
		{OpCode: jmpX | asm.JumpGE, Dst: asm.R2, Src: asm.R1, Offset: 7}, //  7: jge r2, r1, exit
		{OpCode: alu64X | asm.ALUMov, Dst: asm.R3, Src: asm.R1},          //  8: L3: mov r3, r1
		{OpCode: alu64X | asm.ALUDiv, Dst: asm.R3, Src: asm.R2},          //  9: div r3, r2
		{OpCode: alu64X | asm.ALUMul, Dst: asm.R3, Src: asm.R2},          // 10: mul r3, r2
		{OpCode: alu64X | asm.ALUMov, Dst: asm.R4, Src: asm.R1},          // 11: mov r4, r1
		{OpCode: alu64X | asm.ALUSub, Dst: asm.R4, Src: asm.R3},          // 12: sub r4, r3
		{OpCode: alu64K | asm.ALUMov, Dst: asm.R0, Imm: 0},               // 13: mov r0, 0
		{OpCode: jmpK | asm.JumpNE, Dst: asm.R4, Imm: 0, Offset: -10},    // 14: jne r4, 0, L2
		{OpCode: asm.OpExit}, // 15: exit
	}
}
