//go:build ignore
/* A classic-style socket filter: LD_ABS/LD_IND loads, keep TCP to port 22
 * whole, truncate UDP DNS to 64 bytes, drop the rest. */
#include "h.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	__u32 ihl, proto, dport;

	if (load_half(skb, offsetof(struct ethhdr, h_proto)) != ETH_P_IP)
		return skb->protocol == bpf_htons(ETH_P_IPV6) ? -1 : 0;
	if (load_half(skb, ETH_HLEN + offsetof(struct iphdr, frag_off)) & 0x1fff)
		return 0;
	proto = load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol));
	ihl = (load_byte(skb, ETH_HLEN) & 0xf) << 2;
	dport = load_half(skb, ETH_HLEN + ihl + 2);
	if (proto == IPPROTO_TCP && dport == 22)
		return -1;
	if (proto == IPPROTO_UDP && dport == 53)
		return 64;
	if (proto == IPPROTO_TCP && load_word(skb, ETH_HLEN + ihl + 4) == 1000)
		return skb->len - 1;
	/* a load past the end ends the program with 0 */
	return load_byte(skb, ETH_HLEN + ihl + 1400) + 1;
}

SEC("socket")
int sock_fields(struct __sk_buff *skb)
{
	__u32 v = skb->len + skb->pkt_type * 1000 + skb->ifindex * 100 + (skb->protocol == bpf_htons(ETH_P_ARP)) * 7;
	skb->cb[0] = v;
	skb->cb[1] = skb->mark;
	skb->cb[2] = skb->priority;
	return v & 0xffff;
}

char LICENSE[] SEC("license") = "GPL";
