//go:build ignore
/* Map-in-map: an array of hash maps and a hash of arrays, inner maps
 * declared in the object and wired with .values. */
#include "h.h"

struct inner_h {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ih0 SEC(".maps"), ih1 SEC(".maps");

struct inner_a {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} ia0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner_h);
} outer_a SEC(".maps") = {
	.values = { [0] = &ih0, [2] = &ih1 },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_a);
} outer_h SEC(".maps") = {
	.values = { [1] = &ia0 },
};

__s64 rc[6] = {};

SEC("xdp")
int mim(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	for (__u32 i = 0; i < 3; i++) {
		__u32 oi = i;
		void *in = bpf_map_lookup_elem(&outer_a, &oi);
		if (!in) {
			rc[i] = -1;
			continue;
		}
		__u32 v = len + i;
		rc[i] = bpf_map_update_elem(in, &len, &v, BPF_ANY);
	}
	__u32 hk = 1;
	void *arr = bpf_map_lookup_elem(&outer_h, &hk);
	if (arr) {
		__u32 ak = 1;
		__u64 *p = bpf_map_lookup_elem(arr, &ak);
		if (p)
			*p += len;
		rc[3] = p ? 1 : 0;
	}
	hk = 0;
	rc[4] = bpf_map_lookup_elem(&outer_h, &hk) != 0;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
