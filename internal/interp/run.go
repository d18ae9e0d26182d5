package interp

import (
	"encoding/binary"
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/gbpf/gbpf/asm"
)

// Full opcodes the run loop dispatches on.
const (
	alu32 = uint8(asm.ClassALU)
	alu64 = uint8(asm.ClassALU64)
	jmp64 = uint8(asm.ClassJMP)
	jmp32 = uint8(asm.ClassJMP32)
	k     = uint8(asm.SrcK)
	x     = uint8(asm.SrcX)

	add  = uint8(asm.ALUAdd)
	sub  = uint8(asm.ALUSub)
	mul  = uint8(asm.ALUMul)
	div  = uint8(asm.ALUDiv)
	or   = uint8(asm.ALUOr)
	and  = uint8(asm.ALUAnd)
	lsh  = uint8(asm.ALULsh)
	rsh  = uint8(asm.ALURsh)
	neg  = uint8(asm.ALUNeg)
	mod  = uint8(asm.ALUMod)
	xor  = uint8(asm.ALUXor)
	mov  = uint8(asm.ALUMov)
	arsh = uint8(asm.ALUArsh)
	end  = uint8(asm.ALUEnd)

	ja    = uint8(asm.JumpA)
	jeq   = uint8(asm.JumpEq)
	jgt   = uint8(asm.JumpGT)
	jge   = uint8(asm.JumpGE)
	jset  = uint8(asm.JumpSet)
	jne   = uint8(asm.JumpNE)
	jsgt  = uint8(asm.JumpSGT)
	jsge  = uint8(asm.JumpSGE)
	call  = uint8(asm.JumpCall)
	exit  = uint8(asm.JumpExit)
	jlt   = uint8(asm.JumpLT)
	jle   = uint8(asm.JumpLE)
	jslt  = uint8(asm.JumpSLT)
	jsle  = uint8(asm.JumpSLE)
	jcond = uint8(asm.JumpCond)

	ldxMem   = uint8(asm.ClassLDX | asm.ModeMEM)
	ldxMemSX = uint8(asm.ClassLDX | asm.ModeMEMSX)
	stMem    = uint8(asm.ClassST | asm.ModeMEM)
	stxMem   = uint8(asm.ClassSTX | asm.ModeMEM)
	atomicW  = uint8(asm.OpAtomicW)
	atomicDW = uint8(asm.OpAtomicDW)
	ldAbs    = uint8(asm.ClassLD | asm.ModeABS)
	ldInd    = uint8(asm.ClassLD | asm.ModeIND)

	szB  = uint8(asm.SizeB)
	szH  = uint8(asm.SizeH)
	szW  = uint8(asm.SizeW)
	szDW = uint8(asm.SizeDW)
)

