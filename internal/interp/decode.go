package interp

import (
	"fmt"

	"github.com/gbpf/gbpf/asm"
)

// inst is the decoded form the interpreter runs: 16 bytes, immediates
// already sign-extended, lddw folded into one entry.
type inst struct {
	imm uint64 // sign-extended Imm; lddw: the 64-bit value; helper call: id | (table index+1)<<32
	off int16
	op  uint8
	dst uint8
	src uint8
}

// opLDDW marks the folded 64-bit immediate load; opNop fills its second
// slot (unreachable: validation rejects jumps there).
const (
	opLDDW = uint8(asm.OpLoadImm64)
	opNop  = 0x00
)

func decode(insns asm.Instructions, helpers map[int32]Helper) ([]inst, []Helper, error) {
	if err := insns.Validate(); err != nil {
		return nil, nil, err
	}
	// One extra entry past the end: an invalid opcode, so that no path can
	// index beyond the code even if validation missed one.
	code := make([]inst, len(insns)+1)
	code[len(insns)] = inst{op: opNop}
	var table []Helper
	index := map[int32]int{}
	for pc := 0; pc < len(insns); pc++ {
		ins := insns[pc]
		d := inst{op: uint8(ins.OpCode), dst: uint8(ins.Dst), src: uint8(ins.Src), off: ins.Offset, imm: uint64(int64(ins.Imm))}
		switch {
		case ins.IsLoadImm64():
			switch ins.Src {
			case asm.PseudoNone:
				d.imm = asm.Imm64(ins, insns[pc+1])
			case asm.PseudoFunc:
				// Validation checked that the target is an instruction.
				d.imm = funcTag + uint64(pc+1+int(ins.Imm))
			default:
				// Map and BTF references must be resolved to addresses by
				// the loader before a program reaches an engine.
				return nil, nil, fmt.Errorf("instruction %d: unresolved 64-bit immediate load of kind %d", pc, ins.Src)
			}
			code[pc] = d
			code[pc+1] = inst{op: opNop}
			pc++
			continue
		case ins.OpCode == asm.OpCall && ins.Src == asm.CallKfunc:
			return nil, nil, fmt.Errorf("instruction %d: kernel function calls (kfunc %d) are not supported", pc, ins.Imm)
		case ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper:
			d.imm = uint64(uint32(ins.Imm))
			if h, ok := helpers[ins.Imm]; ok {
				i, seen := index[ins.Imm]
				if !seen {
					i = len(table)
					index[ins.Imm] = i
					table = append(table, h)
				}
				d.imm |= uint64(i+1) << 32
			}
		}
		code[pc] = d
	}
	return code, table, nil
}
