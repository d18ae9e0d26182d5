//go:build ignore
/* XDP metadata: read what the caller put before data (ctx data offset), grow
 * it with bpf_xdp_adjust_meta and write a mark for a later tc program. */
#include "h.h"

struct meta { __u32 mark; __u16 cls; __u16 flags; };

__u32 seen_meta = 0, seen_len = 0;
__s64 rc[3] = {};

SEC("xdp")
int meta(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *mdata = (void *)(long)ctx->data_meta;
	seen_len = data - mdata;
	if (mdata + 4 <= data)
		seen_meta = *(__u32 *)mdata;
	rc[0] = bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta));
	rc[1] = bpf_xdp_adjust_meta(ctx, -16);
	rc[2] = bpf_xdp_adjust_meta(ctx, -2);
	data = (void *)(long)ctx->data;
	mdata = (void *)(long)ctx->data_meta;
	struct meta *m = mdata;
	if ((void *)(m + 1) > data)
		return XDP_PASS;
	m->mark = 0xfeed0000 | ctx->ingress_ifindex;
	m->cls = ctx->rx_queue_index + 7;
	m->flags = 0x5a5a;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
