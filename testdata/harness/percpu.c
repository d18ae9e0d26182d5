//go:build ignore
/* Per-CPU array and hash counters, bpf_map_lookup_percpu_elem and the CPU id. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pa SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u16);
	__type(value, struct { __u32 a; __u16 b; });
} ph SEC(".maps");

__u32 cpu_seen = 0;

SEC("xdp")
int percpu(struct xdp_md *ctx)
{
	__u32 k = (ctx->data_end - ctx->data) & 3;
	__u64 *v = bpf_map_lookup_elem(&pa, &k);
	if (v)
		*v += 10;
	__u16 hk = 0x1234;
	struct { __u32 a; __u16 b; } hv = { 7, 9 }, *p;
	p = bpf_map_lookup_elem(&ph, &hk);
	if (p)
		p->a++;
	else
		bpf_map_update_elem(&ph, &hk, &hv, BPF_ANY);
	cpu_seen = bpf_get_smp_processor_id();
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
