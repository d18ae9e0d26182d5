package maps

import (
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"
	"unsafe"
)

// A hash map's elements live in one preallocated arena, chained from a
// bucket array, the way the kernel lays out a preallocated htab: native
// code (the JIT) walks the chains itself, with no call into Go, and a value
// pointer a program holds stays valid memory for as long as the map lives.
// Go keeps its own map from key to element for host operations; the
// chains are written only under the map's write lock, each element fully
// written before the store that links it, so a lock-free reader (native
// code on another CPU) sees whole elements, as RCU readers do.
//
// An element is:
//
//	[0, 8)                  address of the next element in the chain, 0 at the end
//	[8, 12)                 the key's hash (HashKey)
//	[12, 16)                LRU maps: the reference bit lookups set
//	[16, 16+roundUp8(key))  the key, zero-padded
//	[ValueOffset, ...)      the value (per-CPU maps: one stride per CPU)
type hashIndex struct {
	buckets  []uint64 // per bucket: the address of its first element, or 0
	arena    []uint64 // the elements, elemSize bytes each
	elemSize int
	keySize  int
	valOff   int
	seed     uint32
	free     []int32 // element slots not in use, reused last-freed first
	used     int32   // slots ever used
}

const (
	hashElemHash = 8
	hashElemRef  = 12
	hashElemKey  = 16
	// hashMult is the multiplier of HashKey's mixing step.
	hashMult = 0x9e3779b97f4a7c15
	// maxIndexBytes bounds the memory an index takes up front; a map
	// that would need more works without one (native code then calls
	// the helper).
	maxIndexBytes = 64 << 20
)

// HashLayout is what native code needs to look up keys of a hash map.
type HashLayout struct {
	Buckets     uint64 // address of the bucket array: 8 bytes per bucket
	Mask        uint32 // bucket index = HashKey(Seed, key) & Mask
	Seed        uint32
	KeySize     uint32
	ValueOffset uint32 // from an element's address to its value
	// CPUStride is the distance between CPUs' values in a per-CPU map's
	// element, 0 for HASH.
	CPUStride uint32
	// LRU says lookups set the element's reference bit (a 4-byte word
	// at offset 12) when it is 0.
	LRU bool
	// Arena holds every element: the memory lookups return pointers into.
	Arena    []byte
	Writable bool // programs may write values (no BPF_F_RDONLY_PROG)
	Name     string
}

// NativeHash is implemented by the hash maps whose lookups native code
// can do itself (Layout's false: this map has no index).
type NativeHash interface {
	Layout() (HashLayout, bool)
}

// HashKey is the hash of key the index chains by: 8-byte little-endian
// words (the last one zero-padded), each mixed in by xor and multiply,
// then the high half folded into the low. Native code computes the same.
func HashKey(seed uint32, key []byte) uint32 {
	h := uint64(seed)
	for len(key) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(key)) * hashMult
		key = key[8:]
	}
	if len(key) > 0 {
		var w [8]byte
		copy(w[:], key)
		h = (h ^ binary.LittleEndian.Uint64(w[:])) * hashMult
	}
	return uint32(h ^ h>>32)
}

// newHashIndex makes the index of a map of at most maxEntries keys whose
// elements hold valueBytes of value, or nil when it would be too large.
// slots is maxEntries plus spare elements for updates that replace a
// value (the new element is linked before the old one is freed).
func newHashIndex(keySize, valueBytes int, maxEntries, spare uint32) *hashIndex {
	slots := uint64(maxEntries) + uint64(spare)
	elemSize := uint64(hashElemKey + roundUp8(uint32(keySize)) + roundUp8(uint32(valueBytes)))
	nb := uint64(1)
	for nb < uint64(maxEntries) {
		nb <<= 1
	}
	if slots*elemSize+nb*8 > maxIndexBytes {
		return nil
	}
	return &hashIndex{
		buckets:  make([]uint64, nb),
		arena:    make([]uint64, slots*elemSize/8),
		elemSize: int(elemSize),
		keySize:  keySize,
		valOff:   hashElemKey + roundUp8(uint32(keySize)),
		seed:     rand.Uint32() &^ (1 << 31), // a positive imm32 for native code
	}
}

