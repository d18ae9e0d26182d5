//go:build ignore
/* tc SNAT/DNAT with skb_store_bytes and l3/l4_csum_replace, as Cilium-style
 * programs do it. */
#include "h.h"

#define IP_OFF ETH_HLEN
#define IP_CSUM (IP_OFF + offsetof(struct iphdr, check))
#define IP_SRC (IP_OFF + offsetof(struct iphdr, saddr))
#define L4_OFF (IP_OFF + sizeof(struct iphdr))

__s64 rets[8] = {};

SEC("tc")
int tc_snat(struct __sk_buff *skb)
{
	struct iphdr ip;
	__be32 new_src = bpf_htonl(0xcb007107); /* 203.0.113.7 */
	__be16 new_port = bpf_htons(61000), old_port;
	int l4csum;

	if (bpf_skb_load_bytes(skb, IP_OFF, &ip, sizeof(ip)) < 0)
		return TC_ACT_OK;
	if (ip.version != 4 || ip.ihl != 5)
		return TC_ACT_OK;
	if (ip.protocol == IPPROTO_TCP)
		l4csum = L4_OFF + offsetof(struct tcphdr, check);
	else if (ip.protocol == IPPROTO_UDP)
		l4csum = L4_OFF + offsetof(struct udphdr, check);
	else
		return TC_ACT_UNSPEC;

	rets[0] = bpf_skb_load_bytes(skb, L4_OFF, &old_port, 2);
	rets[1] = bpf_l4_csum_replace(skb, l4csum, ip.saddr, new_src,
				      BPF_F_PSEUDO_HDR | sizeof(new_src) |
				      (ip.protocol == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0));
	rets[2] = bpf_l3_csum_replace(skb, IP_CSUM, ip.saddr, new_src, sizeof(new_src));
	rets[3] = bpf_skb_store_bytes(skb, IP_SRC, &new_src, sizeof(new_src), 0);
	rets[4] = bpf_l4_csum_replace(skb, l4csum, old_port, new_port,
				      sizeof(new_port) | (ip.protocol == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0));
	rets[5] = bpf_skb_store_bytes(skb, L4_OFF, &new_port, sizeof(new_port), 0);
	/* set DSCP EF with a 2-byte l3 replace of the first header word */
	__u16 old_w, new_w;
	bpf_skb_load_bytes(skb, IP_OFF, &old_w, 2);
	new_w = (old_w & bpf_htons(0xff03)) | bpf_htons(46 << 2);
	rets[6] = bpf_l3_csum_replace(skb, IP_CSUM, old_w, new_w, 2);
	rets[7] = bpf_skb_store_bytes(skb, IP_OFF, &new_w, 2, BPF_F_RECOMPUTE_CSUM);
	return TC_ACT_OK;
}

/* Edge cases: bad offsets and flags must fail the same way. */
SEC("tc")
int tc_csum_edges(struct __sk_buff *skb)
{
	__u32 v = 0x01020304;
	rets[0] = bpf_skb_store_bytes(skb, skb->len - 2, &v, 4, 0);
	rets[1] = bpf_skb_store_bytes(skb, 0x7fffffff, &v, 1, 0);
	rets[2] = bpf_l3_csum_replace(skb, skb->len - 1, 0, 1, 2);
	rets[3] = bpf_l3_csum_replace(skb, IP_CSUM, 0, 1, 3);
	rets[4] = bpf_l4_csum_replace(skb, IP_CSUM, 0, 1, 8);
	rets[5] = bpf_skb_load_bytes(skb, skb->len - 3, &v, 4);
	rets[6] = bpf_l3_csum_replace(skb, IP_CSUM, 0, 0x12345678, 0);
	rets[7] = bpf_skb_store_bytes(skb, 0, &v, 4, 0x80);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
