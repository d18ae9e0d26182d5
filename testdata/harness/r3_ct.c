//go:build ignore
/* Cilium-style conntrack in an LRU hash with a padded struct key (zeroed
 * with memset), tuple reversal for replies, per-entry counters. */
#include "h.h"

struct ct_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	/* 3 bytes padding */
};

struct ct_entry {
	__u64 packets;
	__u64 bytes;
	__u32 flags;
	__u8 seen_reply;
	__u8 tcp_flags;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4);
	__type(key, struct ct_key);
	__type(value, struct ct_entry);
} ct SEC(".maps");

__s64 res[4];

static __always_inline int build_key(struct __sk_buff *skb, struct ct_key *k, __u8 *tflags)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return -1;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end)
		return -1;
	__builtin_memset(k, 0, sizeof(*k));
	k->saddr = ip->saddr;
	k->daddr = ip->daddr;
	k->proto = ip->protocol;
	void *l4 = (void *)ip + ip->ihl * 4;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *t = l4;
		if ((void *)(t + 1) > end)
			return -1;
		k->sport = t->source;
		k->dport = t->dest;
		*tflags = ((__u8 *)t)[13];
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *u = l4;
		if ((void *)(u + 1) > end)
			return -1;
		k->sport = u->source;
		k->dport = u->dest;
	}
	return 0;
}

SEC("tc")
int conntrack(struct __sk_buff *skb)
{
	struct ct_key k, rk;
	__u8 tf = 0;
	if (build_key(skb, &k, &tf) < 0)
		return TC_ACT_OK;
	struct ct_entry *e = bpf_map_lookup_elem(&ct, &k);
	if (e) {
		__sync_fetch_and_add(&e->packets, 1);
		__sync_fetch_and_add(&e->bytes, skb->len);
		e->tcp_flags |= tf;
		res[0]++;
		return TC_ACT_OK;
	}
	__builtin_memset(&rk, 0, sizeof(rk));
	rk.saddr = k.daddr; rk.daddr = k.saddr; rk.sport = k.dport; rk.dport = k.sport; rk.proto = k.proto;
	e = bpf_map_lookup_elem(&ct, &rk);
	if (e) {
		e->seen_reply = 1;
		e->packets++;
		res[1]++;
		return TC_ACT_OK;
	}
	struct ct_entry ne = { .packets = 1, .bytes = skb->len, .flags = skb->mark, .tcp_flags = tf };
	res[2] = bpf_map_update_elem(&ct, &k, &ne, BPF_NOEXIST);
	/* synthetic flows so that LRU eviction kicks in */
	for (int i = 0; i < 6; i++) {
		k.sport = bpf_htons(1000 + i + skb->mark);
		ne.flags = i;
		bpf_map_update_elem(&ct, &k, &ne, BPF_ANY);
	}
	res[3] = bpf_map_update_elem(&ct, &k, &ne, BPF_NOEXIST);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
