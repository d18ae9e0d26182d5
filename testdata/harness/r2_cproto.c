//go:build ignore
/* bpf_skb_change_proto: cb[0] protocol (host order), cb[1] flags, cb[2]
 * calls; the hash is set before so its clearing shows. */
#include "h.h"

__s64 rc[16] = {};

SEC("tc")
int cproto(struct __sk_buff *skb)
{
	__u32 n = skb->cb[2];
	bpf_set_hash(skb, 0xabcd);
	for (__u32 i = 0; i < n && i < 3; i++) {
		rc[i * 4] = bpf_skb_change_proto(skb, bpf_htons(skb->cb[0]), skb->cb[1]);
		rc[i * 4 + 1] = skb->len;
		rc[i * 4 + 2] = bpf_ntohs(skb->protocol);
		rc[i * 4 + 3] = skb->hash;
	}
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 15 <= end)
		((__u8 *)data)[14] = bpf_ntohs(skb->protocol) == ETH_P_IPV6 ? 0x60 : 0x45;
	rc[12] = bpf_skb_change_tail(skb, skb->len, 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
