//go:build ignore

/* An XDP firewall: parses Ethernet with up to two VLAN tags, IPv4 (with a
 * header checksum check) and IPv6 (skipping extension headers), TCP and
 * UDP; drops sources in an LPM deny list, denied ports and expiring TTLs;
 * answers UDP echo by swapping addresses and bouncing the packet; forwards
 * the rest with the TTL decremented and the IPv4 checksum patched.
 * The rule tables fill themselves on the first packet, so a fresh
 * collection behaves the same in every engine. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_VLANS 2
#define MAX_EXT_HDRS 4

enum stat { STAT_ABORTED, STAT_DROP, STAT_PASS, STAT_TX, STAT_NONIP, STAT_MAX };

struct v4_prefix {
	__u32 prefixlen;
	__u32 addr;
};

struct port_key {
	__u8 proto;
	__u8 pad;
	__u16 port; /* host order */
};

struct flow_key {
	__u32 src[4];
	__u32 dst[4];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct v4_prefix);
	__type(value, __u32);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} deny_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct port_key);
	__type(value, __u32);
	__uint(max_entries, 16);
} deny_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
	__uint(max_entries, 128);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, STAT_MAX);
} verdicts SEC(".maps");

/* Settings a loader may change before loading. */
const volatile __u8 min_ttl = 1;
const volatile __u16 echo_port = 7;

/* Rules installed on the first packet. */
const volatile __u32 deny_net = 0x0a420000; /* 10.66.0.0/16, host order */
const volatile __u32 deny_net_len = 16;
const volatile __u16 deny_tcp_port = 23;

__u32 rules_loaded;
__u64 ttl_expired;

struct parsed {
	void *l4;
	__u16 l3_proto;
	__u8 l4_proto;
	__u8 ttl_ok;
};

static __noinline void load_rules(void)
{
	struct v4_prefix p = { .prefixlen = deny_net_len, .addr = bpf_htonl(deny_net) };
	struct port_key k = { .proto = IPPROTO_TCP, .port = deny_tcp_port };
	__u32 id = 1;

	bpf_map_update_elem(&deny_v4, &p, &id, BPF_ANY);
	id = 2;
	bpf_map_update_elem(&deny_ports, &k, &id, BPF_ANY);
	rules_loaded = 1;
}

/* A global function: verified on its own, callable from any program. */
__noinline int count_verdict(__u32 verdict)
{
	__u32 key = verdict < STAT_MAX ? verdict : STAT_ABORTED;
	__u64 *n = bpf_map_lookup_elem(&verdicts, &key);

	if (n)
		*n += 1;
	return verdict;
}

/* RFC 1624 incremental update for a 16-bit field change. */
static __always_inline void csum_replace2(__u16 *sum, __u16 old, __u16 new)
{
	__u32 s = (__u16)~*sum + (__u16)~old + new;

	*sum = csum_fold(s);
}

static __always_inline int ipv4_csum_ok(struct iphdr *ip)
{
	/* bpf_csum_diff with no "from" sums the header; a valid header sums
	 * to 0xffff. Only 20-byte headers, whose size the verifier knows. */
	__s64 s = bpf_csum_diff(0, 0, (__be32 *)ip, sizeof(*ip), 0);

	if (s < 0)
		return 0;
	return csum_fold((__u32)s) == 0;
}

static __always_inline void record_flow(struct flow_key *k, __u64 len)
{
	struct flow_stats *fs = bpf_map_lookup_elem(&flows, k);

	if (!fs) {
		struct flow_stats zero = {};

		bpf_map_update_elem(&flows, k, &zero, BPF_NOEXIST);
		fs = bpf_map_lookup_elem(&flows, k);
		if (!fs)
			return;
	}
	__sync_fetch_and_add(&fs->packets, 1);
	__sync_fetch_and_add(&fs->bytes, len);
}

