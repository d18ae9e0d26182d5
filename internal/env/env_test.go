package env

import (
	"encoding/binary"
	"errors"
	"syscall"
	"testing"
)

func packet(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

func xdpMD(data, dataEnd, meta, ingress, rxq, egress uint32) []byte {
	b := make([]byte, XDPMDSize)
	for i, v := range []uint32{data, dataEnd, meta, ingress, rxq, egress} {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

// TestNewXDPRules checks the test-run's input validation, as in
// bpf_prog_test_run_xdp and xdp_convert_md_to_buff.
func TestNewXDPRules(t *testing.T) {
	cases := []struct {
		name string
		pkt  []byte
		ctx  []byte
		want error
	}{
		{"plain", packet(60), nil, nil},
		{"shorter than ethernet", packet(13), nil, syscall.EINVAL},
		{"past the linear part: fragments", packet(xdpMaxData + 1), nil, nil},
		{"more than 17 fragments", packet(xdpMaxData + 17*4096 + 1), nil, syscall.ENOMEM},
		{"zeroed xdp_md: all fragments", packet(60), xdpMD(0, 0, 0, 0, 0, 0), nil},
		{"largest", packet(xdpMaxData), nil, nil},
		{"ctx with meta", packet(64), xdpMD(8, 64, 0, 0, 0, 0), nil},
		{"meta not multiple of 4", packet(64), xdpMD(6, 64, 0, 0, 0, 0), syscall.EINVAL},
		{"meta of 36", packet(64), xdpMD(36, 64, 0, 0, 0, 0), nil},
		{"meta of 200", packet(256), xdpMD(200, 256, 0, 0, 0, 0), nil},
		{"meta past the headroom", packet(256), xdpMD(224, 256, 0, 0, 0, 0), syscall.EINVAL},
		{"data_meta set", packet(64), xdpMD(0, 64, 4, 0, 0, 0), syscall.EINVAL},
		{"data_end past data", packet(64), xdpMD(0, 65, 0, 0, 0, 0), syscall.EINVAL},
		{"egress set", packet(64), xdpMD(0, 64, 0, 0, 0, 1), syscall.EINVAL},
		{"queue without device", packet(64), xdpMD(0, 64, 0, 0, 1, 0), syscall.EINVAL},
		{"loopback", packet(64), xdpMD(0, 64, 0, 1, 0, 0), nil},
		{"unknown device", packet(64), xdpMD(0, 64, 0, 7, 0, 0), syscall.ENODEV},
		{"nonzero tail", packet(64), append(xdpMD(0, 64, 0, 0, 0, 0), 1), syscall.E2BIG},
		{"meta leaves short packet", packet(20), xdpMD(8, 20, 0, 0, 0, 0), syscall.EINVAL},
	}
	for _, c := range cases {
		x, err := NewXDP(c.pkt, c.ctx)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if x != nil {
			x.Release()
		}
	}
}

func TestXDPLayoutAndAdjust(t *testing.T) {
	x, err := NewXDP(packet(64), xdpMD(8, 64, 0, 0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Release()
	if x.Data-x.DataMeta != 8 || x.DataEnd-x.Data != 56 || x.Data != xdpHeadroom {
		t.Fatalf("layout meta %d data %d end %d", x.DataMeta, x.Data, x.DataEnd)
	}
	if v, _ := x.LoadContext(12, 4); v != loopbackIndex {
		t.Errorf("ingress_ifindex %d, want the loopback's", v)
	}
	if _, ok := x.LoadContext(0, 2); ok {
		t.Error("narrow load of data accepted")
	}
	if x.StoreContext(12, 4, 1) {
		t.Error("store to xdp_md accepted")
	}
	checks := []struct {
		name string
		op   func() int64
		want int64
	}{
		{"head into frame header", func() int64 { return x.AdjustHead(-int64(x.Data)) }, -int64(syscall.EINVAL)},
		{"head past ethernet", func() int64 { return x.AdjustHead(int64(x.DataEnd - x.Data - 13)) }, -int64(syscall.EINVAL)},
		{"head grow", func() int64 { return x.AdjustHead(-16) }, 0},
		{"meta odd", func() int64 { return x.AdjustMeta(-2) }, -int64(syscall.EACCES)},
		{"meta into frame header", func() int64 { return x.AdjustMeta(-int64(x.DataMeta - xdpFrameHeader + 4)) }, -int64(syscall.EINVAL)},
		{"meta past data", func() int64 { return x.AdjustMeta(int64(x.Data-x.DataMeta) + 4) }, -int64(syscall.EINVAL)},
		{"tail past frame", func() int64 { return x.AdjustTail(4096) }, -int64(syscall.EINVAL)},
		{"tail below ethernet", func() int64 { return x.AdjustTail(-int64(x.DataEnd - x.Data - 13)) }, -int64(syscall.EINVAL)},
		{"tail grow", func() int64 { return x.AdjustTail(10) }, 0},
	}
	for _, c := range checks {
		if got := c.op(); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// Metadata moves with the head, and the output starts with it.
	out := x.Packet()
	if len(out) != 8+16+56+10 || out[0] != 0 || out[8+16] != 8 {
		t.Errorf("packet out %d bytes: % x", len(out), out[:32])
	}
	md := x.ContextOut()
	if binary.LittleEndian.Uint32(md[0:]) != 8 || binary.LittleEndian.Uint32(md[4:]) != uint32(len(out)) {
		t.Errorf("ctx out % x", md[:8])
	}
}

func TestSKBFields(t *testing.T) {
	frame := packet(60)
	copy(frame[0:6], []byte{0, 0, 0, 0, 0, 0})
	binary.BigEndian.PutUint16(frame[12:], 0x0800)
	tc, err := NewSKB(frame, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Release()
	sock, err := NewSKB(frame, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Release()
	reads := []struct {
		skb       *SKB
		off, size int
		want      uint64
		ok        bool
	}{
		{tc, skbLen, 4, 60, true},
		{sock, skbLen, 4, 46, true},
		{tc, skbProtocol, 4, 8, true},
		{tc, skbProtocol, 2, 8, true},
		{tc, skbPktType, 4, packetHost, true},
		{tc, skbIfindex, 4, 1, true},
		{tc, skbIngressIfindex, 4, 0, true},
		{sock, skbData, 4, 0, false},
		{sock, skbTCClassid, 4, 0, false},
		{tc, skbFamily, 4, 0, false},
		{tc, skbData, 2, 0, false},
		{tc, skbTstamp, 4, 0, false},
		{tc, skbSk, 8, 0, true},
		{sock, skbSk, 8, 0, true},
		{tc, skbSk, 4, 0, false},
	}
	for _, r := range reads {
		got, ok := r.skb.LoadContext(r.off, r.size)
		if ok != r.ok || ok && got != r.want {
			t.Errorf("l2=%v load %d/%d = %d, %v; want %d, %v", r.skb.L2, r.off, r.size, got, ok, r.want, r.ok)
		}
	}
	if !sock.StoreContext(skbCB+4, 4, 9) || sock.CB[1] != 9 {
		t.Error("socket filter cannot write cb[1]")
	}
	if sock.StoreContext(skbMark, 4, 1) {
		t.Error("socket filter wrote mark")
	}
	if !tc.StoreContext(skbMark, 4, 5) || tc.Mark != 5 {
		t.Error("tc cannot write mark")
	}
	multicast := packet(60)
	multicast[0] = 0xff
	s, err := NewSKB(multicast, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.PktType != packetMulticast {
		t.Errorf("broadcast frame on loopback: pkt_type %d, want multicast as the kernel", s.PktType)
	}
	s.Release()
}

func TestHelperName(t *testing.T) {
	for id, want := range map[int32]string{1: "bpf_map_lookup_elem", 44: "bpf_xdp_adjust_head", 7: "bpf_get_prandom_u32", 9999: "helper #9999"} {
		if got := HelperName(id); got != want {
			t.Errorf("HelperName(%d) = %q, want %q", id, got, want)
		}
	}
}

func TestXDPFragments(t *testing.T) {
	pkt := packet(5000)
	x, err := NewXDP(pkt, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Release()
	if x.DataEnd-x.Data != xdpMaxData || x.BuffLen() != 5000 {
		t.Fatalf("linear %d, total %d", x.DataEnd-x.Data, x.BuffLen())
	}
	// A span across the boundary comes back in two pieces.
	parts := x.span(xdpMaxData-2, 4)
	if len(parts) != 2 || parts[0][0] != byte((xdpMaxData-2)%256) || parts[1][1] != byte((xdpMaxData+1)%256) {
		t.Errorf("span %v", parts)
	}
	if got := x.AdjustTail(-100); got != 0 || x.BuffLen() != 4900 {
		t.Errorf("shrink: %d, len %d", got, x.BuffLen())
	}
	if got := x.AdjustTail(4096); got != -int64(syscall.EINVAL) {
		t.Errorf("grow past the page: %d", got)
	}
	if out := x.Packet(); len(out) != 4900 || out[4000] != byte(4000%256) {
		t.Errorf("packet out: %d bytes", len(out))
	}
}