func (x *hashIndex) layout() HashLayout {
	return HashLayout{
		Buckets:     uint64(uintptr(unsafe.Pointer(&x.buckets[0]))),
		Mask:        uint32(len(x.buckets) - 1),
		Seed:        x.seed,
		KeySize:     uint32(x.keySize),
		ValueOffset: uint32(x.valOff),
		Arena:       unsafe.Slice((*byte)(unsafe.Pointer(&x.arena[0])), len(x.arena)*8),
	}
}

// elemBytes is slot i's element.
func (x *hashIndex) elemBytes(slot int32) []byte {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&x.arena[0])), len(x.arena)*8)
	off := int(slot) * x.elemSize
	return b[off : off+x.elemSize : off+x.elemSize]
}

func (x *hashIndex) addr(slot int32) uint64 {
	return uint64(uintptr(unsafe.Pointer(&x.arena[0]))) + uint64(slot)*uint64(x.elemSize)
}

// nextWord is the chain word of the element at addr (an address in the
// arena): where its successor's address is.
func (x *hashIndex) nextWord(addr uint64) *uint64 {
	slot := (addr - x.addr(0)) / uint64(x.elemSize)
	return &x.arena[slot*uint64(x.elemSize)/8]
}

// insert fills a free element with key and a value filled by fill and
// links it at the head of its bucket. It returns the slot and the value
// bytes (valueBytes long).
func (x *hashIndex) insert(key []byte, valueBytes int, fill func(dst []byte)) (int32, []byte) {
	var slot int32
	if n := len(x.free); n > 0 {
		slot = x.free[n-1]
		x.free = x.free[:n-1]
	} else {
		slot = x.used
		x.used++
	}
	v := x.prepare(slot, key, valueBytes)
	fill(v)
	x.link(slot)
	return slot, v
}

// prepare writes key and its hash into slot's element and zeroes the
// rest but the reference bit (the LRU's to keep); it returns the value
// bytes. The element is not linked yet.
func (x *hashIndex) prepare(slot int32, key []byte, valueBytes int) []byte {
	e := x.elemBytes(slot)
	ref := binary.LittleEndian.Uint32(e[hashElemRef:])
	clear(e)
	binary.LittleEndian.PutUint32(e[hashElemRef:], ref)
	binary.LittleEndian.PutUint32(e[hashElemHash:], HashKey(x.seed, key))
	copy(e[hashElemKey:], key)
	return e[x.valOff : x.valOff+valueBytes : x.valOff+valueBytes]
}

// link puts slot's (prepared) element at the head of its bucket.
func (x *hashIndex) link(slot int32) {
	h := binary.LittleEndian.Uint32(x.elemBytes(slot)[hashElemHash:])
	head := &x.buckets[h&uint32(len(x.buckets)-1)]
	*x.nextWord(x.addr(slot)) = *head
	atomic.StoreUint64(head, x.addr(slot)) // publish the whole element
}

// refWord is the reference bit word of slot's element (LRU maps).
func (x *hashIndex) refWord(slot int32) *uint32 {
	return (*uint32)(unsafe.Pointer(&x.elemBytes(slot)[hashElemRef]))
}

// unlink takes slot's element out of its chain and frees the slot.
func (x *hashIndex) unlink(slot int32) {
	x.unchain(slot)
	x.free = append(x.free, slot)
}

// unchain takes slot's element out of its chain.
func (x *hashIndex) unchain(slot int32) {
	a := x.addr(slot)
	h := binary.LittleEndian.Uint32(x.elemBytes(slot)[hashElemHash:])
	link := &x.buckets[h&uint32(len(x.buckets)-1)]
	for *link != a {
		link = x.nextWord(*link)
	}
	// A reader standing on the element still finds the rest of the
	// chain through its next word, which stays as it is until reuse.
	atomic.StoreUint64(link, *x.nextWord(a))
}
