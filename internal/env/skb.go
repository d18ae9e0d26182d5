package env

import (
	"encoding/binary"
	"fmt"
	"sync"
	"syscall"
)

// Offsets of struct __sk_buff (include/uapi/linux/bpf.h).
const (
	skbLen            = 0
	skbPktType        = 4
	skbMark           = 8
	skbQueueMapping   = 12
	skbProtocol       = 16
	skbVlanPresent    = 20
	skbVlanTCI        = 24
	skbVlanProto      = 28
	skbPriority       = 32
	skbIngressIfindex = 36
	skbIfindex        = 40
	skbTCIndex        = 44
	skbCB             = 48 // five u32
	skbHash           = 68
	skbTCClassid      = 72
	skbData           = 76
	skbDataEnd        = 80
	skbNapiID         = 84
	skbFamily         = 88 // family to local_port: socket fields
	skbLocalPortEnd   = 140
	skbDataMeta       = 140
	skbFlowKeys       = 144
	skbTstamp         = 152
	skbWireLen        = 160
	skbGSOSegs        = 164
	skbSk             = 168
	skbGSOSize        = 176
	skbTstampType     = 180
	skbHwtstamp       = 184

	// SKBSize is sizeof(struct __sk_buff).
	SKBSize = 192

	// The test-run's skb headroom: NET_SKB_PAD (64 on x86-64) plus
	// NET_IP_ALIGN (0 there).
	skbHeadroom = 64
	skbTailroom = 320

	gsoMaxSegs       = 65535
	gsoLegacyMaxSize = 65536
)

// Packet types of eth_type_trans.
const (
	packetHost      = 0
	packetMulticast = 2
	packetOtherHost = 3
)

// SKB is the sk_buff of a socket filter or tc run, built as
// BPF_PROG_TEST_RUN builds it: on the loopback device, with the protocol
// and packet type from eth_type_trans, and the data starting at the MAC
// header for tc (L2) and at the network header for socket filters.
type SKB struct {
	buf     []byte
	base    uint64
	L2      bool // tc: data starts at the MAC header
	Data    int
	DataEnd int
	Mac     int // MAC header offset
	Net     int // network header offset

	// The VLAN tag the "hardware" stripped (vlan_present, vlan_tci,
	// vlan_proto): bpf_skb_vlan_push puts a first tag there rather than
	// into the packet, as the kernel does.
	VlanPresent bool
	VlanTCI     uint16
	VlanProto   uint16

	// CsumUnnecessary and CsumLevel are ip_summed == CHECKSUM_UNNECESSARY
	// and csum_level; the test run's skb starts as CHECKSUM_NONE.
	CsumUnnecessary bool
	CsumLevel       uint8
	// Encapsulated is skb->encapsulation, set by bpf_skb_adjust_room's
	// encapsulation flags.
	Encapsulated bool
	// HashValid says Hash holds a flow hash (computed or set by the
	// program) that bpf_get_hash_recalc returns as is.
	HashValid bool

	Protocol       uint16 // as the kernel stores it: network byte order
	PktType        uint32
	Mark           uint32
	Priority       uint32
	IngressIfindex uint32
	Ifindex        uint32
	QueueMapping   uint32
	TCIndex        uint32
	TCClassid      uint32
	Hash           uint32
	CB             [5]uint32
	Tstamp         uint64
	WireLen        uint32
	GSOSegs        uint32
	GSOSize        uint32
	Hwtstamp       uint64

	md     []byte
	hasCtx bool
}

