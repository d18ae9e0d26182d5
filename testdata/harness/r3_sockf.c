//go:build ignore
/* Socket filters in the BCC/tcpdump style: LD_ABS with SKF_NET_OFF and
 * SKF_LL_OFF, truncation lengths chosen by packet content. */
#include "h.h"

#ifndef SKF_NET_OFF
#define SKF_NET_OFF (-0x100000)
#define SKF_LL_OFF (-0x200000)
#endif

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

__u64 seen[8];

SEC("socket")
int sock_trunc(struct __sk_buff *skb)
{
	__u32 proto = load_byte(skb, SKF_NET_OFF + 9);
	__u32 et = load_half(skb, SKF_LL_OFF + 12);
	seen[0] = proto;
	seen[1] = et;
	seen[2] = skb->protocol;
	seen[3] = skb->pkt_type;
	seen[4] = skb->len;
	seen[5] = load_word(skb, 26);
	seen[6] = skb->ifindex;
	switch (skb->cb[0]) {
	case 0: return 0;
	case 1: return 1;
	case 2: return skb->len;
	case 3: return skb->len + 100;
	case 4: return -1;
	case 5: return proto == IPPROTO_TCP ? 54 : 42;
	case 6: return load_byte(skb, 5000); /* aborts: returns 0 */
	}
	return 0x7fffffff;
}

char _license[] SEC("license") = "GPL";
