// Package progen generates random eBPF programs that the Linux verifier
// accepts (for a privileged loader), for differential testing of gbpf
// against the kernel.
//
// A generated Program is a main-frame body plus subprograms. It is turned
// into two runnable programs with byte-identical bodies: one for the kernel
// (XDP, results stored into an array map value) and one for gbpf's
// interpreter (results stored into the memory buffer passed in r1). Both
// report the same result block: r0 to r9 as 64-bit words, then the main
// frame's stack bytes.
//
// To keep the verifier happy every program is loop-free (forward jumps
// only, no unreachable code), reads only registers and stack bytes it has
// written, never uses r10 other than as the base of an aligned stack
// access, and only divides or shifts by immediates the verifier allows.
package progen

import (
	"math"
	"math/rand/v2"

	"github.com/gbpf/gbpf/asm"
)

// Config sets the size and shape of generated programs. Zero fields take
// the defaults of DefaultConfig.
type Config struct {
	BodyLen     int // approximate number of instructions in the main body
	SubprogLen  int // approximate number of instructions in each subprogram
	MaxSubprogs int // subprograms per program: a random number from 0 to this, at most 6; negative for none
	StackSize   int // bytes of stack each frame initializes and uses, rounded up to a multiple of 8
	MaxNesting  int // how deep conditional blocks nest
}

// DefaultConfig returns the configuration used when a field is zero.
func DefaultConfig() Config {
	return Config{BodyLen: 100, SubprogLen: 40, MaxSubprogs: 3, StackSize: 64, MaxNesting: 3}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.BodyLen <= 0 {
		c.BodyLen = d.BodyLen
	}
	if c.SubprogLen <= 0 {
		c.SubprogLen = d.SubprogLen
	}
	if c.MaxSubprogs < 0 {
		c.MaxSubprogs = 0
	} else if c.MaxSubprogs == 0 {
		c.MaxSubprogs = d.MaxSubprogs
	}
	c.MaxSubprogs = min(c.MaxSubprogs, 6)
	if c.StackSize <= 0 {
		c.StackSize = d.StackSize
	}
	// The deepest call chain has MaxSubprogs+1 frames, each rounded up to
	// 32 bytes by the kernel, which allows 512 bytes in all. The main
	// frame uses 16 bytes more than StackSize.
	c.StackSize = min((c.StackSize+7)/8*8, 512/(c.MaxSubprogs+1)/32*32-16)
	if c.StackSize < 8 {
		c.StackSize = 8
	}
	if c.MaxNesting <= 0 {
		c.MaxNesting = d.MaxNesting
	}
	return c
}

// Program is a generated program.
//
// The runnable layout is: one prologue slot, Body, EpilogueLen epilogue
// slots, Subprogs. Local calls in Body and Subprogs are encoded for that
// layout, so Body is the same in every variant.
type Program struct {
	Seed      int64
	StackSize int              // bytes below r10 that the main frame initializes; they are part of the result
	Body      asm.Instructions // main frame; falls through to the epilogue
	Subprogs  asm.Instructions // bpf-to-bpf callees, each ending in exit
}

// Stack slots of the main frame outside the compared area.
func (p *Program) savedR1Slot() int16 { return int16(-p.StackSize - 8) }  // r1 while the epilogue uses r1
func (p *Program) outPtrSlot() int16  { return int16(-p.StackSize - 16) } // gbpf's mem pointer

// ResultSize is the size in bytes of the result block: ten registers and
// the main frame's stack.
func (p *Program) ResultSize() int { return 10*8 + p.StackSize }

// EpilogueLen is the number of slots between Body and Subprogs.
func (p *Program) EpilogueLen() int { return len(p.epilogue([2]asm.Instruction{})) }

// Kernel returns the program to load as XDP. loadOut must be the two slots
// of "lddw r1, map_value" for a map value of at least ResultSize bytes
// (kernel.ValueMap.LoadAddr(asm.R1, 0)). The program returns r0.
func (p *Program) Kernel(loadOut [2]asm.Instruction) asm.Instructions {
	return p.assemble(loadOut)
}

