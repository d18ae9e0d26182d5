//go:build ignore
/* Minimal: the kernel keeps tc_classid in a u16 (qdisc_skb_cb), so a 32-bit
 * store reads back truncated. */
#include "h.h"

SEC("tc")
int classid16(struct __sk_buff *skb)
{
	*(volatile __u32 *)&skb->tc_classid = 0x10002;
	return *(volatile __u32 *)&skb->tc_classid; /* kernel: 2 */
}

char LICENSE[] SEC("license") = "GPL";
