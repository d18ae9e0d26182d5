//go:build ignore
/* Five programs chained by tail calls through a prog array set up in the
 * object; each stage edits the packet and counts, one slot is empty. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } stage_hits SEC(".maps");
__u32 trail[8] = {};
__u32 depth = 0;

int s1(struct xdp_md *ctx);
int s2(struct xdp_md *ctx);
int s3(struct xdp_md *ctx);
int s4(struct xdp_md *ctx);
int s5(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__array(values, int (struct xdp_md *));
} chain SEC(".maps") = {
	.values = { [1] = &s1, [2] = &s2, [3] = &s3, [4] = &s4, [5] = &s5 },
};

static __always_inline int hit(struct xdp_md *ctx, __u32 n)
{
	__u64 *c = bpf_map_lookup_elem(&stage_hits, &n);
	if (c)
		*c += 1;
	if (depth < 8)
		trail[depth & 7] = n;
	depth++;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *p = data + (n & 7);
	if ((void *)(p + 1) <= end)
		*p += n;
	return 0;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	depth = 0;
	hit(ctx, 0);
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 first = 1;
	if (data + 1 <= end && ((__u8 *)data)[0] & 0x80)
		first = 3;
	bpf_tail_call(ctx, &chain, first);
	return XDP_ABORTED;
}

SEC("xdp") int s1(struct xdp_md *ctx) { hit(ctx, 1); bpf_tail_call(ctx, &chain, 2); return XDP_DROP; }
SEC("xdp") int s2(struct xdp_md *ctx) { hit(ctx, 2); bpf_tail_call(ctx, &chain, 3); return XDP_DROP; }
SEC("xdp") int s3(struct xdp_md *ctx) { hit(ctx, 3); bpf_tail_call(ctx, &chain, 4); return XDP_DROP; }
SEC("xdp") int s4(struct xdp_md *ctx)
{
	hit(ctx, 4);
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 60 > end)
		bpf_tail_call(ctx, &chain, 6); /* empty slot: falls through */
	else
		bpf_tail_call(ctx, &chain, 5);
	bpf_tail_call(ctx, &chain, 100); /* out of range */
	return XDP_TX;
}
SEC("xdp") int s5(struct xdp_md *ctx) { hit(ctx, 5); return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
