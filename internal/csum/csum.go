// Package csum computes Internet checksums bit for bit as the Linux kernel
// does on x86-64, for the BPF helpers bpf_csum_diff, bpf_l3_csum_replace and
// bpf_l4_csum_replace.
//
// Checksum fields and the from/to operands are handled as the program sees
// them: the bytes of a big-endian (network order) field loaded with a
// native little-endian load. Ones' complement arithmetic does not care
// about byte order as long as every operand is treated alike, which is why
// the kernel can use its native loads and why this package reads and writes
// the 16-bit field little-endian.
package csum

import (
	"encoding/binary"
	"math/bits"
	"syscall"
)

// Flags of bpf_l3_csum_replace and bpf_l4_csum_replace (uapi/linux/bpf.h).
const (
	FHdrFieldMask  = 0xf  // BPF_F_HDR_FIELD_MASK: size of the replaced field, 0, 2 or 4
	FPseudoHdr     = 0x10 // BPF_F_PSEUDO_HDR: the field is part of the pseudo-header
	FMarkMangled0  = 0x20 // BPF_F_MARK_MANGLED_0: leave 0 alone, write 0xffff for a 0 result (UDP)
	FMarkEnforce   = 0x40 // BPF_F_MARK_ENFORCE: update even a 0 checksum
	FIPv6          = 0x80 // BPF_F_IPV6: the pseudo-header is IPv6 (skb->csum is then left alone)
	mangled0       = 0xffff
	maxFieldOffset = 0xffff
)

func errno(e syscall.Errno) int64 { return -int64(e) }

// add64 is a 64-bit ones' complement addition (end-around carry), like the
// kernel's add64_with_carry.
func add64(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	return s + c
}

// Add is csum_add: 32-bit ones' complement addition.
func Add(a, b uint32) uint32 {
	s, c := bits.Add32(a, b, 0)
	return s + c
}

// Sub is csum_sub: a minus b in ones' complement.
func Sub(a, b uint32) uint32 { return Add(a, ^b) }

// Partial is x86-64 csum_partial: the 32-bit unfolded ones' complement sum
// of buf, read as little-endian 64-bit words with the tail zero-padded,
// added to sum. The result is 0 only when sum and buf are all zero;
// otherwise a sum that is zero modulo 2^32-1 comes out as 0xffffffff.
func Partial(buf []byte, sum uint32) uint32 {
	acc := uint64(sum)
	for len(buf) >= 8 {
		acc = add64(acc, binary.LittleEndian.Uint64(buf))
		buf = buf[8:]
	}
	if len(buf) > 0 {
		var tail [8]byte
		copy(tail[:], buf)
		acc = add64(acc, binary.LittleEndian.Uint64(tail[:]))
	}
	return Add(uint32(acc>>32), uint32(acc))
}

// From32to16 folds a 32-bit partial sum to 16 bits without complementing
// it (the kernel's csum_from32to16).
func From32to16(x uint32) uint16 {
	x = x&0xffff + x>>16
	x = x&0xffff + x>>16
	return uint16(x)
}

// Fold is csum_fold: the complemented 16-bit fold of a partial sum, the
// value stored in a checksum field.
func Fold(sum uint32) uint16 { return ^From32to16(sum) }

// Diff is bpf_csum_diff(from, len(from), to, len(to), seed) as in Linux
// 6.13 and later: the difference of to and from added to seed, folded to 16
// bits (not complemented), so that the value no longer depends on the
// architecture's csum_partial. Sizes need not be multiples of 4 any more;
// the verifier bounds them by the memory they describe. With both sizes
// zero the seed is returned folded as well.
func Diff(from, to []byte, seed uint32) int64 {
	ret := seed
	switch {
	case len(from) > 0 && len(to) > 0:
		ret = Sub(Partial(to, ret), Partial(from, 0))
	case len(to) > 0:
		ret = Partial(to, ret)
	case len(from) > 0:
		ret = ^Partial(from, ^ret)
	}
	return int64(From32to16(ret))
}

