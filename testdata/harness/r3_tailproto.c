//go:build ignore
/* Tail calls indexed by the IP protocol number (a 256-slot prog array
 * filled from user space... here: by BTF values), sharing a stats map. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_stats SEC(".maps");

__u32 depth;
__s64 missed;

static __always_inline void bump(__u32 p, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&proto_stats, &p);
	if (v)
		__sync_fetch_and_add(v, n);
}

SEC("xdp")
int h_tcp(struct xdp_md *ctx) { bump(IPPROTO_TCP, ctx->data_end - ctx->data); depth++; return XDP_PASS; }

SEC("xdp")
int h_udp(struct xdp_md *ctx) { bump(IPPROTO_UDP, 1); depth++; return XDP_DROP; }

SEC("xdp")
int h_icmp(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__array(values, int (void *));
} jt SEC(".maps") = {
	.values = {
		[IPPROTO_TCP] = (void *)&h_tcp,
		[IPPROTO_UDP] = (void *)&h_udp,
		[IPPROTO_ICMP] = (void *)&h_icmp,
	},
};

SEC("xdp")
int h_icmp(struct xdp_md *ctx)
{
	bump(IPPROTO_ICMP, 1);
	depth++;
	/* chain into the UDP handler, then fall through if that fails */
	bpf_tail_call(ctx, &jt, IPPROTO_UDP);
	missed++;
	return XDP_ABORTED;
}

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 proto = 255;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return XDP_DROP;
		proto = ip->protocol;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		proto = ip6->nexthdr;
	}
	depth = 0;
	bpf_tail_call(ctx, &jt, proto);
	missed += 1000 + proto;
	bump(proto & 0xff, 0x100);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