// exec is the interpreter loop. It runs p from pc in the current frame
// until that frame exits, and returns r0. The budget lives in a local
// between helper calls, since it is touched on every instruction.
func (m *Machine) exec(p *Program, pc int, regs *[16]uint64) (uint64, error) {
	// Registers in a local array the compiler can keep in this frame.
	local := *regs
	r := &local
	code := p.code
	base := m.depth
	budget := m.budget
	for {
		if budget == 0 {
			return 0, &RuntimeError{PC: pc, Err: ErrBudgetExceeded, Detail: "the program ran longer than its budget of executed instructions"}
		}
		budget--
		ins := &code[pc]
		pc++
		switch ins.op {
		// 64-bit ALU.
		case alu64 | add | k:
			r[ins.dst&15] += ins.imm
		case alu64 | add | x:
			r[ins.dst&15] += r[ins.src&15]
		case alu64 | sub | k:
			r[ins.dst&15] -= ins.imm
		case alu64 | sub | x:
			r[ins.dst&15] -= r[ins.src&15]
		case alu64 | mul | k:
			r[ins.dst&15] *= ins.imm
		case alu64 | mul | x:
			r[ins.dst&15] *= r[ins.src&15]
		case alu64 | div | k:
			r[ins.dst&15] = div64(r[ins.dst&15], ins.imm, ins.off)
		case alu64 | div | x:
			r[ins.dst&15] = div64(r[ins.dst&15], r[ins.src&15], ins.off)
		case alu64 | mod | k:
			r[ins.dst&15] = mod64(r[ins.dst&15], ins.imm, ins.off)
		case alu64 | mod | x:
			r[ins.dst&15] = mod64(r[ins.dst&15], r[ins.src&15], ins.off)
		case alu64 | or | k:
			r[ins.dst&15] |= ins.imm
		case alu64 | or | x:
			r[ins.dst&15] |= r[ins.src&15]
		case alu64 | and | k:
			r[ins.dst&15] &= ins.imm
		case alu64 | and | x:
			r[ins.dst&15] &= r[ins.src&15]
		case alu64 | xor | k:
			r[ins.dst&15] ^= ins.imm
		case alu64 | xor | x:
			r[ins.dst&15] ^= r[ins.src&15]
		case alu64 | lsh | k:
			r[ins.dst&15] <<= ins.imm & 63
		case alu64 | lsh | x:
			r[ins.dst&15] <<= r[ins.src&15] & 63
		case alu64 | rsh | k:
			r[ins.dst&15] >>= ins.imm & 63
		case alu64 | rsh | x:
			r[ins.dst&15] >>= r[ins.src&15] & 63
		case alu64 | arsh | k:
			r[ins.dst&15] = uint64(int64(r[ins.dst&15]) >> (ins.imm & 63))
		case alu64 | arsh | x:
			r[ins.dst&15] = uint64(int64(r[ins.dst&15]) >> (r[ins.src&15] & 63))
		case alu64 | neg:
			r[ins.dst&15] = -r[ins.dst&15]
		case alu64 | mov | k:
			r[ins.dst&15] = ins.imm
		case alu64 | mov | x:
			r[ins.dst&15] = movsx64(r[ins.src&15], ins.off)
		case alu64 | end: // bswap
			r[ins.dst&15] = bswap(r[ins.dst&15], ins.imm)

		// 32-bit ALU: operands are the low halves, results zero-extend.
		case alu32 | add | k:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) + uint32(ins.imm))
		case alu32 | add | x:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) + uint32(r[ins.src&15]))
		case alu32 | sub | k:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) - uint32(ins.imm))
		case alu32 | sub | x:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) - uint32(r[ins.src&15]))
		case alu32 | mul | k:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) * uint32(ins.imm))
		case alu32 | mul | x:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) * uint32(r[ins.src&15]))
		case alu32 | div | k:
			r[ins.dst&15] = uint64(div32(uint32(r[ins.dst&15]), uint32(ins.imm), ins.off))
		case alu32 | div | x:
			r[ins.dst&15] = uint64(div32(uint32(r[ins.dst&15]), uint32(r[ins.src&15]), ins.off))
		case alu32 | mod | k:
			r[ins.dst&15] = uint64(mod32(uint32(r[ins.dst&15]), uint32(ins.imm), ins.off))
		case alu32 | mod | x:
			r[ins.dst&15] = uint64(mod32(uint32(r[ins.dst&15]), uint32(r[ins.src&15]), ins.off))
		case alu32 | or | k:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) | uint32(ins.imm))
		case alu32 | or | x:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) | uint32(r[ins.src&15]))
		case alu32 | and | k:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) & uint32(ins.imm))
		case alu32 | and | x:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) & uint32(r[ins.src&15]))
		case alu32 | xor | k:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) ^ uint32(ins.imm))
		case alu32 | xor | x:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) ^ uint32(r[ins.src&15]))
		case alu32 | lsh | k:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) << (ins.imm & 31))
		case alu32 | lsh | x:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) << (r[ins.src&15] & 31))
		case alu32 | rsh | k:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) >> (ins.imm & 31))
		case alu32 | rsh | x:
			r[ins.dst&15] = uint64(uint32(r[ins.dst&15]) >> (r[ins.src&15] & 31))
		case alu32 | arsh | k:
			r[ins.dst&15] = uint64(uint32(int32(r[ins.dst&15]) >> (ins.imm & 31)))
		case alu32 | arsh | x:
			r[ins.dst&15] = uint64(uint32(int32(r[ins.dst&15]) >> (r[ins.src&15] & 31)))
		case alu32 | neg:
			r[ins.dst&15] = uint64(-uint32(r[ins.dst&15]))
		case alu32 | mov | k:
			r[ins.dst&15] = uint64(uint32(ins.imm))
		case alu32 | mov | x:
			r[ins.dst&15] = uint64(uint32(movsx64(r[ins.src&15], ins.off)))
		case alu32 | end | k: // to little-endian: truncate on this host
			r[ins.dst&15] = truncate(r[ins.dst&15], ins.imm)
		case alu32 | end | x: // to big-endian
			r[ins.dst&15] = bswap(r[ins.dst&15], ins.imm)

		// 64-bit immediate load; the second slot is skipped.
		case opLDDW:
			r[ins.dst&15] = ins.imm
			pc++

		// Loads.
		case ldxMem | szB:
			a := r[ins.src&15] + uint64(int64(ins.off))
			if mp, ok := m.translate(a, 1, false); ok {
				r[ins.dst&15] = uint64(*(*uint8)(mp))
			} else {
				v, err := m.slowLoad(pc-1, a, 1)
				if err != nil {
					return 0, err
				}
				r[ins.dst&15] = v // the context converts (pointer fields are 64-bit)
			}
		case ldxMem | szH:
			a := r[ins.src&15] + uint64(int64(ins.off))
			if mp, ok := m.translate(a, 2, false); ok {
				r[ins.dst&15] = uint64(*(*uint16)(mp))
			} else {
				v, err := m.slowLoad(pc-1, a, 2)
				if err != nil {
					return 0, err
				}
				r[ins.dst&15] = v // the context converts (pointer fields are 64-bit)
			}
		case ldxMem | szW:
			a := r[ins.src&15] + uint64(int64(ins.off))
			if mp, ok := m.translate(a, 4, false); ok {
				r[ins.dst&15] = uint64(*(*uint32)(mp))
			} else {
				v, err := m.slowLoad(pc-1, a, 4)
				if err != nil {
					return 0, err
				}
				r[ins.dst&15] = v // the context converts (pointer fields are 64-bit)
			}
		case ldxMem | szDW:
			a := r[ins.src&15] + uint64(int64(ins.off))
			if mp, ok := m.translate(a, 8, false); ok {
				r[ins.dst&15] = *(*uint64)(mp)
			} else {
				v, err := m.slowLoad(pc-1, a, 8)
				if err != nil {
					return 0, err
				}
				r[ins.dst&15] = v
			}
		case ldxMemSX | szB:
			a := r[ins.src&15] + uint64(int64(ins.off))
			if mp, ok := m.translate(a, 1, false); ok {
				r[ins.dst&15] = uint64(int64(*(*int8)(mp)))
			} else {
				v, err := m.slowLoad(pc-1, a, 1)
				if err != nil {
					return 0, err
				}
				r[ins.dst&15] = uint64(int64(int8(v)))
			}
		case ldxMemSX | szH:
			a := r[ins.src&15] + uint64(int64(ins.off))
			if mp, ok := m.translate(a, 2, false); ok {
				r[ins.dst&15] = uint64(int64(*(*int16)(mp)))
			} else {
				v, err := m.slowLoad(pc-1, a, 2)
				if err != nil {
					return 0, err
				}
				r[ins.dst&15] = uint64(int64(int16(v)))
			}
		case ldxMemSX | szW:
			a := r[ins.src&15] + uint64(int64(ins.off))
			if mp, ok := m.translate(a, 4, false); ok {
				r[ins.dst&15] = uint64(int64(*(*int32)(mp)))
			} else {
				v, err := m.slowLoad(pc-1, a, 4)
				if err != nil {
					return 0, err
				}
				r[ins.dst&15] = uint64(int64(int32(v)))
			}

		// Stores of an immediate and of a register.
		case stMem | szB, stxMem | szB:
			a := r[ins.dst&15] + uint64(int64(ins.off))
			v := storeValue(ins, r)
			if mp, ok := m.translate(a, 1, true); ok {
				*(*uint8)(mp) = uint8(v)
			} else if err := m.slowStore(pc-1, a, 1, v); err != nil {
				return 0, err
			}
		case stMem | szH, stxMem | szH:
			a := r[ins.dst&15] + uint64(int64(ins.off))
			v := storeValue(ins, r)
			if mp, ok := m.translate(a, 2, true); ok {
				*(*uint16)(mp) = uint16(v)
			} else if err := m.slowStore(pc-1, a, 2, v); err != nil {
				return 0, err
			}
		case stMem | szW, stxMem | szW:
			a := r[ins.dst&15] + uint64(int64(ins.off))
			v := storeValue(ins, r)
			if mp, ok := m.translate(a, 4, true); ok {
				*(*uint32)(mp) = uint32(v)
			} else if err := m.slowStore(pc-1, a, 4, v); err != nil {
				return 0, err
			}
		case stMem | szDW, stxMem | szDW:
			a := r[ins.dst&15] + uint64(int64(ins.off))
			v := storeValue(ins, r)
			if mp, ok := m.translate(a, 8, true); ok {
				*(*uint64)(mp) = uint64(v)
			} else if err := m.slowStore(pc-1, a, 8, v); err != nil {
				return 0, err
			}

		case atomicW:
			if err := m.atomic32(pc-1, ins, r); err != nil {
				return 0, err
			}
		case atomicDW:
			if err := m.atomic64(pc-1, ins, r); err != nil {
				return 0, err
			}

		// Legacy packet loads: big-endian, and a load past the packet ends
		// the whole program with r0 = 0, as in the kernel.
		case ldAbs | szB, ldAbs | szH, ldAbs | szW, ldInd | szB, ldInd | szH, ldInd | szW:
			v, ok, err := m.loadPacket(pc-1, ins, r)
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, nil
			}
			r[0] = v

		// 64-bit jumps.
		case jmp64 | ja:
			pc += int(ins.off)
		case jmp32 | ja: // gotol: 32-bit offset in imm
			pc += int(int32(ins.imm))
		case jmp64 | jcond: // may_goto
			if m.mayGoto == 0 {
				pc += int(ins.off)
			} else {
				m.mayGoto--
			}
		case jmp64 | jeq | k:
			if r[ins.dst&15] == ins.imm {
				pc += int(ins.off)
			}
		case jmp64 | jeq | x:
			if r[ins.dst&15] == r[ins.src&15] {
				pc += int(ins.off)
			}
		case jmp64 | jne | k:
			if r[ins.dst&15] != ins.imm {
				pc += int(ins.off)
			}
		case jmp64 | jne | x:
			if r[ins.dst&15] != r[ins.src&15] {
				pc += int(ins.off)
			}
		case jmp64 | jgt | k:
			if r[ins.dst&15] > ins.imm {
				pc += int(ins.off)
			}
		case jmp64 | jgt | x:
			if r[ins.dst&15] > r[ins.src&15] {
				pc += int(ins.off)
			}
		case jmp64 | jge | k:
			if r[ins.dst&15] >= ins.imm {
				pc += int(ins.off)
			}
		case jmp64 | jge | x:
			if r[ins.dst&15] >= r[ins.src&15] {
				pc += int(ins.off)
			}
		case jmp64 | jlt | k:
			if r[ins.dst&15] < ins.imm {
				pc += int(ins.off)
			}
		case jmp64 | jlt | x:
			if r[ins.dst&15] < r[ins.src&15] {
				pc += int(ins.off)
			}
		case jmp64 | jle | k:
			if r[ins.dst&15] <= ins.imm {
				pc += int(ins.off)
			}
		case jmp64 | jle | x:
			if r[ins.dst&15] <= r[ins.src&15] {
				pc += int(ins.off)
			}
		case jmp64 | jset | k:
			if r[ins.dst&15]&ins.imm != 0 {
				pc += int(ins.off)
			}
		case jmp64 | jset | x:
			if r[ins.dst&15]&r[ins.src&15] != 0 {
				pc += int(ins.off)
			}
		case jmp64 | jsgt | k:
			if int64(r[ins.dst&15]) > int64(ins.imm) {
				pc += int(ins.off)
			}
		case jmp64 | jsgt | x:
			if int64(r[ins.dst&15]) > int64(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp64 | jsge | k:
			if int64(r[ins.dst&15]) >= int64(ins.imm) {
				pc += int(ins.off)
			}
		case jmp64 | jsge | x:
			if int64(r[ins.dst&15]) >= int64(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp64 | jslt | k:
			if int64(r[ins.dst&15]) < int64(ins.imm) {
				pc += int(ins.off)
			}
		case jmp64 | jslt | x:
			if int64(r[ins.dst&15]) < int64(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp64 | jsle | k:
			if int64(r[ins.dst&15]) <= int64(ins.imm) {
				pc += int(ins.off)
			}
		case jmp64 | jsle | x:
			if int64(r[ins.dst&15]) <= int64(r[ins.src&15]) {
				pc += int(ins.off)
			}

		// 32-bit jumps compare the low halves.
		case jmp32 | jeq | k:
			if uint32(r[ins.dst&15]) == uint32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jeq | x:
			if uint32(r[ins.dst&15]) == uint32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jne | k:
			if uint32(r[ins.dst&15]) != uint32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jne | x:
			if uint32(r[ins.dst&15]) != uint32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jgt | k:
			if uint32(r[ins.dst&15]) > uint32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jgt | x:
			if uint32(r[ins.dst&15]) > uint32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jge | k:
			if uint32(r[ins.dst&15]) >= uint32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jge | x:
			if uint32(r[ins.dst&15]) >= uint32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jlt | k:
			if uint32(r[ins.dst&15]) < uint32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jlt | x:
			if uint32(r[ins.dst&15]) < uint32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jle | k:
			if uint32(r[ins.dst&15]) <= uint32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jle | x:
			if uint32(r[ins.dst&15]) <= uint32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jset | k:
			if uint32(r[ins.dst&15])&uint32(ins.imm) != 0 {
				pc += int(ins.off)
			}
		case jmp32 | jset | x:
			if uint32(r[ins.dst&15])&uint32(r[ins.src&15]) != 0 {
				pc += int(ins.off)
			}
		case jmp32 | jsgt | k:
			if int32(r[ins.dst&15]) > int32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jsgt | x:
			if int32(r[ins.dst&15]) > int32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jsge | k:
			if int32(r[ins.dst&15]) >= int32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jsge | x:
			if int32(r[ins.dst&15]) >= int32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jslt | k:
			if int32(r[ins.dst&15]) < int32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jslt | x:
			if int32(r[ins.dst&15]) < int32(r[ins.src&15]) {
				pc += int(ins.off)
			}
		case jmp32 | jsle | k:
			if int32(r[ins.dst&15]) <= int32(ins.imm) {
				pc += int(ins.off)
			}
		case jmp32 | jsle | x:
			if int32(r[ins.dst&15]) <= int32(r[ins.src&15]) {
				pc += int(ins.off)
			}

		// Calls and exit.
		case jmp64 | call | k:
			switch asm.Register(ins.src) {
			case asm.CallLocal:
				if m.depth+1 >= MaxFrames {
					return 0, &RuntimeError{PC: pc - 1, Err: ErrCallDepth, Detail: "more than 8 nested bpf-to-bpf calls"}
				}
				f := &m.frames[m.depth]
				f.ret = pc
				f.prog = p
				f.saved = [calleeSavedRegs]uint64{r[6], r[7], r[8], r[9]}
				m.depth++
				if m.depth >= m.dirty {
					m.dirty = m.depth + 1
				}
				r[10] -= StackSize
				pc += int(int32(ins.imm))
			default:
				idx := ins.imm >> 32
				if idx == 0 {
					return 0, &RuntimeError{PC: pc - 1, Err: ErrUnknownHelper, Detail: "no helper with id " + itoa(uint64(uint32(ins.imm)))}
				}
				m.budget, m.fp = budget, r[10]
				v, err := m.invoke(pc-1, p.helpers[idx-1], r)
				if err != nil {
					return 0, err
				}
				budget = m.budget
				r[0] = v
				if m.tail != nil {
					p, code, pc = m.tail, m.tail.code, 0
					m.prog, m.tail = p, nil
				}
			}
		case jmp64 | call | x: // callx: the register holds a helper id
			id := r[ins.dst&15]
			if id > 0x7fffffff {
				return 0, &RuntimeError{PC: pc - 1, Err: ErrUnknownHelper, Detail: "callx target is not a helper id"}
			}
			h := p.byID[int32(id)]
			if h == nil {
				return 0, &RuntimeError{PC: pc - 1, Err: ErrUnknownHelper, Detail: "no helper with id " + itoa(id)}
			}
			m.budget, m.fp = budget, r[10]
			v, err := m.invoke(pc-1, h, r)
			if err != nil {
				return 0, err
			}
			budget = m.budget
			r[0] = v
			if m.tail != nil {
				p, code, pc = m.tail, m.tail.code, 0
				m.prog, m.tail = p, nil
			}
		case jmp64 | exit:
			if m.depth == base {
				m.budget = budget
				return r[0], nil
			}
			m.depth--
			f := &m.frames[m.depth]
			r[6], r[7], r[8], r[9] = f.saved[0], f.saved[1], f.saved[2], f.saved[3]
			r[10] += StackSize
			pc = f.ret
			if f.prog != p {
				p, code = f.prog, f.prog.code
				m.prog = p
			}

		default:
			// Validation admits only the opcodes above; reaching here means
			// the second slot of a lddw, which validation keeps jumps from.
			return 0, &RuntimeError{PC: pc - 1, Err: asm.ErrInvalidInstruction, Detail: "not an executable instruction"}
		}
	}
}

