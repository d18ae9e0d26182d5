//go:build ignore

/* The engine benchmark suite: XDP programs doing what real ones do, each
 * measured in the interpreter, the JIT and the kernel's JIT on the same
 * packet (BenchmarkSuite in suite_bench_test.go at the repository root).
 * Every program's verdict or its store to `sink` depends on all the work it
 * did, so no compiler or engine can skip any; the verdict is XDP_PASS
 * unless a result is off. The maps are filled from Go. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define NOUNROLL _Pragma("clang loop unroll(disable)")

/* Where computed values go, so that no computation can be dropped. */
volatile __u64 sink;

/* ---- compute loops ---- */

/* xorshift and multiply-rotate mixing: 64-bit ALU work in a loop. */
SEC("xdp")
int mix64(struct xdp_md *ctx)
{
	__u64 x = (__u64)(ctx->data_end - ctx->data) | 1;
	__u64 acc = 0;
	NOUNROLL
	for (__u32 i = 0; i < 500; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x * 0x9e3779b97f4a7c15ULL;
		acc = (acc << 31) | (acc >> 33);
	}
	sink = acc;
	return XDP_PASS;
}

/* Division and modulo by divisors that change every iteration, 32- and
 * 64-bit: hashing and bucketing arithmetic. */
SEC("xdp")
int divmod(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;
	__u64 h = len | 1;
	__u32 x = (__u32)len * 2654435761u;
	__u32 acc = 0;
	NOUNROLL
	for (__u32 i = 0; i < 500; i++) {
		__u32 d = i + 3;
		acc += x % d;
		x = x / d + (x ^ d) * 7;
		__u64 d64 = (__u64)d * 0x10001 + 1;
		h = h / d64 + (h % d64) * 0x9e3779b9 + i;
	}
	sink = acc + h;
	return XDP_PASS;
}

/* ---- checksums over packets ---- */

static __always_inline __u16 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Validates the IPv4 header checksum and the UDP checksum over the
 * pseudo header, the UDP header and the payload (up to 1,480 bytes). */
SEC("xdp")
int csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_ABORTED;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return XDP_ABORTED;
	__u32 sum = 0;
	__u16 *w = (void *)ip;
#pragma clang loop unroll(full)
	for (int i = 0; i < 10; i++)
		sum += w[i];
	if (fold(sum) != 0xffff)
		return XDP_DROP;

	struct udphdr *udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end)
		return XDP_ABORTED;
	sum = (ip->saddr & 0xffff) + (ip->saddr >> 16) + (ip->daddr & 0xffff) + (ip->daddr >> 16);
	sum += bpf_htons(IPPROTO_UDP) + udp->len;
	__u16 *p = (void *)udp;
	NOUNROLL
	for (__u32 i = 0; i < 740; i++) {
		if ((void *)(p + 1) > end)
			break;
		sum += *p;
		p++;
	}
	if ((void *)p < end && (void *)p + 1 <= end)
		sum += *(__u8 *)p;
	return fold(sum) == 0xffff ? XDP_PASS : XDP_DROP;
}

/* ---- full header parsing ---- */

struct icmphdr {
	__u8 type, code;
	__sum16 checksum;
	__be32 rest;
};

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct summary {
	__u32 l3, l4;
	__u32 sport, dport;
	__u32 mss, wscale, sack, ts;
	__u32 exts, vlans;
};

/* Walks the TCP options of the TCP header at offset l4 of the packet, at
 * most 6 of them, requiring 10 readable bytes at each as parsers commonly
 * do. A global function, so the verifier checks it once rather than once
 * per way the headers before it can be. Returns the options seen packed into
 * one value (MSS in bits 0-15, window scale in 16-23, SACK permitted in
 * 24, the timestamp in 32-63), or -1 for malformed options. */
__noinline __s64 parse_tcp_options(struct xdp_md *ctx, __u32 l4)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct tcphdr *tcp = data + (l4 & 0xff);
	if ((void *)(tcp + 1) > end)
		return -1;
	__u8 *opts = (void *)(tcp + 1);
	__u32 len = tcp->doff * 4;
	if (len < sizeof(*tcp) || len > 60)
		return -1;
	len -= sizeof(*tcp);
	__u32 off = 0;
	__u64 acc = 0;
	NOUNROLL
	for (int i = 0; i < 6; i++) {
		if (off >= len)
			break;
		__u8 *o = opts + (off & 0x3f);
		if ((void *)(o + 10) > end)
			break;
		__u8 kind = o[0];
		if (kind == 0)
			break;
		if (kind == 1) {
			off++;
			continue;
		}
		__u8 olen = o[1];
		if (olen < 2)
			return -1;
		if (kind == 2)
			acc |= (__u64)(o[2] << 8 | o[3]);
		else if (kind == 3)
			acc |= (__u64)o[2] << 16;
		else if (kind == 4)
			acc |= 1ULL << 24;
		else if (kind == 8)
			acc |= (__u64)bpf_ntohl(*(__u32 *)(o + 2)) << 32;
		off += olen;
	}
	return acc;
}

