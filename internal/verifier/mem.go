package verifier

import (
	"fmt"

	"github.com/gbpf/gbpf/asm"
)

const (
	hintNull  = "check the pointer bpf_map_lookup_elem (or another *_or_null helper) returned against NULL before using it: if (!p) return ...;"
	hintPkt   = "compare the pointer plus the access size against data_end first: if (data + off + size > data_end) return ...;"
	hintBound = "bound the variable first: if (idx >= N) return ...; or mask it: idx &= N-1 (an unsigned variable cannot go negative)"
	hintSize  = "bound the size with a check the verifier can follow, e.g. if (len > sizeof(buf)) len = sizeof(buf); or len &= (sizeof(buf)-1)"
	hintStack = "initialise the stack variable before reading it or passing it to a helper (e.g. = {} or __builtin_memset)"
	hintRef   = "every path must end the ring buffer record with bpf_ringbuf_submit or bpf_ringbuf_discard (including error paths)"
)

func (v *verifier) load(ins asm.Instruction) {
	size := asm.SizeBytes(ins.OpCode.Size())
	v.readReg(ins.Src)
	val := v.access(ins.Src, int(ins.Offset), size, false, nil)
	if ins.OpCode.Mode() == asm.ModeMEMSX && val.t == scalar {
		if val.isConst() {
			c := val.tn.v
			switch size {
			case 1:
				c = uint64(int64(int8(c)))
			case 2:
				c = uint64(int64(int16(c)))
			case 4:
				c = uint64(int64(int32(c)))
			}
			val = scalarConst(c)
		} else {
			val = unknownScalar()
			if size < 8 {
				val.smin, val.smax = -(1 << (8*size - 1)), 1<<(8*size-1)-1
				val.sync()
			}
		}
	}
	*v.writeReg(ins.Dst) = val
}

func (v *verifier) store(ins asm.Instruction) {
	size := asm.SizeBytes(ins.OpCode.Size())
	v.readReg(ins.Dst)
	var val reg
	if ins.OpCode.Class() == asm.ClassSTX {
		val = *v.readReg(ins.Src)
	} else {
		// The whole immediate, as the kernel keeps it: a narrow spill
		// of it is cut to size when read back, and only an immediate of
		// 0 writes zero bytes.
		val = scalarConst(uint64(int64(ins.Imm)))
	}
	v.access(ins.Dst, int(ins.Offset), size, true, &val)
	// Zero bytes written from a register are exact for pruning (stack
	// slots are compared byte kind by byte kind): the register's value
	// matters, as the kernel marks it. A write at an 8-byte aligned
	// constant offset spills the register instead (its value stays
	// imprecise there): check_stack_write_fixed_off marks only writes
	// that leave STACK_ZERO bytes.
	if ins.OpCode.Class() == asm.ClassSTX && val.t == scalar && val.isConst() && val.tn.v == 0 {
		if d := v.regs()[ins.Dst]; d.t == ptrStack && (!d.varZero() || (int(d.off)+int(ins.Offset))%slotSize != 0) {
			v.markPrecise(ins.Src)
		}
	}
}

