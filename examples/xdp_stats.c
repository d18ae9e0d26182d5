//go:build ignore

/* xdp_stats: counts packets and bytes per IP protocol (IPv4 and IPv6, one
 * optional VLAN tag), drops UDP to one blocked port and passes the rest.
 *
 *   clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu \
 *       -c xdp_stats.c -o xdp_stats.o
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct counters {
	__u64 packets;
	__u64 bytes;
};

/* Key: IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...); 255
 * counts frames that are not IP. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct counters);
	__uint(max_entries, 256);
} proto_stats SEC(".maps");

#define NOT_IP 255

/* Set before loading to block another port. */
const volatile __u16 blocked_udp_port = 1900; /* SSDP */

__u64 dropped;

static __always_inline void count(__u32 proto, __u64 len)
{
	struct counters *c = bpf_map_lookup_elem(&proto_stats, &proto);

	if (!c) {
		struct counters zero = {};

		bpf_map_update_elem(&proto_stats, &proto, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&proto_stats, &proto);
		if (!c)
			return;
	}
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, len);
}

SEC("xdp")
int xdp_stats(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u64 len = end - data;
	void *l4 = 0;
	__u16 type;
	__u8 proto;

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	type = eth->h_proto;
	data = eth + 1;
	if (type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD)) {
		__be16 *vlan = data;

		if ((void *)(vlan + 2) > end)
			return XDP_DROP;
		type = vlan[1];
		data = vlan + 2;
	}

	if (type == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return XDP_DROP;
		proto = ip->protocol;
		l4 = data + ip->ihl * 4;
	} else if (type == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		proto = ip6->nexthdr;
		l4 = ip6 + 1;
	} else {
		count(NOT_IP, len);
		return XDP_PASS;
	}

	count(proto, len);
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > end)
			return XDP_DROP;
		if (udp->dest == bpf_htons(blocked_udp_port)) {
			__sync_fetch_and_add(&dropped, 1);
			return XDP_DROP;
		}
	}
	return XDP_PASS;
}
