//go:build ignore

/* Legacy packet loads at the kernel's negative base offsets: SKF_NET_OFF
 * addresses the network header and SKF_LL_OFF the MAC header, in a socket
 * filter (data at the network header) and in tc (data at the MAC header).
 * The verdict packs what was read; a load outside the packet ends the
 * program with 0. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

#define SKF_NET_OFF (-0x100000)
#define SKF_LL_OFF (-0x200000)

static __always_inline int pack(void *skb)
{
	__u32 proto = load_byte(skb, SKF_NET_OFF + 9);     /* IPv4 protocol */
	__u32 ethertype = load_half(skb, SKF_LL_OFF + 12); /* from the MAC header */
	__u32 ttl = load_byte(skb, SKF_NET_OFF + 8);
	return (proto << 24) | (ethertype & 0xffff) << 8 | ttl;
}

SEC("socket")
int sock_skf(struct __sk_buff *skb)
{
	return pack(skb);
}

SEC("socket")
int sock_skf_past(struct __sk_buff *skb)
{
	/* Past the end through the network base: the program ends with 0. */
	return load_byte(skb, SKF_NET_OFF + 4000) + 7;
}

SEC("tc")
int tc_skf(struct __sk_buff *skb)
{
	return pack(skb);
}
