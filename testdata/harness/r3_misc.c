//go:build ignore
/* bpf_perf_event_output on an empty perf array, bpf_loop limits
 * (the verifier inlines bpf_loop), numa node. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); __uint(max_entries, 2); } events SEC(".maps");

__s64 res[24];

static int cb(__u32 idx, void *ctx)
{
	__u64 *n = ctx;
	*n += idx;
	return idx >= 9;
}

SEC("xdp")
int misc(struct xdp_md *ctx)
{
	__u8 pfx[16] = {};
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 16 <= end)
		__builtin_memcpy(pfx, data, 16);
	res[0] = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, pfx, sizeof(pfx));
	res[1] = bpf_perf_event_output(ctx, &events, 1, pfx, sizeof(pfx));
	res[2] = bpf_perf_event_output(ctx, &events, 5, pfx, sizeof(pfx));
	res[3] = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | ((__u64)16 << 32), pfx, 4);
	__u64 n = 0;
	res[4] = bpf_loop(100, cb, &n, 0);
	res[5] = n;
	res[6] = bpf_loop(1 << 24, cb, &n, 0);
	res[7] = bpf_loop(3, cb, &n, 1);
	res[14] = bpf_get_numa_node_id();
	res[15] = bpf_ktime_get_ns() != 0;
	res[16] = bpf_get_prandom_u32() != bpf_get_prandom_u32() || 1;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
