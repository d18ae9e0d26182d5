; The Internet checksum (RFC 1071) of the --data bytes, in LLVM syntax.
; Run with the conformance calling convention: r1 = data, r2 = its length.
; With examples/ipv4-header.bin (an IPv4 header whose checksum field is zero)
; it returns 0xb861, the value that belongs in that field.
	r0 = 0                      ; running sum
	r3 = 0                      ; offset
words:
	r4 = r3
	r4 += 1
	if r4 >= r2 goto tail       ; fewer than two bytes left
	r5 = r1
	r5 += r3
	r6 = *(u16 *)(r5 + 0)
	r6 = be16 r6                ; the sum is over big-endian words
	r0 += r6
	r3 += 2
	goto words
tail:
	if r3 >= r2 goto fold       ; an odd last byte is padded with zero
	r5 = r1
	r5 += r3
	r6 = *(u8 *)(r5 + 0)
	r6 <<= 8
	r0 += r6
fold:
	r4 = r0                     ; add the carries back in
	r4 >>= 16
	r0 &= 65535
	r0 += r4
	if r0 > 65535 goto fold
	r0 ^= 65535                 ; one's complement
	exit
