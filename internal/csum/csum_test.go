package csum

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"syscall"
	"testing"
)

func TestPartial(t *testing.T) {
	for _, c := range []struct {
		buf  []byte
		sum  uint32
		want uint32
	}{
		{nil, 0, 0},
		{nil, 0xffffffff, 0xffffffff},
		{nil, 0x12345678, 0x12345678},
		{[]byte{1, 2, 3, 4}, 0, 0x04030201},
		{[]byte{1, 2, 3}, 0, 0x030201},
		{[]byte{1}, 0, 1},
		{[]byte{1, 2, 3, 4, 5, 6, 7, 8}, 0, 0x08070605 + 0x04030201},
		{[]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, 0x08070605 + 0x04030201 + 9},
		{bytes.Repeat([]byte{0xff}, 8), 0, 0xffffffff},
		{bytes.Repeat([]byte{0xff}, 4), 1, 1},
		{[]byte{0xff, 0xff, 0xff, 0xff}, 0, 0xffffffff},
		{[]byte{0, 0, 0, 0x80, 0, 0, 0, 0x80}, 0, 1},
		{make([]byte, 100), 0, 0},
	} {
		if got := Partial(c.buf, c.sum); got != c.want {
			t.Errorf("Partial(%x, %#x) = %#x, want %#x", c.buf, c.sum, got, c.want)
		}
	}
}

func TestFold(t *testing.T) {
	for _, c := range []struct {
		in        uint32
		from32to6 uint16
	}{
		{0, 0}, {0xffff, 0xffff}, {0x10000, 1}, {0x1ffff, 1}, {0xffffffff, 0xffff},
		{0xfffeffff, 0xfffe}, {0x12345678, 0x68ac},
	} {
		if got := From32to16(c.in); got != c.from32to6 {
			t.Errorf("From32to16(%#x) = %#x, want %#x", c.in, got, c.from32to6)
		}
		if got := Fold(c.in); got != ^c.from32to6 {
			t.Errorf("Fold(%#x) = %#x, want %#x", c.in, got, ^c.from32to6)
		}
	}
}

// ipHeader is a well-known IPv4 header whose checksum is b8 61.
var ipHeader = []byte{
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
}

func headerChecksum(h []byte) uint16 {
	z := append([]byte(nil), h...)
	z[10], z[11] = 0, 0
	return Fold(Partial(z, 0))
}

func TestHeaderChecksum(t *testing.T) {
	if got, want := headerChecksum(ipHeader), binary.LittleEndian.Uint16(ipHeader[10:]); got != want {
		t.Fatalf("checksum = %#04x, want %#04x", got, want)
	}
}

func TestDiff(t *testing.T) {
	a := []byte{0xc0, 0xa8, 0x00, 0x01}
	b := []byte{0x0a, 0x00, 0x00, 0x01}
	for _, c := range []struct {
		name     string
		from, to []byte
		seed     uint32
		want     int64
	}{
		{"nothing returns the folded seed", nil, nil, 0x12345678, 0x68ac},
		{"nothing, zero seed", nil, nil, 0, 0},
		{"push", nil, a, 0, int64(From32to16(0x0100a8c0))},
		{"equal data is negative zero", a, a, 0, 0xffff},
		{"zero data and seed", make([]byte, 8), make([]byte, 4), 0, 0xffff},
		{"pull all zero", make([]byte, 4), nil, 0, 0},
		{"pull", a, nil, 0, int64(From32to16(^Partial(a, ^uint32(0))))},
		{"odd sizes are accepted", []byte{1}, []byte{2, 3, 4}, 0, int64(From32to16(Sub(0x040302, 1)))},
		{"diff", a, b, 0, int64(From32to16(Sub(Partial(b, 0), Partial(a, 0))))},
	} {
		if got := Diff(c.from, c.to, c.seed); got != c.want {
			t.Errorf("%s: Diff = %#x, want %#x", c.name, got, c.want)
		}
	}
}

