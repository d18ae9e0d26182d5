package env

import (
	"encoding/binary"
	"hash/maphash"
	"sync/atomic"
	"syscall"

	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/internal/interp"
)

// Socket buffer helpers that reshape the packet or read it by header.
func init() {
	for id, h := range map[casm.BuiltinFunc]interp.Helper{
		casm.FnSkbVlanPush:          skbVlanPush,
		casm.FnSkbVlanPop:           skbVlanPop,
		casm.FnSkbChangeTail:        skbChangeTail,
		casm.FnSkbLoadBytesRelative: skbLoadBytesRelative,
		casm.FnGetHashRecalc:        getHashRecalc,
		casm.FnSkbAdjustRoom:        skbAdjustRoom,
		casm.FnSkbChangeProto:       skbChangeProto,
	} {
		Helpers[int32(id)] = h
	}
}

const (
	vlanHlen     = 4
	ethP8021Q    = 0x8100
	ethP8021AD   = 0x88a8
	skbMaxLen    = 16384 - skbTailroom // SKB_MAX_ALLOC
	hdrStartMAC  = 0
	hdrStartNet  = 1
	macAddrsSize = 12
)

func isVlanProto(p uint16) bool { return p == ethP8021Q || p == ethP8021AD }

// grow makes room for n more bytes before data (head) or after data_end
// (tail), moving to a larger buffer when this one is full; the run gets
// the new buffer as memory.
func (s *SKB) grow(m *interp.Machine, head, tail int) {
	if s.Data-head >= 0 && s.DataEnd+tail <= cap(s.buf) {
		s.buf = s.buf[:cap(s.buf)]
		return
	}
	size := max(skbHeadroom+(s.DataEnd-s.Data)+head+tail+skbTailroom, xdpFrameSize)
	buf := alignedBytes(size)
	shift := skbHeadroom + head - s.Data
	copy(buf[skbHeadroom+head:], s.buf[s.Data:s.DataEnd])
	s.buf, s.base = buf, addrOf(buf)
	s.Data += shift
	s.DataEnd += shift
	s.Mac += shift
	s.Net += shift
	m.AddRegion(buf, true, "packet")
	s.ArmLegacyLoads(m)
}

// skbVlanPush is skb_vlan_push: the first tag goes to the hardware-accel
// slot, a second one pushes the first into the packet.
func skbVlanPush(m *interp.Machine, _, proto, tci, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_vlan_push")
	if err != nil {
		return 0, err
	}
	p := uint16(proto)
	p = p>>8 | p<<8 // the argument is __be16
	if !isVlanProto(p) {
		p = ethP8021Q
	}
	if s.VlanPresent {
		if s.Data != s.Mac {
			return errno(syscall.EINVAL), nil
		}
		s.grow(m, vlanHlen, 0)
		s.Data -= vlanHlen
		s.Mac = s.Data
		copy(s.buf[s.Data:], s.buf[s.Data+vlanHlen:s.Data+vlanHlen+macAddrsSize])
		binary.BigEndian.PutUint16(s.buf[s.Data+12:], s.VlanProto)
		binary.BigEndian.PutUint16(s.buf[s.Data+14:], s.VlanTCI)
		s.Protocol = s.VlanProto
		s.ArmLegacyLoads(m)
	}
	s.VlanPresent, s.VlanProto, s.VlanTCI = true, p, uint16(tci)
	return 0, nil
}

// skbVlanPop is skb_vlan_pop: drop the accelerated tag, or the packet's
// outer tag, then move a next tag from the packet into the accel slot.
func skbVlanPop(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_vlan_pop")
	if err != nil {
		return 0, err
	}
	if s.VlanPresent {
		s.VlanPresent, s.VlanTCI, s.VlanProto = false, 0, 0
	} else {
		if !isVlanProto(s.Protocol) {
			return 0, nil
		}
		if _, e := s.popTag(); e != 0 {
			return errno(e), nil
		}
	}
	s.ArmLegacyLoads(m)
	if !isVlanProto(s.Protocol) {
		return 0, nil
	}
	proto := s.Protocol
	tci, e := s.popTag()
	if e != 0 {
		return errno(e), nil
	}
	s.VlanPresent, s.VlanProto, s.VlanTCI = true, proto, tci
	s.ArmLegacyLoads(m)
	return 0, nil
}

