//go:build ignore
/* Every atomic a C programmer reaches for, on .bss, .data and map values. */
#include "h.h"

struct val { __u64 a; __u32 b; __u32 c; __s64 d; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct val);
} vals SEC(".maps");

__u64 cnt = 0;
__u32 flags32 = 0;
__u64 data_words[6] = { 1, 2, 3, 4, 5, 6 };
__u64 olds[12] = {};

SEC("xdp")
int atomics(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct val *v = bpf_map_lookup_elem(&vals, &k);
	if (!v)
		return XDP_ABORTED;
	__u32 len = ctx->data_end - ctx->data;

	__sync_fetch_and_add(&cnt, len);
	olds[0] = __sync_fetch_and_add(&v->a, 3);
	olds[1] = __sync_fetch_and_or(&v->b, 1u << (len & 31));
	olds[2] = __sync_fetch_and_and(&data_words[0], ~2ULL);
	olds[3] = __sync_fetch_and_xor(&data_words[1], 0xff);
	olds[4] = __sync_val_compare_and_swap(&v->c, 0, len);
	olds[5] = __sync_val_compare_and_swap(&data_words[2], 3, 33);
	olds[6] = __sync_lock_test_and_set(&data_words[3], len);
	olds[7] = __atomic_fetch_sub(&v->d, 5, __ATOMIC_SEQ_CST);
	olds[8] = __atomic_exchange_n(&flags32, len, __ATOMIC_SEQ_CST);
	__u64 exp = 5;
	olds[9] = __atomic_compare_exchange_n(&data_words[4], &exp, 50, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	olds[10] = exp;
	__atomic_fetch_add(&data_words[5], -1, __ATOMIC_RELAXED);
	__sync_fetch_and_add((__u32 *)&v->c, 0x80000000u);
	olds[11] = *(volatile __u64 *)&cnt;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
