package env

import (
	"encoding/binary"
	"syscall"

	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/kfmt"
)

func init() {
	for id, h := range map[casm.BuiltinFunc]interp.Helper{
		casm.FnGetSocketUid:  getSocketUID,
		casm.FnSkbChangeType: skbChangeType,
		casm.FnGetRouteRealm: getRouteRealm,
		casm.FnCheckMtu:      checkMTU,
		casm.FnDynptrFromMem: dynptrFromMem,
		casm.FnDynptrRead:    dynptrRead,
		casm.FnDynptrWrite:   dynptrWrite,
		casm.FnDynptrData:    dynptrData,
		casm.FnStrtol:        strtol,
		casm.FnStrtoul:       strtoul,
	} {
		Helpers[int32(id)] = h
	}
}

// The test run's socket belongs to uid 0; its skb has no route.
func getSocketUID(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return 0, nil
}

func getRouteRealm(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return 0, nil
}

// skbChangeType sets the packet type (PACKET_HOST to PACKET_OTHERHOST).
func skbChangeType(m *interp.Machine, _, typ, _, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_change_type")
	if err != nil {
		return 0, err
	}
	if s.PktType > packetOtherHost || uint32(typ) > packetOtherHost {
		return errno(syscall.EINVAL), nil
	}
	s.PktType = uint32(typ)
	return 0, nil
}

// The loopback device's MTU and link header, what bpf_check_mtu measures
// against (the only device of the test run's view).
const (
	loopbackMTU       = 65536
	loopbackHeaderLen = ethHlen
	mtuChkSegs        = 1 // BPF_MTU_CHK_SEGS
	mtuFragNeeded     = 1 // BPF_MTU_CHK_RET_FRAG_NEEDED
)

// checkMTU is bpf_check_mtu for XDP and skb programs: whether the packet,
// or *mtu_len (an L3 length) when nonzero, plus lenDiff fits the device's
// MTU plus its link header; it writes the MTU back to *mtu_len.
func checkMTU(m *interp.Machine, _, ifindex, mtuAddr, lenDiff, flags uint64) (uint64, error) {
	r := runOf(m)
	mtuLen, err := mem(m, mtuAddr, 4, true, "mtu_len")
	if err != nil {
		return 0, err
	}
	in := binary.LittleEndian.Uint32(mtuLen)
	diff := int64(int32(lenDiff))
	var length int64
	switch {
	case r.XDP != nil:
		if flags != 0 {
			return errno(syscall.EINVAL), nil
		}
		length = int64(r.XDP.DataEnd - r.XDP.Data)
	case r.SKB != nil:
		if flags&^mtuChkSegs != 0 || flags&mtuChkSegs != 0 && (diff != 0 || in != 0) {
			return errno(syscall.EINVAL), nil
		}
		length = int64(r.SKB.DataEnd - r.SKB.Data)
	default:
		return 0, errBadContext("bpf_check_mtu")
	}
	if ifindex != 0 && uint32(ifindex) != loopbackIndex {
		return errno(syscall.ENODEV), nil
	}
	if in != 0 {
		length = int64(in) + loopbackHeaderLen
	}
	ret := uint64(0)
	if length+diff > loopbackMTU+loopbackHeaderLen && !(r.SKB != nil && r.SKB.GSOSize != 0) {
		ret = mtuFragNeeded
	}
	binary.LittleEndian.PutUint32(mtuLen, loopbackMTU)
	return ret, nil
}

// A struct bpf_dynptr as the kernel lays it out (struct bpf_dynptr_kern):
// the data pointer, then the size with the type and read-only bit in its
// top bits, then the offset.
const (
	dynptrSize     = 16
	dynptrSizeMask = 1<<24 - 1
	dynptrRdonly   = 1 << 31
	dynptrTypeLoc  = 1 << 28 // BPF_DYNPTR_TYPE_LOCAL
	dynptrMaxSize  = dynptrSizeMask
)

type dynptr struct {
	data         uint64
	size, offset uint32
	rdonly       bool
}

func readDynptr(m *interp.Machine, addr uint64) (dynptr, []byte, error) {
	b, err := mem(m, addr, dynptrSize, true, "dynptr")
	if err != nil {
		return dynptr{}, nil, err
	}
	word := binary.LittleEndian.Uint32(b[8:])
	return dynptr{
		data:   binary.LittleEndian.Uint64(b),
		size:   word & dynptrSizeMask,
		offset: binary.LittleEndian.Uint32(b[12:]),
		rdonly: word&dynptrRdonly != 0,
	}, b, nil
}

// span is bpf_dynptr_check_off_len: -E2BIG past the dynptr's end.
func (d dynptr) span(off, n uint64) (uint64, bool) {
	if off > uint64(d.size) || n > uint64(d.size)-off {
		return 0, false
	}
	return d.data + uint64(d.offset) + off, true
}

func dynptrFromMem(m *interp.Machine, dataAddr, size, flags, ptrAddr, _ uint64) (uint64, error) {
	b, err := mem(m, ptrAddr, dynptrSize, true, "dynptr")
	if err != nil {
		return 0, err
	}
	clear(b) // a failed init leaves a null dynptr
	if flags != 0 {
		return errno(syscall.EINVAL), nil
	}
	if size > dynptrMaxSize {
		return errno(syscall.E2BIG), nil
	}
	if _, err := mem(m, dataAddr, size, true, "dynptr memory"); err != nil {
		return 0, err
	}
	binary.LittleEndian.PutUint64(b, dataAddr)
	binary.LittleEndian.PutUint32(b[8:], uint32(size)|dynptrTypeLoc)
	return 0, nil
}

