//go:build ignore
/* Narrow (u8/u16) and sign-extending context and packet loads. */
#include "h.h"

__u64 out[24] = {};

SEC("tc")
int tc_narrow(struct __sk_buff *skb)
{
	__u8 *b = (void *)skb;
	__u16 *h = (void *)skb;

	out[0] = *(volatile __u8 *)&skb->len;
	out[1] = ((volatile __u8 *)&skb->len)[1];
	out[2] = *(volatile __u16 *)&skb->protocol;
	out[3] = ((volatile __u8 *)&skb->protocol)[1];
	out[4] = ((volatile __u16 *)&skb->mark)[1];
	out[5] = ((volatile __u8 *)&skb->mark)[3];
	out[6] = *(volatile __u8 *)&skb->pkt_type;
	out[7] = ((volatile __u16 *)&skb->cb[2])[1];
	out[8] = ((volatile __u8 *)&skb->cb[3])[2];
	out[9] = *(volatile __u16 *)&skb->priority;
	out[10] = ((volatile __u8 *)&skb->ifindex)[0];
	out[11] = *(volatile __u16 *)&skb->queue_mapping;
	out[12] = ((volatile __u16 *)&skb->gso_segs)[0];
	out[13] = ((volatile __u16 *)&skb->wire_len)[0];

	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 40 > end)
		return TC_ACT_SHOT;
	out[14] = (__s64) * (volatile __s8 *)(data + 14 + 8);   /* TTL as signed */
	out[15] = (__s64) * (volatile __s16 *)(data + 12);
	out[16] = (__s64) * (volatile __s32 *)(data + 26);
	out[17] = (__s32)(*(volatile __u8 *)(data + 22) << 24) >> 24;
	/* writes of 8 and 16 bits into cb */
	((volatile __u8 *)&skb->cb[1])[2] = 0xab;
	((volatile __u16 *)&skb->cb[2])[0] = 0xcdef;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
