//go:build ignore
/* tc helpers that reshape or annotate the skb. */
#include "h.h"

__s64 rc[8] = {};

SEC("tc")
int hash_recalc(struct __sk_buff *skb)
{
	rc[0] = skb->hash;
	rc[1] = bpf_get_hash_recalc(skb) != 0;
	bpf_set_hash(skb, 0x1234);
	rc[2] = skb->hash;
	bpf_set_hash_invalid(skb);
	rc[3] = skb->hash;
	return TC_ACT_OK;
}

SEC("tc")
int change_tail(struct __sk_buff *skb)
{
	rc[0] = bpf_skb_change_tail(skb, skb->len + 11, 0);
	rc[1] = skb->len;
	rc[2] = bpf_skb_change_tail(skb, 20, 0);
	rc[3] = skb->len;
	return TC_ACT_OK;
}

SEC("tc")
int vlan(struct __sk_buff *skb)
{
	rc[0] = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 42);
	rc[1] = skb->vlan_present;
	rc[2] = skb->vlan_tci;
	rc[3] = bpf_skb_vlan_pop(skb);
	rc[4] = skb->len;
	return TC_ACT_OK;
}

SEC("tc")
int pull_adjust(struct __sk_buff *skb)
{
	rc[0] = bpf_skb_pull_data(skb, 0);
	rc[1] = bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_NET, 0);
	rc[2] = skb->len;
	rc[3] = bpf_skb_adjust_room(skb, -8, BPF_ADJ_ROOM_NET, 0);
	__u8 b[4] = {};
	rc[4] = bpf_skb_load_bytes_relative(skb, 0, b, 4, BPF_HDR_START_NET);
	rc[5] = b[0];
	rc[6] = bpf_csum_update(skb, 0x1234);
	rc[7] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
