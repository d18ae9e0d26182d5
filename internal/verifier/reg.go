package verifier

import (
	"fmt"
	"math"
	"strings"
)

// regType is the kernel's enum bpf_reg_type (without flag bits; nullness
// and read-only are fields of reg).
type regType uint8

const (
	notInit regType = iota
	scalar
	ptrCtx
	ptrStack
	constMap
	ptrMapValue
	ptrMapKey
	ptrPacket
	ptrPacketEnd
	ptrPacketMeta
	ptrMem // ring buffer records and other sized memory
	ptrFunc
	ptrSocket     // struct bpf_sock from bpf_sk_lookup_*
	ptrSockCommon // struct bpf_sock with only the common fields, from bpf_skc_lookup_tcp
)

var regTypeNames = [...]string{
	notInit:       "?",
	scalar:        "scalar",
	ptrCtx:        "ctx",
	ptrStack:      "fp",
	constMap:      "map_ptr",
	ptrMapValue:   "map_value",
	ptrMapKey:     "map_key",
	ptrPacket:     "pkt",
	ptrPacketEnd:  "pkt_end",
	ptrPacketMeta: "pkt_meta",
	ptrMem:        "mem",
	ptrFunc:       "func",
	ptrSocket:     "sock",
	ptrSockCommon: "sock_common",
}

func (t regType) String() string { return regTypeNames[t] }

// reg is the abstract value of one register or spilled stack slot.
type reg struct {
	t         regType
	maybeNull bool
	rdonly    bool
	off       int32 // fixed offset of a pointer
	id        uint32
	refID     uint32 // acquired reference (ring buffer record)
	rng       int32  // packet: bytes proven readable from the pointer's base
	memSize   int32  // ptrMem: size of the memory
	frame     int    // ptrStack: frame the pointer points into
	target    int    // ptrFunc: first slot of the function
	m         *mapInfo
	precise   bool // scalar: its bounds were relied on (precision tracking)
	// delta: a scalar linked to others by id holds their common value
	// plus delta (r8 = r7; r8 += 1, as the kernel's BPF_ADD_CONST).
	delta int64
	// staleAt: 1 + the instruction whose helper call invalidated the
	// packet pointer this scalar was (for error messages only).
	staleAt int32

	// Scalar value, or the variable offset of a pointer.
	tn             tnum
	smin, smax     int64
	umin, umax     uint64
	s32min, s32max int32
	u32min, u32max uint32
}

func (r *reg) isPtr() bool { return r.t != notInit && r.t != scalar }

func (r *reg) isPkt() bool { return r.t == ptrPacket || r.t == ptrPacketMeta }

// setUnknown makes r an unknown scalar.
func (r *reg) setUnknown() {
	*r = reg{t: scalar}
	r.unboundVar()
}

// unboundVar forgets the value part.
func (r *reg) unboundVar() {
	r.tn = tnumUnknown
	r.smin, r.smax = math.MinInt64, math.MaxInt64
	r.umin, r.umax = 0, math.MaxUint64
	r.s32min, r.s32max = math.MinInt32, math.MaxInt32
	r.u32min, r.u32max = 0, math.MaxUint32
}

// setConst makes the value part exactly v.
func (r *reg) setConstVar(v uint64) {
	r.tn = tconst(v)
	r.smin, r.smax = int64(v), int64(v)
	r.umin, r.umax = v, v
	r.s32min, r.s32max = int32(v), int32(v)
	r.u32min, r.u32max = uint32(v), uint32(v)
}

func scalarConst(v uint64) reg {
	r := reg{t: scalar}
	r.setConstVar(v)
	return r
}

func unknownScalar() reg {
	var r reg
	r.setUnknown()
	return r
}

func (r *reg) isConst() bool { return r.t == scalar && r.tn.isConst() }

// varZero reports whether a pointer's variable part is known zero.
func (r *reg) varZero() bool { return r.tn.isConst() && r.tn.v == 0 }

// sync is the kernel's reg_bounds_sync: learn bounds from the tnum, the
// five views from each other, then the tnum from the bounds.
func (r *reg) sync() {
	r.updateBounds()
	r.deduce32()
	r.deduce64()
	r.boundOffset()
	r.updateBounds()
	r.deduce32()
	r.deduce64()
}

