//go:build ignore
/* Answer ARP requests for addresses in a hash map with XDP_TX. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __be32);
	__type(value, __u8[6]);
} owned SEC(".maps");

__u32 answered = 0;

SEC("xdp")
int arp_reply(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct arp4 *a = (void *)(eth + 1);
	if ((void *)(a + 1) > end || eth->h_proto != bpf_htons(ETH_P_ARP))
		return XDP_PASS;
	__be32 ip = bpf_htonl(0xc00002fe);
	__u8 mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	bpf_map_update_elem(&owned, &ip, mac, BPF_NOEXIST);
	if (a->op != bpf_htons(1) || a->ptype != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	__be32 tpa;
	__builtin_memcpy(&tpa, a->tpa, 4);
	__u8 *m = bpf_map_lookup_elem(&owned, &tpa);
	if (!m)
		return XDP_DROP;
	a->op = bpf_htons(2);
	__builtin_memcpy(a->tha, a->sha, 6);
	__builtin_memcpy(a->tpa, a->spa, 4);
	__builtin_memcpy(a->sha, m, 6);
	__builtin_memcpy(a->spa, &tpa, 4);
	__builtin_memcpy(eth->h_dest, a->tha, 6);
	__builtin_memcpy(eth->h_source, m, 6);
	answered++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