// Gbpf returns the program to run with gbpf's interpreter, with r1 pointing
// to a buffer of at least ResultSize bytes. The program returns r0.
func (p *Program) Gbpf() asm.Instructions {
	return p.assemble([2]asm.Instruction{
		ldx(asm.SizeDW, asm.R1, asm.RFP, p.outPtrSlot()),
		{OpCode: asm.OpJA}, // keeps both variants' epilogues the same length
	})
}

func (p *Program) assemble(loadOut [2]asm.Instruction) asm.Instructions {
	epi := p.epilogue(loadOut)
	out := make(asm.Instructions, 0, 1+len(p.Body)+len(epi)+len(p.Subprogs))
	// The entry r1 (ctx in the kernel, mem for gbpf) is kept in a slot the
	// body never touches; only the gbpf epilogue reads it back.
	out = append(out, stx(asm.SizeDW, asm.RFP, asm.R1, p.outPtrSlot()))
	out = append(out, p.Body...)
	out = append(out, epi...)
	return append(out, p.Subprogs...)
}

// epilogue stores the result block through the pointer loadOut puts in r1
// and returns r0. Its length does not depend on loadOut.
func (p *Program) epilogue(loadOut [2]asm.Instruction) asm.Instructions {
	out := asm.Instructions{
		stx(asm.SizeDW, asm.RFP, asm.R1, p.savedR1Slot()),
		loadOut[0], loadOut[1],
		stx(asm.SizeDW, asm.R1, asm.R0, 0),
	}
	for r := asm.R2; r <= asm.R9; r++ {
		out = append(out, stx(asm.SizeDW, asm.R1, r, int16(8*r)))
	}
	out = append(out,
		ldx(asm.SizeDW, asm.R0, asm.RFP, p.savedR1Slot()),
		stx(asm.SizeDW, asm.R1, asm.R0, 8))
	for off := 0; off < p.StackSize; off += 8 {
		out = append(out,
			ldx(asm.SizeDW, asm.R0, asm.RFP, int16(off-p.StackSize)),
			stx(asm.SizeDW, asm.R1, asm.R0, int16(80+off)))
	}
	return append(out,
		ldx(asm.SizeDW, asm.R0, asm.R1, 0),
		asm.Instruction{OpCode: asm.OpExit})
}

// Generate returns the program for seed. The same seed and Config always
// give the same program.
func Generate(seed int64, cfg Config) Program {
	cfg = cfg.withDefaults()
	g := &gen{rng: rand.New(rand.NewPCG(uint64(seed), 0x67627066)), cfg: cfg} // "gbpf" as the stream
	p := Program{Seed: seed, StackSize: cfg.StackSize}

	nsub := g.rng.IntN(cfg.MaxSubprogs + 1)
	g.called = make([]bool, nsub+1)
	funcs := make([]*function, nsub+1)
	for i := range funcs {
		g.f = &function{index: i, nfuncs: nsub + 1}
		budget := cfg.BodyLen
		if i > 0 {
			budget = cfg.SubprogLen
		}
		g.frameStart(i == 0)
		g.block(budget, 0)
		// Function i+1 can only be called from functions up to i: make
		// sure it is called, or the kernel refuses it as unreachable.
		if i+1 < len(funcs) && !g.called[i+1] {
			g.call(i + 1)
		}
		if i == 0 {
			g.initRegs(0, 9) // the epilogue reads every register
		} else {
			g.emit(asm.Instruction{OpCode: asm.OpExit})
		}
		funcs[i] = g.f
	}

	// Lay the functions out and resolve local calls.
	starts := make([]int, len(funcs))
	pos := 1 + len(funcs[0].code)
	starts[0] = 1
	pos += p.EpilogueLen()
	for i := 1; i < len(funcs); i++ {
		starts[i] = pos
		pos += len(funcs[i].code)
	}
	for i, f := range funcs {
		for _, c := range f.calls {
			f.code[c.at].Imm = int32(starts[c.callee] - (starts[i] + c.at + 1))
		}
	}
	p.Body = funcs[0].code
	for _, f := range funcs[1:] {
		p.Subprogs = append(p.Subprogs, f.code...)
	}
	return p
}

