//go:build ignore
/* Loops: a bounded payload checksum, bpf_loop with a callback context,
 * for_each_map_elem, an unrolled loop and a while loop with a data-dependent
 * bound. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

__u64 res[8] = {};

struct lctx { void *data, *end; __u32 sum; __u32 n; };

static long step(__u64 i, void *p)
{
	struct lctx *c = p;
	if (i > 200)
		return 1;
	__u8 *b = c->data + i;
	if ((void *)(b + 1) > c->end)
		return 1;
	c->sum += *b * (i + 1);
	c->n++;
	return 0;
}

static long visit(void *map, __u32 *k, __u64 *v, void *p)
{
	__u64 *acc = p;
	*acc += *k * 1000 + *v;
	if (*k == 3)
		bpf_map_delete_elem(map, k);
	return *acc > 100000;
}

SEC("xdp")
int loops(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 sum = 0, i;

	for (i = 0; i < 256; i++) {
		__u8 *b = data + i;
		if ((void *)(b + 1) > end)
			break;
		sum += *b;
		__u32 bucket = *b >> 5;
		__u64 *h = bpf_map_lookup_elem(&hist, &bucket);
		if (h)
			(*h)++;
	}
	res[0] = sum;
	res[1] = i;

	struct lctx c = { .data = data, .end = end };
	res[2] = bpf_loop(100, step, &c, 0);
	res[3] = c.sum;
	res[4] = c.n;
	res[5] = bpf_loop(10, step, &c, 1); /* bad flags */

	__u64 x = 1;
#pragma unroll
	for (int j = 0; j < 8; j++)
		x = x * 31 + j;
	res[6] = x;

#pragma unroll
	for (__u32 k = 0; k < 6; k++) {
		__u32 key = k;
		__u64 v = k * k + sum;
		bpf_map_update_elem(&seen, &key, &v, BPF_ANY);
	}
	__u64 acc = 0;
	res[7] = bpf_for_each_map_elem(&seen, visit, &acc, 0) * 1000000 + (acc & 0xffff);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
