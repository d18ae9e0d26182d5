//go:build ignore
/* Walk IPv6 extension headers with a bounded loop, decrement the hop limit
 * and rewrite the flow label; drop fragments. */
#include "h.h"

struct opt_hdr { __u8 nexthdr; __u8 len; };

__u32 hops = 0, last_nh = 0;

static __noinline int skip_ext(void *p, void *end, __u8 *nh, __u32 *off)
{
	for (int i = 0; i < 4; i++) {
		__u32 o_off = *off & 0x1ff;
		struct opt_hdr *o = p + o_off;
		if ((void *)(o + 1) > end)
			return -1;
		switch (*nh) {
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			*nh = o->nexthdr;
			*off += (o->len + 1) * 8;
			if (*off > 512)
				return -1;
			hops++;
			break;
		case 44:
			return -2;
		default:
			return 0;
		}
	}
	return 0;
}

SEC("xdp")
int ipv6_ext(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	if (ip6->hop_limit <= 1)
		return XDP_DROP;
	ip6->hop_limit--;
	ip6->flow_lbl[0] = (ip6->flow_lbl[0] & 0xf0) | 0x0a;
	ip6->flow_lbl[1] = 0xbc;
	ip6->flow_lbl[2] = 0xde;
	__u8 nh = ip6->nexthdr;
	__u32 off = 0;
	int r = skip_ext(ip6 + 1, end, &nh, &off);
	last_nh = nh;
	if (r == -2)
		return XDP_DROP;
	if (r < 0)
		return XDP_ABORTED;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
