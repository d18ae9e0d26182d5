package verifier

import "github.com/gbpf/gbpf/asm"

// computeLiveness finds, for every slot, the registers that may be read
// before being written on some path from it (within its subprogram).
// Pruning ignores the others.
func (v *verifier) computeLiveness() {
	n := len(v.insns)
	use := make([]uint16, n)
	def := make([]uint16, n)
	succ := make([][2]int, n)
	const args = 0x3e // r1-r5
	for pc := 0; pc < n; pc++ {
		ins := v.insns[pc]
		s := [2]int{pc + 1, -1}
		bit := func(r asm.Register) uint16 { return 1 << (r & 15) }
		switch c := ins.OpCode.Class(); c {
		case asm.ClassALU, asm.ClassALU64:
			op := ins.OpCode.ALUOp()
			if op != asm.ALUMov {
				use[pc] |= bit(ins.Dst)
			}
			if ins.OpCode.Source() == asm.SrcX && op != asm.ALUEnd && op != asm.ALUNeg {
				use[pc] |= bit(ins.Src)
			}
			def[pc] |= bit(ins.Dst)
		case asm.ClassLDX:
			use[pc] |= bit(ins.Src)
			def[pc] |= bit(ins.Dst)
		case asm.ClassST:
			use[pc] |= bit(ins.Dst)
		case asm.ClassSTX:
			use[pc] |= bit(ins.Dst) | bit(ins.Src)
			if ins.OpCode.Mode() == asm.ModeATOMIC {
				if ins.Imm == asm.AtomicCmpXchg {
					use[pc] |= 1
					def[pc] |= 1
				} else if ins.Imm&asm.AtomicFetch != 0 {
					def[pc] |= bit(ins.Src)
				}
			}
		case asm.ClassLD:
			if ins.IsLoadImm64() {
				def[pc] |= bit(ins.Dst)
				s[0] = pc + 2
				if pc+1 < n {
					succ[pc+1] = [2]int{-1, -1}
				}
				succ[pc] = s
				pc++
				continue
			}
			use[pc] |= bit(asm.R6)
			if ins.OpCode.Mode() == asm.ModeIND {
				use[pc] |= bit(ins.Src)
			}
			def[pc] |= 1 | args
		case asm.ClassJMP, asm.ClassJMP32:
			switch {
			case ins.OpCode == asm.OpExit:
				use[pc] |= 1
				s[0] = -1
			case ins.OpCode == asm.OpJA || ins.OpCode == asm.OpJA32:
				s[0], _ = ins.JumpTarget(pc)
			case ins.OpCode == asm.OpCall || ins.OpCode == asm.OpCallX:
				use[pc] |= args
				def[pc] |= 1 | args
				if ins.OpCode == asm.OpCallX {
					use[pc] |= bit(ins.Dst)
				}
			default:
				use[pc] |= bit(ins.Dst)
				if ins.OpCode.Source() == asm.SrcX {
					use[pc] |= bit(ins.Src)
				}
				s[1], _ = ins.JumpTarget(pc)
			}
		}
		succ[pc] = s
	}
	live := make([]uint16, n)
	for changed := true; changed; {
		changed = false
		for pc := n - 1; pc >= 0; pc-- {
			var out uint16
			for _, t := range succ[pc] {
				if t >= 0 && t < n {
					out |= live[t]
				}
			}
			in := use[pc] | out&^def[pc] | 1<<10
			if in != live[pc] {
				live[pc] = in
				changed = true
			}
		}
	}
	v.live = live
}
