//go:build ignore
/* XDP MAC-learning bridge with ARP proxy: 6-byte MAC keys in a hash,
 * ARP replies generated from an IP->MAC map, devmap redirect with a
 * fallback action in the flags. */
#include "h.h"

struct mac_key { __u8 addr[6]; };
struct fdb_ent { __u32 port; __u32 hits; };

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, struct mac_key); __type(value, struct fdb_ent); } fdb SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, __be32); __type(value, struct mac_key); } proxy SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } ports SEC(".maps");

__s64 res[8];

SEC("xdp")
int bridge(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	/* seed the proxy table */
	__be32 pip = bpf_htonl(0xc00002fe);
	struct mac_key pm = { { 0x02, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe } };
	bpf_map_update_elem(&proxy, &pip, &pm, BPF_NOEXIST);

	struct mac_key src;
	__builtin_memcpy(src.addr, eth->h_source, 6);
	struct fdb_ent *fe = bpf_map_lookup_elem(&fdb, &src);
	if (fe) {
		fe->hits++;
	} else {
		struct fdb_ent n = { .port = ctx->ingress_ifindex, .hits = 1 };
		res[0] = bpf_map_update_elem(&fdb, &src, &n, BPF_ANY);
	}
	if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		struct arp4 *a = (void *)(eth + 1);
		if ((void *)(a + 1) > end)
			return XDP_DROP;
		if (a->op != bpf_htons(1))
			return XDP_PASS;
		__be32 tip;
		__builtin_memcpy(&tip, a->tpa, 4);
		struct mac_key *m = bpf_map_lookup_elem(&proxy, &tip);
		if (!m)
			return XDP_PASS;
		a->op = bpf_htons(2);
		__builtin_memcpy(a->tha, a->sha, 6);
		__builtin_memcpy(a->tpa, a->spa, 4);
		__builtin_memcpy(a->sha, m->addr, 6);
		__builtin_memcpy(a->spa, &tip, 4);
		__builtin_memcpy(eth->h_dest, eth->h_source, 6);
		__builtin_memcpy(eth->h_source, m->addr, 6);
		return XDP_TX;
	}
	struct mac_key dst;
	__builtin_memcpy(dst.addr, eth->h_dest, 6);
	if (dst.addr[0] & 1) {
		res[1]++;
		return bpf_redirect_map(&ports, 0, XDP_PASS);
	}
	struct fdb_ent *de = bpf_map_lookup_elem(&fdb, &dst);
	if (!de) {
		res[2]++;
		return bpf_redirect_map(&ports, 3, XDP_DROP);
	}
	res[3] = de->port;
	return bpf_redirect_map(&ports, de->port, 0);
}

char _license[] SEC("license") = "GPL";
