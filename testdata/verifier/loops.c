//go:build ignore

/* Loops: bounded loops are explored iteration by iteration and must end
 * within the complexity limit; bpf_loop and bpf_for_each_map_elem
 * callbacks return 0 or 1. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct slots {
	__u64 v[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slots);
} loop_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} loop_hash SEC(".maps");

/* A loop over the array. The twin runs one step too far. */
SEC("xdp")
int ok_loop_index(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct slots *s = bpf_map_lookup_elem(&loop_table, &zero);
	__u64 sum = 0;

	if (!s)
		return XDP_PASS;
	for (int i = 0; i < 16; i++)
		sum += s->v[i];
	return sum & 3;
}

SEC("xdp")
int bad_loop_index(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct slots *s = bpf_map_lookup_elem(&loop_table, &zero);
	__u64 sum = 0;

	if (!s)
		return XDP_PASS;
	for (int i = 0; i <= 16; i++)
		sum += s->v[i];
	return sum & 3;
}

/* A loop whose exit test is never met: stepping by two never hits 15,
 * and the 8-bit counter comes back to 0 (the same state: an infinite
 * loop). */
SEC("xdp")
NAKED int ok_loop_step(void)
{
	asm volatile("r6 = 0;"
		     "1: r6 += 2;"
		     "r6 &= 0xff;"
		     "if r6 != 16 goto 1b;"
		     "r0 = r6;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_loop_step(void)
{
	asm volatile("r6 = 0;"
		     "1: r6 += 2;"
		     "r6 &= 0xff;"
		     "if r6 != 15 goto 1b;"
		     "r0 = r6;"
		     "exit;");
}

/* A bound read from a map must be capped. */
SEC("xdp")
int ok_loop_bound(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct slots *s = bpf_map_lookup_elem(&loop_table, &zero);
	__u64 n, sum = 0;

	if (!s)
		return XDP_PASS;
	n = s->v[0];
	if (n > 15)
		n = 15;
	for (__u64 i = 0; i < n; i++)
		sum += s->v[(i + 1) & 15];
	return sum & 3;
}

SEC("xdp")
int bad_loop_bound(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct slots *s = bpf_map_lookup_elem(&loop_table, &zero);
	__u64 n, sum = 0;

	if (!s)
		return XDP_PASS;
	n = s->v[0];
	for (__u64 i = 0; i < n; i++)
		sum += s->v[(i + 1) & 15];
	return sum & 3;
}

/* bpf_loop: the callback returns 0 (continue) or 1 (stop). */
static long count_cb(__u64 idx, void *data)
{
	*(__u64 *)data += idx;
	return 0;
}

static long count_cb2(__u64 idx, void *data)
{
	*(__u64 *)data += idx;
	return 2;
}

SEC("tc")
int ok_loop_cb_ret(struct __sk_buff *skb)
{
	__u64 sum = 0;

	bpf_loop(8, count_cb, &sum, 0);
	return sum & 1;
}

SEC("tc")
int bad_loop_cb_ret(struct __sk_buff *skb)
{
	__u64 sum = 0;

	bpf_loop(8, count_cb2, &sum, 0);
	return sum & 1;
}

/* The callback's data pointer covers the caller's object only. */
static long fill_cb(__u64 idx, void *data)
{
	((__u64 *)data)[0] = idx;
	return 0;
}

static long fill_cb2(__u64 idx, void *data)
{
	((__u64 *)data)[1] = idx;
	return 0;
}

SEC("tc")
int ok_loop_cb_data(struct __sk_buff *skb)
{
	__u64 last = 0;

	bpf_loop(4, fill_cb, &last, 0);
	return last & 1;
}

SEC("tc")
int bad_loop_cb_data(struct __sk_buff *skb)
{
	__u64 last = 0;

	bpf_loop(4, fill_cb2, &last, 0);
	return last & 1;
}

/* bpf_for_each_map_elem: the key is read only, the value writable. */
static long bump_cb(void *map, __u32 *key, __u64 *val, void *data)
{
	*val += 1;
	return 0;
}

static long bump_cb2(void *map, __u32 *key, __u64 *val, void *data)
{
	*key += 1;
	return 0;
}

SEC("xdp")
int ok_loop_for_each(struct xdp_md *ctx)
{
	bpf_for_each_map_elem(&loop_hash, bump_cb, NULL, 0);
	return XDP_PASS;
}

SEC("xdp")
int bad_loop_for_each(struct xdp_md *ctx)
{
	bpf_for_each_map_elem(&loop_hash, bump_cb2, NULL, 0);
	return XDP_PASS;
}

/* may_goto bounds a loop the verifier cannot (Linux 6.9+): without it
 * the same loop never converges. */
SEC("xdp")
NAKED int ok_loop_may_goto(void)
{
	asm volatile("r6 = 0;"
		     "1: may_goto 2f;"
		     "call 7;"
		     "r6 += r0;"
		     "if r0 != 0 goto 1b;"
		     "2: r0 = r6;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_loop_may_goto(void)
{
	asm volatile("r6 = 0;"
		     "1: r6 += 0;"
		     "call 7;"
		     "r6 += r0;"
		     "if r0 != 0 goto 1b;"
		     "2: r0 = r6;"
		     "exit;");
}
