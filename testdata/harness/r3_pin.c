//go:build ignore
/* A map pinned by name (libbpf LIBBPF_PIN_BY_NAME): gbpf must run it
 * without bpffs. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u64);
} pinned_arr SEC(".maps");

SEC("xdp")
int pin(struct xdp_md *ctx)
{
	__u32 k = 2;
	__u64 *p = bpf_map_lookup_elem(&pinned_arr, &k);
	if (p)
		*p += ctx->data_end - ctx->data;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
