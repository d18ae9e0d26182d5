//go:build ignore
/* xdp-tutorial style: hdr_cursor parsing helpers returning -1, VLAN arrays,
 * datarec stats per action with __sync_fetch_and_add, ICMP/ICMPv6 echo
 * reply with incremental csum16. */
#include "h.h"
#include <linux/icmpv6.h>

#define VLAN_MAX_DEPTH 4
#ifndef XDP_ACTION_MAX
#define XDP_ACTION_MAX (XDP_REDIRECT + 1)
#endif

struct datarec {
	__u64 rx_packets;
	__u64 rx_bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct datarec);
	__uint(max_entries, XDP_ACTION_MAX);
} xdp_stats_map SEC(".maps");

struct hdr_cursor {
	void *pos;
};

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct collect_vlans {
	__u16 id[VLAN_MAX_DEPTH];
};

__u32 last_vlans[VLAN_MAX_DEPTH];
__u32 nr_vlans;

static __always_inline int proto_is_vlan(__u16 h_proto)
{
	return !!(h_proto == bpf_htons(ETH_P_8021Q) || h_proto == bpf_htons(ETH_P_8021AD));
}

static __always_inline int parse_ethhdr_vlan(struct hdr_cursor *nh, void *data_end,
					     struct ethhdr **ethhdr, struct collect_vlans *vlans)
{
	struct ethhdr *eth = nh->pos;
	int hdrsize = sizeof(*eth);
	struct vlan_hdr *vlh;
	__u16 h_proto;
	int i;

	if (nh->pos + hdrsize > data_end)
		return -1;
	nh->pos += hdrsize;
	*ethhdr = eth;
	vlh = nh->pos;
	h_proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (!proto_is_vlan(h_proto))
			break;
		if ((void *)(vlh + 1) > data_end)
			break;
		h_proto = vlh->h_vlan_encapsulated_proto;
		if (vlans)
			vlans->id[i] = bpf_ntohs(vlh->h_vlan_TCI) & 0x0fff;
		vlh++;
	}
	nh->pos = vlh;
	return h_proto; /* network-byte-order */
}

static __always_inline int parse_iphdr(struct hdr_cursor *nh, void *data_end, struct iphdr **iphdr)
{
	struct iphdr *iph = nh->pos;
	int hdrsize;

	if ((void *)(iph + 1) > data_end)
		return -1;
	hdrsize = iph->ihl * 4;
	if (hdrsize < sizeof(*iph))
		return -1;
	if (nh->pos + hdrsize > data_end)
		return -1;
	nh->pos += hdrsize;
	*iphdr = iph;
	return iph->protocol;
}

static __always_inline int parse_ip6hdr(struct hdr_cursor *nh, void *data_end, struct ipv6hdr **ip6hdr)
{
	struct ipv6hdr *ip6h = nh->pos;
	if ((void *)(ip6h + 1) > data_end)
		return -1;
	nh->pos = ip6h + 1;
	*ip6hdr = ip6h;
	return ip6h->nexthdr;
}

static __always_inline int parse_icmp6hdr(struct hdr_cursor *nh, void *data_end, struct icmp6hdr **icmp6hdr)
{
	struct icmp6hdr *icmp6h = nh->pos;
	if ((void *)(icmp6h + 1) > data_end)
		return -1;
	nh->pos = icmp6h + 1;
	*icmp6hdr = icmp6h;
	return icmp6h->icmp6_type;
}

static __always_inline int parse_icmphdr(struct hdr_cursor *nh, void *data_end, struct icmphdr **icmphdr)
{
	struct icmphdr *icmph = nh->pos;
	if ((void *)(icmph + 1) > data_end)
		return -1;
	nh->pos = icmph + 1;
	*icmphdr = icmph;
	return icmph->type;
}

static __always_inline __u16 csum16_add(__u16 csum, __u16 addend)
{
	csum += addend;
	return csum + (csum < addend);
}