// popTag is __skb_vlan_pop: remove the tag after the MAC addresses.
func (s *SKB) popTag() (uint16, syscall.Errno) {
	if s.Data != s.Mac {
		return 0, syscall.EINVAL
	}
	if s.DataEnd-s.Data < ethHlen+vlanHlen {
		return 0, syscall.ENOMEM
	}
	tci := binary.BigEndian.Uint16(s.buf[s.Data+14:])
	encap := binary.BigEndian.Uint16(s.buf[s.Data+16:])
	copy(s.buf[s.Data+vlanHlen:], s.buf[s.Data:s.Data+macAddrsSize])
	s.Data += vlanHlen
	s.Mac = s.Data
	if s.Net-s.Mac < ethHlen {
		s.Net = s.Mac + ethHlen
	}
	if encap >= 0x0600 {
		s.Protocol = encap
	} else {
		s.Protocol = 0x0004 // ETH_P_802_2
	}
	return tci, 0
}

// skbChangeTail is bpf_skb_change_tail: the packet becomes newLen bytes,
// zero-filled when it grows.
func skbChangeTail(m *interp.Machine, _, newLen, flags, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_change_tail")
	if err != nil {
		return 0, err
	}
	minLen := uint64(s.Net - s.Data)
	if flags != 0 || newLen > skbMaxLen || newLen < minLen {
		return errno(syscall.EINVAL), nil
	}
	if s.Encapsulated {
		return errno(errENOTSUPP), nil
	}
	cur := uint64(s.DataEnd - s.Data)
	if newLen > cur {
		s.grow(m, 0, int(newLen-cur))
		clear(s.buf[s.DataEnd : s.Data+int(newLen)])
	}
	s.DataEnd = s.Data + int(newLen)
	if s.GSOSize != 0 { // skb_gso_reset
		s.GSOSize, s.GSOSegs = 0, 0
	}
	s.ArmLegacyLoads(m)
	return 0, nil
}

func skbLoadBytesRelative(m *interp.Machine, _, offset, toAddr, size, start uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_load_bytes_relative")
	if err != nil {
		return 0, err
	}
	to, err := mem(m, toAddr, size, true, "destination")
	if err != nil {
		return 0, err
	}
	var base int
	switch start {
	case hdrStartMAC:
		base = s.Mac
	case hdrStartNet:
		base = s.Net
	default:
		clear(to)
		return errno(syscall.EFAULT), nil
	}
	offset = uint64(uint32(offset)) // the kernel's helper takes a u32
	from := uint64(base) + offset
	if offset > 0xffff || from < uint64(s.Mac) || from+size > uint64(s.DataEnd) {
		clear(to)
		return errno(syscall.EFAULT), nil
	}
	copy(to, s.buf[from:from+size])
	return 0, nil
}

// hashSeed keys get_hash_recalc's flow hash: like the kernel's, it is
// random per boot (here per process), so programs cannot rely on values.
var hashSeed = maphash.MakeSeed()

// getHashRecalc computes the flow hash from the packet's addresses and
// ports, nonzero as the kernel's is for any flow, and caches it.
func getHashRecalc(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_get_hash_recalc")
	if err != nil {
		return 0, err
	}
	if s.HashValid {
		return uint64(s.Hash), nil // set by bpf_set_hash or computed before
	}
	pkt := s.buf[s.Net:s.DataEnd]
	var flow []byte
	switch s.Protocol {
	case 0x0800:
		if len(pkt) >= 20 {
			ihl := int(pkt[0]&0xf) * 4
			flow = append(flow, pkt[9])
			flow = append(flow, pkt[12:20]...)
			if ihl >= 20 && len(pkt) >= ihl+4 && (pkt[9] == 6 || pkt[9] == 17) {
				flow = append(flow, pkt[ihl:ihl+4]...)
			}
		}
	case 0x86dd:
		if len(pkt) >= 40 {
			flow = append(flow, pkt[6])
			flow = append(flow, pkt[8:40]...)
			if len(pkt) >= 44 && (pkt[6] == 6 || pkt[6] == 17) {
				flow = append(flow, pkt[40:44]...)
			}
		}
	}
	// Like the kernel's flow hash, never 0, even for frames that are not IP.
	h := uint32(maphash.Bytes(hashSeed, append(flow, byte(s.Protocol>>8), byte(s.Protocol))))
	if h == 0 {
		h = 1
	}
	s.Hash, s.HashValid = h, true
	return uint64(h), nil
}

