//go:build ignore
/* The kernel refuses a context access through a moved pointer. */
#include "h.h"

SEC("tc")
int rej_ctxptr(struct __sk_buff *skb)
{
	volatile __u32 i = 2;
	return skb->cb[i];
}

char LICENSE[] SEC("license") = "GPL";
