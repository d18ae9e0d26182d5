package env

import (
	"syscall"

	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/maps"
)

// More packet and map helpers that real programs use beside the core set.
func init() {
	for id, h := range map[casm.BuiltinFunc]interp.Helper{
		casm.FnXdpGetBuffLen:       xdpGetBuffLen,
		casm.FnXdpLoadBytes:        xdpLoadBytes,
		casm.FnXdpStoreBytes:       xdpStoreBytes,
		casm.FnSkbPullData:         skbPullData,
		casm.FnSetHash:             setHash,
		casm.FnSetHashInvalid:      setHashInvalid,
		casm.FnCsumUpdate:          csumUpdate,
		casm.FnCsumLevel:           csumLevel,
		casm.FnKtimeGetTaiNs:       ktimeGetTaiNs,
		casm.FnMapLookupPercpuElem: mapLookupPercpuElem,
	} {
		Helpers[int32(id)] = h
	}
}

// errENOTSUPP is the kernel-internal ENOTSUPP (524) some helpers return.
const errENOTSUPP = syscall.Errno(524)

func xdpGetBuffLen(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	x, err := xdpOf(m, "bpf_xdp_get_buff_len")
	if err != nil {
		return 0, err
	}
	return uint64(x.BuffLen()), nil
}

// xdpBytes is bpf_xdp_pointer's range check (-EFAULT for offsets or
// lengths past 16 bits, -EINVAL past the packet) over the linear part and
// the fragments; it returns the bytes as pieces.
func xdpBytes(m *interp.Machine, name string, off, size uint64) ([][]byte, uint64, error) {
	x, err := xdpOf(m, name)
	if err != nil {
		return nil, 0, err
	}
	if off > 0xffff || size > 0xffff {
		return nil, errno(syscall.EFAULT), nil
	}
	if off+size > uint64(x.BuffLen()) {
		return nil, errno(syscall.EINVAL), nil
	}
	return x.span(int(off), int(size)), 0, nil
}

func xdpLoadBytes(m *interp.Machine, _, off, bufAddr, size, _ uint64) (uint64, error) {
	buf, err := mem(m, bufAddr, size, true, "buffer")
	if err != nil {
		return 0, err
	}
	src, ret, err := xdpBytes(m, "bpf_xdp_load_bytes", off, size)
	if ret != 0 || err != nil {
		return ret, err
	}
	for _, p := range src {
		buf = buf[copy(buf, p):]
	}
	return 0, nil
}

func xdpStoreBytes(m *interp.Machine, _, off, bufAddr, size, _ uint64) (uint64, error) {
	buf, err := mem(m, bufAddr, size, false, "buffer")
	if err != nil {
		return 0, err
	}
	dst, ret, err := xdpBytes(m, "bpf_xdp_store_bytes", off, size)
	if ret != 0 || err != nil {
		return ret, err
	}
	for _, p := range dst {
		buf = buf[copy(p, buf):]
	}
	return 0, nil
}

// skbPullData makes len bytes linear; the test-run's skb is all linear,
// so only a length past the packet fails.
func skbPullData(m *interp.Machine, _, length, _, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_pull_data")
	if err != nil {
		return 0, err
	}
	if length > uint64(len(s.Bytes())) {
		return errno(syscall.ENOMEM), nil
	}
	return 0, nil
}

func setHash(m *interp.Machine, _, hash, _, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_set_hash")
	if err != nil {
		return 0, err
	}
	s.Hash, s.HashValid = uint32(hash), true
	return 0, nil
}

func setHashInvalid(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_set_hash_invalid")
	if err != nil {
		return 0, err
	}
	s.Hash, s.HashValid = 0, false
	return 0, nil
}

// csumUpdate only acts on CHECKSUM_COMPLETE skbs; the test-run's is
// CHECKSUM_NONE, for which the kernel answers -ENOTSUPP.
func csumUpdate(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	if _, err := skbOf(m, "bpf_csum_update"); err != nil {
		return 0, err
	}
	return errno(errENOTSUPP), nil
}

// csumLevel is bpf_csum_level over the skb's checksum state: INC makes a
// CHECKSUM_NONE skb CHECKSUM_UNNECESSARY at level 0 and raises the level
// up to 3, DEC lowers it (below 0: back to none), RESET goes back to none,
// QUERY returns the level, or -EACCES when the checksum is not known good.
func csumLevel(m *interp.Machine, _, level, _, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_csum_level")
	if err != nil {
		return 0, err
	}
	const query, inc, dec, reset, maxLevel = 0, 1, 2, 3, 3
	switch level {
	case query:
		if !s.CsumUnnecessary {
			return errno(syscall.EACCES), nil
		}
		return uint64(s.CsumLevel), nil
	case inc:
		if !s.CsumUnnecessary {
			s.CsumUnnecessary, s.CsumLevel = true, 0
		} else if s.CsumLevel < maxLevel {
			s.CsumLevel++
		}
	case dec:
		if s.CsumUnnecessary {
			if s.CsumLevel == 0 {
				s.CsumUnnecessary = false
			} else {
				s.CsumLevel--
			}
		}
	case reset:
		s.resetCsumUnnecessary()
	default:
		return errno(syscall.EINVAL), nil
	}
	return 0, nil
}

func ktimeGetTaiNs(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return taiNs(), nil
}

// mapLookupPercpuElem looks up another CPU's slot of a per-CPU map; NULL
// for a CPU out of range.
func mapLookupPercpuElem(m *interp.Machine, mapAddr, keyAddr, cpu, _, _ uint64) (uint64, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	v, ok := mp.(maps.Values)
	if !ok {
		return 0, nil
	}
	if cpu >= uint64(mp.CPUs()) {
		return 0, nil
	}
	key, err := keyArg(m, mp, keyAddr)
	if err != nil {
		return 0, err
	}
	val := v.ProgLookup(key, int(cpu))
	if val == nil {
		return 0, nil
	}
	return m.AddRegion(val, mp.Spec().Flags&maps.FlagRdonlyProg == 0, mp.Spec().Name), nil
}