// bpf_skb_adjust_room flags and modes.
const (
	adjRoomNet          = 0
	adjRoomMAC          = 1
	adjFixedGSO         = 1 << 0
	adjEncapL3IPv4      = 1 << 1
	adjEncapL3IPv6      = 1 << 2
	adjEncapL4GRE       = 1 << 3
	adjEncapL4UDP       = 1 << 4
	adjNoCsumReset      = 1 << 5
	adjEncapL2Eth       = 1 << 6
	adjDecapL3IPv4      = 1 << 7
	adjDecapL3IPv6      = 1 << 8
	adjEncapL2Mask      = 0xff << 56
	adjGrowFlags        = adjFixedGSO | adjEncapL3IPv4 | adjEncapL3IPv6 | adjEncapL4GRE | adjEncapL4UDP | adjEncapL2Eth | adjEncapL2Mask
	adjShrinkFlags      = adjFixedGSO | adjDecapL3IPv4 | adjDecapL3IPv6
	adjAllFlags         = adjGrowFlags | adjShrinkFlags | adjNoCsumReset
	ipv4HdrLen, ipv6Hdr = 20, 40
)

// skbAdjustRoom is bpf_skb_adjust_room: insert zeroed room (or remove
// bytes) after the MAC header (mode MAC) or after the base IP header
// (mode NET), moving the headers before it. Checks come in the kernel's
// order, since programs see which error wins.
func skbAdjustRoom(m *interp.Machine, _, lenDiff, mode, flags, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_adjust_room")
	if err != nil {
		return 0, err
	}
	diff := int64(int32(lenDiff))
	abs := diff
	if abs < 0 {
		abs = -abs
	}
	shrink := diff < 0
	if flags&^uint64(adjAllFlags) != 0 {
		return errno(syscall.EINVAL), nil
	}
	if abs > 0xfff {
		return errno(syscall.EFAULT), nil
	}
	var minLen int64
	switch s.Protocol {
	case 0x0800:
		minLen = ipv4HdrLen
	case 0x86dd:
		minLen = ipv6Hdr
	default:
		return errno(errENOTSUPP), nil
	}
	off := int64(s.Net - s.Mac)
	switch mode {
	case adjRoomNet:
		off += minLen
	case adjRoomMAC:
	default:
		return errno(errENOTSUPP), nil
	}
	if decap := flags & (adjDecapL3IPv4 | adjDecapL3IPv6); decap != 0 {
		switch {
		case !shrink:
			return errno(syscall.EINVAL), nil
		case decap == adjDecapL3IPv4:
			minLen = ipv4HdrLen
		case decap == adjDecapL3IPv6:
			minLen = ipv6Hdr
		default:
			return errno(syscall.EINVAL), nil
		}
	}
	skbLen := int64(s.DataEnd - s.Data)
	cur := skbLen - int64(s.Net-s.Data)
	gso := s.GSOSize != 0
	if shrink && (abs >= cur || cur-abs < minLen) || !shrink && skbLen+abs > skbMaxLen && !gso {
		return errno(errENOTSUPP), nil
	}
	var ret uint64
	if shrink {
		ret = s.shrinkRoom(m, off, abs, flags)
	} else {
		ret = s.growRoom(m, off, abs, flags)
	}
	if ret == 0 && flags&adjNoCsumReset == 0 {
		s.resetCsumUnnecessary()
	}
	s.ArmLegacyLoads(m)
	return ret, nil
}

