//go:build ignore
/* Hash helpers (only nonzero-ness of computed hashes compares), csum_update
 * and csum_level state, pull_data. */
#include "h.h"

__s64 rc[20] = {};

SEC("tc")
int hashes(struct __sk_buff *skb)
{
	__u32 h = bpf_get_hash_recalc(skb);
	rc[0] = h != 0;
	rc[1] = skb->hash == h;
	bpf_set_hash(skb, skb->cb[0]);
	rc[2] = skb->hash;
	rc[3] = bpf_get_hash_recalc(skb) == skb->cb[0];
	bpf_set_hash_invalid(skb);
	rc[4] = skb->hash;
	rc[5] = bpf_get_hash_recalc(skb) != 0;
	rc[6] = bpf_csum_update(skb, 0x1234);
	rc[7] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[8] = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	rc[9] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[10] = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	rc[11] = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	rc[12] = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	rc[13] = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	rc[14] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[15] = bpf_csum_update(skb, 0x1234);
	rc[16] = bpf_csum_level(skb, BPF_CSUM_LEVEL_DEC);
	rc[17] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[18] = bpf_csum_level(skb, 7);
	bpf_csum_level(skb, BPF_CSUM_LEVEL_RESET);
	rc[19] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	return TC_ACT_OK;
}

/* The level persists across --repeat. */
SEC("tc")
int csum_inc(struct __sk_buff *skb)
{
	rc[0] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[1] = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	rc[2] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[3] = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 5);
	rc[4] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[5] = bpf_skb_change_tail(skb, skb->len + 1, 0);
	rc[6] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[7] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0);
	rc[8] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
