//go:build ignore
/* Large programs for measuring verification time: fully unrolled loops
 * give tens of thousands of instructions with a branch or more every few
 * instructions, map lookups, packet reads and stack traffic. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Lookup keys, read-only data: a key pointer needs no stack slot. */
const __u32 keys[256] = { 1, 2, 3, 5, 8, 13, 21, 34 };

#define STEP(i)                                                             \
	do {                                                                \
		{                                                           \
			__u8 b = ((__u8 *)data)[i % 64];                    \
			if (b > 128)                                        \
				h += b;                                     \
			else if (b == 7)                                    \
				h -= 3;                                     \
			else                                                \
				h ^= b << (i % 8);                          \
		}                                                           \
		if ((i) % 16 == 0) {                                        \
			__u64 *c = bpf_map_lookup_elem(&counters, &keys[(i) & 255]);      \
			if (c && *c > 100)                                  \
				return XDP_DROP;                            \
			if (c)                                              \
				*c += h & 1;                                \
		}                                                           \
	} while (0)

static __always_inline int body(void *data, void *end, int n)
{
	__u32 h = 2166136261u;
	if (data + 64 > end)
		return XDP_PASS;
#pragma clang loop unroll(full)
	for (int i = 0; i < n; i++)
		STEP(i);
	return h & 1 ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int large_a(struct xdp_md *ctx)
{
	return body((void *)(long)ctx->data, (void *)(long)ctx->data_end, 600);
}

SEC("xdp")
int large_b(struct xdp_md *ctx)
{
	return body((void *)(long)ctx->data, (void *)(long)ctx->data_end, 1500);
}

char LICENSE[] SEC("license") = "GPL";
