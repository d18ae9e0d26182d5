//go:build ignore
/* Atomics on stack slots, map values and globals, all widths and ops,
 * with fetch results kept. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64[4]); } av SEC(".maps");

__u64 g64 = 0x100;
__u32 g32 = 0x10;
__s64 res[24];

SEC("xdp")
int stackatom(struct xdp_md *ctx)
{
	volatile __u64 s64 = ctx->data_end - ctx->data;
	volatile __u32 s32 = 7;
	int i = 0;
	res[i++] = __sync_fetch_and_add(&s64, 5);
	res[i++] = __sync_fetch_and_or(&s64, 0xf00);
	res[i++] = __sync_fetch_and_and(&s64, 0xff0f);
	res[i++] = __sync_fetch_and_xor(&s64, 0x1);
	res[i++] = __sync_val_compare_and_swap(&s64, 0xf4d, 99);
	res[i++] = __sync_lock_test_and_set(&s64, 1234);
	res[i++] = s64;
	res[i++] = __sync_fetch_and_add(&s32, -8);
	res[i++] = __sync_val_compare_and_swap(&s32, 0xffffffff, 3);
	res[i++] = __sync_lock_test_and_set(&s32, 0x80000000);
	res[i++] = s32;
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&av, &k);
	if (v) {
		res[i++] = __sync_fetch_and_add(&v[0], 1);
		__sync_fetch_and_or(&v[1], 1ull << (s64 & 63));
		res[i++] = __sync_val_compare_and_swap(&v[2], 0, 0xabc);
		__sync_fetch_and_xor((__u32 *)&v[3] + 1, 0xffff0000);
		res[i++] = __sync_fetch_and_and((__u32 *)&v[3], 0);
	}
	res[i++] = __sync_fetch_and_add(&g64, g32);
	res[i++] = __sync_val_compare_and_swap(&g32, 0x10, 0x11);
	res[i++] = __sync_val_compare_and_swap(&g32, 0x10, 0x12);
	__sync_fetch_and_sub(&g64, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