func (m *Machine) fault(pc int, addr uint64, size int, what string) error {
	return &RuntimeError{PC: pc, Err: ErrMemoryAccess, Addr: addr, Size: size, Detail: what}
}

func (m *Machine) invoke(pc int, h Helper, r *[16]uint64) (uint64, error) {
	v, err := h(m, r[1], r[2], r[3], r[4], r[5])
	if err != nil {
		return 0, &RuntimeError{PC: pc, Err: ErrHelper, Detail: err.Error()}
	}
	return v, nil
}

func storeValue(ins *inst, r *[16]uint64) uint64 {
	if ins.op&7 == uint8(asm.ClassST) {
		return ins.imm
	}
	return r[ins.src&15]
}

func (m *Machine) atomicAddr(pc int, ins *inst, r *[16]uint64, size uint64) (unsafe.Pointer, error) {
	a := r[ins.dst&15] + uint64(int64(ins.off))
	if a%size != 0 {
		return nil, &RuntimeError{PC: pc, Err: ErrMemoryAccess, Addr: a, Size: int(size), Detail: "misaligned atomic access"}
	}
	p, ok := m.translate(a, size, true)
	if !ok {
		return nil, m.fault(pc, a, int(size), "atomic access")
	}
	return p, nil
}

func (m *Machine) atomic32(pc int, ins *inst, r *[16]uint64) error {
	p, err := m.atomicAddr(pc, ins, r, 4)
	if err != nil {
		return err
	}
	addr := (*uint32)(p)
	v := uint32(r[ins.src&15])
	var old uint32
	switch int32(ins.imm) &^ asm.AtomicFetch {
	case asm.AtomicAdd:
		old = atomic.AddUint32(addr, v) - v
	case asm.AtomicOr:
		old = atomic.OrUint32(addr, v)
	case asm.AtomicAnd:
		old = atomic.AndUint32(addr, v)
	case asm.AtomicXor:
		for {
			old = atomic.LoadUint32(addr)
			if atomic.CompareAndSwapUint32(addr, old, old^v) {
				break
			}
		}
	case asm.AtomicXchg &^ asm.AtomicFetch:
		old = atomic.SwapUint32(addr, v)
	case asm.AtomicCmpXchg &^ asm.AtomicFetch:
		want := uint32(r[0])
		for {
			old = atomic.LoadUint32(addr)
			if old != want || atomic.CompareAndSwapUint32(addr, old, v) {
				break
			}
		}
		r[0] = uint64(old)
		return nil
	}
	if int32(ins.imm)&asm.AtomicFetch != 0 {
		r[ins.src&15] = uint64(old)
	}
	return nil
}

