//go:build ignore
/* XDP load balancer: a hash of maps keyed by VIP port whose inner arrays
 * are consistent-hash rings of backend indexes (filled on first use),
 * IPIP encapsulation with bpf_xdp_adjust_head, XDP_TX. */
#include "h.h"

struct ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} ring80 SEC(".maps"), ring53 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct ring);
} vips SEC(".maps") = {
	.values = { [80] = &ring80, [53] = &ring53 },
};

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } hits SEC(".maps");

const volatile __u32 backends[4] = { 0x0a000001, 0x0a000002, 0x0a000003, 0x0a000004 };
__u32 filled = 0;

static __always_inline __u32 mix(__u32 a, __u32 b)
{
	a ^= b * 0x9e3779b1;
	a ^= a >> 16;
	a *= 0x85ebca6b;
	a ^= a >> 13;
	return a;
}

static __always_inline __u16 csum_ip(struct iphdr *ip)
{
	__u32 s = 0;
	__u16 *p = (__u16 *)ip;
#pragma unroll
	for (int i = 0; i < 10; i++)
		s += p[i];
	return fold(s);
}

SEC("xdp")
int lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5)
		return XDP_PASS;
	if (ip->frag_off & bpf_htons(0x3fff))
		return XDP_DROP;
	struct udphdr *l4 = (void *)(ip + 1);
	if ((void *)(l4 + 1) > end)
		return XDP_DROP;
	__u32 port = bpf_ntohs(l4->dest);
	void *ring = bpf_map_lookup_elem(&vips, &port);
	if (!ring)
		return XDP_PASS;
	if (!(filled & (1 << (port & 31)))) {
		for (__u32 i = 0; i < 16; i++) {
			__u32 b = mix(i, port) % 4;
			bpf_map_update_elem(ring, &i, &b, BPF_ANY);
		}
		filled |= 1 << (port & 31);
	}
	__u32 slot = mix(ip->saddr, l4->source) & 15;
	__u32 *be = bpf_map_lookup_elem(ring, &slot);
	if (!be || *be >= 4)
		return XDP_ABORTED;
	__u32 bi = *be & 3;
	__u64 *h = bpf_map_lookup_elem(&hits, &bi);
	if (h)
		__sync_fetch_and_add(h, 1);
	__u16 inner_len = bpf_ntohs(ip->tot_len);
	struct ethhdr e = *eth;
	__u32 saddr = ip->daddr;
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	struct iphdr *o = data + sizeof(*eth);
	if ((void *)(o + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(eth->h_dest, e.h_source, 6);
	__builtin_memcpy(eth->h_source, e.h_dest, 6);
	eth->h_proto = bpf_htons(ETH_P_IP);
	o->version = 4;
	o->ihl = 5;
	o->tos = 0;
	o->tot_len = bpf_htons(inner_len + sizeof(*o));
	o->id = 0;
	o->frag_off = bpf_htons(0x4000);
	o->ttl = 64;
	o->protocol = IPPROTO_IPIP;
	o->check = 0;
	o->saddr = saddr;
	o->daddr = bpf_htonl(bi == 0 ? backends[0] : bi == 1 ? backends[1] : bi == 2 ? backends[2] : backends[3]);
	o->check = csum_ip(o);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
