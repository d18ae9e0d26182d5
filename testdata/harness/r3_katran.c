//go:build ignore
/* Katran-style L4 LB: jhash of the 5-tuple (jhash.h), consistent-hash
 * ring lookup in an array, real servers in an array of structs, per-VIP
 * stats, IPv6 ext headers walked in an unrolled loop. */
#include "h.h"

#define __jhash_final(a, b, c) { \
	c ^= b; c -= rol32(b, 14); a ^= c; a -= rol32(c, 11); b ^= a; b -= rol32(a, 25); \
	c ^= b; c -= rol32(b, 16); a ^= c; a -= rol32(c, 4);  b ^= a; b -= rol32(a, 14); \
	c ^= b; c -= rol32(b, 24); }
#define __jhash_mix(a, b, c) { \
	a -= c; a ^= rol32(c, 4);  c += b; b -= a; b ^= rol32(a, 6);  a += c; \
	c -= b; c ^= rol32(b, 8);  b += a; a -= c; a ^= rol32(c, 16); c += b; \
	b -= a; b ^= rol32(a, 19); a += c; c -= b; c ^= rol32(b, 4);  b += a; }
#define JHASH_INITVAL 0xdeadbeef

static __always_inline __u32 rol32(__u32 word, unsigned int shift) { return (word << shift) | (word >> ((-shift) & 31)); }

static __always_inline __u32 jhash_3words(__u32 a, __u32 b, __u32 c, __u32 initval)
{
	a += JHASH_INITVAL + initval + (3 << 2);
	b += JHASH_INITVAL + initval + (3 << 2);
	c += JHASH_INITVAL + initval + (3 << 2);
	__jhash_final(a, b, c);
	return c;
}

static __always_inline __u32 jhash2(const __u32 *k, __u32 length, __u32 initval)
{
	__u32 a, b, c;
	a = b = c = JHASH_INITVAL + (length << 2) + initval;
	while (length > 3) {
		a += k[0]; b += k[1]; c += k[2];
		__jhash_mix(a, b, c);
		length -= 3;
		k += 3;
	}
	switch (length) {
	case 3: c += k[2];
	case 2: b += k[1];
	case 1: a += k[0];
		__jhash_final(a, b, c);
	case 0: break;
	}
	return c;
}

#define RING 13
struct real { __be32 addr; __u8 mac[6]; __u16 flags; };
struct vip_stats { __u64 pkts, bytes; };

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, RING); __type(key, __u32); __type(value, __u32); } ring SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, struct real); } reals SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, struct vip_stats); } stats SEC(".maps");

__u32 last_hash, last_hash6, last_real, nexthdrs[8];

SEC("xdp")
int katran(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	/* seed ring and reals on first use */
	__u32 k0 = 0, *r0 = bpf_map_lookup_elem(&ring, &k0);
	if (r0 && *r0 == 0) {
		for (__u32 i = 0; i < RING; i++) {
			__u32 v = 1 + (i * 7) % 3, key = i;
			bpf_map_update_elem(&ring, &key, &v, BPF_ANY);
		}
		for (__u32 i = 1; i < 4; i++) {
			struct real r = { .addr = bpf_htonl(0x0a0a0000 + i), .mac = { 2, 0, 0, 0, 0, i }, .flags = i };
			__u32 key = i;
			bpf_map_update_elem(&reals, &key, &r, BPF_ANY);
		}
	}
	__u32 h;
	__u32 vk;
	__u16 sport = 0, dport = 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return XDP_DROP;
		if (ip->frag_off & bpf_htons(0x3fff))
			return XDP_PASS;
		__u32 *ports = (void *)ip + ip->ihl * 4;
		if ((void *)(ports + 1) > end)
			return XDP_DROP;
		h = jhash_3words(ip->saddr, ip->daddr, *ports ^ ip->protocol, 0x4242);
		last_hash = h;
		vk = 0;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		__u8 nh = ip6->nexthdr;
		void *p = ip6 + 1;
#pragma unroll
		for (int i = 0; i < 6; i++) {
			if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
				break;
			__u8 *x = p;
			if ((void *)(x + 8) > end)
				return XDP_DROP;
			nexthdrs[i] = nh;
			if (nh == 44)
				p += 8;
			else
				p += (x[1] + 1) * 8;
			nh = x[0];
		}
		nexthdrs[7] = nh;
		__u32 *ports = p;
		if ((void *)(ports + 1) > end)
			return XDP_DROP;
		__u32 key[9];
		__builtin_memcpy(key, &ip6->saddr, 32);
		key[8] = *ports;
		h = jhash2(key, 9, 0x4242);
		last_hash6 = h;
		vk = 1;
	} else {
		return XDP_PASS;
	}
	__u32 slot = h % RING;
	__u32 *ri = bpf_map_lookup_elem(&ring, &slot);
	if (!ri)
		return XDP_ABORTED;
	struct real *r = bpf_map_lookup_elem(&reals, ri);
	if (!r)
		return XDP_ABORTED;
	last_real = *ri;
	struct vip_stats *st = bpf_map_lookup_elem(&stats, &vk);
	if (st) {
		st->pkts++;
		st->bytes += end - data;
	}
	__builtin_memcpy(eth->h_source, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, r->mac, 6);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
