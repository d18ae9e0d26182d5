package maps

import (
	"encoding/binary"
	"math/bits"
)

// jhash and jhash2 are the kernel's hash functions (Bob Jenkins' lookup3,
// include/linux/jhash.h), so maps hashing with them (bloom filters) give
// the kernel's results bit for bit when the seed is the same.

const jhashInitval = 0xdeadbeef

func jhashMix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= bits.RotateLeft32(c, 4)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 6)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 8)
	b += a
	a -= c
	a ^= bits.RotateLeft32(c, 16)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 19)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 4)
	b += a
	return a, b, c
}

func jhashFinal(a, b, c uint32) uint32 {
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return c
}

// jhashBlocks mixes in the 12-byte blocks of k but the last (which the
// callers finish) and returns what is left of k.
func jhashBlocks(k []byte, a, b, c uint32) ([]byte, uint32, uint32, uint32) {
	for len(k) > 12 {
		a += binary.LittleEndian.Uint32(k)
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a, b, c = jhashMix(a, b, c)
		k = k[12:]
	}
	return k, a, b, c
}

// jhash hashes bytes (the kernel's jhash on a little-endian machine).
func jhash(k []byte, initval uint32) uint32 {
	a := jhashInitval + uint32(len(k)) + initval
	k, a, b, c := jhashBlocks(k, a, a, a)
	if len(k) == 0 {
		return c
	}
	var tail [12]byte
	copy(tail[:], k)
	a += binary.LittleEndian.Uint32(tail[:])
	b += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	return jhashFinal(a, b, c)
}

// jhash2 hashes whole 32-bit words (len(k) a multiple of 4).
func jhash2(k []byte, initval uint32) uint32 {
	a := jhashInitval + uint32(len(k)/4)<<2 + initval
	k, a, b, c := jhashBlocks(k, a, a, a)
	switch len(k) {
	case 12:
		c += binary.LittleEndian.Uint32(k[8:])
		fallthrough
	case 8:
		b += binary.LittleEndian.Uint32(k[4:])
		fallthrough
	case 4:
		a += binary.LittleEndian.Uint32(k)
		return jhashFinal(a, b, c)
	}
	return c
}
