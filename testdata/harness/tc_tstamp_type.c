//go:build ignore
/* Minimal: a u8 read of __sk_buff.tstamp_type (offset 180) in tc. */
#include "h.h"

SEC("tc")
int tstamp_type(struct __sk_buff *skb)
{
	return skb->tstamp_type + 10; /* kernel: 10 */
}

char LICENSE[] SEC("license") = "GPL";
