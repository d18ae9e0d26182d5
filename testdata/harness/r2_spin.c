//go:build ignore
/* bpf_spin_lock around a multi-field counter in a hash and an array. */
#include "h.h"

struct counter { struct bpf_spin_lock lock; __u32 pkts; __u64 bytes; __u32 max_len; __u32 min_len; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, struct counter); } by_proto SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct counter); } total SEC(".maps");

static __always_inline void account(struct counter *c, __u32 len)
{
	bpf_spin_lock(&c->lock);
	c->pkts++;
	c->bytes += len;
	if (len > c->max_len)
		c->max_len = len;
	if (c->min_len == 0 || len < c->min_len)
		c->min_len = len;
	bpf_spin_unlock(&c->lock);
}

SEC("tc")
int spin(struct __sk_buff *skb)
{
	__u32 proto = bpf_ntohs(skb->protocol), k = 0;
	struct counter *c = bpf_map_lookup_elem(&by_proto, &proto);
	if (!c) {
		struct counter z = {};
		bpf_map_update_elem(&by_proto, &proto, &z, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&by_proto, &proto);
		if (!c)
			return TC_ACT_SHOT;
	}
	account(c, skb->len);
	struct counter *t = bpf_map_lookup_elem(&total, &k);
	if (t)
		account(t, skb->len + skb->cb[0]);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
