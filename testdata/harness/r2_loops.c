//go:build ignore
/* Bounded while/do-while loops, nested loops, break/continue, a big
 * switch, bit tricks over the payload. */
#include "h.h"

__u64 res[16] = {};

static __always_inline __u32 classify(__u8 b)
{
	switch (b) {
	case 0: return 11;
	case 1: return 13;
	case 2: return 17;
	case 3: return 19;
	case 4: return 23;
	case 5: return 29;
	case 6: return 31;
	case 7: return 37;
	case 8: return 41;
	case 0x45: return 43;
	case 0x60: return 47;
	case 0xff: return 53;
	default: return b & 3;
	}
}

SEC("xdp")
int loops2(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 i = 0, sum = 0, pop = 0, sw = 0, zeros = 0;
	while (i < 256) {
		__u8 *p = data + i;
		if ((void *)(p + 1) > end)
			break;
		__u8 b = *p;
		i++;
		if (b == 0) {
			zeros++;
			continue;
		}
		sum = (sum << 3 | sum >> 29) ^ b;
		__u8 x = b;
		do {
			pop += x & 1;
			x >>= 1;
		} while (x);
		sw += classify(b);
	}
	res[0] = i;
	res[1] = sum;
	res[2] = pop;
	res[3] = sw;
	res[4] = zeros;
	__u32 m = 0;
	for (int a = 0; a < 8; a++)
		for (int b = 0; b < 8; b++) {
			if ((a ^ b) == 5)
				continue;
			if (a * b > 30)
				break;
			m += a * 8 + b;
		}
	res[5] = m;
	__u64 v = sum * 0x9e3779b97f4a7c15ULL, r = 0;
	for (int k = 0; k < 64; k++) {
		r = r << 1 | (v & 1);
		v >>= 1;
	}
	res[6] = r;
	__u32 n = (i & 31) + 1, steps = 0;
	while (n != 1 && steps < 200) {
		n = n & 1 ? 3 * n + 1 : n / 2;
		steps++;
	}
	res[7] = steps;
	return sw & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
