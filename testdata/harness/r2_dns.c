//go:build ignore
/* Socket filter counting DNS queries by qtype with legacy packet loads
 * (LD_ABS, LD_IND) and a BTF-defined array; the qname is walked label by
 * label in a bounded loop. */
#include "h.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

struct qstat { __u64 queries; __u64 name_bytes; __u32 last_id; __u32 labels; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, __u32); __type(value, struct qstat); } by_type SEC(".maps");

__u32 bad = 0;

SEC("socket")
int dns_count(struct __sk_buff *skb)
{
	if (load_half(skb, 12) != ETH_P_IP)
		return 0;
	if (load_byte(skb, ETH_HLEN + 9) != IPPROTO_UDP)
		return 0;
	__u32 ihl = (load_byte(skb, ETH_HLEN) & 0xf) * 4;
	__u32 udp = ETH_HLEN + ihl;
	if (load_half(skb, udp + 2) != 53)
		return 0;
	__u32 dns = udp + 8;
	__u32 flags = load_half(skb, dns + 2);
	if (flags & 0x8000)
		return 0;
	__u32 id = load_half(skb, dns);
	__u32 off = dns + 12, labels = 0;
	for (int i = 0; i < 16; i++) {
		__u32 l = load_byte(skb, off);
		if (l == 0)
			break;
		if (l > 63) {
			bad++;
			return 0;
		}
		off += l + 1;
		labels++;
	}
	__u32 qtype = load_half(skb, off + 1);
	__u32 k = qtype == 1 ? 0 : qtype == 28 ? 1 : qtype == 15 ? 2 : qtype == 16 ? 3 : 7;
	struct qstat *s = bpf_map_lookup_elem(&by_type, &k);
	if (!s)
		return 0;
	s->queries++;
	s->name_bytes += off - (dns + 12);
	s->last_id = id;
	s->labels = labels;
	return load_word(skb, udp) ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
