package maps

import (
	"math/rand/v2"
	"sync/atomic"
)

const bloomCreateFlags = FlagNumaNode | FlagZeroSeed | flagAccessMask

// bloom is BLOOM_FILTER: a bit array sized like the kernel's (n*k*7/5 bits,
// rounded up to a power of two) with k hash functions, the kernel's: jhash
// of the value with seed+i. The seed is random unless BPF_F_ZERO_SEED, and
// then false positives are the kernel's too.
type bloom struct {
	base
	bits []uint64
	mask uint64
	k    int
	seed uint32
}

var _ interface {
	Map
	PushPop
} = (*bloom)(nil)

func newBloom(spec *Spec, cpus int) (*bloom, error) {
	if spec.KeySize != 0 || spec.ValueSize == 0 || spec.MaxEntries == 0 ||
		spec.Flags&^bloomCreateFlags != 0 || !accessFlagsOK(spec.Flags) ||
		spec.MapExtra&^0xf != 0 {
		return nil, errInval
	}
	if spec.ValueSize > kmallocMax {
		return nil, err2Big
	}
	k := int(spec.MapExtra & 0xf)
	if k == 0 {
		k = 5
	}
	nbits := uint64(spec.MaxEntries) * uint64(k)
	if nbits > 1<<32-1 || nbits/5*7 > 1<<31 {
		nbits = 1 << 32
	} else {
		nbits = nbits / 5 * 7
		if nbits <= 64 {
			nbits = 64
		} else {
			p := uint64(1)
			for p < nbits {
				p <<= 1
			}
			nbits = p
		}
	}
	if nbits/8 > maxMapBytes {
		return nil, errNoMem
	}
	b := &bloom{base: newBase(spec, cpus), bits: make([]uint64, nbits/64), mask: nbits - 1, k: k}
	if spec.Flags&FlagZeroSeed == 0 {
		b.seed = rand.Uint32()
	}
	return b, nil
}

// positions calls f with the value's k bit positions.
func (b *bloom) positions(value []byte, f func(bit uint64) bool) bool {
	v := value[:b.spec.ValueSize]
	hash := jhash
	if len(v)%4 == 0 {
		hash = jhash2
	}
	for i := 0; i < b.k; i++ {
		if !f(uint64(hash(v, b.seed+uint32(i))) & b.mask) {
			return false
		}
	}
	return true
}

// Push adds value; only BPF_ANY is allowed.
func (b *bloom) Push(value []byte, flags uint64) error {
	if flags != UpdateAny || len(value) < int(b.spec.ValueSize) {
		return errInval
	}
	b.positions(value, func(bit uint64) bool {
		atomic.OrUint64(&b.bits[bit/64], 1<<(bit%64))
		return true
	})
	return nil
}

// Peek reports membership: nil when value may be present, ENOENT when it is not.
func (b *bloom) Peek(value []byte) error {
	if len(value) < int(b.spec.ValueSize) {
		return errInval
	}
	ok := b.positions(value, func(bit uint64) bool {
		return atomic.LoadUint64(&b.bits[bit/64])&(1<<(bit%64)) != 0
	})
	if !ok {
		return errNoEnt
	}
	return nil
}

func (b *bloom) Pop(valueOut []byte) error { return errOpNotSupp }

// Lookup checks membership of the value in valueOut (read, not written), as
// BPF_MAP_LOOKUP_ELEM does for bloom filters.
func (b *bloom) Lookup(key, valueOut []byte) error {
	if err := b.canRead(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return b.Peek(valueOut)
}

func (b *bloom) Update(key, value []byte, flags uint64) error {
	if err := b.hostUpdate(flags); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return b.Push(value, flags)
}

func (b *bloom) Delete(key []byte) error {
	if err := b.canWrite(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return errOpNotSupp
}

func (b *bloom) NextKey(key, nextOut []byte) error {
	if err := b.canRead(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return errOpNotSupp
}

func (b *bloom) LookupAndDelete(key, valueOut []byte) error {
	if err := b.hostLookupAndDelete(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return ENOTSUPP
}
