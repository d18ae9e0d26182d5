package amd64

import (
	"fmt"

	"github.com/gbpf/gbpf/asm"
)

// BPF registers live in machine registers, as in the kernel's JIT.
var regMap = [11]Reg{RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP}

// Registers the generated code reserves.
const (
	ctxReg    = R12 // the Context
	budgetReg = R9  // instructions left
	tmp       = R11 // scratch: access addresses, divisors
	tmp2      = R10 // scratch: bound checks
)

// Frame limits, the interpreter's.
const (
	StackSize = 512
	MaxFrames = 8
)

// FuncTag marks the value "lddw rX, function" gives, as the interpreter
// does: a tagged instruction index, not an address.
const FuncTag = 0xfff0_0000_0000_0000

// Options tune compilation.
type Options struct {
	// Safe, when set, says per slot that the instruction's memory access
	// is proven in bounds (by a verifier), so its run-time check is left
	// out. Unmarked accesses keep the check: unverified code stays safe.
	Safe []bool
}

// Compiled is a program's machine code and where things are in it.
type Compiled struct {
	Code []byte
	// Offsets in Code: the entry stub (Enter's target), the program's
	// first instruction, and the stub the entry frame returns into.
	Entry, Start, Finish int
	// PCOffsets[pc] is where slot pc's code starts (-1 for lddw's second
	// slot); PCOffsets[len] is the end of the program body.
	PCOffsets []int
}

type fixup struct {
	at     int // offset of a rel32
	target int // slot index
}

type compiler struct {
	a        Asm
	insns    asm.Instructions
	opts     Options
	leaders  []int // block length (executed instructions) at each leader, 0 elsewhere
	fixups   []fixup
	slow     []func() // out-of-line paths, emitted after the body
	exitStub int
	r10Fixed bool // the program never writes r10, so r10 is always a frame top
	pcOff    []int

	pendingSlow []int // slow-path jumps of the access being compiled
	pendingPC   int
}

// Compile translates a validated program. It reports instructions it
// cannot run (unresolved map or BTF references, kernel function calls).
func Compile(insns asm.Instructions, opts Options) (*Compiled, error) {
	c := &compiler{insns: insns, opts: opts}
	c.a.Buf = make([]byte, 0, 64*len(insns)+256) // most programs fit: no regrowth
	if err := c.check(); err != nil {
		return nil, err
	}
	c.findBlocks()
	c.r10Fixed = !writesR10(insns)

	entry := c.a.Len()
	c.emitEntryStub()
	c.exitStub = c.a.Len()
	c.emitExitStub()
	finish := c.a.Len()
	c.exitWith(ExitDone, 0)
	c.a.Ud2()

	start := c.a.Len()
	c.pcOff = make([]int, len(insns)+1)
	for pc := 0; pc < len(insns); pc++ {
		c.pcOff[pc] = c.a.Len()
		if n := c.leaders[pc]; n > 0 {
			c.chargeBudget(pc, n)
		}
		if c.insn(pc) {
			c.pcOff[pc+1] = -1
			pc++
		}
	}
	c.pcOff[len(insns)] = c.a.Len()
	for i := 0; i < len(c.slow); i++ {
		c.slow[i]()
	}
	for _, f := range c.fixups {
		c.a.Patch(f.at, c.pcOff[f.target])
	}
	return &Compiled{Code: c.a.Buf, Entry: entry, Start: start, Finish: finish, PCOffsets: c.pcOff}, nil
}

func (c *compiler) check() error {
	for pc, ins := range c.insns {
		switch {
		case ins.IsLoadImm64() && ins.Src != asm.PseudoNone && ins.Src != asm.PseudoFunc:
			return fmt.Errorf("instruction %d: unresolved 64-bit immediate load of kind %d", pc, ins.Src)
		case ins.OpCode == asm.OpCall && ins.Src == asm.CallKfunc:
			return fmt.Errorf("instruction %d: kernel function calls (kfunc %d) are not supported", pc, ins.Imm)
		}
	}
	return nil
}

