// Package maps implements eBPF maps with the Linux kernel's semantics in pure Go.
//
// Every map type offers the bpf(2) host operations through Map, with the
// kernel's errno for each failure (as syscall.Errno). Program-side operations
// (what helpers do while a program runs) are in the Values, ArrayMemory,
// PushPop, MapOfMaps, Programs, Ring and PerfEvents interfaces; assert a Map to
// the one you need.
//
// Host operations run as if on CPU 0: where the kernel's behaviour depends on
// the calling CPU (LRU free lists, per-CPU LRU lists), a host call behaves like
// a bpf(2) call made on CPU 0.
//
// Values handed to programs are never reused for another element: a new
// element gets fresh memory and the old memory stays valid for whoever still
// holds it, which is what RCU gives the kernel.
//
// Freeze follows the kernel: a frozen map is read-only through the host
// operations only. Programs may still write it unless the map was created
// with BPF_F_RDONLY_PROG (the kernel's verifier rejects such writes at load
// time; here ProgUpdate and ProgDelete return EPERM instead).
package maps
