//go:build ignore
/* xdp-tutorial's router: bpf_fib_lookup on the IPv4 destination. */
#include "h.h"

__s64 res[8];

SEC("xdp")
int fib(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct bpf_fib_lookup p = {};
	p.family = 2; /* AF_INET */
	p.tos = ip->tos;
	p.l4_protocol = ip->protocol;
	p.tot_len = bpf_ntohs(ip->tot_len);
	p.ipv4_src = ip->saddr;
	p.ipv4_dst = ip->daddr;
	p.ifindex = ctx->ingress_ifindex;
	res[0] = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	res[1] = p.ifindex;
	p.ifindex = 1;
	res[2] = bpf_fib_lookup(ctx, &p, sizeof(p), BPF_FIB_LOOKUP_DIRECT);
	res[3] = bpf_fib_lookup(ctx, &p, 10, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
