//go:build ignore
/* Tail calls through a prog array initialised in the object (.values),
 * a self tail call until the kernel's limit of 33, and a dispatcher by
 * protocol. */
#include "h.h"

__u32 depth = 0;

int tc_self(struct xdp_md *ctx);
int tc_tcp(struct xdp_md *ctx);
int tc_udp(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (struct xdp_md *));
} jmp_init SEC(".maps") = {
	.values = { [0] = &tc_self, [1] = &tc_tcp, [2] = &tc_udp },
};
__u32 visited = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (struct xdp_md *));
} jmp SEC(".maps");

SEC("xdp")
int tc_self(struct xdp_md *ctx)
{
	depth++;
	bpf_tail_call(ctx, &jmp_init, 0);
	return XDP_PASS;
}

SEC("xdp")
int tc_tcp(struct xdp_md *ctx)
{
	visited |= 2;
	return XDP_TX;
}

SEC("xdp")
int tc_udp(struct xdp_md *ctx)
{
	visited |= 4;
	bpf_tail_call(ctx, &jmp_init, 3); /* empty slot: fall through */
	return XDP_DROP;
}

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	visited |= 1;
	if ((void *)(ip + 1) > end)
		bpf_tail_call(ctx, &jmp, 0);
	else if (ip->protocol == IPPROTO_TCP)
		bpf_tail_call(ctx, &jmp, 1);
	else if (ip->protocol == IPPROTO_UDP)
		bpf_tail_call(ctx, &jmp, 2);
	return XDP_ABORTED;
}


SEC("xdp")
int dispatch_init(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	visited |= 8;
	if ((void *)(ip + 1) > end)
		return XDP_DROP;
	bpf_tail_call(ctx, &jmp_init, ip->protocol == IPPROTO_TCP ? 1 : 2);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
