//go:build ignore
/* A program the kernel verifier rejects: a map value used without a NULL check (the map holds the key, so nothing faults at run time). */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} a SEC(".maps");

SEC("xdp")
int rej_null_deref(struct xdp_md *ctx)
{
	__u32 k = 1;
	__u64 *v = bpf_map_lookup_elem(&a, &k);
	return *(volatile __u64 *)v;
}

char LICENSE[] SEC("license") = "GPL";
