package verifier

import (
	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/asm"
)

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
		// The use and def sets of the kernel's compute_insn_live_regs:
		// an instruction it has no rule for reads everything and
		// writes nothing.
		use[pc] = 0xffff
		switch c := ins.OpCode.Class(); c {
		case asm.ClassALU, asm.ClassALU64:
			op := ins.OpCode.ALUOp()
			use[pc] = 0
			if op != asm.ALUMov {
				use[pc] |= bit(ins.Dst)
			}
			if ins.OpCode.Source() == asm.SrcX && op != asm.ALUEnd && op != asm.ALUNeg {
				use[pc] |= bit(ins.Src)
			}
			def[pc] |= bit(ins.Dst)
		case asm.ClassLDX:
			if m := ins.OpCode.Mode(); m == asm.ModeMEM || m == asm.ModeMEMSX {
				use[pc] = bit(ins.Src)
				def[pc] = bit(ins.Dst)
			}
		case asm.ClassST:
			if ins.OpCode.Mode() == asm.ModeMEM {
				use[pc] = bit(ins.Dst)
			}
		case asm.ClassSTX:
			switch ins.OpCode.Mode() {
			case asm.ModeMEM:
				use[pc] = bit(ins.Dst) | bit(ins.Src)
			case asm.ModeATOMIC:
				use[pc] = bit(ins.Dst) | bit(ins.Src)
				if ins.Imm == asm.AtomicCmpXchg {
					use[pc] |= 1
					def[pc] = 1
				} else if ins.Imm&asm.AtomicFetch != 0 {
					def[pc] = bit(ins.Src)
				}
			}
		case asm.ClassLD:
			if ins.IsLoadImm64() {
				use[pc] = 0
				def[pc] = bit(ins.Dst)
				s[0] = pc + 2
				if pc+1 < n {
					succ[pc+1] = [2]int{-1, -1}
				}
				succ[pc] = s
				pc++
				continue
			}
			// BPF_LD_[ABS|IND]: the kernel keeps the defaults.
		case asm.ClassJMP, asm.ClassJMP32:
			switch {
			case ins.OpCode == asm.OpExit:
				use[pc] = 1
				s[0] = -1
			case ins.OpCode == asm.OpJA || ins.OpCode == asm.OpJA32:
				use[pc] = 0
				s[0], _ = ins.JumpTarget(pc)
			case ins.OpCode == asm.OpMayGoto:
				use[pc] = 0 // BPF_JCOND
				s[1], _ = ins.JumpTarget(pc)
			case ins.OpCode == asm.OpCall || ins.OpCode == asm.OpCallX:
				use[pc] = v.callUses(pc)
				def[pc] = 1 | args
				if ins.OpCode == asm.OpCallX {
					use[pc] |= bit(ins.Dst)
				}
			default:
				use[pc] = bit(ins.Dst)
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
	v.succ = succ
}

// callUses is the registers a call reads, as the kernel's
// compute_insn_live_regs finds them with bpf_get_call_summary: r1 up to
// the last parameter of a helper's or a kfunc's prototype, and r1-r5 for
// a bpf-to-bpf call (or a function the kernel would not know).
func (v *verifier) callUses(pc int) uint16 {
	ins := v.insns[pc]
	params := 5
	switch ins.Src {
	case asm.CallHelper:
		if pr, ok := helperProtos[casm.BuiltinFunc(ins.Imm)]; ok {
			params = 0
			for _, a := range pr.args {
				if a == argNone {
					break
				}
				params++
			}
		} else if casm.BuiltinFunc(ins.Imm) == casm.FnSkFullsock {
			params = 1
		}
	case asm.CallKfunc:
		if n, ok := kfuncParams[v.kfuncAt[pc]]; ok {
			params = n
		}
	}
	return uint16(1)<<(params+1) - 2
}
