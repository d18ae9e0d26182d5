package gbpf

import "unsafe"

// regionAddr is the address programs see for b's first byte.
func regionAddr(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

// unsafeBytes views the first n bytes of w, so byte buffers get the
// 8-byte alignment programs expect.
func unsafeBytes(w []uint64, n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), n)
}
