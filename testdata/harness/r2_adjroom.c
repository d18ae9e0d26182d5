//go:build ignore
/* bpf_skb_adjust_room driven by the context: cb[0] len_diff, cb[1] mode,
 * cb[2] flags (low 32), cb[3] flags (high 32), cb[4] number of calls.
 * After the calls: the checksum level, change_tail of the same length
 * (sees skb->encapsulation), and a marker written through fresh data
 * pointers. */
#include "h.h"

__s64 rc[24] = {};

SEC("tc")
int adj(struct __sk_buff *skb)
{
	__s32 diff = skb->cb[0];
	__u32 mode = skb->cb[1];
	volatile __u32 *cb = skb->cb;
	__u64 flags = (__u64)cb[3] << 32 | cb[2];
	__u32 n = skb->cb[4];
	if (n > 4)
		n = 4;
	rc[20] = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	for (__u32 i = 0; i < n && i < 4; i++) {
		rc[i * 4] = bpf_skb_adjust_room(skb, diff, mode, flags);
		rc[i * 4 + 1] = skb->len;
		rc[i * 4 + 2] = bpf_ntohs(skb->protocol);
		rc[i * 4 + 3] = (long)skb->data_end - (long)skb->data;
	}
	rc[16] = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	rc[17] = bpf_skb_change_tail(skb, skb->len, 0);
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 15 <= end)
		((__u8 *)data)[14] ^= 0xff;
	rc[18] = skb->len;
	rc[19] = bpf_ntohs(skb->protocol);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