func (r *reg) updateBounds() {
	s := r.tn.subreg()
	r.s32min = max(r.s32min, int32(uint32(s.v|(s.m&(1<<31)))))
	r.s32max = min(r.s32max, int32(uint32(s.v|(s.m&0x7fffffff))))
	r.u32min = max(r.u32min, uint32(s.v))
	r.u32max = min(r.u32max, uint32(s.v|s.m))
	r.smin = max(r.smin, int64(r.tn.v|(r.tn.m&(1<<63))))
	r.smax = min(r.smax, int64(r.tn.v|(r.tn.m&math.MaxInt64)))
	r.umin = max(r.umin, r.tn.v)
	r.umax = min(r.umax, r.tn.v|r.tn.m)
}

func (r *reg) deduce32() {
	// From the 64-bit bounds when they stay inside one 4 GiB window.
	if r.umin>>32 == r.umax>>32 {
		r.u32min = max(r.u32min, uint32(r.umin))
		r.u32max = min(r.u32max, uint32(r.umax))
		if int32(uint32(r.umin)) <= int32(uint32(r.umax)) {
			r.s32min = max(r.s32min, int32(uint32(r.umin)))
			r.s32max = min(r.s32max, int32(uint32(r.umax)))
		}
	}
	if r.smin>>32 == r.smax>>32 {
		if uint32(r.smin) <= uint32(r.smax) {
			r.u32min = max(r.u32min, uint32(r.smin))
			r.u32max = min(r.u32max, uint32(r.smax))
		}
		if int32(r.smin) <= int32(r.smax) {
			r.s32min = max(r.s32min, int32(r.smin))
			r.s32max = min(r.s32max, int32(r.smax))
		}
	}
	// Signed and unsigned 32-bit views of each other.
	if int32(r.u32min) <= int32(r.u32max) {
		r.s32min = max(r.s32min, int32(r.u32min))
		r.s32max = min(r.s32max, int32(r.u32max))
	}
	if uint32(r.s32min) <= uint32(r.s32max) {
		r.u32min = max(r.u32min, uint32(r.s32min))
		r.u32max = min(r.u32max, uint32(r.s32max))
	}
}

func (r *reg) deduce64() {
	if int64(r.umin) <= int64(r.umax) {
		r.smin = max(r.smin, int64(r.umin))
		r.smax = min(r.smax, int64(r.umax))
	}
	if uint64(r.smin) <= uint64(r.smax) {
		r.umin = max(r.umin, uint64(r.smin))
		r.umax = min(r.umax, uint64(r.smax))
	}
	// The 32-bit bounds refine the low half when the high half is fixed.
	if r.umin>>32 == r.umax>>32 {
		hi := r.umin &^ 0xffffffff
		lo, hiv := hi|uint64(r.u32min), hi|uint64(r.u32max)
		r.umin = max(r.umin, lo)
		r.umax = min(r.umax, hiv)
		if int64(r.umin) <= int64(r.umax) {
			r.smin = max(r.smin, int64(r.umin))
			r.smax = min(r.smax, int64(r.umax))
		}
	}
}

func (r *reg) boundOffset() {
	t64 := r.tn.intersect(trange(r.umin, r.umax))
	t32 := t64.subreg().intersect(trange(uint64(r.u32min), uint64(r.u32max)))
	r.tn = t64.clearSubreg().or(t32)
}

// truncated is the scalar r cut to its low size bytes (the kernel's
// coerce_reg_to_size). It stays linked to r while no bits are lost.
func (r reg) truncated(size int) reg {
	if size >= 8 {
		return r
	}
	mask := uint64(1)<<(8*size) - 1
	out := reg{t: scalar, tn: r.tn.cast(size), precise: r.precise, u32min: r.u32min, u32max: r.u32max, s32min: r.s32min, s32max: r.s32max}
	if r.umax <= mask {
		out.id, out.delta = r.id, r.delta
	}
	if r.umin&^mask == r.umax&^mask {
		out.umin, out.umax = r.umin&mask, r.umax&mask
	} else {
		out.umin, out.umax = 0, mask
	}
	out.smin, out.smax = int64(out.umin), int64(out.umax)
	if size < 4 {
		out.u32min, out.u32max, out.s32min, out.s32max = 0, math.MaxUint32, math.MinInt32, math.MaxInt32
	}
	out.sync()
	return out
}