// NewSKB builds the socket buffer for pkt (an Ethernet frame) with the
// optional struct __sk_buff ctx, rejecting what the kernel rejects. l2 is
// true for tc programs.
func NewSKB(pkt, ctx []byte, l2 bool) (*SKB, error) {
	if len(pkt) < ethHlen {
		return nil, fmt.Errorf("skb: %d bytes of packet, less than an Ethernet header: %w", len(pkt), syscall.EINVAL)
	}
	if len(pkt) > xdpFrameSize-skbHeadroom-skbTailroom {
		return nil, fmt.Errorf("skb: %d bytes of packet, more than the %d a test-run buffer holds: %w", len(pkt), xdpFrameSize-skbHeadroom-skbTailroom, syscall.EINVAL)
	}
	s := skbPool.Get().(*SKB)
	buf, md := s.buf, s.md
	clear(buf)
	clear(md)
	buf = buf[:skbHeadroom+len(pkt)+skbTailroom]
	*s = SKB{buf: buf, md: md, base: addrOf(buf), L2: l2, Ifindex: loopbackIndex}
	copy(s.buf[skbHeadroom:], pkt)
	s.Data, s.DataEnd = skbHeadroom, skbHeadroom+len(pkt)
	s.Mac, s.Net = skbHeadroom, skbHeadroom+ethHlen

	// eth_type_trans against the loopback device, whose address and
	// broadcast address are both all zeros: so ff:ff:ff:ff:ff:ff is
	// multicast there, not broadcast.
	dst := pkt[0:6]
	switch {
	case allZero(dst):
		s.PktType = packetHost
	case dst[0]&1 != 0:
		s.PktType = packetMulticast
	default:
		s.PktType = packetOtherHost
	}
	proto := binary.BigEndian.Uint16(pkt[12:14])
	switch {
	case proto >= 0x0600:
	case len(pkt) >= 16 && pkt[14] == 0xff && pkt[15] == 0xff:
		proto = 0x0001 // ETH_P_802_3
	default:
		proto = 0x0004 // ETH_P_802_2
	}
	s.Protocol = proto
	switch {
	case proto == 0x0800 && len(pkt)-ethHlen < 20:
		s.Release()
		return nil, fmt.Errorf("skb: IPv4 packet shorter than its header: %w", syscall.EINVAL)
	case proto == 0x86dd && len(pkt)-ethHlen < 40:
		s.Release()
		return nil, fmt.Errorf("skb: IPv6 packet shorter than its header: %w", syscall.EINVAL)
	}
	if !l2 {
		s.Data += ethHlen
	}
	if ctx != nil {
		if err := s.fromContext(ctx); err != nil {
			s.Release()
			return nil, err
		}
	}
	return s, nil
}

// skbPool recycles packet buffers of the largest size a test run takes.
var skbPool = sync.Pool{New: func() any {
	return &SKB{buf: alignedBytes(xdpFrameSize), md: alignedBytes(SKBSize)}
}}

// Release hands the buffer back for reuse; s and what Packet or Bytes
// returned must not be used afterwards.
func (s *SKB) Release() {
	if cap(s.buf) < xdpFrameSize {
		return // a buffer bpf_skb_change_tail replaced: not the pool's size
	}
	s.buf = s.buf[:cap(s.buf)]
	skbPool.Put(s)
}

// fromContext applies a user's __sk_buff as convert___skb_to_skb does:
// only some fields may be set, the rest must be zero.
func (s *SKB) fromContext(ctx []byte) error {
	if len(ctx) > SKBSize && !allZero(ctx[SKBSize:]) {
		return fmt.Errorf("__sk_buff: bytes past the struct must be zero: %w", syscall.E2BIG)
	}
	md := make([]byte, SKBSize)
	copy(md, ctx)
	for _, r := range [][2]int{{0, skbMark}, {skbMark + 4, skbPriority}, {skbIfindex + 4, skbCB}, {skbCB + 20, skbTstamp}, {skbGSOSegs + 4, skbGSOSize}, {skbGSOSize + 4, skbHwtstamp}} {
		if !allZero(md[r[0]:r[1]]) {
			return fmt.Errorf("__sk_buff: only mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size and hwtstamp may be set (bytes %d to %d are not zero): %w", r[0], r[1], syscall.EINVAL)
		}
	}
	le := binary.LittleEndian
	if ifindex := le.Uint32(md[skbIfindex:]); ifindex > 1 {
		return fmt.Errorf("__sk_buff: ifindex %d: only the loopback device (1) exists here: %w", ifindex, syscall.ENODEV)
	}
	s.Mark = le.Uint32(md[skbMark:])
	s.Priority = le.Uint32(md[skbPriority:])
	s.IngressIfindex = le.Uint32(md[skbIngressIfindex:])
	s.Tstamp = le.Uint64(md[skbTstamp:])
	for i := range s.CB {
		s.CB[i] = le.Uint32(md[skbCB+4*i:])
	}
	length := uint32(s.DataEnd - s.Data)
	switch wire := le.Uint32(md[skbWireLen:]); {
	case wire == 0:
		s.WireLen = length
	case wire < length || wire > gsoLegacyMaxSize:
		return fmt.Errorf("__sk_buff: wire_len %d outside %d..%d: %w", wire, length, gsoLegacyMaxSize, syscall.EINVAL)
	default:
		s.WireLen = wire
	}
	if s.GSOSegs = le.Uint32(md[skbGSOSegs:]); s.GSOSegs > gsoMaxSegs {
		return fmt.Errorf("__sk_buff: gso_segs %d above %d: %w", s.GSOSegs, gsoMaxSegs, syscall.EINVAL)
	}
	s.GSOSize = le.Uint32(md[skbGSOSize:])
	s.Hwtstamp = le.Uint64(md[skbHwtstamp:])
	copy(s.md, md)
	s.hasCtx = true
	return nil
}

