//go:build ignore
/* Global (non-static) functions verified on their own, taking the context
 * or scalars; a deep static chain with five arguments; stack frames close
 * to 512 bytes. */
#include "h.h"

__s64 res[8];

__noinline int glob_len(struct xdp_md *ctx)
{
	if (!ctx)
		return -1;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	return end - data;
}

__noinline int glob_mix(__u32 a, __u64 b, __u16 c, __u8 d, __s32 e)
{
	return (int)(a * 3 + (b >> 1) - c + d * e);
}

__noinline __u8 glob_byte(struct xdp_md *ctx, __u32 off)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (off > 1500)
		return 0xfe;
	__u8 *p = data + off;
	if ((void *)(p + 1) > end)
		return 0xff;
	return *p;
}

static __noinline __u64 big_frame(__u32 seed, __u8 *pkt_copy)
{
	volatile __u8 big[440];
	for (int i = 0; i < 440; i++)
		big[i] = (__u8)(seed + i * 7);
	__u64 s = 0;
	for (int i = 0; i < 440; i += 13)
		s = s * 31 + big[i];
	for (int i = 0; i < 16; i++)
		s += pkt_copy[i];
	return s;
}

static __noinline __u64 c5(__u64 a, __u64 b, __u64 c, __u64 d, __u64 e) { return a ^ (b << 1) ^ (c << 2) ^ (d << 3) ^ (e << 4); }
static __noinline __u64 c4(__u64 a, __u64 b, __u64 c, __u64 d, __u64 e) { __u8 pad[100]; volatile __u8 *v = pad; v[99] = a; return c5(b, c, d, e, a + v[99]) + 1; }
static __noinline __u64 c3(__u64 a, __u64 b, __u64 c, __u64 d, __u64 e) { __u8 pad[200]; volatile __u8 *v = pad; v[0] = b; return c4(b, c, d, e, a) * 3 + v[0]; }
static __noinline __u64 c2(__u64 a, __u64 b, __u64 c, __u64 d, __u64 e) { return c3(e, d, c, b, a) - 7; }
static __noinline __u64 c1(__u64 a, __u64 b, __u64 c, __u64 d, __u64 e) { return c2(a + 1, b + 2, c + 3, d + 4, e + 5) + c3(a, a, a, a, a); }

SEC("xdp")
int calls(struct xdp_md *ctx)
{
	__u8 copy[16] = {};
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 16 <= end)
		__builtin_memcpy(copy, data, 16);
	res[0] = glob_len(ctx);
	res[1] = glob_mix(0xffffffff, 0x123456789ull, 0x8000, 0xff, -5);
	res[2] = glob_byte(ctx, 23);
	res[3] = glob_byte(ctx, res[0]);
	res[4] = big_frame(res[0], copy);
	res[5] = c1(res[0], copy[0], copy[6], copy[12], copy[13]);
	res[6] = glob_byte(ctx, 2000);
	return res[0] > 100 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
