//go:build ignore
/* Cilium-style NAT46/64 with bpf_skb_change_proto, tunnel keys,
 * csum_update, redirect return values. */
#include "h.h"

__s64 res[24];

SEC("tc")
int nat46(struct __sk_buff *skb)
{
	int i = 0;
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return TC_ACT_SHOT;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip4;
		if (bpf_skb_load_bytes(skb, 14, &ip4, sizeof(ip4)))
			return TC_ACT_SHOT;
		res[i++] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0);
		res[i++] = skb->len;
		res[i++] = skb->protocol;
		struct ipv6hdr ip6 = {};
		ip6.version = 6;
		ip6.payload_len = bpf_htons(bpf_ntohs(ip4.tot_len) - 20);
		ip6.nexthdr = ip4.protocol;
		ip6.hop_limit = ip4.ttl;
		ip6.saddr.s6_addr32[0] = bpf_htonl(0x0064ff9b);
		ip6.saddr.s6_addr32[3] = ip4.saddr;
		ip6.daddr.s6_addr32[0] = bpf_htonl(0x0064ff9b);
		ip6.daddr.s6_addr32[3] = ip4.daddr;
		res[i++] = bpf_skb_store_bytes(skb, 14, &ip6, sizeof(ip6), 0);
		__u16 p = bpf_htons(ETH_P_IPV6);
		res[i++] = bpf_skb_store_bytes(skb, 12, &p, 2, 0);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, 14, &ip6, sizeof(ip6)))
			return TC_ACT_SHOT;
		res[i++] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0);
		res[i++] = skb->len;
		struct iphdr ip4 = {};
		ip4.version = 4; ip4.ihl = 5; ip4.ttl = ip6.hop_limit; ip4.protocol = ip6.nexthdr;
		ip4.tot_len = bpf_htons(bpf_ntohs(ip6.payload_len) + 20);
		ip4.saddr = ip6.saddr.s6_addr32[3];
		ip4.daddr = ip6.daddr.s6_addr32[3];
		__s64 cs = bpf_csum_diff(0, 0, (void *)&ip4, sizeof(ip4), 0);
		res[i++] = cs;
		ip4.check = fold(cs);
		res[i++] = bpf_skb_store_bytes(skb, 14, &ip4, sizeof(ip4), 0);
		__u16 p = bpf_htons(ETH_P_IP);
		res[i++] = bpf_skb_store_bytes(skb, 12, &p, 2, 0);
		res[i++] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_ARP), 0);
		res[i++] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 1);
	} else {
		res[i++] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0);
	}
	res[20] = bpf_csum_update(skb, 0x1234);
	res[21] = bpf_redirect(skb->ifindex, 0);
	res[22] = bpf_redirect(1, BPF_F_INGRESS);
	res[23] = bpf_redirect(1, 0xff);
	return skb->cb[0] ? res[21] : TC_ACT_OK;
}

SEC("tc")
int tunkey(struct __sk_buff *skb)
{
	struct bpf_tunnel_key k = {};
	int i = 0;
	res[i++] = bpf_skb_get_tunnel_key(skb, &k, sizeof(k), 0);
	k.remote_ipv4 = 0x0a000001;
	k.tunnel_id = 42;
	k.tunnel_tos = 3;
	k.tunnel_ttl = 9;
	res[i++] = bpf_skb_set_tunnel_key(skb, &k, sizeof(k), BPF_F_ZERO_CSUM_TX);
	struct bpf_tunnel_key g = {};
	res[i++] = bpf_skb_get_tunnel_key(skb, &g, sizeof(g), 0);
	res[i++] = g.tunnel_id;
	res[i++] = g.remote_ipv4;
	res[i++] = g.tunnel_ttl;
	res[i++] = g.tunnel_tos;
	res[i++] = bpf_skb_get_tunnel_key(skb, &g, sizeof(g), BPF_F_TUNINFO_IPV6);
	res[i++] = bpf_skb_set_tunnel_key(skb, &k, 7, 0);
	__u8 opt[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	res[i++] = bpf_skb_set_tunnel_opt(skb, opt, sizeof(opt));
	__u8 o2[8] = {};
	res[i++] = bpf_skb_get_tunnel_opt(skb, o2, sizeof(o2));
	res[i++] = o2[7];
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
