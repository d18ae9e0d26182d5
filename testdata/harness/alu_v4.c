//go:build ignore
/* cpu v4 arithmetic: signed division and modulo (also by zero and -1),
 * sign-extending moves and loads, byte swaps, 32-bit wraparound. The
 * operands come from the packet so nothing folds at compile time. */
#include "h.h"

__s64 r64[16] = {};
__s32 r32[16] = {};
__u64 u[8] = {};

SEC("xdp")
int alu(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 32 > end)
		return XDP_DROP;
	__s64 a = *(volatile __s64 *)(data + 0);   /* dst MAC + part of src */
	__s32 b = *(volatile __s32 *)(data + 16);  /* from the IP header */
	__s8 c = *(volatile __s8 *)(data + 22);    /* TTL */
	__s16 d = *(volatile __s16 *)(data + 24);  /* IP checksum */
	__s64 z = *(volatile __u8 *)(data + 26) & 0; /* zero, unknown to clang */
	__s32 zz = (__s32)z;

	r64[0] = a / (__s64)b;
	r64[1] = a % (__s64)b;
	r64[2] = a / z;
	r64[3] = a % z;
	r64[4] = (__s64)0x8000000000000000ULL / (z - 1);
	r64[5] = (__s64)0x8000000000000000ULL % (z - 1);
	r64[6] = -a / 7;
	r64[7] = -a % 7;
	r64[8] = c;
	r64[9] = d;
	r64[10] = (__s64)(__s32)(a >> 3);
	r64[11] = a >> 61;
	r64[12] = (__u64)a >> 61;
	r32[0] = b / zz;
	r32[1] = b % zz;
	r32[2] = (__s32)0x80000000 / (zz - 1);
	r32[3] = (__s32)0x80000000 % (zz - 1);
	r32[4] = -b / 3;
	r32[5] = -b % 3;
	r32[6] = (__s32)((__u32)b * 0x9e3779b9u);
	r32[7] = b >> 31;
	r32[8] = (__s32)((__u32)b >> (zz + 31));
	u[0] = __builtin_bswap16((__u16)a);
	u[1] = __builtin_bswap32((__u32)a);
	u[2] = __builtin_bswap64((__u64)a);
	u[3] = (__u64)a / (__u64)z;
	u[4] = (__u64)a % (__u64)z;
	u[5] = (__u32)a / (__u32)zz;
	u[6] = (__u32)a % (__u32)zz;
	u[7] = (__u32)(a + 0xffffffff);
	return (c < 0) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