// Buffer is the whole buffer, spare room included: the region a run may
// touch.
func (s *SKB) Buffer() []byte { return s.buf[:cap(s.buf)] }

// ContextAddr is where the __sk_buff lives; the program gets it in r1.
func (s *SKB) ContextAddr() uint64 { return addrOf(s.md) }

// Bytes is the packet from data to data_end: what skb_load_bytes and the
// legacy packet loads see.
func (s *SKB) Bytes() []byte { return s.buf[s.Data:s.DataEnd] }

// Packet is what the kernel returns as data_out: for socket filters the
// MAC header is pushed back and zeroed, as the test-run does.
func (s *SKB) Packet() []byte {
	if s.L2 {
		return s.buf[s.Data:s.DataEnd]
	}
	out := append(make([]byte, ethHlen), s.buf[s.Data:s.DataEnd]...)
	return out
}

// ContextOut is the __sk_buff the kernel returns (convert_skb_to___skb),
// nil without an input ctx.
func (s *SKB) ContextOut() []byte {
	if !s.hasCtx {
		return nil
	}
	out := append([]byte(nil), s.md...)
	le := binary.LittleEndian
	le.PutUint32(out[skbMark:], s.Mark)
	le.PutUint32(out[skbPriority:], s.Priority)
	le.PutUint32(out[skbIngressIfindex:], s.IngressIfindex)
	le.PutUint32(out[skbIfindex:], s.Ifindex)
	le.PutUint64(out[skbTstamp:], s.Tstamp)
	for i, v := range s.CB {
		le.PutUint32(out[skbCB+4*i:], v)
	}
	le.PutUint32(out[skbWireLen:], s.WireLen)
	le.PutUint32(out[skbGSOSegs:], s.GSOSegs)
	le.PutUint64(out[skbHwtstamp:], s.Hwtstamp)
	return out
}

// field returns the 32-bit field at off (aligned to 4) for reads.
func (s *SKB) field(off int) (uint64, bool) {
	switch off {
	case skbLen:
		return uint64(s.DataEnd - s.Data), true
	case skbPktType:
		return uint64(s.PktType), true
	case skbMark:
		return uint64(s.Mark), true
	case skbQueueMapping:
		return uint64(s.QueueMapping), true
	case skbProtocol:
		return uint64(s.Protocol>>8 | s.Protocol<<8), true // the __be16 as the CPU reads it
	case skbVlanPresent:
		if s.VlanPresent {
			return 1, true
		}
		return 0, true
	case skbVlanTCI:
		return uint64(s.VlanTCI), true
	case skbVlanProto:
		return uint64(s.VlanProto>>8 | s.VlanProto<<8), true
	case skbNapiID:
		return 0, true // the test-run's skb came from no NAPI context
	case skbPriority:
		return uint64(s.Priority), true
	case skbIngressIfindex:
		return uint64(s.IngressIfindex), true
	case skbIfindex:
		return uint64(s.Ifindex), true
	case skbTCIndex:
		return uint64(s.TCIndex), true
	case skbCB, skbCB + 4, skbCB + 8, skbCB + 12, skbCB + 16:
		return uint64(s.CB[(off-skbCB)/4]), true
	case skbHash:
		return uint64(s.Hash), true
	case skbTCClassid:
		return uint64(s.TCClassid), true
	case skbWireLen:
		return uint64(s.WireLen), true
	case skbGSOSegs:
		return uint64(s.GSOSegs), true
	case skbGSOSize:
		return uint64(s.GSOSize), true
	}
	return 0, false
}