// replace4 is csum_replace4: the field sum updated for a 32-bit word
// changing from from to to.
func replace4(sum uint16, from, to uint32) uint16 {
	tmp := Sub(^uint32(sum), from)
	return Fold(Add(tmp, to))
}

// add16 is csum16_add: 16-bit ones' complement addition.
func add16(a, b uint16) uint16 {
	s := a + b
	if s < b {
		s++
	}
	return s
}

// replace2 is csum_replace2, which works in 16 bits and can differ from
// replace4 on the two representations of zero.
func replace2(sum, from, to uint16) uint16 {
	return ^add16(add16(^sum, ^from), to)
}

// replaceByDiff is csum_replace_by_diff: diff is a bpf_csum_diff result.
func replaceByDiff(sum uint16, diff uint32) uint16 {
	return Fold(Add(diff, ^uint32(sum)))
}

// L3Replace is bpf_l3_csum_replace on the 16-bit checksum field at sum[0:2].
// The low four bits of flags give the size of the changed field: 2 or 4
// for a field that went from from to to, 0 when to is a bpf_csum_diff
// result (from must then be 0). It returns 0 or a negative errno; a field
// shorter than 2 bytes is -EFAULT, as an offset past the packet is for the
// kernel.
func L3Replace(sum []byte, from, to uint64, flags uint64) int64 {
	if flags&^uint64(FHdrFieldMask) != 0 {
		return errno(syscall.EINVAL)
	}
	if len(sum) < 2 {
		return errno(syscall.EFAULT)
	}
	old := binary.LittleEndian.Uint16(sum)
	var v uint16
	switch flags & FHdrFieldMask {
	case 0:
		if from != 0 {
			return errno(syscall.EINVAL)
		}
		v = replaceByDiff(old, uint32(to))
	case 2:
		v = replace2(old, uint16(from), uint16(to))
	case 4:
		v = replace4(old, uint32(from), uint32(to))
	default:
		return errno(syscall.EINVAL)
	}
	binary.LittleEndian.PutUint16(sum, v)
	return 0
}

// IPSummed is the skb's checksum state (skb->ip_summed).
type IPSummed uint8

// The skb checksum states that matter to bpf_l4_csum_replace.
const (
	ChecksumNone     IPSummed = 0 // CHECKSUM_NONE
	ChecksumComplete IPSummed = 2 // CHECKSUM_COMPLETE
	ChecksumPartial  IPSummed = 3 // CHECKSUM_PARTIAL
)

// SKB is the part of an skb that bpf_l4_csum_replace reads and updates
// besides the checksum field.
type SKB struct {
	IPSummed IPSummed
	Csum     uint32 // skb->csum, meaningful with ChecksumComplete
}

// L4Replace is bpf_l4_csum_replace on the checksum field at sum[0:2] of an
// skb whose ip_summed is CHECKSUM_NONE, which is what BPF_PROG_TEST_RUN
// builds: the field is always updated and BPF_F_PSEUDO_HDR and BPF_F_IPV6
// change nothing, since they only steer the update of skb->csum
// (CHECKSUM_COMPLETE) or of a partial checksum (CHECKSUM_PARTIAL). Use
// L4ReplaceSKB for the other states.
func L4Replace(sum []byte, from, to uint64, flags uint64) int64 {
	return L4ReplaceSKB(sum, &SKB{IPSummed: ChecksumNone}, from, to, flags)
}