func (m *Machine) atomic64(pc int, ins *inst, r *[16]uint64) error {
	p, err := m.atomicAddr(pc, ins, r, 8)
	if err != nil {
		return err
	}
	addr := (*uint64)(p)
	v := r[ins.src&15]
	var old uint64
	switch int32(ins.imm) &^ asm.AtomicFetch {
	case asm.AtomicAdd:
		old = atomic.AddUint64(addr, v) - v
	case asm.AtomicOr:
		old = atomic.OrUint64(addr, v)
	case asm.AtomicAnd:
		old = atomic.AndUint64(addr, v)
	case asm.AtomicXor:
		for {
			old = atomic.LoadUint64(addr)
			if atomic.CompareAndSwapUint64(addr, old, old^v) {
				break
			}
		}
	case asm.AtomicXchg &^ asm.AtomicFetch:
		old = atomic.SwapUint64(addr, v)
	case asm.AtomicCmpXchg &^ asm.AtomicFetch:
		want := r[0]
		for {
			old = atomic.LoadUint64(addr)
			if old != want || atomic.CompareAndSwapUint64(addr, old, v) {
				break
			}
		}
		r[0] = old
		return nil
	}
	if int32(ins.imm)&asm.AtomicFetch != 0 {
		r[ins.src&15] = old
	}
	return nil
}