type call struct {
	at     int // index of the call instruction in its function
	callee int // function index
}

type function struct {
	index  int
	nfuncs int
	code   asm.Instructions
	calls  []call
	init   uint16 // bit r set: register r may be read
}

type gen struct {
	rng    *rand.Rand
	cfg    Config
	f      *function
	called []bool // by function index
}

func (g *gen) emit(ins ...asm.Instruction) { g.f.code = append(g.f.code, ins...) }

func (g *gen) isInit(r asm.Register) bool { return g.f.init&(1<<r) != 0 }
func (g *gen) setInit(r asm.Register)     { g.f.init |= 1 << r }

// frameStart writes every register the frame may not read yet and the
// frame's stack area. A subprogram inherits r1 to r5 as arguments and
// sometimes keeps them.
func (g *gen) frameStart(main bool) {
	g.f.init = 0
	regs := []asm.Register{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	if !main {
		g.f.init = 0b111110 // r1-r5: arguments
		regs = []asm.Register{0, 6, 7, 8, 9}
		for r := asm.R1; r <= asm.R5; r++ {
			if g.rng.IntN(2) == 0 {
				regs = append(regs, r)
			}
		}
	}
	g.rng.Shuffle(len(regs), func(i, j int) { regs[i], regs[j] = regs[j], regs[i] })
	for _, r := range regs {
		g.constant(r)
	}
	g.initStack()
}

// initStack writes every byte of the frame's stack area with a random mix
// of ST and STX stores of all sizes.
func (g *gen) initStack() {
	for off := -g.cfg.StackSize; off < 0; off += 8 {
		var sizes []int
		switch g.rng.IntN(5) {
		case 0, 1:
			sizes = []int{8}
		case 2:
			sizes = []int{4, 4}
		case 3:
			sizes = []int{2, 2, 4}
		default:
			sizes = []int{1, 1, 2, 4}
		}
		o := off
		for _, s := range sizes {
			size := sizeOp(s)
			if g.rng.IntN(2) == 0 {
				g.emit(asm.Instruction{OpCode: asm.ClassST | asm.ModeMEM | size, Dst: asm.RFP, Offset: int16(o), Imm: g.imm32()})
			} else {
				g.emit(stx(size, asm.RFP, g.readable(), int16(o)))
			}
			o += s
		}
	}
}

// initRegs writes every unreadable register in [lo, hi] with a constant.
func (g *gen) initRegs(lo, hi asm.Register) {
	for r := lo; r <= hi; r++ {
		if !g.isInit(r) {
			g.constant(r)
		}
	}
}

// constant sets r to an interesting constant with mov, mov32 or lddw.
func (g *gen) constant(r asm.Register) {
	switch g.rng.IntN(4) {
	case 0:
		ld := asm.LoadImm64(r, g.imm64())
		g.emit(ld[0], ld[1])
	case 1:
		g.emit(asm.Instruction{OpCode: asm.ClassALU | asm.ALUMov | asm.SrcK, Dst: r, Imm: g.imm32()})
	default:
		g.emit(asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcK, Dst: r, Imm: g.imm32()})
	}
	g.setInit(r)
}

