package env

import (
	"encoding/binary"
	"fmt"
	"sync"
	"syscall"
	"unsafe"
)

// The geometry of the kernel's XDP test-run frame (net/bpf/test_run.c):
// one page, XDP_PACKET_HEADROOM before the packet, the skb_shared_info
// tailroom after it, and struct xdp_frame at the start of the headroom,
// which metadata may not overwrite.
const (
	xdpFrameSize   = 4096
	xdpHeadroom    = 256
	xdpTailroom    = 320
	xdpFrameHeader = 40
	xdpMaxData     = xdpFrameSize - xdpHeadroom - xdpTailroom
	xdpMaxMeta     = 252 // skb_shared_info.meta_len is a u8; metadata is 4-byte aligned
	ethHlen        = 14
	loopbackIndex  = 1 // ifindex of the test-run's loopback device

	// XDPMDSize is sizeof(struct xdp_md).
	XDPMDSize = 24
)

// XDP is the xdp_buff of a run: a frame with headroom and tailroom and
// offsets of data_meta, data and data_end in it.
type XDP struct {
	frame          []byte
	base           uint64
	DataMeta       int
	Data           int
	DataEnd        int
	IngressIfindex uint32
	RxQueueIndex   uint32
	md             []byte // the xdp_md the program sees at r1
	hasCtx         bool
	frags          [][]byte // packet beyond the linear part, page-sized pieces
}

// NewXDP builds the frame for pkt as BPF_PROG_TEST_RUN does, with the
// optional struct xdp_md ctx, and rejects what the kernel rejects.
func NewXDP(pkt, ctx []byte) (_ *XDP, err error) {
	x := xdpPool.Get().(*XDP)
	frame, md := x.frame, x.md
	clear(frame)
	clear(md)
	*x = XDP{frame: frame, md: md, base: addrOf(frame), IngressIfindex: loopbackIndex}
	defer func() {
		if err != nil {
			x.Release()
		}
	}()
	meta, linear := 0, len(pkt)
	if ctx != nil {
		if len(ctx) > XDPMDSize && !allZero(ctx[XDPMDSize:]) {
			return nil, fmt.Errorf("xdp_md: bytes past the struct must be zero: %w", syscall.E2BIG)
		}
		var md [XDPMDSize]byte
		copy(md[:], ctx)
		data := binary.LittleEndian.Uint32(md[0:])
		dataEnd := binary.LittleEndian.Uint32(md[4:])
		dataMeta := binary.LittleEndian.Uint32(md[8:])
		ingress := binary.LittleEndian.Uint32(md[12:])
		rxq := binary.LittleEndian.Uint32(md[16:])
		egress := binary.LittleEndian.Uint32(md[20:])
		switch {
		case dataMeta != 0 || int(dataEnd) > len(pkt) || data > dataEnd:
			return nil, fmt.Errorf("xdp_md: data %d, data_end %d, data_meta %d do not fit %d bytes of data: %w", data, dataEnd, dataMeta, len(pkt), syscall.EINVAL)
		case data%4 != 0 || data > xdpMaxMeta || data > xdpHeadroom-xdpFrameHeader:
			return nil, fmt.Errorf("xdp_md: metadata length %d is not a multiple of 4 up to %d: %w", data, xdpHeadroom-xdpFrameHeader, syscall.EINVAL)
		case egress != 0:
			return nil, fmt.Errorf("xdp_md: egress_ifindex must be 0: %w", syscall.EINVAL)
		case ingress == 0 && rxq != 0:
			return nil, fmt.Errorf("xdp_md: rx_queue_index without ingress_ifindex: %w", syscall.EINVAL)
		case ingress != 0 && ingress != loopbackIndex:
			return nil, fmt.Errorf("xdp_md: ingress_ifindex %d: only the loopback device (1) exists here: %w", ingress, syscall.ENODEV)
		case ingress != 0 && rxq != 0:
			return nil, fmt.Errorf("xdp_md: the loopback device has one rx queue: %w", syscall.EINVAL)
		}
		meta = int(data)
		linear = int(dataEnd)
		copy(x.md, md[:])
		x.hasCtx = true
	}
	if len(pkt)-meta < ethHlen {
		return nil, fmt.Errorf("xdp: %d bytes of packet, less than an Ethernet header: %w", len(pkt)-meta, syscall.EINVAL)
	}
	// What does not fit the linear part (up to data_end when a context
	// says, at most what the page holds) goes to page-sized fragments,
	// as the kernel's multi-buffer test runs do.
	linear = min(linear, xdpMaxData)
	x.frags = x.frags[:0]
	for rest := pkt[linear:]; len(rest) > 0; {
		if len(x.frags) == maxFrags {
			return nil, fmt.Errorf("xdp: %d bytes of packet need more than %d fragments: %w", len(pkt), maxFrags, syscall.ENOMEM)
		}
		n := min(len(rest), xdpFrameSize)
		x.frags = append(x.frags, append(make([]byte, 0, xdpFrameSize), rest[:n]...))
		rest = rest[n:]
	}
	x.DataMeta = xdpHeadroom - meta
	x.Data = xdpHeadroom
	x.DataEnd = x.DataMeta + linear
	copy(x.frame[x.DataMeta:], pkt[:linear])
	return x, nil
}

// maxFrags is MAX_SKB_FRAGS.
const maxFrags = 17

// BuffLen is the packet's length, fragments included
// (bpf_xdp_get_buff_len).
func (x *XDP) BuffLen() int {
	n := x.DataEnd - x.Data
	for _, f := range x.frags {
		n += len(f)
	}
	return n
}