func (v *verifier) atomic(ins asm.Instruction) {
	size := asm.SizeBytes(ins.OpCode.Size())
	if size != 4 && size != 8 {
		v.reject("", "invalid atomic operand size")
	}
	dst := v.readReg(ins.Dst)
	src := v.readReg(ins.Src)
	if src.t != scalar && v.cfg.Unprivileged {
		v.reject("", "R%d leaks addr into mem", ins.Src)
	}
	switch dst.t {
	case ptrStack, ptrMapValue, ptrMem:
	default:
		v.reject("", "BPF_ATOMIC stores into R%d %s is not allowed", ins.Dst, typeName(dst))
	}
	if ins.Imm == asm.AtomicCmpXchg {
		v.readReg(asm.R0)
	}
	// Atomics are always strictly aligned: every value the variable part
	// may take, not just its known bits, must keep the address aligned.
	if at := dst.tn.add(tconst(uint64(int64(dst.off) + int64(ins.Offset)))); (at.v|at.m)&uint64(size-1) != 0 {
		what := map[regType]string{ptrMapValue: "value ", ptrStack: "stack "}[dst.t]
		v.reject("", "misaligned %saccess off (%#x; %#x)+%d+%d size %d", what, dst.tn.v, dst.tn.m, dst.off, ins.Offset, size)
	}
	// Every atomic operation reads the memory first, and a fetch fills
	// its register with what it read before the write is checked
	// (check_atomic_rmw): a fetch into the address register makes the
	// write go through the value loaded, and a fetch of a spilled
	// pointer loads the pointer.
	old := v.access(ins.Dst, int(ins.Offset), size, false, nil)
	if ins.Imm&asm.AtomicFetch != 0 {
		load := ins.Src
		if ins.Imm == asm.AtomicCmpXchg {
			load = asm.R0
		}
		*v.writeReg(load) = old
	}
	x := unknownScalar()
	v.access(ins.Dst, int(ins.Offset), size, true, &x)
}

// sizedUnknown is what a load of size bytes of unknown memory gives.
func sizedUnknown(size int) reg {
	r := unknownScalar()
	if size < 8 {
		r.umax = 1<<(8*size) - 1
		r.sync()
	}
	return r
}

// access checks a load (val nil) or store of size bytes at regno+off and
// returns the loaded value.
func (v *verifier) access(regno asm.Register, off, size int, write bool, val *reg) reg {
	p := v.regs()[regno]
	if write && val != nil && val.t != scalar && v.cfg.Unprivileged && p.t != ptrStack {
		v.reject("", "R%d leaks addr into mem", regno)
	}
	if p.maybeNull && p.t != scalar {
		hint := hintNull
		if p.t == ptrMem && p.refID == 0 && p.memSize > 0 && v.st.cur().global {
			hint = "a global function's pointer argument may be NULL: check it (if (!p) return 0;), or make the function static"
		}
		v.reject(hint, "R%d invalid mem access '%s'", regno, typeName(&p))
	}
	if p.t == ptrCtx {
		v.ctxAccessed[v.pc] = true
	}
	switch p.t {
	case ptrStack:
		return v.stackAccess(regno, &p, off, size, write, val)
	case ptrMapValue:
		if write && p.rdonly {
			v.reject("", "write into map forbidden, value_size=%d off=%d size=%d", p.m.spec.ValueSize, int(p.off)+off, size)
		}
		v.checkMapValue(regno, &p, off, size, false)
		return v.loadedValue(&p, off, size)
	case ptrMapKey:
		if write {
			v.reject("", "write to change key R%d not allowed", regno)
		}
		v.checkRegion(regno, &p, off, size, int(p.m.spec.KeySize), "map key")
		return sizedUnknown(size)
	case ptrMem:
		if write && p.rdonly {
			v.reject("", "R%d cannot write into %s", regno, typeName(&p))
		}
		if p.maybeNull {
			v.reject(hintNull, "R%d invalid mem access '%s'", regno, typeName(&p))
		}
		v.checkRegion(regno, &p, off, size, int(p.memSize), "memory")
		return sizedUnknown(size)
	case ptrCtx:
		return v.ctxAccess(regno, &p, off, size, write, val)
	case ptrSocket, ptrSockCommon:
		if write {
			v.reject("", "R%d cannot write into %s", regno, typeName(&p))
		}
		if !p.varZero() {
			v.reject("", "R%d invalid variable-offset %s access", regno, typeName(&p))
		}
		if !sockAccessOK(int(p.off)+off, size, p.t == ptrSockCommon) {
			v.reject("", "R%d invalid %s access off=%d size=%d", regno, typeName(&p), int(p.off)+off, size)
		}
		return sizedUnknown(size)
	case ptrPacket, ptrPacketMeta:
		if write && !v.pktWritable() {
			v.reject("", "cannot write into packet")
		}
		if !v.pktReadable() {
			v.reject("", "cannot read packet")
		}
		v.checkPacket(regno, &p, off, size)
		return sizedUnknown(size)
	}
	hint := ""
	if p.maybeNull {
		hint = hintNull
	} else if p.t == scalar && p.staleAt > 0 {
		at := int(p.staleAt) - 1
		hint = fmt.Sprintf("R%d was a packet pointer until instruction %d (%s) called %s, which may move the packet: load ctx->data and ctx->data_end again after the call, and check the bounds again",
			regno, at, v.p.SourceLine(at), helperName(v.insns[at].Imm))
	} else if p.t == scalar {
		hint = "only pointers the verifier tracks (context, stack, map values, packet after a data_end check) can be dereferenced"
	}
	v.reject(hint, "R%d invalid mem access '%s'", regno, typeName(&p))
	return reg{}
}