static __always_inline __u16 csum16_sub(__u16 csum, __u16 addend)
{
	return csum16_add(csum, ~addend);
}

static __always_inline void update_icmp_checksum(__u16 *csum, __u16 old, __u16 new)
{
	*csum = ~csum16_add(csum16_sub(~(*csum), old), new);
}

static __always_inline void swap_src_dst_mac(struct ethhdr *eth)
{
	__u8 h_tmp[ETH_ALEN];
	__builtin_memcpy(h_tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, h_tmp, ETH_ALEN);
}

static __always_inline void swap_src_dst_ipv6(struct ipv6hdr *ipv6)
{
	struct in6_addr tmp = ipv6->saddr;
	ipv6->saddr = ipv6->daddr;
	ipv6->daddr = tmp;
}

static __always_inline void swap_src_dst_ipv4(struct iphdr *iphdr)
{
	__be32 tmp = iphdr->saddr;
	iphdr->saddr = iphdr->daddr;
	iphdr->daddr = tmp;
}

static __always_inline __u32 xdp_stats_record_action(struct xdp_md *ctx, __u32 action)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	if (action >= XDP_ACTION_MAX)
		return XDP_ABORTED;
	struct datarec *rec = bpf_map_lookup_elem(&xdp_stats_map, &action);
	if (!rec)
		return XDP_ABORTED;
	__u64 bytes = data_end - data;
	__sync_fetch_and_add(&rec->rx_packets, 1);
	__sync_fetch_and_add(&rec->rx_bytes, bytes);
	return action;
}

SEC("xdp")
int xdp_icmp_echo_func(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor nh;
	struct ethhdr *eth;
	int eth_type;
	int ip_type;
	int icmp_type;
	struct iphdr *iphdr;
	struct ipv6hdr *ipv6hdr;
	__u16 echo_reply, old_csum;
	struct icmphdr_common *icmphdr;
	struct icmphdr *ih;
	struct icmp6hdr *i6h;
	struct collect_vlans vlans = {};
	__u32 action = XDP_PASS;

	nh.pos = data;
	eth_type = parse_ethhdr_vlan(&nh, data_end, &eth, &vlans);
	for (int i = 0; i < VLAN_MAX_DEPTH; i++)
		last_vlans[i] = vlans.id[i];
	if (eth_type == bpf_htons(ETH_P_IP)) {
		ip_type = parse_iphdr(&nh, data_end, &iphdr);
		if (ip_type != IPPROTO_ICMP)
			goto out;
	} else if (eth_type == bpf_htons(ETH_P_IPV6)) {
		ip_type = parse_ip6hdr(&nh, data_end, &ipv6hdr);
		if (ip_type != IPPROTO_ICMPV6)
			goto out;
	} else if (eth_type < 0) {
		action = XDP_ABORTED;
		goto out;
	} else {
		goto out;
	}

	if (eth_type == bpf_htons(ETH_P_IP)) {
		icmp_type = parse_icmphdr(&nh, data_end, &ih);
		if (icmp_type != ICMP_ECHO)
			goto out;
		swap_src_dst_ipv4(iphdr);
		echo_reply = ICMP_ECHOREPLY;
		old_csum = ih->checksum;
		__u16 old = *(__u16 *)ih;
		ih->type = echo_reply;
		update_icmp_checksum(&ih->checksum, old, *(__u16 *)ih);
	} else {
		icmp_type = parse_icmp6hdr(&nh, data_end, &i6h);
		if (icmp_type != ICMPV6_ECHO_REQUEST)
			goto out;
		swap_src_dst_ipv6(ipv6hdr);
		__u16 old = *(__u16 *)i6h;
		i6h->icmp6_type = ICMPV6_ECHO_REPLY;
		update_icmp_checksum(&i6h->icmp6_cksum, old, *(__u16 *)i6h);
	}
	swap_src_dst_mac(eth);
	action = XDP_TX;
out:
	nr_vlans++;
	return xdp_stats_record_action(ctx, action);
}

char _license[] SEC("license") = "GPL";
