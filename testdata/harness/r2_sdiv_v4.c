//go:build ignore
/* v4: signed division and modulo, sign-extending loads and moves,
 * including the INT_MIN / -1 and x / 0 edges. */
#include "h.h"

__s64 res[20] = {};

SEC("xdp")
int sdiv(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 32 > end)
		return XDP_DROP;
	volatile __s32 a = *(__s32 *)(data + 16), b = *(__s32 *)(data + 20);
	volatile __s64 A = *(__s64 *)(data + 16), B = *(__s8 *)(data + 24);
	volatile __s32 mn = (__s32)0x80000000, m1 = -1, z = 0;
	volatile __s64 MN = (__s64)0x8000000000000000ULL, M1 = -1, Z = 0;
	res[0] = a / (b | 1);
	res[1] = a % (b | 1);
	res[2] = A / (B ? B : 3);
	res[3] = A % (B ? B : 3);
	res[4] = mn / m1;
	res[5] = mn % m1;
	res[6] = MN / M1;
	res[7] = MN % M1;
	res[8] = a / z;
	res[9] = a % z;
	res[10] = A / Z;
	res[11] = A % Z;
	res[12] = *(__s8 *)(data + 25);
	res[13] = *(__s16 *)(data + 26);
	res[14] = *(__s32 *)(data + 28);
	res[15] = (__s64)(__s8)a;
	res[16] = (__s64)(__s16)a;
	res[17] = -7 / (b | 1);
	res[18] = -7 % (b | 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
