//go:build ignore
/* IPIP encapsulation with bpf_xdp_adjust_head (grow), decapsulation
 * (shrink), and a header checksum computed with bpf_csum_diff. */
#include "h.h"

const volatile __be32 tun_src = 0x0100000a; /* 10.0.0.1 */
const volatile __be32 tun_dst = 0x0200000a;
__s64 rc[4] = {};

SEC("xdp")
int encap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *inner = (void *)(eth + 1);
	if ((void *)(inner + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	__u16 inner_len = bpf_ntohs(inner->tot_len);
	struct ethhdr saved = *eth;

	rc[0] = bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr));
	if (rc[0])
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	struct iphdr *outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > end)
		return XDP_ABORTED;
	*eth = saved;
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(inner_len + sizeof(*outer));
	outer->id = 0;
	outer->frag_off = bpf_htons(0x4000);
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = tun_src;
	outer->daddr = tun_dst;
	outer->check = fold(bpf_csum_diff(0, 0, (__be32 *)outer, sizeof(*outer), 0));
	return XDP_TX;
}

SEC("xdp")
int decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > end || outer->protocol != IPPROTO_IPIP)
		return XDP_PASS;
	struct ethhdr saved = *eth;
	rc[1] = bpf_xdp_adjust_head(ctx, sizeof(struct iphdr));
	if (rc[1])
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	*eth = saved;
	return XDP_PASS;
}

/* Odd-sized head and tail moves, and ones that must fail. */
SEC("xdp")
int reshape(struct xdp_md *ctx)
{
	rc[0] = bpf_xdp_adjust_head(ctx, -3);
	rc[1] = bpf_xdp_adjust_tail(ctx, 5);
	rc[2] = bpf_xdp_adjust_head(ctx, -4096);
	rc[3] = bpf_xdp_adjust_tail(ctx, -(int)(ctx->data_end - ctx->data));
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 3 > end)
		return XDP_ABORTED;
	__builtin_memset(data, 0xee, 3);
	return (end - data) & 0xff;
}

char LICENSE[] SEC("license") = "GPL";