// LoadContext converts __sk_buff loads with the kernel's access rules for
// socket filters (no packet pointers, tc_classid, timestamps or wire_len)
// and tc programs; 32-bit fields allow narrow loads.
func (s *SKB) LoadContext(off, size int) (uint64, bool) {
	if off%size != 0 {
		return 0, false
	}
	switch off {
	case skbData, skbDataEnd, skbDataMeta:
		if !s.L2 || size != 4 {
			return 0, false
		}
		switch off {
		case skbData, skbDataMeta:
			return s.base + uint64(s.Data), true
		}
		return s.base + uint64(s.DataEnd), true
	case skbTstamp, skbHwtstamp:
		if !s.L2 || size != 8 {
			return 0, false
		}
		if off == skbTstamp {
			return s.Tstamp, true
		}
		return s.Hwtstamp, true
	}
	if off == skbSk {
		// A socket pointer (sock_common or NULL): gbpf's runs have no
		// socket, so NULL, which the verifier makes programs check for.
		return 0, size == 8
	}
	if off == skbTstampType {
		// tc only, one byte: the clock of tstamp, SKB_CLOCK_REALTIME (0)
		// in a test run; writing tstamp keeps it.
		return 0, s.L2 && size == 1
	}
	if !s.L2 && (off >= skbTCClassid && off < skbTCClassid+4 || off >= skbWireLen && off < skbWireLen+4) {
		return 0, false
	}
	if size == 8 && off >= skbCB && off+8 <= skbCB+20 {
		// Two cb words at once: the kernel allows aligned 8-byte access.
		i := (off - skbCB) / 4
		return uint64(s.CB[i]) | uint64(s.CB[i+1])<<32, true
	}
	if size > 4 {
		return 0, false
	}
	field := off &^ 3
	v, ok := s.field(field)
	if !ok {
		return 0, false
	}
	shift := uint(off-field) * 8
	return (v >> shift) & (1<<(uint(size)*8) - 1), true
}

// StoreContext converts the stores the kernel allows: cb for every skb
// program, and mark, priority, tc_index, tc_classid, queue_mapping and
// tstamp for tc.
func (s *SKB) StoreContext(off, size int, v uint64) bool {
	if size == 8 && off >= skbCB && off+8 <= skbCB+20 && off%8 == 0 {
		i := (off - skbCB) / 4
		s.CB[i], s.CB[i+1] = uint32(v), uint32(v>>32)
		return true
	}
	if off >= skbCB && off+size <= skbCB+20 && off%size == 0 && size <= 4 {
		i, shift := (off-skbCB)/4, uint(off%4)*8
		mask := uint32(1<<(uint(size)*8)-1) << shift
		s.CB[i] = s.CB[i]&^mask | uint32(v)<<shift&mask
		return true
	}
	if !s.L2 {
		return false
	}
	if off == skbTstamp && size == 8 {
		s.Tstamp = v
		return true
	}
	if size != 4 {
		return false
	}
	switch off {
	case skbMark:
		s.Mark = uint32(v)
	case skbPriority:
		s.Priority = uint32(v)
	case skbTCIndex:
		s.TCIndex = uint32(v) & 0xffff
	case skbTCClassid:
		s.TCClassid = uint32(uint16(v)) // qdisc_skb_cb keeps 16 bits
	case skbQueueMapping:
		if uint32(v) >= 0xffff {
			return true // the kernel ignores NO_QUEUE_MAPPING and above
		}
		s.QueueMapping = uint32(v)
	default:
		return false
	}
	return true
}

// PacketFramer is a machine of any engine (interp.Machine, the JIT's
// Machine): what ArmLegacyLoads sets.
type PacketFramer interface {
	SetPacketFrame(buf []byte, data, mac, net int)
}

// ArmLegacyLoads points the machine's LD_ABS/LD_IND loads at the packet:
// offset 0 at data, negative offsets at the MAC and network headers.
func (s *SKB) ArmLegacyLoads(m PacketFramer) {
	m.SetPacketFrame(s.buf[:s.DataEnd], s.Data, s.Mac, s.Net)
}

// resetCsumUnnecessary is __skb_reset_checksum_unnecessary.
func (s *SKB) resetCsumUnnecessary() {
	s.CsumUnnecessary, s.CsumLevel = false, 0
}

// FieldStores says StoreContext changes only the bytes it stores (no
// field of __sk_buff is derived from another one a program may write).
func (s *SKB) FieldStores() bool { return true }

// PlainStore says a 4-byte store at off changes only what a load there
// reads back, the value stored and mask (cb for every skb program; mark,
// priority, and the 16-bit tc_index and tc_classid for tc), so the JIT
// may keep it and pass it on later (jit.PlainStores).
func (s *SKB) PlainStore(off int) (mask uint32, ok bool) {
	switch {
	case off >= skbCB && off < skbCB+20 && off%4 == 0:
		return ^uint32(0), true
	case off == skbMark, off == skbPriority:
		return ^uint32(0), s.L2
	case off == skbTCIndex, off == skbTCClassid:
		return 0xffff, s.L2
	}
	return 0, false
}

// PacketSpan is where the packet's data is and how long it is (skb->data,
// skb->len), for the JIT's inlined bpf_skb_load_bytes (jit.PacketSpanner).
func (s *SKB) PacketSpan() (addr, n uint64) {
	return s.base + uint64(s.Data), uint64(s.DataEnd - s.Data)
}