// block emits about budget instructions of straight-line code with nested
// forward branches.
func (g *gen) block(budget, depth int) {
	end := len(g.f.code) + budget
	for len(g.f.code) < end {
		left := end - len(g.f.code)
		switch k := g.rng.IntN(100); {
		case k < 38:
			g.alu()
		case k < 42:
			g.dst(func(r asm.Register) {
				ld := asm.LoadImm64(r, g.imm64())
				g.emit(ld[0], ld[1])
			})
		case k < 50:
			g.store()
		case k < 58:
			g.load()
		case k < 65:
			g.atomic()
		case k < 70 && g.f.index+1 < g.f.nfuncs:
			g.call(g.f.index + 1 + g.rng.IntN(g.f.nfuncs-g.f.index-1))
		case k < 85 && depth < g.cfg.MaxNesting && left > 2:
			g.ifThen(min(left-1, 1+g.rng.IntN(12)), depth)
		case k < 92 && depth < g.cfg.MaxNesting && left > 4:
			g.ifThenElse(min(left-2, 2+g.rng.IntN(16)), depth)
		default:
			g.alu()
		}
	}
}

// ifThen emits "if cond goto +n; <n instructions>".
func (g *gen) ifThen(n, depth int) {
	before := g.f.init
	at := len(g.f.code)
	g.condJump()
	g.block(n, depth+1)
	g.f.code[at].Offset = int16(len(g.f.code) - at - 1)
	g.f.init &= before // the jump may skip the writes in the block
}

// ifThenElse emits "if cond goto else; <then>; ja end; else: <else>; end:",
// with ja or its 32-bit form gotol, so both arms are reachable.
func (g *gen) ifThenElse(n, depth int) {
	before := g.f.init
	at := len(g.f.code)
	g.condJump()
	g.block(max(1, n/2), depth+1)
	afterThen := g.f.init
	g.f.init = before
	jaAt := len(g.f.code)
	long := g.rng.IntN(2) == 0
	if long {
		g.emit(asm.Instruction{OpCode: asm.OpJA32})
	} else {
		g.emit(asm.Instruction{OpCode: asm.OpJA})
	}
	g.f.code[at].Offset = int16(len(g.f.code) - at - 1)
	g.block(max(1, n-n/2), depth+1)
	if skip := len(g.f.code) - jaAt - 1; long {
		g.f.code[jaAt].Imm = int32(skip)
	} else {
		g.f.code[jaAt].Offset = int16(skip)
	}
	g.f.init &= afterThen
}

var jumpOps = []asm.OpCode{
	asm.JumpEq, asm.JumpGT, asm.JumpGE, asm.JumpSet, asm.JumpNE, asm.JumpSGT,
	asm.JumpSGE, asm.JumpLT, asm.JumpLE, asm.JumpSLT, asm.JumpSLE,
}

// condJump emits a conditional jump with offset 0, patched by the caller.
func (g *gen) condJump() {
	class := asm.ClassJMP
	if g.rng.IntN(2) == 0 {
		class = asm.ClassJMP32
	}
	op := class | jumpOps[g.rng.IntN(len(jumpOps))]
	ins := asm.Instruction{Dst: g.readable()}
	if g.rng.IntN(2) == 0 {
		ins.OpCode = op | asm.SrcK
		ins.Imm = g.imm32()
	} else {
		ins.OpCode = op | asm.SrcX
		ins.Src = g.readable()
	}
	g.emit(ins)
}

// call emits a local call to callee, a higher-numbered function, so there
// is no recursion. r1 to r5 are the arguments and are clobbered by the call.
func (g *gen) call(callee int) {
	for r := asm.R1; r <= asm.R5; r++ {
		if !g.isInit(r) || g.rng.IntN(4) == 0 {
			g.constant(r)
		}
	}
	g.called[callee] = true
	g.f.calls = append(g.f.calls, call{at: len(g.f.code), callee: callee})
	g.emit(asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal})
	g.f.init &^= 0b111110
	g.setInit(asm.R0)
}

// aluOps are the ALU operations with two operands; neg, end and the
// sign-extending moves are generated separately.
var aluOps = []asm.OpCode{
	asm.ALUAdd, asm.ALUSub, asm.ALUMul, asm.ALUDiv, asm.ALUOr, asm.ALUAnd,
	asm.ALULsh, asm.ALURsh, asm.ALUMod, asm.ALUXor, asm.ALUMov, asm.ALUArsh,
}