// writesR10 reports whether any instruction may change r10; if none does,
// r10 is always the top of the current frame and accesses within that
// frame need no run-time check.
func writesR10(insns asm.Instructions) bool {
	for pc := 0; pc < len(insns); pc++ {
		ins := insns[pc]
		switch op := ins.OpCode; {
		case op.IsALU(), op.Class() == asm.ClassLDX, ins.IsLoadImm64():
			if ins.Dst == asm.R10 {
				return true
			}
		case op.Class() == asm.ClassSTX && op.Mode() == asm.ModeATOMIC:
			if ins.Src == asm.R10 && ins.Imm&asm.AtomicFetch != 0 {
				return true
			}
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}
	return false
}

// findBlocks marks basic-block leaders with the number of instructions
// their block executes, which is charged to the budget on entry; this
// ends a run that exceeds its budget at the same instruction, with the
// same memory, as the interpreter.
func (c *compiler) findBlocks() {
	n := len(c.insns)
	lead := make([]bool, n+1)
	lead[0] = true
	for pc := 0; pc < n; pc++ {
		ins := c.insns[pc]
		if t, ok := ins.JumpTarget(pc); ok { // callback entries too
			lead[t] = true
		}
		// A block also ends after an instruction that can fault, end the
		// run or change memory: when the budget runs out inside a block,
		// what the interpreter would still have done before that point
		// is then pure register work, which an error discards.
		if ins.OpCode.IsJump() || eventful(ins) {
			lead[pc+1] = true
		}
		if ins.IsLoadImm64() {
			pc++
		}
	}
	c.leaders = make([]int, n)
	count, at := 0, 0
	for pc := 0; pc < n; pc++ {
		if lead[pc] {
			if count > 0 {
				c.leaders[at] = count
			}
			at, count = pc, 0
		}
		count++
		if c.insns[pc].IsLoadImm64() {
			pc++
		}
	}
	c.leaders[at] = count
}

// eventful reports memory accesses and packet loads.
func eventful(ins asm.Instruction) bool {
	switch ins.OpCode.Class() {
	case asm.ClassLDX, asm.ClassST, asm.ClassSTX:
		return true
	case asm.ClassLD:
		return !ins.IsLoadImm64()
	}
	return false
}

func mem(r Reg, off int32) Mem { return At(r, off) }

// reg maps a BPF register; fields that are not registers (the source of
// an immediate form) map to anything valid.
func reg(r asm.Register) Reg {
	if r > asm.R10 {
		return RAX
	}
	return regMap[r]
}

func (c *compiler) emitEntryStub() {
	for i, r := range regMap {
		c.a.Load(W64, r, mem(ctxReg, int32(offRegs+8*i)))
	}
	c.a.Load(W64, budgetReg, mem(ctxReg, offBudget))
	c.a.Ret()
}

func (c *compiler) emitExitStub() {
	for i, r := range regMap {
		c.a.Store(W64, mem(ctxReg, int32(offRegs+8*i)), r)
	}
	c.a.Store(W64, mem(ctxReg, offBudget), budgetReg)
	c.a.Store(W64, mem(ctxReg, offNativeSP), RSP)
	c.a.Load(W64, RSP, mem(ctxReg, offGoSP))
	c.a.Load(W64, RBP, mem(ctxReg, offGoBP))
	c.a.Ret()
}

// exitWith returns to Go with an exit code; Go resumes right after.
func (c *compiler) exitWith(code uint32, pc int) {
	c.a.StoreImm(W32, mem(ctxReg, offExitCode), int32(code))
	c.a.StoreImm(W32, mem(ctxReg, offExitPC), int32(pc))
	c.a.Patch(c.a.Call(), c.exitStub)
}

func (c *compiler) chargeBudget(pc, n int) {
	c.a.ALUImm(SUB, W64, budgetReg, int32(n))
	j := c.a.Jcc(CondB)
	c.slow = append(c.slow, func() {
		c.a.Patch(j, c.a.Len())
		c.a.StoreImm(W64, mem(ctxReg, offExitArg), int32(n))
		c.exitWith(ExitBudget, pc)
		c.a.Ud2()
	})
}

// jumpTo emits a jump (or a conditional one) to slot target.
func (c *compiler) jumpTo(cond Cond, always bool, target int) {
	var at int
	if always {
		at = c.a.Jmp()
	} else {
		at = c.a.Jcc(cond)
	}
	c.fixups = append(c.fixups, fixup{at: at, target: target})
}

// insn compiles the instruction at pc; it reports whether it used two slots.
func (c *compiler) insn(pc int) bool {
	ins := c.insns[pc]
	op := ins.OpCode
	switch op.Class() {
	case asm.ClassALU, asm.ClassALU64:
		c.alu(ins)
	case asm.ClassJMP, asm.ClassJMP32:
		c.jump(pc, ins)
	case asm.ClassLD:
		if ins.IsLoadImm64() {
			v := asm.Imm64(ins, c.insns[pc+1])
			if ins.Src == asm.PseudoFunc {
				v = FuncTag + uint64(pc+1+int(ins.Imm))
			}
			c.a.MovImm(regMap[ins.Dst], v)
			return true
		}
		c.exitWith(ExitPacket, pc) // legacy packet loads are rare: Go does them
	case asm.ClassLDX:
		c.load(pc, ins)
	case asm.ClassST, asm.ClassSTX:
		if op.Mode() == asm.ModeATOMIC {
			c.atomic(pc, ins)
		} else {
			c.store(pc, ins)
		}
	}
	return false
}