// span returns the packet bytes [off, off+n) from data on, across the
// linear part and the fragments, as slices of the frame's memory.
func (x *XDP) span(off, n int) [][]byte {
	var out [][]byte
	parts := append([][]byte{x.frame[x.Data:x.DataEnd]}, x.frags...)
	for _, p := range parts {
		if n == 0 {
			break
		}
		if off >= len(p) {
			off -= len(p)
			continue
		}
		k := min(n, len(p)-off)
		out = append(out, p[off:off+k])
		off, n = 0, n-k
	}
	return out
}

// xdpPool recycles frames: runs of gbpf xdp go through one per packet.
var xdpPool = sync.Pool{New: func() any {
	return &XDP{frame: alignedBytes(xdpFrameSize), md: alignedBytes(XDPMDSize)}
}}

// Release hands the frame back for reuse; x and what Packet returned must
// not be used afterwards.
func (x *XDP) Release() { xdpPool.Put(x) }

// Frame is the whole frame: the region a run may touch.
func (x *XDP) Frame() []byte { return x.frame }

// ContextAddr is where the xdp_md lives; the program gets it in r1.
func (x *XDP) ContextAddr() uint64 { return addrOf(x.md) }

// Packet is what the kernel returns as data_out: metadata and packet.
func (x *XDP) Packet() []byte {
	if len(x.frags) == 0 {
		return x.frame[x.DataMeta:x.DataEnd]
	}
	out := append([]byte(nil), x.frame[x.DataMeta:x.DataEnd]...)
	for _, f := range x.frags {
		out = append(out, f...)
	}
	return out
}

// ContextOut is the xdp_md the kernel returns: the input with data and
// data_end rewritten as offsets from data_meta; nil without an input ctx.
func (x *XDP) ContextOut() []byte {
	if !x.hasCtx {
		return nil
	}
	out := append([]byte(nil), x.md...)
	binary.LittleEndian.PutUint32(out[0:], uint32(x.Data-x.DataMeta))
	binary.LittleEndian.PutUint32(out[4:], uint32(x.DataEnd-x.DataMeta))
	return out
}

// LoadContext converts xdp_md loads: the kernel allows only aligned
// 32-bit loads, and data, data_end and data_meta are pointers.
func (x *XDP) LoadContext(off, size int) (uint64, bool) {
	if size != 4 || off%4 != 0 {
		return 0, false
	}
	switch off {
	case 0:
		return x.base + uint64(x.Data), true
	case 4:
		return x.base + uint64(x.DataEnd), true
	case 8:
		return x.base + uint64(x.DataMeta), true
	case 12:
		return uint64(x.IngressIfindex), true
	case 16:
		return uint64(x.RxQueueIndex), true
	case 20:
		return 0, true // egress_ifindex: set only for devmap programs
	}
	return 0, false
}

// StoreContext rejects every store: xdp_md is read-only.
func (x *XDP) StoreContext(off, size int, v uint64) bool { return false }

// AdjustHead is bpf_xdp_adjust_head.
func (x *XDP) AdjustHead(delta int64) int64 {
	metalen := x.Data - x.DataMeta
	data := int64(x.Data) + delta
	if data < int64(xdpFrameHeader+metalen) || data > int64(x.DataEnd-ethHlen) {
		return -int64(syscall.EINVAL)
	}
	if metalen > 0 {
		copy(x.frame[x.DataMeta+int(delta):], x.frame[x.DataMeta:x.Data])
	}
	x.DataMeta += int(delta)
	x.Data = int(data)
	return 0
}

// AdjustMeta is bpf_xdp_adjust_meta.
func (x *XDP) AdjustMeta(delta int64) int64 {
	meta := int64(x.DataMeta) + delta
	if meta < xdpFrameHeader || meta > int64(x.Data) {
		return -int64(syscall.EINVAL)
	}
	if metalen := int64(x.Data) - meta; metalen%4 != 0 || metalen > xdpMaxMeta {
		return -int64(syscall.EACCES)
	}
	x.DataMeta = int(meta)
	return 0
}

// AdjustTail is bpf_xdp_adjust_tail.
func (x *XDP) AdjustTail(delta int64) int64 {
	if len(x.frags) > 0 {
		return x.adjustFragTail(delta)
	}
	end := int64(x.DataEnd) + delta
	if end > xdpFrameSize-xdpTailroom || end < int64(x.Data+ethHlen) {
		return -int64(syscall.EINVAL)
	}
	if delta > 0 {
		clear(x.frame[x.DataEnd:end])
	}
	x.DataEnd = int(end)
	return 0
}

// adjustFragTail is bpf_xdp_adjust_tail on a multi-buffer frame: growing
// uses the last fragment's page, shrinking frees fragments from the end
// and, once none is left, trims the linear part.
func (x *XDP) adjustFragTail(delta int64) int64 {
	last := &x.frags[len(x.frags)-1]
	if delta >= 0 {
		if delta > int64(xdpFrameSize-len(*last)) {
			return -int64(syscall.EINVAL)
		}
		*last = append(*last, make([]byte, delta)...)
		return 0
	}
	shrink := -delta
	if shrink > int64(x.BuffLen()-ethHlen) {
		return -int64(syscall.EINVAL)
	}
	for len(x.frags) > 0 && shrink > 0 {
		f := &x.frags[len(x.frags)-1]
		k := min(shrink, int64(len(*f)))
		*f = (*f)[:int64(len(*f))-k]
		shrink -= k
		if len(*f) > 0 {
			break
		}
		x.frags = x.frags[:len(x.frags)-1]
	}
	if len(x.frags) == 0 {
		x.DataEnd -= int(shrink)
	}
	return 0
}

// alignedBytes allocates n zero bytes on an 8-byte boundary, so programs
// can use atomics and the kernel's alignment assumptions hold.
func alignedBytes(n int) []byte {
	if n == 0 {
		return nil
	}
	w := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), n)
}

func addrOf(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
