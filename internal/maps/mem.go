package maps

import "unsafe"

// alloc returns n zeroed bytes backed by []uint64, so the memory is 8-byte
// aligned: programs do 8-byte atomics on map values.
func alloc(n int) []byte {
	if n <= 0 {
		return []byte{}
	}
	w := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), n)
}

// roundUp8 rounds n up to a multiple of 8, the kernel's per-CPU value stride.
func roundUp8(n uint32) int { return int((uint64(n) + 7) &^ 7) }

// maxMapBytes caps the memory one map may allocate up front. The kernel would
// try and fail with ENOMEM somewhere above physical memory; a Go process
// would crash, so we refuse earlier with the same errno.
const maxMapBytes = 1 << 31

// kmallocMax is KMALLOC_MAX_SIZE on x86-64 (4 MiB), which bounds key and
// value sizes of several map types.
const kmallocMax = 1 << 22

// pcpuMinUnitSize bounds per-CPU value sizes (PCPU_MIN_UNIT_SIZE).
const pcpuMinUnitSize = 32 << 10
