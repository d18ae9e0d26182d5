package env

import (
	"encoding/binary"
	"syscall"

	"github.com/gbpf/gbpf/internal/interp"
)

// Kernel functions (kfuncs) a program calls by BTF id in the kernel. gbpf
// resolves them by name at load and calls them like helpers, with ids in
// a range no Linux helper uses.
const kfuncBase = 0x7ffe0000

// Kfuncs are the kfuncs gbpf implements, by name.
var Kfuncs = map[string]int32{
	"bpf_iter_num_new":     kfuncBase,
	"bpf_iter_num_next":    kfuncBase + 1,
	"bpf_iter_num_destroy": kfuncBase + 2,
}

func init() {
	Helpers[Kfuncs["bpf_iter_num_new"]] = iterNumNew
	Helpers[Kfuncs["bpf_iter_num_next"]] = iterNumNext
	Helpers[Kfuncs["bpf_iter_num_destroy"]] = iterNumDestroy
}

// kfuncName names a kfunc id for messages.
func kfuncName(id int32) (string, bool) {
	for name, k := range Kfuncs {
		if k == id {
			return name, true
		}
	}
	return "", false
}

// A numbers iterator (libbpf's bpf_for and bpf_repeat) is 8 bytes on the
// program's stack: the current value and the end, as struct
// bpf_iter_num_kern.
func iterNum(m *interp.Machine, addr uint64) ([]byte, error) {
	return mem(m, addr, 8, true, "iterator")
}

func setIter(b []byte, cur, end int32) {
	binary.LittleEndian.PutUint32(b, uint32(cur))
	binary.LittleEndian.PutUint32(b[4:], uint32(end))
}

// iterNumNew starts an iterator over [start, end); next() yields start
// first.
func iterNumNew(m *interp.Machine, addr, start, end, _, _ uint64) (uint64, error) {
	it, err := iterNum(m, addr)
	if err != nil {
		return 0, err
	}
	s, e := int32(start), int32(end)
	switch {
	case s > e:
		setIter(it, 0, 0)
		return errno(syscall.EINVAL), nil
	case int64(e)-int64(s) > maxLoops:
		setIter(it, 0, 0)
		return errno(syscall.E2BIG), nil
	}
	setIter(it, s-1, e)
	return 0, nil
}

// iterNumNext returns a pointer to the next value, or NULL at the end.
func iterNumNext(m *interp.Machine, addr, _, _, _, _ uint64) (uint64, error) {
	it, err := iterNum(m, addr)
	if err != nil {
		return 0, err
	}
	cur := int32(binary.LittleEndian.Uint32(it))
	end := int32(binary.LittleEndian.Uint32(it[4:]))
	if int64(cur+1) >= int64(end) {
		setIter(it, 0, 0)
		return 0, nil
	}
	binary.LittleEndian.PutUint32(it, uint32(cur+1))
	return addr, nil
}

func iterNumDestroy(m *interp.Machine, addr, _, _, _, _ uint64) (uint64, error) {
	it, err := iterNum(m, addr)
	if err != nil {
		return 0, err
	}
	setIter(it, 0, 0)
	return 0, nil
}
