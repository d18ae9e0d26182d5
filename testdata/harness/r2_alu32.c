//go:build ignore
/* 32-bit arithmetic (alu32 with -mcpu=v3), wraparound, signed compares,
 * arithmetic shifts, sign extension, unsigned division and modulo, on
 * values from the packet. */
#include "h.h"

__s64 res[24] = {};

static __noinline __s32 sat_add(__s32 a, __s32 b)
{
	__s32 s = (__u32)a + (__u32)b;
	if (a > 0 && b > 0 && s < 0)
		return 0x7fffffff;
	if (a < 0 && b < 0 && s >= 0)
		return (__s32)0x80000000;
	return s;
}

SEC("xdp")
int alu32(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 32 > end)
		return XDP_DROP;
	__u32 a = *(__u32 *)(data + 16), b = *(__u32 *)(data + 20) | 1;
	__s32 sa = a, sb = b;
	__s8 c = *(__s8 *)(data + 24);
	__s16 s16 = *(__s16 *)(data + 26);
	res[0] = a + b;
	res[1] = a - b;
	res[2] = a * b;
	res[3] = a / b;
	res[4] = a % b;
	res[5] = sa >> 7;
	res[6] = a >> 7;
	res[7] = (__s64)sa * sb;
	res[8] = sa < sb;
	res[9] = sa < 0;
	res[10] = (__s32)(a << 16) >> 16;
	res[11] = c;
	res[12] = s16;
	res[13] = (__s64)c * s16;
	res[14] = sat_add(sa, sb);
	res[15] = sat_add(0x7ffffff0, sa & 0xff);
	res[16] = sat_add((__s32)0x80000010, -(sa & 0xff));
	res[17] = (__u32)(-a);
	res[18] = ~a ^ (b << (a & 31));
	res[19] = (__s32)a > (__s32)-5 ? 1 : (__s32)a < (__s32)-100 ? -1 : 0;
	res[20] = (__u64)a << 32 | b;
	res[21] = (__s64)(__s32)(a * 0x10001);
	__s64 x = (__s64)(__s32)a;
	res[22] = x >> 3;
	res[23] = (__u16)(a + 0xffff);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
