package maps

import (
	"errors"
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw bpf(2) calls, so the kernel sees exactly the attributes and flags a
// test chooses (a library would validate or fix some up first).

const (
	cmdMapCreate       = 0
	cmdMapLookup       = 1
	cmdMapUpdate       = 2
	cmdMapDelete       = 3
	cmdMapNextKey      = 4
	cmdLookupAndDelete = 21
	cmdMapFreeze       = 22
)

type createAttr struct {
	mapType, keySize, valueSize, maxEntries, mapFlags, innerMapFD, numaNode uint32
	name                                                                    [16]byte
	ifindex, btfFD, btfKeyTypeID, btfValueTypeID, btfVmlinuxValueTypeID     uint32
	mapExtra                                                                uint64
}

type elemAttr struct {
	fd, _ uint32
	key   uint64
	value uint64
	flags uint64
}

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (uintptr, error) {
	r, _, e := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if e != 0 {
		return r, e
	}
	return r, nil
}

// kmap is a kernel map driven through raw syscalls.
type kmap struct {
	fd   int
	spec Spec
}

func kcreate(spec *Spec, innerFD int) (*kmap, error) {
	a := createAttr{mapType: uint32(spec.Type), keySize: spec.KeySize, valueSize: spec.ValueSize,
		maxEntries: spec.MaxEntries, mapFlags: spec.Flags, innerMapFD: uint32(innerFD), mapExtra: spec.MapExtra}
	fd, err := bpf(cmdMapCreate, unsafe.Pointer(&a), unsafe.Sizeof(a))
	if err != nil {
		return nil, err
	}
	m := &kmap{fd: int(fd), spec: *spec}
	runtime.SetFinalizer(m, func(m *kmap) { unix.Close(m.fd) })
	return m, nil
}

func ptr(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

func (m *kmap) elem(cmd uintptr, key, value []byte, flags uint64) error {
	a := elemAttr{fd: uint32(m.fd), key: ptr(key), value: ptr(value), flags: flags}
	_, err := bpf(cmd, unsafe.Pointer(&a), unsafe.Sizeof(a))
	runtime.KeepAlive(key)
	runtime.KeepAlive(value)
	runtime.KeepAlive(m)
	return err
}

func (m *kmap) Lookup(key, value []byte) error { return m.elem(cmdMapLookup, key, value, 0) }
func (m *kmap) Update(key, value []byte, flags uint64) error {
	return m.elem(cmdMapUpdate, key, value, flags)
}
func (m *kmap) Delete(key []byte) error             { return m.elem(cmdMapDelete, key, nil, 0) }
func (m *kmap) NextKey(key, next []byte) error      { return m.elem(cmdMapNextKey, key, next, 0) }
func (m *kmap) LookupAndDelete(key, v []byte) error { return m.elem(cmdLookupAndDelete, key, v, 0) }
func (m *kmap) Freeze() error {
	a := struct{ fd uint32 }{uint32(m.fd)}
	_, err := bpf(cmdMapFreeze, unsafe.Pointer(&a), unsafe.Sizeof(a))
	runtime.KeepAlive(m)
	return err
}

// needKernel skips the test when this process may not create BPF maps.
func needKernel(t testing.TB) {
	t.Helper()
	_, err := kcreate(&Spec{Type: Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}, 0)
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOSYS) {
		t.Skipf("kernel BPF maps unavailable (need root/CAP_BPF): %v", err)
	}
	if err != nil {
		t.Fatalf("creating a kernel array: %v", err)
	}
}

// errno reduces an error to its errno (0 for nil) for comparison.
func errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.Errno(1 << 30)
}
