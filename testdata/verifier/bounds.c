//go:build ignore

/* Scalar bounds: indexes into map values and the stack must be proven in
 * range by comparisons, masks or the arithmetic that made them. */
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
} table SEC(".maps");

static __always_inline struct slots *slots(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&table, &zero);
}

/* An unsigned index below the length. The twin lets idx == 16 through. */
SEC("xdp")
int ok_bounds_upper(struct xdp_md *ctx)
{
	struct slots *s = slots();
	__u32 idx = bpf_get_prandom_u32();

	if (!s)
		return XDP_PASS;
	if (idx < 16)
		s->v[idx] = 1;
	return XDP_PASS;
}

SEC("xdp")
int bad_bounds_upper(struct xdp_md *ctx)
{
	struct slots *s = slots();
	__u32 idx = bpf_get_prandom_u32();

	if (!s)
		return XDP_PASS;
	if (idx <= 16)
		s->v[idx] = 1;
	return XDP_PASS;
}

/* A mask bounds the index. The twin masks one bit too many. */
SEC("tc")
int ok_bounds_mask(struct __sk_buff *skb)
{
	struct slots *s = slots();

	if (!s)
		return TC_ACT_OK;
	return s->v[skb->hash & 15];
}

SEC("tc")
int bad_bounds_mask(struct __sk_buff *skb)
{
	struct slots *s = slots();

	if (!s)
		return TC_ACT_OK;
	return s->v[skb->hash & 31];
}

/* A signed index needs a lower bound too. */
SEC("xdp")
int ok_bounds_signed(struct xdp_md *ctx)
{
	struct slots *s = slots();
	int idx = bpf_get_prandom_u32();

	if (!s)
		return XDP_PASS;
	if (idx >= 0 && idx < 16)
		s->v[idx] = 2;
	return XDP_PASS;
}

SEC("xdp")
int bad_bounds_signed(struct xdp_md *ctx)
{
	struct slots *s = slots();
	int idx = bpf_get_prandom_u32();

	if (!s)
		return XDP_PASS;
	if (idx < 16)
		s->v[idx] = 2;
	return XDP_PASS;
}

/* A 64-bit comparison bounds the whole register; a 32-bit one only its
 * low half (the helper's result is a 64-bit unknown). */
SEC("xdp")
NAKED int ok_bounds_jmp32(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[table] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r6 = r0;"
		     "call 7;"
		     "if r0 > 15 goto 1f;"
		     "r0 <<= 3;"
		     "r6 += r0;"
		     "r0 = *(u64 *)(r6 + 0);"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [table] "i"(&table));
}

SEC("xdp")
NAKED int bad_bounds_jmp32(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[table] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r6 = r0;"
		     "call 7;"
		     "if w0 > 15 goto 1f;"
		     "r0 <<= 3;"
		     "r6 += r0;"
		     "r0 = *(u64 *)(r6 + 0);"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [table] "i"(&table));
}

/* Bounds follow arithmetic: idx < 16 makes idx * 8 + 7 < 135, so a byte
 * of the 128-byte value at that offset is out of range. */
SEC("xdp")
int ok_bounds_arith(struct xdp_md *ctx)
{
	struct slots *s = slots();
	__u32 idx = bpf_get_prandom_u32();

	if (!s || idx >= 16)
		return XDP_PASS;
	return ((__u8 *)s)[idx * 8 + 7];
}

SEC("xdp")
int bad_bounds_arith(struct xdp_md *ctx)
{
	struct slots *s = slots();
	__u32 idx = bpf_get_prandom_u32();

	if (!s || idx >= 16)
		return XDP_PASS;
	return ((__u8 *)s)[idx * 8 + 8];
}

/* A bound held in another register. */
SEC("xdp")
NAKED int ok_bounds_reg(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[table] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r6 = r0;"
		     "call 7;"
		     "r1 = 128;"
		     "if r0 >= r1 goto 1f;"
		     "r6 += r0;"
		     "r0 = *(u8 *)(r6 + 0);"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [table] "i"(&table));
}

SEC("xdp")
NAKED int bad_bounds_reg(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[table] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r6 = r0;"
		     "call 7;"
		     "r1 = 128;"
		     "if r0 > r1 goto 1f;"
		     "r6 += r0;"
		     "r0 = *(u8 *)(r6 + 0);"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [table] "i"(&table));
}

/* A variable offset into a stack buffer (allowed for privileged loaders
 * when in range). */
SEC("kprobe/do_nanosleep")
int ok_bounds_stack(void *ctx)
{
	__u8 buf[32] = {};
	__u32 i = bpf_get_prandom_u32();

	buf[i & 31] = 1;
	opaque(i);
	return buf[(i + 1) & 31];
}

SEC("kprobe/do_nanosleep")
int bad_bounds_stack(void *ctx)
{
	__u8 buf[32] = {};
	__u32 i = bpf_get_prandom_u32();

	buf[i & 63] = 1;
	opaque(i);
	return buf[(i + 1) & 31];
}

/* Right shifts shrink the range: an unknown u32 >> 28 is below 16. */
SEC("tc")
int ok_bounds_shift(struct __sk_buff *skb)
{
	struct slots *s = slots();

	if (!s)
		return TC_ACT_OK;
	return s->v[skb->hash >> 28];
}

SEC("tc")
int bad_bounds_shift(struct __sk_buff *skb)
{
	struct slots *s = slots();

	if (!s)
		return TC_ACT_OK;
	return s->v[skb->hash >> 27];
}