static __always_inline void swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* Walks IPv6 extension headers; returns the upper-layer header or NULL. */
static __noinline void *skip_ipv6_ext(void *p, void *end, __u8 *next)
{
	__u8 nh = *next;
	int i;

	for (i = 0; i < MAX_EXT_HDRS; i++) {
		struct ipv6_opt_hdr *o = p;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS)
			break;
		if ((void *)(o + 1) > end)
			return 0;
		nh = o->nexthdr;
		p += (o->hdrlen + 1) * 8;
	}
	*next = nh;
	return p;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct flow_key fk = {};
	struct iphdr *ip4 = 0;
	struct ipv6hdr *ip6 = 0;
	void *p = eth + 1;
	__u16 proto;
	__u8 l4;
	int i;

	if (!rules_loaded)
		load_rules();
	if (p > end)
		return count_verdict(XDP_ABORTED);
	proto = eth->h_proto;
	for (i = 0; i < MAX_VLANS; i++) {
		struct vlan_hdr *v = p;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(v + 1) > end)
			return count_verdict(XDP_ABORTED);
		proto = v->encap_proto;
		p = v + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = p;
		struct v4_prefix key = { .prefixlen = 32 };

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return count_verdict(XDP_ABORTED);
		if (ip->ihl == 5 && !ipv4_csum_ok(ip))
			return count_verdict(XDP_DROP);
		key.addr = ip->saddr;
		if (bpf_map_lookup_elem(&deny_v4, &key))
			return count_verdict(XDP_DROP);
		if (ip->ttl <= min_ttl) {
			__sync_fetch_and_add(&ttl_expired, 1);
			return count_verdict(XDP_DROP);
		}
		fk.src[0] = ip->saddr;
		fk.dst[0] = ip->daddr;
		l4 = ip->protocol;
		p = (void *)ip + ip->ihl * 4;
		ip4 = ip;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		ip6 = p;
		if ((void *)(ip6 + 1) > end)
			return count_verdict(XDP_ABORTED);
		if (ip6->hop_limit <= min_ttl)
			return count_verdict(XDP_DROP);
		__builtin_memcpy(fk.src, &ip6->saddr, 16);
		__builtin_memcpy(fk.dst, &ip6->daddr, 16);
		l4 = ip6->nexthdr;
		p = skip_ipv6_ext(ip6 + 1, end, &l4);
		if (!p)
			return count_verdict(XDP_ABORTED);
	} else {
		count_verdict(STAT_NONIP);
		return XDP_PASS;
	}

	fk.proto = l4;
	if (l4 == IPPROTO_TCP || l4 == IPPROTO_UDP) {
		/* Ports sit at the same offsets in TCP and UDP. */
		struct udphdr *uh = p;
		struct port_key pk = { .proto = l4 };

		if ((void *)(uh + 1) > end)
			return count_verdict(XDP_ABORTED);
		fk.sport = uh->source;
		fk.dport = uh->dest;
		pk.port = bpf_ntohs(uh->dest);
		if (bpf_map_lookup_elem(&deny_ports, &pk))
			return count_verdict(XDP_DROP);
		if (l4 == IPPROTO_UDP && pk.port == echo_port && ip4) {
			__be32 a;
			__be16 port;

			/* Swaps leave every checksum valid. */
			swap_macs(eth);
			a = ip4->saddr;
			ip4->saddr = ip4->daddr;
			ip4->daddr = a;
			port = uh->source;
			uh->source = uh->dest;
			uh->dest = port;
			record_flow(&fk, end - data);
			return count_verdict(XDP_TX);
		}
	}
	record_flow(&fk, end - data);

	/* Forward: one hop fewer. */
	if (ip4) {
		/* TTL and protocol share a 16-bit checksum word. */
		__u16 old = *(__u16 *)&ip4->ttl;

		ip4->ttl--;
		csum_replace2(&ip4->check, old, *(__u16 *)&ip4->ttl);
	} else if (ip6) {
		ip6->hop_limit--;
	}
	return count_verdict(XDP_PASS);
}
