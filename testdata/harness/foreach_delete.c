//go:build ignore
/* Minimal: bpf_for_each_map_elem over a hash map whose callback deletes the
 * element it visits. The kernel visits each element once. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} m SEC(".maps");

static long cb(void *map, __u32 *k, __u32 *v, void *ctx)
{
	if (*k == 2)
		bpf_map_delete_elem(map, k);
	return 0;
}

SEC("xdp")
int foreach_delete(struct xdp_md *ctx)
{
#pragma unroll
	for (__u32 i = 0; i < 4; i++) {
		__u32 k = i, v = i;
		bpf_map_update_elem(&m, &k, &v, BPF_ANY);
	}
	return bpf_for_each_map_elem(&m, cb, 0, 0); /* kernel: 4 */
}

char LICENSE[] SEC("license") = "GPL";