// checkRegion checks [off, off+size) of a sized region with a variable offset.
func (v *verifier) checkRegion(regno asm.Register, p *reg, off, size, limit int, what string) {
	if p.smin < 0 {
		v.reject(hintBound, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno)
	}
	lo := int64(p.off) + int64(off) + p.smin
	if lo < 0 || lo+int64(size) > int64(limit) {
		v.reject("", "invalid access to %s, mem_size=%d off=%d size=%d", what, limit, lo, size)
	}
	if p.umax >= maxVarOff {
		v.reject(hintBound, "R%d unbounded memory access, make sure to bounds check any such access", regno)
	}
	hi := int64(p.off) + int64(off) + int64(p.umax) + int64(size)
	if hi > int64(limit) {
		v.reject(hintBound, "invalid access to %s, mem_size=%d off=%d size=%d (R%d max value is outside of the allowed memory range)", what, limit, int64(p.off)+int64(off)+int64(p.umax), size, regno)
	}
}

func (v *verifier) checkMapValue(regno asm.Register, p *reg, off, size int, zeroOK bool) {
	vs := int(p.m.spec.ValueSize)
	if p.smin < 0 {
		v.reject(hintBound, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno)
	}
	lo := int64(p.off) + int64(off) + p.smin
	if lo < 0 || lo+int64(size) > int64(vs) {
		v.reject("", "invalid access to map value, value_size=%d off=%d size=%d", vs, lo, size)
	}
	if p.umax >= maxVarOff {
		v.reject(hintBound, "R%d unbounded memory access, make sure to bounds check any such access", regno)
	}
	hi := int64(p.off) + int64(off) + int64(p.umax)
	if hi+int64(size) > int64(vs) {
		v.reject(hintBound, "R%d max value is outside of the allowed memory range: invalid access to map value, value_size=%d off=%d size=%d", regno, vs, hi, size)
	}
	if sl := p.m.spinLockOff; sl >= 0 && size > 0 {
		if lo < int64(sl)+4 && hi+int64(size) > int64(sl) {
			v.reject("", "bpf_spin_lock cannot be accessed directly by load/store")
		}
	}
}

// loadedValue is what a load from a map value gives: the constant stored
// there when the map is frozen read-only data (.rodata) and the offset is
// known, as the kernel reads it; otherwise an unknown scalar of the size.
func (v *verifier) loadedValue(p *reg, off, size int) reg {
	if p.m.frozen == nil || !p.tn.isConst() {
		return sizedUnknown(size)
	}
	at := int64(p.off) + int64(off) + int64(p.tn.v)
	if at < 0 || at+int64(size) > int64(len(p.m.frozen)) {
		return sizedUnknown(size)
	}
	var c uint64
	for i := size - 1; i >= 0; i-- {
		c = c<<8 | uint64(p.m.frozen[at+int64(i)])
	}
	return scalarConst(c)
}

