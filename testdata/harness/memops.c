//go:build ignore
/* __builtin_memcpy/memset/memmove of odd sizes between stack, globals, map
 * values and the packet. */
#include "h.h"

struct rec { __u8 a[3]; __u8 b[7]; __u8 c[13]; __u8 d[37]; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec);
} recs SEC(".maps");

struct rec g = {};

SEC("xdp")
int memops(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 60 > end)
		return XDP_DROP;
	__u32 k = 0;
	struct rec *r = bpf_map_lookup_elem(&recs, &k);
	if (!r)
		return XDP_ABORTED;
	__builtin_memcpy(r->a, data + 1, 3);
	__builtin_memcpy(r->b, data + 5, 7);
	__builtin_memcpy(r->c, data + 11, 13);
	__builtin_memcpy(r->d, data + 23, 37);
	struct rec s;
	__builtin_memset(&s, 0x5c, sizeof(s));
	__builtin_memset(s.b, 0, 5);
	__builtin_memcpy(s.d + 1, r->c, 13);
	g = s;
	__builtin_memmove(data + 3, data, 11);
	__builtin_memset(data + 40, 0xa5, 19);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
