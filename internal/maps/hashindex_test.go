package maps

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// walkIndex looks key up the way native code does, from the layout alone:
// hash, bucket, chain, key comparison. It returns the value's address or 0.
func walkIndex(x *hashIndex, l HashLayout, key []byte) uint64 {
	h := HashKey(l.Seed, key)
	base := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(l.Arena))))
	at := func(addr uint64, n int) []byte {
		return l.Arena[addr-base : addr-base+uint64(n)]
	}
	if l.Buckets != uint64(uintptr(unsafe.Pointer(&x.buckets[0]))) || int(l.Mask)+1 != len(x.buckets) {
		panic("the layout does not describe the index")
	}
	buckets := x.buckets
	for e := buckets[h&l.Mask]; e != 0; e = binary.LittleEndian.Uint64(at(e, 8)) {
		if binary.LittleEndian.Uint32(at(e+hashElemHash, 4)) == h && string(at(e+hashElemKey, len(key))) == string(key) {
			return e + uint64(l.ValueOffset)
		}
	}
	return 0
}

// TestHashIndex runs random updates and deletes on hash maps and checks
// after each that the index finds exactly the values the map holds.
func TestHashIndex(t *testing.T) {
	for _, typ := range []Type{Hash, PerCPUHash, LRUHash, LRUPerCPUHash} {
		for _, keySize := range []uint32{1, 4, 6, 8, 13, 16, 40} {
			m, err := New(&Spec{Type: typ, KeySize: keySize, ValueSize: 12, MaxEntries: 50}, 2)
			if err != nil {
				t.Fatal(err)
			}
			l, ok := m.(NativeHash).Layout()
			if !ok {
				t.Fatalf("%v: no index", typ)
			}
			r := rand.New(rand.NewPCG(1, uint64(keySize)))
			key := func() []byte {
				k := make([]byte, keySize)
				k[0] = byte(r.IntN(64)) // collide often
				return k
			}
			vals := m.(Values)
			for range 3000 {
				k := key()
				switch r.IntN(3) {
				case 0, 1:
					v := make([]byte, 12)
					binary.LittleEndian.PutUint64(v, r.Uint64())
					_ = vals.ProgUpdate(k, v, UpdateAny, r.IntN(2))
				case 2:
					_ = vals.ProgDelete(k)
				}
				for b := range 64 {
					k[0] = byte(b)
					want := uint64(0)
					if v := vals.ProgLookup(k, 0); v != nil {
						want = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(v))))
					}
					var ix *hashIndex
					switch m := m.(type) {
					case *hash:
						ix = m.ix
					case *lruHash:
						ix = m.ix
					}
					if got := walkIndex(ix, l, k); got != want {
						t.Fatalf("%v key size %d, key %x: index finds 0x%x, the map 0x%x", typ, keySize, k, got, want)
					}
				}
			}
		}
	}
}

func TestHashKeyPadding(t *testing.T) {
	// The zero padding of a partial word is part of the definition: a
	// 3-byte key hashes as its 8-byte zero-extension.
	if HashKey(7, []byte{1, 2, 3}) != HashKey(7, []byte{1, 2, 3, 0, 0, 0, 0, 0}) {
		t.Error("a partial word is not hashed as its zero-padded word")
	}
	if HashKey(7, []byte{1, 2, 3}) == HashKey(8, []byte{1, 2, 3}) {
		t.Error("the seed does not change the hash")
	}
}