func (v *verifier) checkPacket(regno asm.Register, p *reg, off, size int) {
	if p.smin < 0 {
		v.reject(hintBound, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno)
	}
	o := int(p.off) + off
	if o < 0 || o+size > int(p.rng) {
		v.reject(hintPkt, "invalid access to packet, off=%d size=%d, R%d(id=%d,off=%d,r=%d): R%d offset is outside of the packet", o, size, regno, p.id, p.off, p.rng, regno)
	}
}

func (v *verifier) stackAccess(regno asm.Register, p *reg, off, size int, write bool, val *reg) reg {
	f := v.st.frames[p.frame]
	if !p.varZero() {
		lo := int64(p.off) + int64(off) + p.smin
		hi := int64(p.off) + int64(off) + p.smax + int64(size)
		if p.smin < -maxStack || p.smax > maxStack || lo < -maxStack || hi > 0 {
			v.reject(hintBound, "invalid variable-offset %s stack R%d var_off=(%#x; %#x) off=%d size=%d", map[bool]string{true: "write to", false: "read from"}[write], regno, p.tn.v, p.tn.m, int(p.off)+off, size)
		}
		// Stack accesses are always strictly aligned, variable offsets too.
		if at := p.tn.add(tconst(uint64(int64(p.off) + int64(off)))); (at.v|at.m)&uint64(size-1) != 0 {
			v.reject("", "misaligned stack access off (%#x; %#x)+%d+%d size %d", p.tn.v, p.tn.m, p.off, off, size)
		}
		f.grow(int(lo))
		v.noteDepth(p.frame, int(lo))
		if !write {
			v.markStackRead(p.frame, int(lo), int(hi))
		}
		for o := int(lo); o < int(hi); o++ {
			s, b := f.byteAt(o)
			if write {
				f.destroyDynptr(o)
				if s.isSpill() {
					s.kinds = [8]slotKind{stMisc, stMisc, stMisc, stMisc, stMisc, stMisc, stMisc, stMisc}
				}
				s.kinds[b] = stMisc
			} else if s.kinds[b] == stDynptr {
				v.reject("", "invalid read from stack R%d var_off=(%#x; %#x) off=%d: a struct bpf_dynptr is there", regno, p.tn.v, p.tn.m, int(p.off)+off)
			} else if s.isSpill() && s.spill.t != scalar && v.cfg.Unprivileged {
				v.reject("", "invalid read from stack R%d var_off", regno)
			}
		}
		return sizedUnknown(size)
	}
	o := int(p.off) + off
	if o < -maxStack || o+size > 0 {
		what := "read from"
		if write {
			what = "write to"
		}
		v.reject("", "invalid %s stack R%d off=%d size=%d", what, regno, o, size)
	}
	if o%size != 0 {
		v.reject("", "misaligned stack access off %d+%d size %d", p.off, off, size)
	}
	f.grow(o)
	v.noteDepth(p.frame, o)
	v.noteStackSlot(p.frame, o)
	s, b := f.byteAt(o)
	if !write {
		v.markStackRead(p.frame, o, o+size)
	} else if size == slotSize {
		v.markStackWrite(p.frame, o)
	}
	if write {
		f.destroyDynptr(o)
		if val.t != scalar && size != 8 {
			v.reject("", "invalid size of register spill")
		}
		if val.t == ptrStack && p.frame != len(v.st.frames)-1 {
			v.reject("", "cannot spill pointers to stack into stack frame of the caller")
		}
		if size == 8 {
			s.spill = *val
			s.spillSize = 8
			s.kinds = [8]slotKind{stSpill, stSpill, stSpill, stSpill, stSpill, stSpill, stSpill, stSpill}
			v.noteHistEntry()
			return reg{}
		}
		if b == 0 && val.t == scalar && !v.cfg.Unprivileged {
			// A narrow scalar spill keeps its value, cut to size when
			// read back (the kernel's save_register_state with size <
			// 8); one that does not fit loses its links.
			if s.isSpill() {
				s.kinds = [8]slotKind{stMisc, stMisc, stMisc, stMisc, stMisc, stMisc, stMisc, stMisc}
			}
			s.spill = *val
			if val.umax >= 1<<(8*size) {
				s.spill.id, s.spill.delta = 0, 0
			}
			s.spillSize = size
			for i := 0; i < size; i++ {
				s.kinds[i] = stSpill
			}
			v.noteHistEntry()
			return reg{}
		}
		if s.isSpill() {
			s.kinds = [8]slotKind{stMisc, stMisc, stMisc, stMisc, stMisc, stMisc, stMisc, stMisc}
			s.spill = reg{}
		}
		k := stMisc
		if val.isConst() && val.tn.v == 0 {
			k = stZero
		}
		for i := 0; i < size; i++ {
			s.kinds[b+i] = k
		}
		return reg{}
	}
	if s.isSpill() {
		if size == 8 && s.spillSize == 8 {
			v.noteHistEntry()
			return s.spill
		}
		if s.spill.t != scalar {
			v.reject("", "invalid size of register fill")
		}
		if b == 0 && size <= s.spillSize {
			v.noteHistEntry() // the spilled register is restored
		}
		return fillScalar(s, b, size)
	}
	zero := true
	for i := 0; i < size; i++ {
		switch s.kinds[b+i] {
		case stDynptr:
			v.reject("read the dynptr's memory with bpf_dynptr_read or bpf_dynptr_data", "invalid read from stack off %d+%d size %d: a struct bpf_dynptr is there", p.off, off, size)
		case stZero:
		case stInvalid:
			zero = false
			if v.cfg.Unprivileged {
				v.reject(hintStack, "invalid read from stack R%d off %d+%d size %d", regno, p.off, off, size)
			}
		default:
			zero = false
		}
	}
	if zero {
		return scalarConst(0)
	}
	return sizedUnknown(size)
}

