//go:build ignore
/* 8-byte loads and stores of __sk_buff.cb, which the kernel allows. */
#include "h.h"

__u64 got[3] = {};

SEC("tc")
int cb64(struct __sk_buff *skb)
{
	__u64 *cb = (__u64 *)&skb->cb[0];
	got[0] = cb[0];
	got[1] = cb[1];
	cb[1] = 0x1122334455667788ULL;
	got[2] = skb->cb[3];
	return TC_ACT_OK;
}

SEC("socket")
int cb64_sock(struct __sk_buff *skb)
{
	__u64 *cb = (__u64 *)&skb->cb[2];
	got[0] = *cb;
	*cb = 0xaabbccdd00112233ULL;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
