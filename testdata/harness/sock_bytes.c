//go:build ignore
/* A socket filter with bpf_skb_load_bytes: keep packets whose payload
 * starts with a magic word, cut to 100 bytes; count by pkt_type. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} by_type SEC(".maps");

__s64 rc[3] = {};

SEC("socket")
int sock_magic(struct __sk_buff *skb)
{
	__u32 t = skb->pkt_type & 7;
	__u64 *c = bpf_map_lookup_elem(&by_type, &t);
	if (c)
		__sync_fetch_and_add(c, skb->len);
	__u8 vihl;
	rc[0] = bpf_skb_load_bytes(skb, 0, &vihl, 1);
	if (rc[0] < 0 || (vihl >> 4) != 4)
		return 0;
	__u32 magic = 0;
	int off = (vihl & 0xf) * 4 + 8;
	rc[1] = bpf_skb_load_bytes(skb, off, &magic, 4);
	rc[2] = bpf_skb_load_bytes(skb, skb->len - 1, &magic, 2);
	if (rc[1] < 0)
		return 0;
	return magic == bpf_htonl(0x68656c6c) ? 100 : 0;
}

char LICENSE[] SEC("license") = "GPL";
