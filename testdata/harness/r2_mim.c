//go:build ignore
/* Map-in-map with inner maps of different sizes (BPF_F_INNER_MAP) and
 * contents, empty and out-of-range outer slots. */
#include "h.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, __u32);
} small SEC(".maps");

struct inner_big {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, __u32);
} large SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} tables SEC(".maps") = {
	.values = { [0] = &small, [1] = (void *)&large, [3] = &small },
};

__s64 res[16] = {};

SEC("xdp")
int mim2(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	for (__u32 t = 0; t < 5; t++) {
		__u32 tk = t;
		void *in = bpf_map_lookup_elem(&tables, &tk);
		if (!in) {
			res[t * 3] = -1;
			continue;
		}
		__u32 key = len % 70, v = len * 10 + t;
		res[t * 3] = bpf_map_update_elem(in, &key, &v, BPF_ANY);
		__u32 k2 = 2;
		__u32 *p = bpf_map_lookup_elem(in, &k2);
		if (p) {
			*p += t + 1;
			res[t * 3 + 1] = *p;
		}
		__u32 k3 = 63;
		res[t * 3 + 2] = bpf_map_lookup_elem(in, &k3) != 0;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