/* Ethernet, a VLAN tag, IPv4 with options or IPv6 with up to two
 * extension headers, then TCP with its options, UDP or ICMP; the
 * verdict checks the summary against what the packet holds. */
SEC("xdp")
int parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct summary s = {};
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	__u16 proto = eth->h_proto;
	void *cur = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = cur;
		if ((void *)(vh + 1) > end)
			return XDP_ABORTED;
		proto = vh->proto;
		cur = vh + 1;
		s.vlans++;
	}
	__u8 l4 = 0;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cur;
		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return XDP_ABORTED;
		if (ip->frag_off & bpf_htons(0x3fff))
			return XDP_PASS;
		s.l3 = 4;
		l4 = ip->protocol;
		cur = (void *)ip + ip->ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cur;
		if ((void *)(ip6 + 1) > end)
			return XDP_ABORTED;
		s.l3 = 6;
		l4 = ip6->nexthdr;
		cur = ip6 + 1;
#pragma clang loop unroll(full)
		for (int i = 0; i < 2; i++) {
			if (l4 != IPPROTO_HOPOPTS && l4 != IPPROTO_ROUTING && l4 != IPPROTO_DSTOPTS && l4 != IPPROTO_FRAGMENT)
				break;
			__u8 *eh = cur;
			if ((void *)(eh + 8) > end)
				return XDP_ABORTED;
			l4 = eh[0];
			cur = eh + (l4 == IPPROTO_FRAGMENT ? 8 : (eh[1] + 1) * 8);
			s.exts++;
		}
	} else {
		return XDP_PASS;
	}
	s.l4 = l4;
	if (l4 == IPPROTO_TCP) {
		struct tcphdr *tcp = cur;
		if ((void *)(tcp + 1) > end)
			return XDP_ABORTED;
		s.sport = bpf_ntohs(tcp->source);
		s.dport = bpf_ntohs(tcp->dest);
		__s64 opts = parse_tcp_options(ctx, (void *)tcp - data);
		if (opts < 0)
			return XDP_DROP;
		s.mss = opts & 0xffff;
		s.wscale = (opts >> 16) & 0xff;
		s.sack = (opts >> 24) & 1;
		s.ts = opts >> 32;
	} else if (l4 == IPPROTO_UDP) {
		struct udphdr *udp = cur;
		if ((void *)(udp + 1) > end)
			return XDP_ABORTED;
		s.sport = bpf_ntohs(udp->source);
		s.dport = bpf_ntohs(udp->dest);
	} else if (l4 == IPPROTO_ICMP) {
		struct icmphdr *icmp = cur;
		if ((void *)(icmp + 1) > end)
			return XDP_ABORTED;
		s.sport = icmp->type;
	}
	/* The bench packet: VLAN, IPv4 with 8 bytes of options, TCP to port
	 * 443 with MSS 1460, window scale 7, SACK permitted and a timestamp. */
	if (s.vlans == 1 && s.l3 == 4 && s.l4 == IPPROTO_TCP && s.dport == 443 && s.mss == 1460 &&
	    s.wscale == 7 && s.sack && s.ts == 0x01020304)
		return XDP_PASS;
	return XDP_DROP;
}

/* ---- map lookups ---- */

struct flow_key {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto, pad[3];
};

struct flow_stats {
	__u64 packets, bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
	__uint(max_entries, 4096);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4096);
} hosts SEC(".maps");

/* Flow accounting: the packet's 5-tuple and 15 neighbouring flows (other
 * source ports) looked up in a hash map and counted, and the source host
 * in another: 17 hash lookups, each hit updating its value. */