// loadPacket performs LD_ABS/LD_IND. ok is false when the load falls
// outside the packet, which ends the program with r0 = 0.
func (m *Machine) loadPacket(pc int, ins *inst, r *[16]uint64) (v uint64, ok bool, err error) {
	if m.packet == nil {
		return 0, false, &RuntimeError{PC: pc, Err: ErrNoPacket, Detail: "this run has no packet"}
	}
	off := int64(int32(ins.imm))
	if ins.op&0xe0 == ldInd {
		off = int64(int32(uint32(ins.imm) + uint32(r[ins.src&15])))
	}
	size := int64(asm.SizeBytes(asm.OpCode(ins.op)))
	// Negative offsets address the network or MAC header, as the kernel's
	// bpf_internal_load_pointer_neg_helper does; anything else outside
	// the buffer ends the program.
	const skfNetOff, skfLLOff = -0x100000, -0x200000
	switch {
	case off >= 0:
		off += int64(m.pktData)
	case off >= skfNetOff:
		off = int64(m.pktNet) + off - skfNetOff
	case off >= skfLLOff:
		off = int64(m.pktMAC) + off - skfLLOff
	default:
		return 0, false, nil
	}
	if off < 0 || off+size > int64(len(m.packet)) {
		return 0, false, nil
	}
	b := m.packet[off : off+size]
	switch size {
	case 1:
		return uint64(b[0]), true, nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), true, nil
	}
	return uint64(binary.BigEndian.Uint32(b)), true, nil
}

