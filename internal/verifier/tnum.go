package verifier

import "math/bits"

// tnum is a tristate number: bits set in mask are unknown, the others are
// those of value (value&mask is always 0). It is the kernel's var_off.
type tnum struct{ v, m uint64 }

var tnumUnknown = tnum{0, ^uint64(0)}

func tconst(v uint64) tnum { return tnum{v, 0} }

func (a tnum) isConst() bool { return a.m == 0 }

// trange is the smallest tnum holding every value of [min, max].
func trange(min, max uint64) tnum {
	chi := min ^ max
	b := bits.Len64(chi)
	if b > 63 {
		return tnumUnknown
	}
	delta := uint64(1)<<b - 1
	return tnum{min &^ delta, delta}
}

func (a tnum) add(b tnum) tnum {
	sm := a.m + b.m
	sv := a.v + b.v
	sigma := sm + sv
	chi := sigma ^ sv
	mu := chi | a.m | b.m
	return tnum{sv &^ mu, mu}
}

func (a tnum) sub(b tnum) tnum {
	dv := a.v - b.v
	alpha := dv + a.m
	beta := dv - b.m
	chi := alpha ^ beta
	mu := chi | a.m | b.m
	return tnum{dv &^ mu, mu}
}

func (a tnum) and(b tnum) tnum {
	alpha := a.v | a.m
	beta := b.v | b.m
	v := a.v & b.v
	return tnum{v, alpha & beta &^ v}
}

func (a tnum) or(b tnum) tnum {
	v := a.v | b.v
	mu := a.m | b.m
	return tnum{v, mu &^ v}
}

func (a tnum) xor(b tnum) tnum {
	v := a.v ^ b.v
	mu := a.m | b.m
	return tnum{v &^ mu, mu}
}

// mul follows the kernel's tnum_mul (sound, not optimal).
func (a tnum) mul(b tnum) tnum {
	accV := a.v * b.v
	accM := tnum{0, 0}
	for a.v != 0 || a.m != 0 {
		if a.v&1 != 0 {
			accM = accM.add(tnum{0, b.m})
		} else if a.m&1 != 0 {
			accM = accM.add(tnum{0, b.v | b.m})
		}
		a = a.rsh(1)
		b = b.lsh(1)
	}
	return tconst(accV).add(accM)
}

func (a tnum) lsh(s uint) tnum { return tnum{a.v << s, a.m << s} }
func (a tnum) rsh(s uint) tnum { return tnum{a.v >> s, a.m >> s} }

// arsh shifts right arithmetically as an insnBits-wide value.
func (a tnum) arsh(s uint, w int) tnum {
	if w == 32 {
		return tnum{uint64(uint32(int32(uint32(a.v)) >> s)), uint64(uint32(int32(uint32(a.m)) >> s))}
	}
	return tnum{uint64(int64(a.v) >> s), uint64(int64(a.m) >> s)}
}

func (a tnum) intersect(b tnum) tnum {
	v := a.v | b.v
	mu := a.m & b.m
	return tnum{v &^ mu, mu}
}

// cast keeps the low size bytes.
func (a tnum) cast(size int) tnum {
	if size >= 8 {
		return a
	}
	mask := uint64(1)<<(uint(size)*8) - 1
	return tnum{a.v & mask, a.m & mask}
}

func (a tnum) subreg() tnum           { return a.cast(4) }
func (a tnum) clearSubreg() tnum      { return a.rsh(32).lsh(32) }
func (a tnum) withSubreg(b tnum) tnum { return a.clearSubreg().or(b.subreg()) }

// in reports whether every value of b is a value of a.
func (a tnum) in(b tnum) bool {
	if b.m&^a.m != 0 {
		return false
	}
	b.v &^= a.m
	return a.v == b.v
}

// umin and umax of the values the tnum holds.
func (a tnum) umin() uint64 { return a.v }
func (a tnum) umax() uint64 { return a.v | a.m }