func (g *gen) alu() {
	class := asm.ClassALU64
	width := int32(64)
	if g.rng.IntN(2) == 0 {
		class, width = asm.ClassALU, 32
	}
	switch k := g.rng.IntN(20); {
	case k == 0: // neg
		r := g.readable()
		g.emit(asm.Instruction{OpCode: class | asm.ALUNeg | asm.SrcK, Dst: r})
		return
	case k == 1: // to-le, to-be, bswap
		imm := []int32{16, 32, 64}[g.rng.IntN(3)]
		op := []asm.OpCode{
			asm.ClassALU | asm.ALUEnd | asm.EndToLE,
			asm.ClassALU | asm.ALUEnd | asm.EndToBE,
			asm.OpBswap,
		}[g.rng.IntN(3)]
		g.emit(asm.Instruction{OpCode: op, Dst: g.readable(), Imm: imm})
		return
	case k == 2: // movsx
		offs := []int16{8, 16}
		if class == asm.ClassALU64 {
			offs = append(offs, 32)
		}
		src := g.readable()
		g.dst(func(r asm.Register) {
			g.emit(asm.Instruction{OpCode: class | asm.ALUMov | asm.SrcX, Dst: r, Src: src, Offset: offs[g.rng.IntN(len(offs))]})
		})
		return
	}

	op := aluOps[g.rng.IntN(len(aluOps))]
	ins := asm.Instruction{OpCode: class | op}
	if (op == asm.ALUDiv || op == asm.ALUMod) && g.rng.IntN(2) == 0 {
		ins.Offset = 1 // sdiv, smod
	}
	if g.rng.IntN(2) == 0 {
		ins.OpCode |= asm.SrcK
		switch op {
		case asm.ALULsh, asm.ALURsh, asm.ALUArsh:
			ins.Imm = g.rng.Int32N(width) // the verifier refuses larger shifts
		case asm.ALUDiv, asm.ALUMod:
			for ins.Imm == 0 { // the verifier refuses division by a zero immediate
				ins.Imm = g.imm32()
			}
		default:
			ins.Imm = g.imm32()
		}
	} else {
		ins.OpCode |= asm.SrcX
		ins.Src = g.readable()
	}
	if op == asm.ALUMov {
		g.dst(func(r asm.Register) { ins.Dst = r; g.emit(ins) })
		return
	}
	ins.Dst = g.readable()
	g.emit(ins)
}

// dst calls emit with a random destination register, then marks it
// readable.
func (g *gen) dst(emit func(asm.Register)) {
	r := asm.Register(g.rng.IntN(10))
	emit(r)
	g.setInit(r)
}

// readable returns a random register that may be read, r0 to r9. r0 and
// r6 to r9 always are.
func (g *gen) readable() asm.Register {
	for {
		r := asm.Register(g.rng.IntN(10))
		if g.isInit(r) {
			return r
		}
	}
}

var sizes = []int{1, 2, 4, 8}

// stackOffset returns a random offset of a size-byte access inside the
// frame's stack area, aligned to size as the kernel requires.
func (g *gen) stackOffset(size int) int16 {
	return int16(-size * (1 + g.rng.IntN(g.cfg.StackSize/size)))
}

func (g *gen) store() {
	s := sizes[g.rng.IntN(4)]
	off := g.stackOffset(s)
	if g.rng.IntN(2) == 0 {
		g.emit(asm.Instruction{OpCode: asm.ClassST | asm.ModeMEM | sizeOp(s), Dst: asm.RFP, Offset: off, Imm: g.imm32()})
		return
	}
	g.emit(stx(sizeOp(s), asm.RFP, g.readable(), off))
}

func (g *gen) load() {
	s := sizes[g.rng.IntN(4)]
	mode := asm.ModeMEM
	if s < 8 && g.rng.IntN(2) == 0 {
		mode = asm.ModeMEMSX
	}
	off := g.stackOffset(s)
	g.dst(func(r asm.Register) {
		g.emit(asm.Instruction{OpCode: asm.ClassLDX | mode | sizeOp(s), Dst: r, Src: asm.RFP, Offset: off})
	})
}

