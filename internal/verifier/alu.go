package verifier

import (
	"math"
	"math/bits"

	"github.com/gbpf/gbpf/asm"
)

// view is one width (32 or 64 bits) of a scalar: its tnum and ranges,
// with 32-bit values held in 64-bit fields.
type view struct {
	tn         tnum
	smin, smax int64
	umin, umax uint64
	w          int
}

func (r *reg) view(w int) view {
	if w == 32 {
		return view{r.tn.subreg(), int64(r.s32min), int64(r.s32max), uint64(r.u32min), uint64(r.u32max), 32}
	}
	return view{r.tn, r.smin, r.smax, r.umin, r.umax, 64}
}

func (x *view) unknown() {
	if x.w == 32 {
		x.tn = tnum{0, math.MaxUint32}
		x.smin, x.smax, x.umin, x.umax = math.MinInt32, math.MaxInt32, 0, math.MaxUint32
		return
	}
	x.tn = tnumUnknown
	x.smin, x.smax, x.umin, x.umax = math.MinInt64, math.MaxInt64, 0, math.MaxUint64
}

func (x *view) unknownBounds() {
	t := x.tn
	x.unknown()
	x.tn = t
}

func (x *view) unknownSigned() {
	if x.w == 32 {
		x.smin, x.smax = math.MinInt32, math.MaxInt32
	} else {
		x.smin, x.smax = math.MinInt64, math.MaxInt64
	}
}

func (x *view) unknownUnsigned() {
	if x.w == 32 {
		x.umin, x.umax = 0, math.MaxUint32
	} else {
		x.umin, x.umax = 0, math.MaxUint64
	}
}

func (x *view) umaxAll() uint64 {
	if x.w == 32 {
		return math.MaxUint32
	}
	return math.MaxUint64
}

// sadd adds signed values of width w and reports overflow.
func sadd(a, b int64, w int) (int64, bool) {
	s := a + b
	if w == 32 {
		return s, s != int64(int32(s))
	}
	return s, (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0)
}

func ssub(a, b int64, w int) (int64, bool) {
	s := a - b
	if w == 32 {
		return s, s != int64(int32(s))
	}
	return s, (a >= 0) != (b >= 0) && (s >= 0) != (a >= 0)
}

func (x *view) op(y view, op asm.OpCode) {
	srcConst := y.tn.isConst()
	switch op {
	case asm.ALUAdd:
		lo, o1 := sadd(x.smin, y.smin, x.w)
		hi, o2 := sadd(x.smax, y.smax, x.w)
		if o1 || o2 {
			x.unknownSigned()
		} else {
			x.smin, x.smax = lo, hi
		}
		ulo, c1 := bits.Add64(x.umin, y.umin, 0)
		uhi, c2 := bits.Add64(x.umax, y.umax, 0)
		if c1 != 0 || c2 != 0 || uhi > x.umaxAll() || ulo > x.umaxAll() {
			x.unknownUnsigned()
		} else {
			x.umin, x.umax = ulo, uhi
		}
		x.tn = x.tn.add(y.tn)
	case asm.ALUSub:
		lo, o1 := ssub(x.smin, y.smax, x.w)
		hi, o2 := ssub(x.smax, y.smin, x.w)
		if o1 || o2 {
			x.unknownSigned()
		} else {
			x.smin, x.smax = lo, hi
		}
		if x.umin < y.umax {
			x.unknownUnsigned()
		} else {
			x.umin, x.umax = x.umin-y.umax, x.umax-y.umin
		}
		x.tn = x.tn.sub(y.tn)
	case asm.ALUMul:
		x.tn = x.tn.mul(y.tn)
		half := uint64(math.MaxUint32)
		if x.w == 32 {
			half = math.MaxUint16
		}
		if x.smin < 0 || y.smin < 0 || x.umax > half || y.umax > half {
			x.unknownBounds()
		} else {
			x.umin, x.umax = x.umin*y.umin, x.umax*y.umax
			if x.w == 64 && x.umax > math.MaxInt64 || x.w == 32 && x.umax > math.MaxInt32 {
				// Above the signed maximum: no signed bounds
				// (scalar_min_max_mul).
				x.unknownSigned()
			} else {
				x.smin, x.smax = int64(x.umin), int64(x.umax)
			}
		}
	case asm.ALUAnd:
		neg := x.smin < 0 || y.smin < 0
		x.tn = x.tn.and(y.tn)
		x.umin = x.tn.v
		x.umax = min(x.umax, y.umax)
		if neg {
			x.unknownSigned()
		} else {
			x.smin, x.smax = int64(x.umin), int64(x.umax)
		}
	case asm.ALUOr:
		neg := x.smin < 0 || y.smin < 0
		x.tn = x.tn.or(y.tn)
		x.umin = max(x.umin, y.umin)
		x.umax = x.tn.umax()
		if neg {
			x.unknownSigned()
		} else {
			x.smin, x.smax = int64(x.umin), int64(x.umax)
		}
	case asm.ALUXor:
		neg := x.smin < 0 || y.smin < 0
		x.tn = x.tn.xor(y.tn)
		x.umin, x.umax = x.tn.v, x.tn.umax()
		if neg {
			x.unknownSigned()
		} else {
			x.smin, x.smax = int64(x.umin), int64(x.umax)
		}
	case asm.ALULsh:
		if !srcConst || y.tn.v >= uint64(x.w) {
			x.unknown()
			return
		}
		s := uint(y.tn.v)
		x.tn = x.tn.lsh(s).cast(x.w / 8)
		if x.umax>>(uint(x.w)-s) != 0 {
			x.unknownUnsigned()
		} else {
			x.umin, x.umax = x.umin<<s, x.umax<<s
		}
		x.unknownSigned()
	case asm.ALURsh:
		if !srcConst || y.tn.v >= uint64(x.w) {
			x.unknown()
			return
		}
		s := uint(y.tn.v)
		x.tn = x.tn.rsh(s)
		x.umin, x.umax = x.umin>>s, x.umax>>s
		x.unknownSigned()
	case asm.ALUArsh:
		if !srcConst || y.tn.v >= uint64(x.w) {
			x.unknown()
			return
		}
		s := uint(y.tn.v)
		x.tn = x.tn.arsh(s, x.w)
		x.smin, x.smax = x.smin>>s, x.smax>>s
		x.unknownUnsigned()
	default: // div, mod and their signed forms: unknown (the kernel's rule)
		x.unknown()
	}
}