// fillScalar is what a load of size bytes at byte b of a slot holding a
// spilled scalar gives, by the kernel's rules (check_stack_read_fixed_off):
// from the start of the spill and no wider than it, the spilled value cut
// to size; elsewhere only zeros are known (bytes of a spilled 0 or
// written zeros), even bytes of a known constant are not.
func fillScalar(s *slot, b, size int) reg {
	if b == 0 && size <= s.spillSize {
		return s.spill.truncated(size)
	}
	spilled, zeros := 0, 0
	for i := b; i < b+size; i++ {
		switch s.kinds[i] {
		case stSpill:
			spilled++
		case stZero:
			zeros++
		}
	}
	if spilled == size && s.spill.isConst() && s.spill.tn.v == 0 || zeros == size {
		return scalarConst(0)
	}
	return sizedUnknown(size)
}

func (v *verifier) noteDepth(frame, off int) {
	sp := v.st.frames[frame].subprog
	if -off > v.depths[sp] {
		v.depths[sp] = -off
	}
}

// checkHelperMem checks that a helper may read (or write) size bytes
// from the pointer in regno.
func (v *verifier) checkHelperMem(regno asm.Register, size int, write, uninit bool, pktOK bool) {
	p := v.regs()[regno]
	if size == 0 {
		// Even an empty access must point into the stack, not at or
		// above the frame's top (check_stack_access_within_bounds).
		if lo := int64(p.off) + p.smin; p.t == ptrStack && (lo < -maxStack || lo > -1) {
			what := "read from"
			if write {
				what = "write to"
			}
			v.reject("", "invalid %s stack R%d off=%d size=0", what, regno, lo)
		}
		return
	}
	switch p.t {
	case ptrStack:
		f := v.st.frames[p.frame]
		lo := int64(p.off) + p.smin
		hi := int64(p.off) + p.smax + int64(size)
		if !p.varZero() && (p.smin < -maxStack || p.smax > 0) || lo < -maxStack || hi > 0 {
			v.reject("", "invalid indirect access to stack R%d off=%d size=%d", regno, lo, size)
		}
		f.grow(int(lo))
		v.noteDepth(p.frame, int(lo))
		if !write {
			v.markStackRead(p.frame, int(lo), int(hi))
		}
		for o := int(lo); o < int(hi); o++ {
			s, b := f.byteAt(o)
			if write {
				f.destroyDynptr(o)
				if s.isSpill() {
					s.kinds = [8]slotKind{stMisc, stMisc, stMisc, stMisc, stMisc, stMisc, stMisc, stMisc}
					s.spill = reg{}
				}
				s.kinds[b] = stMisc
				continue
			}
			if s.kinds[b] == stDynptr {
				v.reject("", "invalid indirect read from stack R%d off %d+%d size %d: a struct bpf_dynptr is there", regno, lo, o-int(lo), size)
			}
			if s.kinds[b] == stInvalid && v.cfg.Unprivileged {
				v.reject(hintStack, "invalid indirect read from stack R%d off %d+%d size %d", regno, lo, o-int(lo), size)
			}
			if s.isSpill() && s.spill.t != scalar && v.cfg.Unprivileged {
				v.reject("", "R%d leaks addr into helper function", regno)
			}
		}
	case ptrMapValue:
		if write && p.rdonly {
			v.reject("", "write into map forbidden")
		}
		v.checkMapValue(regno, &p, 0, size, true)
	case ptrMapKey:
		if write {
			v.reject("", "R%d cannot write into map key", regno)
		}
		v.checkRegion(regno, &p, 0, size, int(p.m.spec.KeySize), "map key")
	case ptrMem:
		if write && p.rdonly {
			v.reject("", "R%d cannot write into %s", regno, typeName(&p))
		}
		v.checkRegion(regno, &p, 0, size, int(p.memSize), "memory")
	case ptrPacket, ptrPacketMeta:
		if !pktOK || !v.pktReadable() {
			v.reject("copy the packet bytes to the stack first (or use a helper that takes packet pointers)", "helper access to the packet is not allowed")
		}
		if write && !v.pktWritable() {
			v.reject("", "cannot write into packet")
		}
		v.checkPacket(regno, &p, 0, size)
	default:
		v.reject("", "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem", regno, typeName(&p))
	}
}

