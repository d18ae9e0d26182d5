//go:build ignore

/* Tail calls through a statically initialised prog array: entry -> parse
 * -> verdict, each stage leaving a mark, and a call to an empty slot that
 * falls through. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

enum { SLOT_PARSE, SLOT_VERDICT, SLOT_EMPTY };

int stage_parse(struct xdp_md *ctx);
int stage_verdict(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(void *));
} stages SEC(".maps") = {
	.values = { [SLOT_PARSE] = (void *)&stage_parse, [SLOT_VERDICT] = (void *)&stage_verdict },
};

/* Bit i set: stage i ran. Kept in .bss so it survives the tail calls. */
__u32 trail;
__u32 depth;

SEC("xdp")
int xdp_entry(struct xdp_md *ctx)
{
	trail |= 1;
	depth++;
	bpf_tail_call(ctx, &stages, SLOT_PARSE);
	return XDP_ABORTED; /* only if the slot is empty */
}

SEC("xdp")
int stage_parse(struct xdp_md *ctx)
{
	trail |= 2;
	depth++;
	bpf_tail_call(ctx, &stages, SLOT_VERDICT);
	return XDP_ABORTED;
}

SEC("xdp")
int stage_verdict(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	trail |= 4;
	depth++;
	bpf_tail_call(ctx, &stages, SLOT_EMPTY);
	/* Falls through: the slot is empty. */
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	return eth->h_proto == bpf_htons(ETH_P_IPV6) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_missing(struct xdp_md *ctx)
{
	__u32 slot = ctx->ingress_ifindex + 100; /* out of range */

	bpf_tail_call(ctx, &stages, slot);
	trail |= 8;
	return XDP_TX;
}