// TestReplaceRFC1624 checks the incremental update against the worked
// example of RFC 1624 section 4, where eqn. 3 (what the kernel uses) gives
// 0x0000 and not 0xffff.
func TestReplaceRFC1624(t *testing.T) {
	sum := []byte{0x2f, 0xdd} // HC = 0xdd2f
	if r := L3Replace(sum, 0x5555, 0x3285, 2); r != 0 {
		t.Fatalf("L3Replace returned %d", r)
	}
	if got := binary.LittleEndian.Uint16(sum); got != 0 {
		t.Errorf("HC' = %#04x, want 0x0000", got)
	}
	sum = []byte{0x2f, 0xdd}
	L4Replace(sum, 0x5555, 0x3285, 4)
	if got := binary.LittleEndian.Uint16(sum); got != 0 {
		t.Errorf("L4 HC' = %#04x, want 0x0000", got)
	}
	// BPF_F_MARK_MANGLED_0 turns the zero result into 0xffff.
	sum = []byte{0x2f, 0xdd}
	L4Replace(sum, 0x5555, 0x3285, 2|FMarkMangled0)
	if got := binary.LittleEndian.Uint16(sum); got != 0xffff {
		t.Errorf("mangled HC' = %#04x, want 0xffff", got)
	}
}

// TestReplaceMatchesRecompute changes random 16- and 32-bit words of an IP
// header and checks every way of updating the checksum against computing
// it afresh.
func TestReplaceMatchesRecompute(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		h := append([]byte(nil), ipHeader...)
		size := []int{2, 4}[rng.IntN(2)]
		off := 12 + 2*rng.IntN((8-size)/2+1) // inside the addresses
		if size == 2 && rng.IntN(2) == 0 {
			off = 2 * rng.IntN(5) // a field before the checksum
		}
		old := append([]byte(nil), h[off:off+size]...)
		for i := off; i < off+size; i++ {
			h[i] = byte(rng.Uint32())
		}
		want := headerChecksum(h)
		var from, to uint64
		if size == 2 {
			from, to = uint64(binary.LittleEndian.Uint16(old)), uint64(binary.LittleEndian.Uint16(h[off:]))
		} else {
			from, to = uint64(binary.LittleEndian.Uint32(old)), uint64(binary.LittleEndian.Uint32(h[off:]))
		}
		diff := uint64(Diff(old, h[off:off+size], 0))
		for _, upd := range []struct {
			name string
			f    func(sum []byte) int64
		}{
			{"l3", func(s []byte) int64 { return L3Replace(s, from, to, uint64(size)) }},
			{"l4", func(s []byte) int64 { return L4Replace(s, from, to, uint64(size)) }},
			{"l3 diff", func(s []byte) int64 { return L3Replace(s, 0, diff, 0) }},
			{"l4 diff", func(s []byte) int64 { return L4Replace(s, 0, diff, FPseudoHdr) }},
		} {
			s := append([]byte(nil), ipHeader[10:12]...)
			if r := upd.f(s); r != 0 {
				t.Fatalf("%s returned %d", upd.name, r)
			}
			if got := binary.LittleEndian.Uint16(s); got != want {
				t.Errorf("%s: header %x: checksum %#04x, want %#04x", upd.name, h, got, want)
			}
		}
	}
}

