//go:build ignore
/* Destination NAT for IPv4 TCP/UDP with incremental checksums, then bounce the
 * frame back out (XDP_TX) with swapped MACs. */
#include "h.h"

const volatile __be32 vip = 0;       /* set by the loader; zero matches any */
const volatile __u16 new_port = 8080;

struct natkey { __be32 addr; __be16 port; __u8 proto; __u8 pad; };
struct natval { __be32 addr; __be16 port; __u16 hits; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct natkey);
	__type(value, struct natval);
} nat SEC(".maps");

__u64 rewrites = 0;
__u32 last_csum = 0;

static __always_inline __u16 csum_add16(__u16 csum, __be32 from, __be32 to)
{
	__u32 s = bpf_csum_diff(&from, 4, &to, 4, ~((__u32)csum) & 0xffff);
	return fold(s);
}

SEC("xdp")
int xdp_dnat(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->ihl != 5 || (vip && ip->daddr != vip))
		return XDP_PASS;
	__be16 *ports = (void *)(ip + 1);
	if ((void *)(ports + 2) > end)
		return XDP_DROP;

	struct natkey k = { .addr = ip->daddr, .port = ports[1], .proto = ip->protocol };
	struct natval *v = bpf_map_lookup_elem(&nat, &k);
	if (!v) {
		struct natval nv = { .addr = bpf_htonl(0x0a000001), .port = bpf_htons(new_port) };
		bpf_map_update_elem(&nat, &k, &nv, BPF_ANY);
		v = bpf_map_lookup_elem(&nat, &k);
		if (!v)
			return XDP_ABORTED;
	}
	v->hits++;

	__be32 olda = ip->daddr;
	ip->daddr = v->addr;
	ip->check = csum_add16(ip->check, olda, v->addr);

	__u16 *l4c = 0;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *t = (void *)(ip + 1);
		if ((void *)(t + 1) > end)
			return XDP_DROP;
		l4c = &t->check;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *u = (void *)(ip + 1);
		if ((void *)(u + 1) > end)
			return XDP_DROP;
		l4c = &u->check;
	}
	if (l4c) {
		__u32 from[2] = { olda, ports[1] };
		__u32 to[2] = { v->addr, v->port };
		if (!(ip->protocol == IPPROTO_UDP && *l4c == 0)) {
			__u32 s = bpf_csum_diff(from, 8, to, 8, ~((__u32)*l4c) & 0xffff);
			*l4c = fold(s);
			last_csum = s;
		}
	}
	ports[1] = v->port;

	__u8 tmp[ETH_ALEN];
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
	__sync_fetch_and_add(&rewrites, 1);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
