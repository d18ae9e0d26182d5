package asm

import (
	"errors"
	"fmt"
)

// MaxInstructions is the largest program gbpf accepts, the kernel's
// BPF_COMPLEXITY_LIMIT_INSNS for privileged loaders.
const MaxInstructions = 1_000_000

// ErrInvalidInstruction is wrapped by every ValidationError.
var ErrInvalidInstruction = errors.New("invalid instruction")

// ValidationError says which instruction of a program is malformed and why.
type ValidationError struct {
	Index  int    // slot index of the offending instruction
	Reason string // what is wrong, in plain words
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("instruction %d: %s", e.Index, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidInstruction) hold.
func (e *ValidationError) Unwrap() error { return ErrInvalidInstruction }

// Validate checks that a program is structurally well formed: every opcode
// is known, reserved fields are zero, registers exist, jump and call
// targets are inside the program and not in the middle of a lddw, and no
// lddw is truncated. It does not judge safety: that is the verifier's job.
func (insns Instructions) Validate() error {
	if len(insns) == 0 {
		return &ValidationError{Index: 0, Reason: "empty program"}
	}
	if len(insns) > MaxInstructions {
		return &ValidationError{Index: MaxInstructions, Reason: fmt.Sprintf("program has %d instructions, more than the limit of %d", len(insns), MaxInstructions)}
	}
	// Mark second slots of lddw first, so that jumps into them are caught
	// wherever the jump is.
	second := make([]bool, len(insns))
	for pc := 0; pc < len(insns); pc++ {
		if insns[pc].IsLoadImm64() {
			if pc+1 >= len(insns) {
				return &ValidationError{Index: pc, Reason: "truncated 64-bit immediate load: the second slot is missing"}
			}
			second[pc+1] = true
			pc++
		}
	}
	for pc := 0; pc < len(insns); pc++ {
		ins := insns[pc]
		if reason := ins.check(); reason != "" {
			return &ValidationError{Index: pc, Reason: reason}
		}
		if ins.IsLoadImm64() {
			next := insns[pc+1]
			if next.OpCode != 0 || next.Dst != 0 || next.Src != 0 || next.Offset != 0 {
				return &ValidationError{Index: pc + 1, Reason: "second slot of a 64-bit immediate load must have zero opcode, registers and offset"}
			}
		}
		if target, ok := ins.JumpTarget(pc); ok {
			what := "jump"
			if ins.OpCode == OpCall {
				what = "call"
			} else if ins.IsLoadImm64() {
				what = "function reference"
			}
			if target < 0 || target >= len(insns) {
				return &ValidationError{Index: pc, Reason: fmt.Sprintf("%s to %d is out of range (the program has %d instructions)", what, target, len(insns))}
			}
			if second[target] {
				return &ValidationError{Index: pc, Reason: fmt.Sprintf("%s to %d lands in the middle of the 64-bit immediate load at %d", what, target, target-1)}
			}
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}
	// Execution must not run off the end: the kernel's rule too.
	last := insns[len(insns)-1]
	if second[len(insns)-1] || (last.OpCode != OpExit && last.OpCode != OpJA && last.OpCode != OpJA32) {
		return &ValidationError{Index: len(insns) - 1, Reason: "the last instruction must be exit or an unconditional jump, or execution can run off the end"}
	}
	return nil
}

// check reports what is structurally wrong with a single instruction, or
// "" if nothing is. Program-level rules (jump targets, lddw pairing) are
// checked by Instructions.Validate.
func (ins Instruction) check() string {
	op := ins.OpCode
	if ins.Dst > MaxRegister {
		return fmt.Sprintf("destination register r%d does not exist (r0 to r10)", ins.Dst)
	}
	if ins.Src > MaxRegister && !(op == OpLoadImm64 || op == OpCall) {
		return fmt.Sprintf("source register r%d does not exist (r0 to r10)", ins.Src)
	}
	switch op.Class() {
	case ClassALU, ClassALU64:
		return ins.checkALU()
	case ClassJMP, ClassJMP32:
		return ins.checkJump()
	case ClassLD:
		return ins.checkLD()
	case ClassLDX:
		switch op.Mode() {
		case ModeMEM:
		case ModeMEMSX:
			if op.Size() == SizeDW {
				return unknownOpcode(op)
			}
		default:
			return unknownOpcode(op)
		}
		return reserved("immediate", int64(ins.Imm))
	case ClassST:
		if op.Mode() != ModeMEM {
			return unknownOpcode(op)
		}
		return reserved("source register", int64(ins.Src))
	case ClassSTX:
		switch op.Mode() {
		case ModeMEM:
			return reserved("immediate", int64(ins.Imm))
		case ModeATOMIC:
			if op.Size() != SizeW && op.Size() != SizeDW {
				return unknownOpcode(op)
			}
			switch ins.Imm {
			case AtomicAdd, AtomicOr, AtomicAnd, AtomicXor,
				AtomicAdd | AtomicFetch, AtomicOr | AtomicFetch, AtomicAnd | AtomicFetch, AtomicXor | AtomicFetch,
				AtomicXchg, AtomicCmpXchg:
				return ""
			}
			return fmt.Sprintf("unknown atomic operation 0x%02x", uint32(ins.Imm))
		}
		return unknownOpcode(op)
	}
	return unknownOpcode(op)
}

func (ins Instruction) checkALU() string {
	op := ins.OpCode
	alu64 := op.Class() == ClassALU64
	switch op.ALUOp() {
	case ALUNeg:
		if op.Source() == SrcX {
			return unknownOpcode(op)
		}
		return first(reserved("source register", int64(ins.Src)), reserved("offset", int64(ins.Offset)), reserved("immediate", int64(ins.Imm)))
	case ALUEnd:
		if alu64 && op.Source() == SrcX {
			return unknownOpcode(op)
		}
		if ins.Imm != 16 && ins.Imm != 32 && ins.Imm != 64 {
			return fmt.Sprintf("byte swap width must be 16, 32 or 64, not %d", ins.Imm)
		}
		return first(reserved("source register", int64(ins.Src)), reserved("offset", int64(ins.Offset)))
	case ALUDiv, ALUMod:
		if ins.Offset != 0 && ins.Offset != 1 {
			return fmt.Sprintf("offset of a division must be 0 (unsigned) or 1 (signed), not %d", ins.Offset)
		}
	case ALUMov:
		if op.Source() == SrcX {
			switch {
			case ins.Offset == 0, ins.Offset == 8, ins.Offset == 16, ins.Offset == 32 && alu64:
			default:
				return fmt.Sprintf("offset of a register move must be 0 or a sign-extension width (8, 16%s), not %d", map[bool]string{true: " or 32", false: ""}[alu64], ins.Offset)
			}
		} else if r := reserved("offset", int64(ins.Offset)); r != "" {
			return r
		}
	case ALUAdd, ALUSub, ALUMul, ALUOr, ALUAnd, ALULsh, ALURsh, ALUXor, ALUArsh:
		if r := reserved("offset", int64(ins.Offset)); r != "" {
			return r
		}
	default:
		return unknownOpcode(op)
	}
	if op.Source() == SrcK {
		return reserved("source register", int64(ins.Src))
	}
	return reserved("immediate", int64(ins.Imm))
}

func (ins Instruction) checkJump() string {
	op := ins.OpCode
	jmp32 := op.Class() == ClassJMP32
	switch op.JumpOp() {
	case JumpA:
		if op.Source() == SrcX {
			return unknownOpcode(op)
		}
		if jmp32 {
			return first(reserved("destination register", int64(ins.Dst)), reserved("source register", int64(ins.Src)), reserved("offset", int64(ins.Offset)))
		}
		return first(reserved("destination register", int64(ins.Dst)), reserved("source register", int64(ins.Src)), reserved("immediate", int64(ins.Imm)))
	case JumpCall:
		if jmp32 {
			return unknownOpcode(op)
		}
		if op.Source() == SrcX { // callx: the register holding the target is in Dst
			return first(reserved("source register", int64(ins.Src)), reserved("offset", int64(ins.Offset)), reserved("immediate", int64(ins.Imm)))
		}
		if ins.Src > CallKfunc {
			return fmt.Sprintf("call kind (source field) must be 0 (helper), 1 (local) or 2 (kfunc), not %d", ins.Src)
		}
		if ins.Src != CallKfunc && ins.Offset != 0 {
			return reserved("offset", int64(ins.Offset))
		}
		return reserved("destination register", int64(ins.Dst))
	case JumpExit:
		if jmp32 || op.Source() == SrcX {
			return unknownOpcode(op)
		}
		return first(reserved("destination register", int64(ins.Dst)), reserved("source register", int64(ins.Src)), reserved("offset", int64(ins.Offset)), reserved("immediate", int64(ins.Imm)))
	case JumpCond:
		if jmp32 || op.Source() == SrcX {
			return unknownOpcode(op)
		}
		if ins.Src != 0 {
			return fmt.Sprintf("conditional pseudo-jump kind (source field) must be 0 (may_goto), not %d", ins.Src)
		}
		return first(reserved("destination register", int64(ins.Dst)), reserved("immediate", int64(ins.Imm)))
	case JumpEq, JumpGT, JumpGE, JumpSet, JumpNE, JumpSGT, JumpSGE, JumpLT, JumpLE, JumpSLT, JumpSLE:
		if op.Source() == SrcK {
			return reserved("source register", int64(ins.Src))
		}
		return reserved("immediate", int64(ins.Imm))
	}
	return unknownOpcode(op)
}

func (ins Instruction) checkLD() string {
	op := ins.OpCode
	switch op.Mode() {
	case ModeIMM:
		if op.Size() != SizeDW {
			return unknownOpcode(op)
		}
		if ins.Src > PseudoMapIdxValue {
			return fmt.Sprintf("64-bit immediate load kind (source field) must be 0 to 6, not %d", ins.Src)
		}
		return reserved("offset", int64(ins.Offset))
	case ModeABS, ModeIND:
		if op.Size() == SizeDW {
			return unknownOpcode(op)
		}
		if op.Mode() == ModeABS {
			if r := reserved("source register", int64(ins.Src)); r != "" {
				return r
			}
		}
		return first(reserved("destination register", int64(ins.Dst)), reserved("offset", int64(ins.Offset)))
	}
	return unknownOpcode(op)
}

func unknownOpcode(op OpCode) string { return fmt.Sprintf("unknown opcode 0x%02x", uint8(op)) }

func reserved(field string, v int64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("reserved field %s must be zero, is %d", field, v)
}

func first(reasons ...string) string {
	for _, r := range reasons {
		if r != "" {
			return r
		}
	}
	return ""
}
