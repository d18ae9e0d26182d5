//go:build ignore
/* tc egress DSCP rewriter: class by destination port from a hash map,
 * IPv4 TOS with l3_csum_replace (ECN kept), IPv6 traffic class with
 * skb_store_bytes, per-DSCP counters. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, __u16); __type(value, __u8); } classes SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } per_dscp SEC(".maps");

__s64 rc[4] = {};

static __always_inline void seed(void)
{
	__u16 p;
	__u8 d;
	p = 80; d = 10; bpf_map_update_elem(&classes, &p, &d, BPF_NOEXIST);
	p = 443; d = 46; bpf_map_update_elem(&classes, &p, &d, BPF_NOEXIST);
	p = 53; d = 63; bpf_map_update_elem(&classes, &p, &d, BPF_NOEXIST);
}

SEC("tc")
int dscp(struct __sk_buff *skb)
{
	seed();
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return TC_ACT_SHOT;
	__u16 dport = 0;
	__u8 l4;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return TC_ACT_SHOT;
		l4 = ip->protocol;
		struct udphdr *u = (void *)ip + ip->ihl * 4;
		if ((void *)(u + 1) > end)
			return TC_ACT_OK;
		dport = bpf_ntohs(u->dest);
		__u8 *d = bpf_map_lookup_elem(&classes, &dport);
		if (!d)
			return TC_ACT_OK;
		__u16 old = *(__u16 *)ip;
		__u8 tos = (*d << 2) | (ip->tos & 3);
		__u16 new = bpf_htons((bpf_ntohs(old) & 0xff00) | tos);
		rc[0] = bpf_skb_store_bytes(skb, ETH_HLEN + 1, &tos, 1, 0);
		rc[1] = bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old, new, 2);
		__u32 k = *d;
		__u64 *c = bpf_map_lookup_elem(&per_dscp, &k);
		if (c)
			*c += skb->len;
		return TC_ACT_OK;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return TC_ACT_SHOT;
		struct udphdr *u = (void *)(ip6 + 1);
		if ((void *)(u + 1) > end)
			return TC_ACT_OK;
		dport = bpf_ntohs(u->dest);
		__u8 *d = bpf_map_lookup_elem(&classes, &dport);
		if (!d)
			return TC_ACT_OK;
		__u32 w = bpf_ntohl(*(__u32 *)ip6);
		__u32 tc = (*d << 2) | ((w >> 20) & 3);
		w = (w & 0xf00fffff) | (tc << 20);
		w = bpf_htonl(w);
		rc[2] = bpf_skb_store_bytes(skb, ETH_HLEN, &w, 4, BPF_F_RECOMPUTE_CSUM);
		__u32 k = *d;
		__u64 *c = bpf_map_lookup_elem(&per_dscp, &k);
		if (c)
			*c += 1;
		return TC_ACT_OK;
	}
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
