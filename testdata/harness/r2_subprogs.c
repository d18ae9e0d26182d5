//go:build ignore
/* Many subprograms: global (separately verified) and static functions
 * with five arguments, pointers to stack and map memory, a deep chain. */
#include "h.h"

struct acc { __u64 a, b, c; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct acc); } accs SEC(".maps");
__s64 res[12] = {};

__noinline int g5(int a, int b, int c, int d, int e)
{
	return a * 10000 + b * 1000 + c * 100 + d * 10 + e;
}

__noinline int gacc(struct acc *p, __u64 x)
{
	if (!p)
		return -1;
	p->a += x;
	p->b ^= x << 3;
	p->c = p->a * 3 + p->b;
	return (int)(p->c & 0xffff);
}

__noinline int gctx(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data;
}

static __noinline __u64 s5(__u64 a, __u64 b, __u64 c, __u64 d, __u64 e)
{
	return (a << 40) ^ (b << 30) ^ (c << 20) ^ (d << 10) ^ e;
}

static __noinline int d7(int x) { return x * 2 + 1; }
static __noinline int d6(int x) { return d7(x + 1) + 1; }
static __noinline int d5(int x) { return d6(x ^ 3) * 2; }
static __noinline int d4(int x) { return d5(x) - d7(x); }
static __noinline int d3(int x) { return d4(x + 2) + g5(1, 2, 3, 4, x & 7); }
static __noinline int d2(int x) { return d3(x) ^ 0x55; }
static __noinline int d1(int x) { struct acc s = { x, x, x }; return d2(x) + gacc(&s, 5); }

SEC("xdp")
int subprogs(struct xdp_md *ctx)
{
	int len = gctx(ctx);
	__u32 k = 0;
	struct acc *m = bpf_map_lookup_elem(&accs, &k);
	struct acc st = { 1, 2, 3 };
	res[0] = len;
	res[1] = g5(len, 1, 2, 3, 4);
	res[2] = gacc(&st, len);
	res[3] = st.c;
	res[4] = gacc(m, len);
	res[5] = gacc(0, 1);
	res[6] = s5(len, 2, 3, 4, 5);
	res[7] = d1(len);
	res[8] = d1(-len);
	return len > 60 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
