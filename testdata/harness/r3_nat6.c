//go:build ignore
/* IPv6 NAT in tc: rewrite the destination address with
 * bpf_l4_csum_replace(BPF_F_PSEUDO_HDR | BPF_F_IPV6? | 4) per word, and the
 * whole-address diff variant; NPTv6-style prefix swap. */
#include "h.h"

#ifndef BPF_F_IPV6
#define BPF_F_IPV6 (1ULL << 7)
#endif

__s64 res[16];

SEC("tc")
int nat6(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	__u8 nh = ip6->nexthdr;
	int l4off = 14 + 40;
	int csoff;
	if (nh == IPPROTO_TCP)
		csoff = l4off + 16;
	else if (nh == IPPROTO_UDP)
		csoff = l4off + 6;
	else if (nh == 58)
		csoff = l4off + 2;
	else
		return TC_ACT_UNSPEC;
	struct in6_addr old = ip6->daddr, new = old;
	new.s6_addr32[0] = bpf_htonl(0xfd000000);
	new.s6_addr32[3] ^= bpf_htonl(skb->mark);
	__u32 mode = skb->cb[0];
	int i = 0;
	if (mode == 0) {
		/* word by word */
		for (int w = 0; w < 4; w++) {
			res[i++] = bpf_l4_csum_replace(skb, csoff, old.s6_addr32[w], new.s6_addr32[w],
						       BPF_F_PSEUDO_HDR | sizeof(__be32));
		}
	} else if (mode == 1) {
		__s64 d = bpf_csum_diff(old.s6_addr32, 16, new.s6_addr32, 16, 0);
		res[i++] = d;
		res[i++] = bpf_l4_csum_replace(skb, csoff, 0, d, BPF_F_PSEUDO_HDR);
	} else if (mode == 2) {
		/* BPF_F_IPV6 (6.x): the diff covers a full IPv6 address */
		__s64 d = bpf_csum_diff(old.s6_addr32, 16, new.s6_addr32, 16, 0);
		res[i++] = bpf_l4_csum_replace(skb, csoff, 0, d, BPF_F_PSEUDO_HDR | BPF_F_IPV6);
	} else {
		/* mark-mangled-0 for UDP */
		res[i++] = bpf_l4_csum_replace(skb, csoff, old.s6_addr32[3], new.s6_addr32[3],
					       BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | 4);
	}
	res[i++] = bpf_skb_store_bytes(skb, 14 + 24, &new, sizeof(new), 0);
	res[i++] = skb->len;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
