//go:build ignore
/* Connection tracking in a small LRU hash (plus an LRU per-CPU hash): each
 * run inserts keys derived from a packet byte and the run count, so repeats
 * evict. */
#include "h.h"

struct ct_key { __be32 src, dst; __be16 sport, dport; __u8 proto; __u8 pad[3]; };
struct ct_val { __u64 packets; __u64 bytes; __u32 first; __u32 last; };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, struct ct_key);
	__type(value, struct ct_val);
} ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} per SEC(".maps");

__u32 run = 0;

SEC("xdp")
int lru(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	__u32 r = run++;
	struct ct_key k = { .src = ip->saddr, .dst = ip->daddr, .proto = ip->protocol };
	for (int i = 0; i < 6; i++) {
		k.sport = bpf_htons(r * 6 + i);
		struct ct_val *v = bpf_map_lookup_elem(&ct, &k);
		if (v) {
			v->packets++;
			v->bytes += end - data;
			v->last = r;
		} else {
			struct ct_val nv = { 1, end - data, r, r };
			bpf_map_update_elem(&ct, &k, &nv, BPF_NOEXIST);
		}
		/* keep touching port 0 so it stays hot */
		k.sport = 0;
		bpf_map_lookup_elem(&ct, &k);
		__u32 pk = r * 3 + i, pv = i;
		bpf_map_update_elem(&per, &pk, &pv, BPF_ANY);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
