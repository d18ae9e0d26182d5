//go:build ignore
/* Katran/Cilium-style encap and decap with bpf_xdp_adjust_head: IPIP, GRE,
 * VXLAN and UDP pop; IPIP and GUE push with a full IPv4 header checksum
 * recomputed by a loop. */
#include "h.h"

struct gre_base { __be16 flags; __be16 proto; };
struct vxlanhdr { __be32 flags; __be32 vni; };

__s64 res[8];

static __always_inline __u16 csum_fold_helper(__u32 csum)
{
	__u32 sum;
	sum = (csum >> 16) + (csum & 0xffff);
	sum += (sum >> 16);
	return ~sum;
}

static __always_inline void ipv4_csum(void *data_start, int data_size, __u32 *csum)
{
	*csum = bpf_csum_diff(0, 0, data_start, data_size, *csum);
	*csum = csum_fold_helper(*csum);
}

static __always_inline void ipv4_csum_inline(void *iph, __u64 *csum)
{
	__u16 *next_iph_u16 = (__u16 *)iph;
#pragma clang loop unroll(full)
	for (int i = 0; i < (int)sizeof(struct iphdr) >> 1; i++)
		*csum += *next_iph_u16++;
	*csum = fold(*csum);
}

static __always_inline int pop(struct xdp_md *ctx, int len)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr eth;
	if (data + sizeof(eth) > end)
		return -1;
	__builtin_memcpy(&eth, data, sizeof(eth));
	if (bpf_xdp_adjust_head(ctx, len))
		return -2;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + sizeof(eth) > end)
		return -3;
	__builtin_memcpy(data, &eth, 12);
	return 0;
}

SEC("xdp")
int encap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > end)
		return XDP_DROP;
	if (iph->ihl != 5)
		return XDP_PASS;
	__u8 proto = iph->protocol;
	res[0] = proto;
	if (proto == IPPROTO_IPIP) {
		res[1] = pop(ctx, sizeof(struct iphdr));
		return XDP_PASS;
	}
	if (proto == IPPROTO_GRE) {
		struct gre_base *g = (void *)(iph + 1);
		if ((void *)(g + 1) > end)
			return XDP_DROP;
		int glen = 4;
		if (g->flags & bpf_htons(0x8000)) glen += 4;
		if (g->flags & bpf_htons(0x2000)) glen += 4;
		if (g->flags & bpf_htons(0x1000)) glen += 4;
		res[2] = glen;
		__be16 inner = g->proto;
		res[1] = pop(ctx, sizeof(struct iphdr) + glen);
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		eth = data;
		if ((void *)(eth + 1) > end)
			return XDP_DROP;
		eth->h_proto = inner;
		return XDP_PASS;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = (void *)(iph + 1);
		if ((void *)(udp + 1) > end)
			return XDP_DROP;
		if (udp->dest == bpf_htons(4789)) {
			struct vxlanhdr *vx = (void *)(udp + 1);
			if ((void *)(vx + 1) > end)
				return XDP_DROP;
			res[3] = bpf_ntohl(vx->vni) >> 8;
			/* strip outer eth + ip + udp + vxlan; inner frame stays */
			if (bpf_xdp_adjust_head(ctx, 14 + 20 + 8 + 8))
				return XDP_ABORTED;
			data = (void *)(long)ctx->data;
			end = (void *)(long)ctx->data_end;
			res[4] = end - data;
			return XDP_PASS;
		}
		if (udp->dest == bpf_htons(9)) {
			/* GUE-ish push: new eth + ip + udp */
			__u16 inner_len = bpf_ntohs(iph->tot_len);
			if (bpf_xdp_adjust_head(ctx, -(int)(sizeof(struct iphdr) + sizeof(struct udphdr))))
				return XDP_ABORTED;
			data = (void *)(long)ctx->data;
			end = (void *)(long)ctx->data_end;
			struct ethhdr *ne = data;
			struct ethhdr *oe = data + 28;
			struct iphdr *ni = (void *)(ne + 1);
			struct udphdr *nu = (void *)(ni + 1);
			if ((void *)(nu + 1) > end || (void *)(oe + 1) > end)
				return XDP_DROP;
			__builtin_memcpy(ne, oe, 14);
			ni->version = 4; ni->ihl = 5; ni->tos = 0;
			ni->tot_len = bpf_htons(inner_len + 28);
			ni->id = 0; ni->frag_off = 0; ni->ttl = 64; ni->protocol = IPPROTO_UDP;
			ni->check = 0;
			ni->saddr = bpf_htonl(0x0a000001); ni->daddr = bpf_htonl(0x0a000002);
			__u32 cs = 0;
			ipv4_csum(ni, sizeof(*ni), &cs);
			ni->check = cs;
			nu->source = bpf_htons(6080); nu->dest = bpf_htons(6080);
			nu->len = bpf_htons(inner_len + 8); nu->check = 0;
			res[5] = cs;
			return XDP_TX;
		}
		return XDP_PASS;
	}
	if (proto == IPPROTO_TCP) {
		/* IPIP push */
		struct iphdr inner;
		__builtin_memcpy(&inner, iph, sizeof(inner));
		if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		struct ethhdr *ne = data;
		struct ethhdr *oe = data + sizeof(struct iphdr);
		struct iphdr *ni = (void *)(ne + 1);
		if ((void *)(ni + 1) > end || (void *)(oe + 1) > end)
			return XDP_DROP;
		__builtin_memcpy(ne->h_dest, oe->h_source, 6);
		__builtin_memcpy(ne->h_source, oe->h_dest, 6);
		ne->h_proto = bpf_htons(ETH_P_IP);
		__u64 csum = 0;
		ni->version = 4; ni->ihl = 5; ni->tos = inner.tos; ni->frag_off = 0;
		ni->protocol = IPPROTO_IPIP; ni->check = 0; ni->ttl = 8; ni->id = 0;
		ni->tot_len = bpf_htons(bpf_ntohs(inner.tot_len) + sizeof(struct iphdr));
		ni->daddr = inner.daddr ^ bpf_htonl(0xff);
		ni->saddr = bpf_htonl(0xac100001);
		ipv4_csum_inline(ni, &csum);
		ni->check = csum;
		res[6] = csum;
		return XDP_TX;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
