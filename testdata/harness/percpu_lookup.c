//go:build ignore
/* bpf_map_lookup_percpu_elem: read other CPUs' slots. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pa SEC(".maps");

__u64 sum = 0;
__u32 missing = 0;

SEC("xdp")
int percpu_sum(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&pa, &k);
	if (v)
		*v += 5;
	sum = 0;
	for (__u32 cpu = 0; cpu < 64; cpu++) {
		__u64 *c = bpf_map_lookup_percpu_elem(&pa, &k, cpu);
		if (!c) {
			missing = cpu;
			break;
		}
		sum += *c;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