func dynptrRead(m *interp.Machine, dstAddr, n, srcPtr, off, flags uint64) (uint64, error) {
	d, _, err := readDynptr(m, srcPtr)
	if err != nil {
		return 0, err
	}
	if d.data == 0 || flags != 0 {
		return errno(syscall.EINVAL), nil
	}
	from, ok := d.span(off, n)
	if !ok {
		return errno(syscall.E2BIG), nil
	}
	dst, err := mem(m, dstAddr, n, true, "destination")
	if err != nil {
		return 0, err
	}
	src, err := mem(m, from, n, false, "dynptr memory")
	if err != nil {
		return 0, err
	}
	copy(dst, src)
	return 0, nil
}

func dynptrWrite(m *interp.Machine, dstPtr, off, srcAddr, n, flags uint64) (uint64, error) {
	d, _, err := readDynptr(m, dstPtr)
	if err != nil {
		return 0, err
	}
	if d.data == 0 || d.rdonly {
		return errno(syscall.EINVAL), nil
	}
	to, ok := d.span(off, n)
	if !ok {
		return errno(syscall.E2BIG), nil
	}
	if flags != 0 {
		return errno(syscall.EINVAL), nil
	}
	src, err := mem(m, srcAddr, n, false, "source")
	if err != nil {
		return 0, err
	}
	dst, err := mem(m, to, n, true, "dynptr memory")
	if err != nil {
		return 0, err
	}
	copy(dst, src)
	return 0, nil
}

// dynptrData returns a pointer into the dynptr's memory, or NULL when the
// range is outside it or the dynptr is read-only.
func dynptrData(m *interp.Machine, ptrAddr, off, n, _, _ uint64) (uint64, error) {
	d, _, err := readDynptr(m, ptrAddr)
	if err != nil {
		return 0, err
	}
	if d.data == 0 || d.rdonly {
		return 0, nil
	}
	at, ok := d.span(off, n)
	if !ok {
		return 0, nil
	}
	return at, nil
}

func strtoxArgs(m *interp.Machine, bufAddr, bufLen, resAddr uint64) ([]byte, []byte, error) {
	buf, err := mem(m, bufAddr, bufLen, false, "buffer")
	if err != nil {
		return nil, nil, err
	}
	res, err := mem(m, resAddr, 8, true, "result")
	return buf, res, err
}

func strtol(m *interp.Machine, bufAddr, bufLen, flags, resAddr, _ uint64) (uint64, error) {
	buf, res, err := strtoxArgs(m, bufAddr, bufLen, resAddr)
	if err != nil {
		return 0, err
	}
	v, n := kfmt.Strtol(buf, flags)
	if n >= 0 {
		binary.LittleEndian.PutUint64(res, uint64(v))
	}
	return uint64(n), nil
}

func strtoul(m *interp.Machine, bufAddr, bufLen, flags, resAddr, _ uint64) (uint64, error) {
	buf, res, err := strtoxArgs(m, bufAddr, bufLen, resAddr)
	if err != nil {
		return 0, err
	}
	v, n := kfmt.Strtoul(buf, flags)
	if n >= 0 {
		binary.LittleEndian.PutUint64(res, v)
	}
	return uint64(n), nil
}

// bpf_fib_lookup answers from gbpf's network: one device, the loopback
// (ifindex 1), which does not forward, as on a default host. So a lookup
// through it is BPF_FIB_LKUP_RET_FWD_DISABLED, through any other device
// -ENODEV, and link-local, multicast or loopback IPv6 addresses are never
// forwarded.
const (
	fibLookupSize   = 64
	fibLookupMask   = 0x3f // DIRECT, OUTPUT, SKIP_NEIGH, TBID, SRC, MARK
	fibRetNotFwded  = 4
	fibRetFwdDisabl = 5
	afInet          = 2
	afInet6         = 10
)

func init() { Helpers[int32(casm.FnFibLookup)] = fibLookup }

func fibLookup(m *interp.Machine, _, paramsAddr, plen, flags, _ uint64) (uint64, error) {
	if runOf(m).XDP == nil && runOf(m).SKB == nil {
		return 0, errBadContext("bpf_fib_lookup")
	}
	if int32(plen) < fibLookupSize || flags&^fibLookupMask != 0 {
		return errno(syscall.EINVAL), nil
	}
	p, err := mem(m, paramsAddr, fibLookupSize, true, "bpf_fib_lookup params")
	if err != nil {
		return 0, err
	}
	ifindex := binary.LittleEndian.Uint32(p[8:])
	switch p[0] {
	case afInet:
	case afInet6:
		if strictV6(p[16:32]) || strictV6(p[32:48]) {
			return fibRetNotFwded, nil
		}
	default:
		return errno(syscall.EAFNOSUPPORT), nil
	}
	if ifindex != loopbackIndex {
		return errno(syscall.ENODEV), nil
	}
	return fibRetFwdDisabl, nil
}

// strictV6 is rt6_need_strict: multicast, link-local or loopback.
func strictV6(a []byte) bool {
	loopback := a[15] == 1
	for _, b := range a[:15] {
		loopback = loopback && b == 0
	}
	return a[0] == 0xff || a[0] == 0xfe && a[1]&0xc0 == 0x80 || loopback
}
