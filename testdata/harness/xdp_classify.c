//go:build ignore
/* Classify frames by L2/L3/L4 and count them, walking up to two VLAN tags. */
#include "h.h"

enum { C_ARP, C_V4, C_V6, C_TCP, C_UDP, C_ICMP, C_OTHER, C_VLAN, C_SHORT, C_BYTES, C_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct flow { __u8 proto; __u8 pad; __be16 sport; __be16 dport; __u16 vlan; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct flow);
	__type(value, __u32);
} flows SEC(".maps");

static __always_inline void bump(__u32 k, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &k);
	if (v)
		__sync_fetch_and_add(v, by);
}

SEC("xdp")
int classify(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct flow f = {};
	__u16 proto;
	void *p;

	bump(C_BYTES, end - data);
	if ((void *)(eth + 1) > end) {
		bump(C_SHORT, 1);
		return XDP_DROP;
	}
	proto = eth->h_proto;
	p = eth + 1;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		struct vhdr *v = p;
		if ((void *)(v + 1) > end)
			return XDP_DROP;
		f.vlan = bpf_ntohs(v->tci) & 0xfff;
		proto = v->proto;
		p = v + 1;
		bump(C_VLAN, 1);
	}
	if (proto == bpf_htons(ETH_P_ARP)) {
		bump(C_ARP, 1);
		return XDP_PASS;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = p;
		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return XDP_ABORTED;
		bump(C_V4, 1);
		f.proto = ip->protocol;
		p = (void *)ip + ip->ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = p;
		if ((void *)(ip6 + 1) > end)
			return XDP_ABORTED;
		bump(C_V6, 1);
		f.proto = ip6->nexthdr;
		p = ip6 + 1;
	} else {
		bump(C_OTHER, 1);
		return XDP_PASS;
	}
	switch (f.proto) {
	case IPPROTO_TCP: {
		struct tcphdr *t = p;
		if ((void *)(t + 1) > end)
			return XDP_DROP;
		f.sport = t->source;
		f.dport = t->dest;
		bump(C_TCP, 1);
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *u = p;
		if ((void *)(u + 1) > end)
			return XDP_DROP;
		f.sport = u->source;
		f.dport = u->dest;
		bump(C_UDP, 1);
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		bump(C_ICMP, 1);
		break;
	default:
		bump(C_OTHER, 1);
	}
	__u32 one = 1, *n = bpf_map_lookup_elem(&flows, &f);
	if (n)
		(*n)++;
	else
		bpf_map_update_elem(&flows, &f, &one, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