var atomicOps = []int32{
	asm.AtomicAdd, asm.AtomicOr, asm.AtomicAnd, asm.AtomicXor,
	asm.AtomicAdd | asm.AtomicFetch, asm.AtomicOr | asm.AtomicFetch,
	asm.AtomicAnd | asm.AtomicFetch, asm.AtomicXor | asm.AtomicFetch,
	asm.AtomicXchg, asm.AtomicCmpXchg,
}

func (g *gen) atomic() {
	op, size := asm.OpAtomicDW, 8
	if g.rng.IntN(2) == 0 {
		op, size = asm.OpAtomicW, 4
	}
	imm := atomicOps[g.rng.IntN(len(atomicOps))]
	off := g.stackOffset(size)
	if imm&asm.AtomicFetch != 0 {
		// Kernels without commit 179ee84a8911 ("bpf: Fix incorrect pruning
		// due to atomic fetch precision tracking", CVE-2026-43009) do not
		// propagate precision from a fetched register to the stack slot it
		// came from, prune paths that differ there, and then delete live
		// code as dead: the JIT then computes wrong results. A non-fetching
		// atomic on the same bytes first makes the slot opaque to the
		// verifier, so the fetched value is unknown and cannot steer
		// pruning.
		g.emit(asm.Instruction{OpCode: op, Dst: asm.RFP, Src: g.readable(), Offset: off, Imm: atomicOps[g.rng.IntN(4)]})
	}
	g.emit(asm.Instruction{OpCode: op, Dst: asm.RFP, Src: g.readable(), Offset: off, Imm: imm})
	if imm == asm.AtomicCmpXchg && size == 4 {
		// A 32-bit cmpxchg must zero-extend r0, but x86-64 "lock cmpxchg"
		// leaves the upper half alone when the comparison succeeds, so the
		// kernel patches in a zero-extension, and only if the verifier saw
		// r0 read as 64 bits. Linux 6.18 misses reads that lie beyond a
		// pruned state and then returns stale upper bits. Reading r0 as 64
		// bits at once (a 64-bit "r0 = r0" changes nothing) keeps the
		// patch in place.
		g.emit(asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: asm.R0, Src: asm.R0})
	}
}

// interesting32 are immediates at the edges of signed and unsigned ranges.
var interesting32 = []int32{
	0, 1, -1, 2, -2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100,
	0x7fff, 0x8000, 0xffff, 0x10000, math.MaxInt32, math.MinInt32, math.MinInt32 + 1,
	-0x80, -0x81, -0x8000, -0x8001, 0x12345678, -0x12345678,
}

func (g *gen) imm32() int32 {
	switch g.rng.IntN(3) {
	case 0:
		return interesting32[g.rng.IntN(len(interesting32))]
	case 1:
		return int32(g.rng.IntN(33) - 16)
	}
	return int32(g.rng.Uint32())
}

var interesting64 = []uint64{
	0, 1, math.MaxUint64, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffff,
	0xffffffff80000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001,
	0xffffffff00000000, 0x00000000ffff8000, 0x0123456789abcdef, 0xfedcba9876543210,
}

func (g *gen) imm64() uint64 {
	switch g.rng.IntN(4) {
	case 0:
		return interesting64[g.rng.IntN(len(interesting64))]
	case 1:
		return uint64(int64(g.imm32()))
	}
	return g.rng.Uint64()
}

func sizeOp(size int) asm.OpCode {
	switch size {
	case 1:
		return asm.SizeB
	case 2:
		return asm.SizeH
	case 4:
		return asm.SizeW
	}
	return asm.SizeDW
}

func stx(size asm.OpCode, dst, src asm.Register, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassSTX | asm.ModeMEM | size, Dst: dst, Src: src, Offset: off}
}

func ldx(size asm.OpCode, dst, src asm.Register, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassLDX | asm.ModeMEM | size, Dst: dst, Src: src, Offset: off}
}
