//go:build ignore

/* Packet reshaping and redirects in XDP: VLAN push and pop with
 * xdp_adjust_head, trimming and growing with xdp_adjust_tail, metadata with
 * xdp_adjust_meta, and bpf_redirect / bpf_redirect_map. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 4);
} ports SEC(".maps");

__u32 meta_seen;

/* Removes the outer 802.1Q tag, if any. */
SEC("xdp")
int xdp_vlan_pop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, *neth;
	struct vlan_hdr *vh = (void *)(eth + 1);
	__u8 macs[2 * ETH_ALEN];

	if ((void *)(vh + 1) > end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_8021Q))
		return XDP_PASS;
	__builtin_memcpy(macs, eth, sizeof(macs));
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(*vh)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	neth = data;
	if ((void *)(neth + 1) > end)
		return XDP_ABORTED;
	/* h_proto already holds the encapsulated type: it overlaps the
	 * tag's encap_proto. */
	__builtin_memcpy(neth, macs, sizeof(macs));
	return XDP_PASS;
}

/* Adds an 802.1Q tag with VLAN 42. */
SEC("xdp")
int xdp_vlan_push(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct vlan_hdr *vh;
	void *data, *end;
	__u8 macs[2 * ETH_ALEN];
	__be16 proto;

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(macs, eth, sizeof(macs));
	proto = eth->h_proto;
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(*vh)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	vh = (void *)(eth + 1);
	if ((void *)(vh + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, macs, sizeof(macs));
	eth->h_proto = bpf_htons(ETH_P_8021Q);
	vh->tci = bpf_htons(42);
	vh->encap_proto = proto;
	return XDP_PASS;
}

/* Cuts the packet to 64 bytes, or grows a shorter one by a 4-byte trailer. */
SEC("xdp")
int xdp_resize(struct xdp_md *ctx)
{
	int len = ctx->data_end - ctx->data;
	void *data, *end;
	__u32 *trailer;

	if (len > 64)
		return bpf_xdp_adjust_tail(ctx, 64 - len) ? XDP_ABORTED : XDP_PASS;
	if (bpf_xdp_adjust_tail(ctx, 4))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	/* Packet pointers may only grow from data, so count from there. */
	trailer = data + (len & 0x7f);
	if ((void *)(trailer + 1) > end)
		return XDP_ABORTED;
	*trailer = bpf_htonl(0xfeedf00d);
	return XDP_PASS;
}

/* Stores a tag in the metadata area in front of the packet and reads it
 * back. */
SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	void *data, *meta;
	__u32 *tag;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(__u64)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	meta = (void *)(long)ctx->data_meta;
	tag = meta;
	if ((void *)(tag + 2) > data)
		return XDP_ABORTED;
	tag[0] = 0x6d657461;
	tag[1] = data - meta;
	meta_seen = tag[0] ^ tag[1];
	return XDP_PASS;
}

SEC("xdp")
int xdp_redirect_if(struct xdp_md *ctx)
{
	return bpf_redirect(1, 0);
}

/* The devmap is empty, so the lookup fails and the flags' low bits, the
 * fallback action, are returned. */
SEC("xdp")
int xdp_redirect_devmap(struct xdp_md *ctx)
{
	return bpf_redirect_map(&ports, 0, XDP_DROP);
}