// scalarOp applies op to dst with src, for 64- or 32-bit ALU.
func scalarOp(dst, src *reg, op asm.OpCode, w int) {
	dst.id, dst.delta = 0, 0
	if !rangeComputable(src, op, w) {
		// The kernel's is_safe_to_compute_dst_reg_range: the whole
		// register becomes unknown, not zero-extended even for 32-bit
		// ALU, so its upper half is unknown too.
		*dst = unknownScalar()
		return
	}
	if dst.isConst() && src.isConst() {
		if val, ok := constFold(dst.tn.v, src.tn.v, op, w); ok {
			*dst = scalarConst(val)
			return
		}
	}
	if w == 32 {
		x := dst.view(32)
		x.op(src.view(32), op)
		*dst = reg{t: scalar}
		dst.unboundVar()
		dst.tn = tnum{x.tn.v & math.MaxUint32, x.tn.m & math.MaxUint32}
		dst.s32min, dst.s32max = int32(x.smin), int32(x.smax)
		dst.u32min, dst.u32max = uint32(x.umin), uint32(x.umax)
		if x.smin < math.MinInt32 || x.smax > math.MaxInt32 || x.smin > x.smax {
			dst.s32min, dst.s32max = math.MinInt32, math.MaxInt32
		}
		if x.umax > math.MaxUint32 || x.umin > x.umax {
			dst.u32min, dst.u32max = 0, math.MaxUint32
		}
		dst.zext()
		return
	}
	x := dst.view(64)
	x.op(src.view(64), op)
	// The low 32 bits of add, sub, mul and the bitwise ops depend on the
	// low 32 bits of the operands only.
	var lo view
	low := false
	switch op {
	case asm.ALUAdd, asm.ALUSub, asm.ALUMul, asm.ALUAnd, asm.ALUOr, asm.ALUXor:
		lo = dst.view(32)
		lo.op(src.view(32), op)
		low = true
	}
	*dst = reg{t: scalar}
	dst.unboundVar()
	dst.tn, dst.smin, dst.smax, dst.umin, dst.umax = x.tn, x.smin, x.smax, x.umin, x.umax
	if low {
		dst.tn = dst.tn.intersect(tnum{lo.tn.v & math.MaxUint32, lo.tn.m&math.MaxUint32 | 0xffffffff00000000})
		if lo.smin >= math.MinInt32 && lo.smax <= math.MaxInt32 && lo.smin <= lo.smax {
			dst.s32min, dst.s32max = int32(lo.smin), int32(lo.smax)
		}
		if lo.umax <= math.MaxUint32 && lo.umin <= lo.umax {
			dst.u32min, dst.u32max = uint32(lo.umin), uint32(lo.umax)
		}
	}
	dst.sync()
}

// rangeComputable says whether the kernel tracks op's result: division
// and modulo never, shifts only by a constant below the width (the
// constant judged by the low half for 32-bit ALU, the width by the whole
// register's maximum).
func rangeComputable(src *reg, op asm.OpCode, w int) bool {
	switch op {
	case asm.ALUAdd, asm.ALUSub, asm.ALUAnd, asm.ALUOr, asm.ALUXor, asm.ALUMul:
		return true
	case asm.ALULsh, asm.ALURsh, asm.ALUArsh:
		c := src.tn.isConst() && src.smin == src.smax && src.umin == src.umax
		if w == 32 {
			c = src.tn.subreg().isConst() && src.s32min == src.s32max && src.u32min == src.u32max
		}
		return c && src.umax < uint64(w)
	}
	return false
}

func constFold(a, b uint64, op asm.OpCode, w int) (uint64, bool) {
	if w == 32 {
		a, b = uint64(uint32(a)), uint64(uint32(b))
	}
	var r uint64
	switch op {
	case asm.ALUAdd:
		r = a + b
	case asm.ALUSub:
		r = a - b
	case asm.ALUMul:
		r = a * b
	case asm.ALUOr:
		r = a | b
	case asm.ALUAnd:
		r = a & b
	case asm.ALUXor:
		r = a ^ b
	case asm.ALULsh:
		if b >= uint64(w) {
			return 0, false
		}
		r = a << b
	case asm.ALURsh:
		if b >= uint64(w) {
			return 0, false
		}
		r = a >> b
	case asm.ALUArsh:
		if b >= uint64(w) {
			return 0, false
		}
		if w == 32 {
			r = uint64(uint32(int32(uint32(a)) >> b))
		} else {
			r = uint64(int64(a) >> b)
		}
	default:
		return 0, false
	}
	if w == 32 {
		r = uint64(uint32(r))
	}
	return r, true
}