// shrinkRoom is bpf_skb_net_shrink.
func (s *SKB) shrinkRoom(m *interp.Machine, off, n int64, flags uint64) uint64 {
	if flags&^uint64(adjShrinkFlags|adjNoCsumReset) != 0 {
		return errno(syscall.EINVAL)
	}
	if s.GSOSize != 0 { // a GSO skb of the test run has no type, so not TCP
		return errno(errENOTSUPP)
	}
	if int64(s.Data)+off+n > int64(s.DataEnd) {
		return errno(syscall.ENOMEM)
	}
	copy(s.buf[s.Data+int(n):], s.buf[s.Data:s.Data+int(off)])
	s.Data += int(n)
	s.Mac += int(n)
	s.Net += int(n)
	switch {
	case s.Protocol == 0x0800 && flags&adjDecapL3IPv6 != 0:
		s.Protocol = 0x86dd
	case s.Protocol == 0x86dd && flags&adjDecapL3IPv4 != 0:
		s.Protocol = 0x0800
	}
	return 0
}

// growRoom is bpf_skb_net_grow.
func (s *SKB) growRoom(m *interp.Machine, off, n int64, flags uint64) uint64 {
	if s.GSOSize != 0 {
		return errno(errENOTSUPP)
	}
	encap := flags&(adjEncapL3IPv4|adjEncapL3IPv6) != 0
	if encap {
		innerMAC := flags >> 56
		switch {
		case flags&(adjEncapL3IPv4|adjEncapL3IPv6) == adjEncapL3IPv4|adjEncapL3IPv6,
			flags&(adjEncapL4GRE|adjEncapL4UDP) == adjEncapL4GRE|adjEncapL4UDP,
			flags&adjEncapL2Eth != 0 && innerMAC < ethHlen:
			return errno(syscall.EINVAL)
		case s.Encapsulated:
			return errno(syscall.EALREADY)
		case innerMAC > uint64(n):
			return errno(syscall.EINVAL)
		}
	}
	s.grow(m, int(n), 0)
	s.Data -= int(n)
	copy(s.buf[s.Data:], s.buf[s.Data+int(n):s.Data+int(n)+int(off)])
	clear(s.buf[s.Data+int(off) : s.Data+int(off)+int(n)])
	s.Mac -= int(n)
	s.Net -= int(n)
	if encap {
		s.Encapsulated = true
		switch {
		case s.Protocol == 0x0800 && flags&adjEncapL3IPv6 != 0:
			s.Protocol = 0x86dd
		case s.Protocol == 0x86dd && flags&adjEncapL3IPv4 != 0:
			s.Protocol = 0x0800
		}
	}
	return 0
}

// skbChangeProto is bpf_skb_change_proto between IPv4 and IPv6: it makes
// (or removes) the 20 bytes the larger header needs after the MAC header;
// the program writes the new header itself.
func skbChangeProto(m *interp.Machine, _, proto, flags, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_change_proto")
	if err != nil {
		return 0, err
	}
	if flags != 0 {
		return errno(syscall.EINVAL), nil
	}
	to := uint16(proto)
	to = to>>8 | to<<8 // the argument is __be16
	const grow = ipv6Hdr - ipv4HdrLen
	off := s.Net - s.Mac
	switch {
	case s.Protocol == 0x0800 && to == 0x86dd:
		s.grow(m, grow, 0)
		s.Data -= grow
		copy(s.buf[s.Data:], s.buf[s.Data+grow:s.Data+grow+off])
		clear(s.buf[s.Data+off : s.Data+off+grow])
		s.Mac -= grow
		s.Net -= grow
	case s.Protocol == 0x86dd && to == 0x0800:
		if s.Data+off+grow > s.DataEnd {
			return errno(syscall.ENOMEM), nil
		}
		copy(s.buf[s.Data+grow:], s.buf[s.Data:s.Data+off])
		s.Data += grow
		s.Mac += grow
		s.Net += grow
	default:
		return errno(errENOTSUPP), nil
	}
	s.Protocol = to
	s.Hash, s.HashValid = 0, false
	s.ArmLegacyLoads(m)
	return 0, nil
}

func init() {
	for id, h := range map[casm.BuiltinFunc]interp.Helper{
		casm.FnSkbChangeHead:    skbChangeHead,
		casm.FnSkbEcnSetCe:      skbEcnSetCE,
		casm.FnCloneRedirect:    cloneRedirect,
		casm.FnRedirectPeer:     redirectPeer,
		casm.FnRedirectNeigh:    redirectNeigh,
		casm.FnGetCgroupClassid: getCgroupClassid,
		casm.FnGetSocketCookie:  getSocketCookie,
	} {
		Helpers[int32(id)] = h
	}
}