// sockAccessOK applies the kernel's bpf_sock_is_valid_access (and, for
// sock_common, bpf_sock_common_is_valid_access) to a load from struct
// bpf_sock.
func sockAccessOK(off, size int, common bool) bool {
	const (
		sockSize = 80
		family   = 4
		typ      = 8
		priority = 20
		srcIP4   = 24
		srcIP6   = 28
		srcPort  = 44
		dstPort  = 48
		dstIP4   = 52
		dstIP6   = 56
		state    = 72
		rxQueue  = 76
	)
	if off < 0 || off >= sockSize || size <= 0 || off%size != 0 {
		return false
	}
	if common && off >= typ && off < priority+4 {
		return false
	}
	narrow := func(fieldSize int) bool {
		// bpf_ctx_narrow_access_ok: a power of two no larger than the
		// field, within it.
		return size <= fieldSize && off%fieldSize+size <= fieldSize
	}
	switch {
	case off == state || off == family || off == typ || off == 12 || off == srcPort || off == rxQueue,
		off >= srcIP4 && off < srcIP4+4, off >= srcIP6 && off < srcIP6+16,
		off >= dstIP4 && off < dstIP4+4, off >= dstIP6 && off < dstIP6+16:
		return narrow(4)
	case off >= dstPort && off < dstPort+2:
		if size == 4 {
			return true
		}
		return narrow(2)
	case off >= dstPort+2 && off < dstIP4:
		return false // padding
	}
	return size == 4
}