func TestReplaceErrors(t *testing.T) {
	einval, efault := -int64(syscall.EINVAL), -int64(syscall.EFAULT)
	pkt := make([]byte, 20)
	zero := make([]byte, 20)
	for _, c := range []struct {
		name   string
		l4     bool
		offset uint32
		from   uint64
		flags  uint64
		want   int64
	}{
		{"l3 unknown flag", false, 0, 0, FPseudoHdr | 2, einval},
		{"l3 size 3", false, 0, 0, 3, einval},
		{"l3 size 8", false, 0, 0, 8, einval},
		{"l3 diff with from", false, 0, 1, 0, einval},
		{"l3 odd offset", false, 1, 0, 2, efault},
		{"l3 past the packet", false, 20, 0, 2, efault},
		{"l3 last field", false, 18, 0, 2, 0},
		{"l3 offset above 0xffff", false, 0x10000, 0, 2, efault},
		{"l3 flags before offset", false, 1, 0, 0x100, einval},
		{"l4 unknown flag", true, 0, 0, 0x100 | 2, einval},
		{"l4 ipv6 flag", true, 0, 0, FIPv6 | 2, 0},
		{"l4 size 3", true, 0, 0, 3, einval},
		{"l4 diff with from", true, 0, 1, 0, einval},
		// A zero field with BPF_F_MARK_MANGLED_0 returns before the size
		// is looked at.
		{"l4 mangled zero skips size check", true, 0, 0, 3 | FMarkMangled0, 0},
		{"l4 mangled enforced checks size", true, 0, 0, 3 | FMarkMangled0 | FMarkEnforce, einval},
		{"l4 odd offset", true, 3, 0, 2, efault},
	} {
		p := append([]byte(nil), pkt...)
		var got int64
		if c.l4 {
			got = L4ReplaceAt(p, c.offset, c.from, 0x1234, c.flags)
		} else {
			got = L3ReplaceAt(p, c.offset, c.from, 0x1234, c.flags)
		}
		if got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
		if got != 0 && !bytes.Equal(p, zero) {
			t.Errorf("%s: failed call changed the packet: %x", c.name, p)
		}
	}
	if got := L3Replace([]byte{0}, 0, 0, 2); got != efault {
		t.Errorf("short field: got %d, want %d", got, efault)
	}
}

func TestL4ReplaceSKB(t *testing.T) {
	// CHECKSUM_COMPLETE with a pseudo-header field: skb->csum follows.
	skb := &SKB{IPSummed: ChecksumComplete, Csum: 0x1000}
	sum := []byte{0x34, 0x12}
	L4ReplaceSKB(sum, skb, 1, 2, 4|FPseudoHdr)
	if want := ^Add(Sub(^uint32(0x1000), 1), 2); skb.Csum != want {
		t.Errorf("csum = %#x, want %#x", skb.Csum, want)
	}
	if got, want := binary.LittleEndian.Uint16(sum), replace4(0x1234, 1, 2); got != want {
		t.Errorf("field = %#x, want %#x", got, want)
	}
	// Without the pseudo-header flag, or for IPv6 diffs, skb->csum stays.
	skb = &SKB{IPSummed: ChecksumComplete, Csum: 0x1000}
	L4ReplaceSKB(sum, skb, 1, 2, 4)
	L4ReplaceSKB(sum, skb, 0, 2, FPseudoHdr|FIPv6)
	if skb.Csum != 0x1000 {
		t.Errorf("csum changed to %#x", skb.Csum)
	}
	L4ReplaceSKB(sum, skb, 0, 7, FPseudoHdr)
	if want := ^Sub(7, 0x1000); skb.Csum != want {
		t.Errorf("csum = %#x, want %#x", skb.Csum, want)
	}
	// CHECKSUM_PARTIAL: only pseudo-header changes touch the field, which
	// then holds the uncomplemented pseudo-header sum.
	skb = &SKB{IPSummed: ChecksumPartial}
	sum = []byte{0x34, 0x12}
	L4ReplaceSKB(sum, skb, 1, 2, 4)
	if got := binary.LittleEndian.Uint16(sum); got != 0x1234 {
		t.Errorf("partial without pseudo: field = %#x, want 0x1234", got)
	}
	L4ReplaceSKB(sum, skb, 1, 2, 4|FPseudoHdr)
	if got := binary.LittleEndian.Uint16(sum); got != 0x1235 {
		t.Errorf("partial with pseudo: field = %#x, want 0x1235", got)
	}
}
