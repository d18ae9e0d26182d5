//go:build ignore
/* Bloom filter membership, and a FIFO queue and LIFO stack used as work
 * lists, with overwrite when full (BPF_EXIST). The filter's seed is zero,
 * so its false positives are the same in every run and engine. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__uint(map_extra, 3);
	__uint(map_flags, BPF_F_ZERO_SEED);
	__type(value, __u32);
} bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u16);
} q SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 3);
	__type(value, __u64);
} st SEC(".maps");

__s64 rc[16] = {};

SEC("xdp")
int bloom_qs(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	for (__u32 i = 0; i < 5; i++) {
		__u32 v = len * 31 + i;
		rc[0] += bpf_map_push_elem(&bloom, &v, 0);
	}
	__u32 probe = len * 31 + 2;
	rc[1] = bpf_map_peek_elem(&bloom, &probe);
	probe = 12345678;
	rc[2] = bpf_map_peek_elem(&bloom, &probe);

	for (__u16 i = 0; i < 5; i++) {
		__u16 v = len + i;
		rc[3 + i] = bpf_map_push_elem(&q, &v, 0);
	}
	__u16 v16 = 0xffff;
	rc[8] = bpf_map_push_elem(&q, &v16, BPF_EXIST);
	__u16 out16 = 0;
	rc[9] = bpf_map_pop_elem(&q, &out16);
	rc[10] = out16;
	for (__u64 i = 0; i < 4; i++) {
		__u64 v = i << 40 | len;
		rc[11] += bpf_map_push_elem(&st, &v, i == 3 ? BPF_EXIST : 0);
	}
	__u64 top = 0;
	rc[12] = bpf_map_peek_elem(&st, &top);
	rc[13] = top >> 40;
	rc[14] = bpf_map_pop_elem(&st, &top);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
