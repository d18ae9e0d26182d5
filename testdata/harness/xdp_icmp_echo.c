//go:build ignore
/* Answer ICMP echo requests (v4) in XDP, fixing the ICMP checksum by RFC 1624. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __noinline int swap_l2_l3(struct ethhdr *eth, struct iphdr *ip)
{
	__u8 mac[ETH_ALEN];
	__be32 a;
	if (!eth || !ip)
		return -1;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	a = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = a;
	return 0;
}

SEC("xdp")
int icmp_echo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct icmphdr *ic;
	__u32 k = 0;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_ICMP)
		return XDP_PASS;
	ic = (void *)ip + (ip->ihl & 0xf) * 4;
	if ((void *)(ic + 1) > end)
		return XDP_DROP;
	if (ic->type != ICMP_ECHO) {
		k = 1;
		goto out;
	}
	if (swap_l2_l3(eth, ip))
		return XDP_ABORTED;
	ic->type = ICMP_ECHOREPLY;
	/* HC' = ~(~HC + ~m + m'), m = 0x0800, m' = 0x0000 */
	__u32 s = (__u16)~bpf_ntohs(ic->checksum) + (__u16)~0x0800;
	s = (s & 0xffff) + (s >> 16);
	ic->checksum = bpf_htons(~((s & 0xffff) + (s >> 16)));
	ip->ttl = 64;
	ip->check = 0;
	__u32 sum = bpf_csum_diff(0, 0, (void *)ip, sizeof(*ip), 0);
	ip->check = fold(sum);
out:;
	__u64 *c = bpf_map_lookup_elem(&stats, &k);
	if (c)
		*c += 1;
	return k ? XDP_PASS : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