func div64(a, b uint64, signed int16) uint64 {
	if b == 0 {
		return 0
	}
	if signed == 0 {
		return a / b
	}
	if int64(b) == -1 {
		return -a // INT_MIN / -1 wraps to INT_MIN
	}
	return uint64(int64(a) / int64(b))
}

func mod64(a, b uint64, signed int16) uint64 {
	if b == 0 {
		return a
	}
	if signed == 0 {
		return a % b
	}
	if int64(b) == -1 {
		return 0
	}
	return uint64(int64(a) % int64(b))
}

func div32(a, b uint32, signed int16) uint32 {
	if b == 0 {
		return 0
	}
	if signed == 0 {
		return a / b
	}
	if int32(b) == -1 {
		return -a
	}
	return uint32(int32(a) / int32(b))
}

func mod32(a, b uint32, signed int16) uint32 {
	if b == 0 {
		return a
	}
	if signed == 0 {
		return a % b
	}
	if int32(b) == -1 {
		return 0
	}
	return uint32(int32(a) % int32(b))
}

func movsx64(v uint64, width int16) uint64 {
	switch width {
	case 8:
		return uint64(int64(int8(v)))
	case 16:
		return uint64(int64(int16(v)))
	case 32:
		return uint64(int64(int32(v)))
	}
	return v
}

func bswap(v, width uint64) uint64 {
	switch width {
	case 16:
		return uint64(bits.ReverseBytes16(uint16(v)))
	case 32:
		return uint64(bits.ReverseBytes32(uint32(v)))
	}
	return bits.ReverseBytes64(v)
}

func truncate(v, width uint64) uint64 {
	switch width {
	case 16:
		return uint64(uint16(v))
	case 32:
		return uint64(uint32(v))
	}
	return v
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
