package maps

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// An LPM trie with at most 16 bytes of data (IPv4 and IPv6 addresses)
// mirrors its nodes in an arena native code can walk: the same trie, with
// each node's data as one or two big-endian words, so the longest-prefix
// match is an xor and a bit scan per word. Nodes are written whole before
// the one store that links them, as the trie itself is changed (a new node
// replaces a changed one), so lock-free readers see a consistent trie.
// Freed slots are reused oldest first, so a reader still on a node rarely
// sees it change.
//
// Slot 0 holds the root's address in its first word; a node is:
//
//	[0, 16)   addresses of child 0 and child 1, 0 for none
//	[16, 20)  prefix length
//	[20, 24)  1 for an intermediate node (no value), else 0
//	[24, 32)  the data's first 8 bytes, big-endian, zero-padded
//	[32, 40)  the data's next 8 bytes, when it has more than 8
//	[...)     the value, after the data words
type lpmIndex struct {
	arena    []uint64
	nodeSize int
	words    int // data words per node
	free     []int32
	used     int32
}

const (
	lpmNodePrefix = 16
	lpmNodeIm     = 20
	lpmNodeData   = 24
	// LPMMaxNativeData bounds the data size of tries with an index.
	LPMMaxNativeData = 16
)

// LPMLayout is what native code needs to look up keys of an LPM trie.
type LPMLayout struct {
	Root        uint64 // address of the word holding the root node's address
	DataSize    uint32 // bytes of data after the key's prefix length
	MaxPrefix   uint32
	ValueOffset uint32 // from a node to its value
	Arena       []byte // every node: the memory lookups return pointers into
	Writable    bool
	Name        string
}

// NativeLPM is implemented by LPM tries whose lookups native code can do
// itself (Layout's false: this trie has no index).
type NativeLPM interface {
	LPMLayout() (LPMLayout, bool)
}

func newLPMIndex(dataSize, valueSize int, maxEntries uint32) *lpmIndex {
	if dataSize > LPMMaxNativeData {
		return nil
	}
	// Every prefix a node, an intermediate node per branching, and one
	// spare for an update that replaces a node.
	slots := 2*uint64(maxEntries) + 2
	words := (dataSize + 7) / 8
	nodeSize := uint64(lpmNodeData + 8*words + int(roundUp8(uint32(valueSize))))
	if slots*nodeSize > maxIndexBytes {
		return nil
	}
	return &lpmIndex{arena: make([]uint64, slots*nodeSize/8), nodeSize: int(nodeSize), words: words, used: 1}
}

// valueOffset is where a node's value starts.
func (x *lpmIndex) valueOffset() int { return lpmNodeData + 8*x.words }

func (x *lpmIndex) base() uint64 { return uint64(uintptr(unsafe.Pointer(&x.arena[0]))) }

func (x *lpmIndex) addr(slot int32) uint64 {
	return x.base() + uint64(slot)*uint64(x.nodeSize)
}

func (x *lpmIndex) node(slot int32) []byte {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&x.arena[0])), len(x.arena)*8)
	off := int(slot) * x.nodeSize
	return b[off : off+x.nodeSize : off+x.nodeSize]
}

// add writes n into a free slot (children included) and returns the slot
// and the value's bytes there.
func (x *lpmIndex) add(n *lpmNode) (int32, []byte) {
	var slot int32
	if len(x.free) > 0 {
		slot = x.free[0]
		x.free = x.free[1:]
	} else {
		slot = x.used
		x.used++
	}
	b := x.node(slot)
	clear(b)
	for i, c := range n.child {
		if c != nil {
			binary.LittleEndian.PutUint64(b[8*i:], x.addr(c.slot))
		}
	}
	binary.LittleEndian.PutUint32(b[lpmNodePrefix:], n.prefixlen)
	if n.im {
		binary.LittleEndian.PutUint32(b[lpmNodeIm:], 1)
	}
	var w [16]byte
	copy(w[:], n.data)
	for i := range x.words {
		binary.LittleEndian.PutUint64(b[lpmNodeData+8*i:], binary.BigEndian.Uint64(w[8*i:]))
	}
	if n.im {
		return slot, nil
	}
	return slot, b[x.valueOffset():]
}

// link stores n's address in parent's child word side, or the root word.
func (x *lpmIndex) link(parent *lpmNode, side int, n *lpmNode) {
	word := &x.arena[0]
	if parent != nil {
		word = &x.arena[(int(parent.slot)*x.nodeSize+8*side)/8]
	}
	var a uint64
	if n != nil {
		a = x.addr(n.slot)
	}
	atomic.StoreUint64(word, a)
}

func (x *lpmIndex) release(slot int32) { x.free = append(x.free, slot) }