// L4ReplaceSKB is bpf_l4_csum_replace for an skb in any checksum state,
// updating skb.Csum as the kernel updates skb->csum.
func L4ReplaceSKB(sum []byte, skb *SKB, from, to uint64, flags uint64) int64 {
	const known = FMarkMangled0 | FMarkEnforce | FPseudoHdr | FHdrFieldMask | FIPv6
	if flags&^uint64(known) != 0 {
		return errno(syscall.EINVAL)
	}
	if len(sum) < 2 {
		return errno(syscall.EFAULT)
	}
	pseudo := flags&FPseudoHdr != 0
	mmzero := flags&FMarkMangled0 != 0
	force := flags&FMarkEnforce != 0
	ipv6 := flags&FIPv6 != 0

	field := binary.LittleEndian.Uint16(sum)
	// A zero UDP checksum means "none": it stays so unless enforced, and
	// this check comes before the size is validated.
	if mmzero && !force && field == 0 {
		return 0
	}
	switch flags & FHdrFieldMask {
	case 0:
		if from != 0 {
			return errno(syscall.EINVAL)
		}
		field = protoReplaceByDiff(field, skb, uint32(to), pseudo, ipv6)
	case 2:
		// inet_proto_csum_replace2 widens the 16-bit values and goes
		// through the 32-bit path, unlike the L3 helper.
		field = protoReplace4(field, skb, uint32(uint16(from)), uint32(uint16(to)), pseudo)
	case 4:
		field = protoReplace4(field, skb, uint32(from), uint32(to), pseudo)
	default:
		return errno(syscall.EINVAL)
	}
	if mmzero && field == 0 {
		field = mangled0
	}
	binary.LittleEndian.PutUint16(sum, field)
	return 0
}

// protoReplace4 is inet_proto_csum_replace4.
func protoReplace4(sum uint16, skb *SKB, from, to uint32, pseudo bool) uint16 {
	if skb.IPSummed != ChecksumPartial {
		sum = replace4(sum, from, to)
		if skb.IPSummed == ChecksumComplete && pseudo {
			skb.Csum = ^Add(Sub(^skb.Csum, from), to)
		}
		return sum
	}
	if pseudo {
		return ^Fold(Add(Sub(uint32(sum), from), to))
	}
	return sum
}

// protoReplaceByDiff is inet_proto_csum_replace_by_diff.
func protoReplaceByDiff(sum uint16, skb *SKB, diff uint32, pseudo, ipv6 bool) uint16 {
	if skb.IPSummed != ChecksumPartial {
		sum = replaceByDiff(sum, diff)
		if skb.IPSummed == ChecksumComplete && pseudo && !ipv6 {
			skb.Csum = ^Sub(diff, skb.Csum)
		}
		return sum
	}
	if pseudo {
		return ^Fold(Add(diff, uint32(sum)))
	}
	return sum
}

// fieldAt checks a field offset as both replace helpers do and returns
// the field.
func fieldAt(pkt []byte, offset uint32) ([]byte, bool) {
	if offset > maxFieldOffset || offset&1 != 0 || uint64(offset)+2 > uint64(len(pkt)) {
		return nil, false
	}
	return pkt[offset : offset+2], true
}

// L3ReplaceAt is bpf_l3_csum_replace(skb, offset, from, to, flags) on the
// packet pkt: odd offsets, offsets above 0xffff and fields past the packet
// are -EFAULT, after the flags are checked.
func L3ReplaceAt(pkt []byte, offset uint32, from, to uint64, flags uint64) int64 {
	if flags&^uint64(FHdrFieldMask) != 0 {
		return errno(syscall.EINVAL)
	}
	f, ok := fieldAt(pkt, offset)
	if !ok {
		return errno(syscall.EFAULT)
	}
	return L3Replace(f, from, to, flags)
}

// L4ReplaceAt is bpf_l4_csum_replace(skb, offset, from, to, flags) on the
// packet pkt of a CHECKSUM_NONE skb, with L3ReplaceAt's offset checks.
func L4ReplaceAt(pkt []byte, offset uint32, from, to uint64, flags uint64) int64 {
	const known = FMarkMangled0 | FMarkEnforce | FPseudoHdr | FHdrFieldMask | FIPv6
	if flags&^uint64(known) != 0 {
		return errno(syscall.EINVAL)
	}
	f, ok := fieldAt(pkt, offset)
	if !ok {
		return errno(syscall.EFAULT)
	}
	return L4Replace(f, from, to, flags)
}