// skbChangeHead is bpf_skb_change_head: zeroed room before the MAC
// header, which becomes the new MAC header; the network header stays.
func skbChangeHead(m *interp.Machine, _, room, flags, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_change_head")
	if err != nil {
		return 0, err
	}
	cur := uint64(s.DataEnd - s.Data)
	if flags != 0 || cur+room > skbMaxLen || uint32(cur+room) < uint32(cur) {
		return errno(syscall.EINVAL), nil
	}
	s.grow(m, int(room), 0)
	s.Data -= int(room)
	clear(s.buf[s.Data : s.Data+int(room)])
	s.Mac = s.Data
	s.ArmLegacyLoads(m)
	return 0, nil
}

// skbEcnSetCE is bpf_skb_ecn_set_ce: mark an ECN-capable IP packet as
// congestion experienced, fixing the IPv4 header checksum.
func skbEcnSetCE(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_ecn_set_ce")
	if err != nil {
		return 0, err
	}
	hdr := s.buf[s.Net:s.DataEnd]
	switch s.Protocol {
	case 0x0800:
		if len(hdr) < ipv4HdrLen {
			return 0, nil
		}
		ecn := uint16(hdr[1]+1) & 3
		if ecn&2 == 0 {
			if ecn == 0 {
				return 1, nil // already CE
			}
			return 0, nil // not ECN-capable
		}
		// csum16_add of htons(0xFFFB) + htons(ecn), on the raw field.
		add := uint16(0xfbff) + (ecn<<8 | ecn>>8)
		check := uint16(hdr[10]) | uint16(hdr[11])<<8
		sum := check + add
		if sum < add {
			sum++
		}
		hdr[10], hdr[11] = byte(sum), byte(sum>>8)
		hdr[1] |= 3
		return 1, nil
	case 0x86dd:
		if len(hdr) < ipv6Hdr {
			return 0, nil
		}
		dsfield := hdr[0]<<4 | hdr[1]>>4
		if dsfield&3 == 0 {
			return 0, nil
		}
		hdr[1] |= 3 << 4
		return 1, nil
	}
	return 0, nil
}

// cloneRedirect sends a copy of the packet out of a device; only the
// loopback device exists in gbpf, as in the test run's network namespace
// view, so other ifindexes are -EINVAL like an unknown device.
func cloneRedirect(m *interp.Machine, _, ifindex, flags, _, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_clone_redirect")
	if err != nil {
		return 0, err
	}
	if flags&^bpfFIngress != 0 {
		return errno(syscall.EINVAL), nil
	}
	if s.GSOSize != 0 {
		return errno(syscall.EBADMSG), nil
	}
	if uint32(ifindex) != loopbackIndex {
		return errno(syscall.EINVAL), nil
	}
	return 0, nil
}

func redirectPeer(m *interp.Machine, _, flags, _, _, _ uint64) (uint64, error) {
	if flags != 0 {
		return tcActShot, nil
	}
	return tcActRedir, nil
}

func redirectNeigh(m *interp.Machine, _, params, plen, flags, _ uint64) (uint64, error) {
	if flags != 0 || params == 0 && plen != 0 || params != 0 && plen < 20 {
		return tcActShot, nil
	}
	return tcActRedir, nil
}

// getCgroupClassid: the test run's skb has no socket cgroup classid.
func getCgroupClassid(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return 0, nil
}

// socketCookie numbers the test runs' socket: like the kernel's cookies,
// nonzero, unique and not predictable by the program.
var socketCookie atomic.Uint64

func getSocketCookie(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	if _, err := skbOf(m, "bpf_get_socket_cookie"); err != nil {
		return 0, err
	}
	return 0x1000 + socketCookie.Add(1), nil
}

// gbpf has no sockets: lookups find none (NULL), as in a network
// namespace where nothing listens on the tuple, and there is nothing to
// release.
func init() {
	noSocket := func(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) { return 0, nil }
	for _, id := range []casm.BuiltinFunc{casm.FnSkLookupTcp, casm.FnSkLookupUdp, casm.FnSkcLookupTcp, casm.FnSkRelease} {
		Helpers[int32(id)] = noSocket
	}
}