// zext32 zero-extends the 32-bit subregister into the whole register
// after a 32-bit operation whose 32-bit bounds and tnum are set.
func (r *reg) zext32() {
	r.tn = r.tn.subreg()
	if int32(r.u32min) <= int32(r.u32max) && r.s32min >= 0 {
		// fine either way; the 64-bit bounds are the unsigned 32-bit ones
	}
	r.umin, r.umax = uint64(r.u32min), uint64(r.u32max)
	r.smin, r.smax = int64(r.u32min), int64(r.u32max)
}

// bad reports contradicting bounds (the branch cannot happen).
func (r *reg) bad() bool {
	return r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max ||
		r.tn.v&r.tn.m != 0
}

// sameVar reports whether two value parts are identical.
func (r *reg) sameVar(o *reg) bool {
	return r.tn == o.tn && r.smin == o.smin && r.smax == o.smax && r.umin == o.umin && r.umax == o.umax &&
		r.s32min == o.s32min && r.s32max == o.s32max && r.u32min == o.u32min && r.u32max == o.u32max
}

// varWithin reports whether every value of cur's value part is one of old's.
func varWithin(old, cur *reg) bool {
	return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
		old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min && old.s32max >= cur.s32max &&
		old.tn.in(cur.tn)
}

func (r reg) String() string {
	var b strings.Builder
	switch r.t {
	case notInit:
		return "?"
	case scalar:
		if r.tn.isConst() {
			return fmt.Sprintf("%d", int64(r.tn.v))
		}
		b.WriteString("scalar(")
		b.WriteString(r.boundsString())
		b.WriteString(")")
		return b.String()
	}
	b.WriteString(r.t.String())
	if r.maybeNull {
		b.WriteString("_or_null")
	}
	b.WriteString("(")
	var parts []string
	if r.id != 0 {
		parts = append(parts, fmt.Sprintf("id=%d", r.id))
	}
	if r.refID != 0 {
		parts = append(parts, fmt.Sprintf("ref_obj_id=%d", r.refID))
	}
	if r.m != nil {
		parts = append(parts, fmt.Sprintf("map=%s", r.m.name))
	}
	if r.t == ptrStack && r.frame != 0 {
		parts = append(parts, fmt.Sprintf("frame=%d", r.frame))
	}
	parts = append(parts, fmt.Sprintf("off=%d", r.off))
	if r.isPkt() {
		parts = append(parts, fmt.Sprintf("r=%d", r.rng))
	}
	if r.t == ptrMem {
		parts = append(parts, fmt.Sprintf("size=%d", r.memSize))
	}
	if !r.varZero() && r.t != ptrFunc && r.t != constMap {
		parts = append(parts, r.boundsString())
	}
	b.WriteString(strings.Join(parts, ","))
	b.WriteString(")")
	return b.String()
}

func (r *reg) boundsString() string {
	var parts []string
	if r.smin != math.MinInt64 {
		parts = append(parts, fmt.Sprintf("smin=%d", r.smin))
	}
	if r.smax != math.MaxInt64 {
		parts = append(parts, fmt.Sprintf("smax=%d", r.smax))
	}
	if r.umin != 0 {
		parts = append(parts, fmt.Sprintf("umin=%d", r.umin))
	}
	if r.umax != math.MaxUint64 {
		parts = append(parts, fmt.Sprintf("umax=%d", r.umax))
	}
	if r.s32min != math.MinInt32 && int64(r.s32min) != r.smin {
		parts = append(parts, fmt.Sprintf("smin32=%d", r.s32min))
	}
	if r.s32max != math.MaxInt32 && int64(r.s32max) != r.smax {
		parts = append(parts, fmt.Sprintf("smax32=%d", r.s32max))
	}
	if r.u32min != 0 && uint64(r.u32min) != r.umin {
		parts = append(parts, fmt.Sprintf("umin32=%d", r.u32min))
	}
	if r.u32max != math.MaxUint32 && uint64(r.u32max) != r.umax {
		parts = append(parts, fmt.Sprintf("umax32=%d", r.u32max))
	}
	if r.tn.m != ^uint64(0) {
		parts = append(parts, fmt.Sprintf("var_off=(%#x; %#x)", r.tn.v, r.tn.m))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ",")
}
