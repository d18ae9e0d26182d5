//go:build ignore
/* bpf_skb_change_tail: cb[0] new length, cb[1] flags, cb[2] a second
 * length (0: none); the last byte is written through fresh pointers. */
#include "h.h"

__s64 rc[8] = {};

SEC("tc")
int ctail(struct __sk_buff *skb)
{
	rc[0] = bpf_skb_change_tail(skb, skb->cb[0], skb->cb[1]);
	rc[1] = skb->len;
	rc[2] = (long)skb->data_end - (long)skb->data;
	if (skb->cb[2]) {
		rc[3] = bpf_skb_change_tail(skb, skb->cb[2], 0);
		rc[4] = skb->len;
	}
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 15 <= end)
		((__u8 *)data)[14] = 0x77;
	rc[5] = bpf_skb_pull_data(skb, skb->len);
	rc[6] = bpf_skb_pull_data(skb, skb->len + 1);
	rc[7] = bpf_skb_pull_data(skb, 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