SEC("xdp")
int flow_hash(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_ABORTED;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5)
		return XDP_ABORTED;
	struct udphdr *l4 = (void *)(ip + 1);
	if ((void *)(l4 + 1) > end)
		return XDP_ABORTED;
	struct flow_key key = {
		.saddr = ip->saddr,
		.daddr = ip->daddr,
		.sport = l4->source,
		.dport = l4->dest,
		.proto = ip->protocol,
	};
	__u64 len = end - data;
	__u32 hits = 0;
	NOUNROLL
	for (__u32 i = 0; i < 16; i++) {
		struct flow_stats *st = bpf_map_lookup_elem(&flows, &key);
		if (st) {
			__sync_fetch_and_add(&st->packets, 1);
			__sync_fetch_and_add(&st->bytes, len);
			hits++;
		}
		key.sport = bpf_htons(bpf_ntohs(key.sport) + 1);
	}
	__u32 host = ip->saddr;
	__u64 *seen = bpf_map_lookup_elem(&hosts, &host);
	if (seen)
		*seen += 1;
	return hits == 16 && seen ? XDP_PASS : XDP_DROP;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 256);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
} len_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} port_count SEC(".maps");

struct config {
	__u32 enabled;
	__u32 max_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct config);
	__uint(max_entries, 4);
} cfg SEC(".maps");

/* Statistics in array maps: the configuration, a per-protocol counter, a
 * length histogram and per-CPU per-port counters, for the packet and for
 * 7 more ports of a scan: 24 array lookups. */
SEC("xdp")
int array_stats(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	struct config *c = bpf_map_lookup_elem(&cfg, &zero);
	if (!c || !c->enabled)
		return XDP_PASS;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_ABORTED;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5)
		return XDP_ABORTED;
	struct udphdr *l4 = (void *)(ip + 1);
	if ((void *)(l4 + 1) > end)
		return XDP_ABORTED;
	__u32 len = end - data;
	if (len > c->max_len)
		return XDP_DROP;
	__u32 ok = 0;
	NOUNROLL
	for (__u32 i = 0; i < 8; i++) {
		__u32 proto = (ip->protocol + i) & 0xff;
		__u64 *pc = bpf_map_lookup_elem(&proto_count, &proto);
		if (pc) {
			__sync_fetch_and_add(pc, 1);
			ok++;
		}
		__u32 bucket = ((len + i * 64) / 64) & 63;
		__u64 *h = bpf_map_lookup_elem(&len_hist, &bucket);
		if (h) {
			__sync_fetch_and_add(h, 1);
			ok++;
		}
		__u32 port = (bpf_ntohs(l4->dest) + i) & 1023;
		__u64 *pp = bpf_map_lookup_elem(&port_count, &port);
		if (pp) {
			*pp += 1;
			ok++;
		}
	}
	return ok == 24 ? XDP_PASS : XDP_DROP;
}

struct lpm_v4 {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_v4);
	__type(value, __u32);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

/* Routing and ACL lookups in an LPM trie: the destination, the source,
 * and 6 more destinations of the same /16, 8 longest-prefix matches. */
SEC("xdp")
int lpm_route(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_ABORTED;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	struct lpm_v4 key = {.prefixlen = 32, .addr = ip->saddr};
	__u32 *acl = bpf_map_lookup_elem(&routes, &key);
	if (!acl)
		return XDP_DROP;
	__u32 sum = *acl;
	NOUNROLL
	for (__u32 i = 0; i < 7; i++) {
		key.addr = ip->daddr ^ bpf_htonl(i << 8);
		__u32 *nh = bpf_map_lookup_elem(&routes, &key);
		if (!nh)
			return XDP_DROP;
		sum += *nh;
	}
	return sum == 1 + 7 * 24 ? XDP_PASS : XDP_DROP;
}

/* ---- call-heavy code ---- */

static __noinline __u64 mix(__u64 a, __u64 b)
{
	return (a ^ b) * 0x100000001b3ULL;
}

static __noinline __u64 step(__u64 x, __u32 i)
{
	if (i & 1)
		return mix(x, i) + 1;
	return mix(x >> 3, i);
}

static __noinline __u32 classify(__u64 h)
{
	return (h >> 61) & 1;
}

/* bpf-to-bpf calls: 400 iterations of two or three nested calls. */
SEC("xdp")
int calls(struct xdp_md *ctx)
{
	__u64 h = ctx->data_end - ctx->data;
	__u32 ones = 0;
	NOUNROLL
	for (__u32 i = 0; i < 400; i++) {
		h = step(h, i);
		ones += classify(h);
	}
	return ones <= 400 ? XDP_PASS : XDP_DROP;
}

/* ---- the fixed cost of a run ---- */

/* Does nothing: what one run costs beyond the program's own work. Not in
 * the suite's table; BenchmarkSuite reports it as the per-run overhead. */
SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
