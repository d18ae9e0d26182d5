//go:build ignore

/* Null checks: what a *_or_null helper returns must be compared against
 * NULL before it is dereferenced, moved or passed on. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} maxes SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} inner0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = {&inner0},
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* A lookup, checked. The twin drops the check. */
SEC("xdp")
int ok_null_lookup(struct xdp_md *ctx)
{
	__u32 key = ctx->ingress_ifindex;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);

	if (!n)
		return XDP_PASS;
	return *n & 3;
}

SEC("xdp")
int bad_null_lookup(struct xdp_md *ctx)
{
	__u32 key = ctx->ingress_ifindex;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);

	return *n & 3;
}

/* Two lookups: each result needs its own check. */
SEC("tc")
int ok_null_two(struct __sk_buff *skb)
{
	__u32 key = skb->mark, lim = 0;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);
	__u64 *max = bpf_map_lookup_elem(&maxes, &lim);

	if (!n || !max)
		return TC_ACT_OK;
	return *n > *max ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int bad_null_two(struct __sk_buff *skb)
{
	__u32 key = skb->mark, lim = 0;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);
	__u64 *max = bpf_map_lookup_elem(&maxes, &lim);

	if (!n)
		return TC_ACT_OK;
	return *n > *max ? TC_ACT_SHOT : TC_ACT_OK;
}

/* Checking a copy marks the original too (same id). */
SEC("xdp")
NAKED int ok_null_copy(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[counts] ll;"
		     "call 1;"
		     "r6 = r0;"
		     "r7 = r0;"
		     "r0 = 2;"
		     "if r6 == 0 goto 1f;"
		     "r0 = *(u64 *)(r7 + 0);"
		     "1: exit;"
		     :
		     : [counts] "i"(&counts));
}

SEC("xdp")
NAKED int bad_null_copy(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[counts] ll;"
		     "call 1;"
		     "r6 = r0;"
		     "r7 = r0;"
		     "r0 = 2;"
		     "if r6 != 0 goto 1f;"
		     "r0 = *(u64 *)(r7 + 0);"
		     "1: exit;"
		     :
		     : [counts] "i"(&counts));
}

/* No arithmetic on a pointer that may be NULL, even before the check. */
SEC("xdp")
NAKED int ok_null_arith(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[counts] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r0 += 4;"
		     "r0 = *(u32 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [counts] "i"(&counts));
}

SEC("xdp")
NAKED int bad_null_arith(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[counts] ll;"
		     "call 1;"
		     "r0 += 4;"
		     "if r0 == 0 goto 1f;"
		     "r0 = *(u32 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [counts] "i"(&counts));
}

/* Map in map: the inner lookup needs its own check. */
SEC("xdp")
int ok_null_inner(struct xdp_md *ctx)
{
	__u32 zero = 0;
	void *m = bpf_map_lookup_elem(&outer, &zero);
	__u64 *v;

	if (!m)
		return XDP_PASS;
	v = bpf_map_lookup_elem(m, &zero);
	if (!v)
		return XDP_PASS;
	return *v & 3;
}

SEC("xdp")
int bad_null_inner(struct xdp_md *ctx)
{
	__u32 zero = 0;
	void *m = bpf_map_lookup_elem(&outer, &zero);
	__u64 *v;

	if (!m)
		return XDP_PASS;
	v = bpf_map_lookup_elem(m, &zero);
	return *v & 3;
}

/* The outer lookup needs one as well before its result names a map. */
SEC("xdp")
int ok_null_outer(struct xdp_md *ctx)
{
	__u32 zero = 0;
	void *m = bpf_map_lookup_elem(&outer, &zero);

	if (!m)
		return XDP_PASS;
	return bpf_map_lookup_elem(m, &zero) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int bad_null_outer(struct xdp_md *ctx)
{
	__u32 zero = 0;
	void *m = bpf_map_lookup_elem(&outer, &zero);

	return bpf_map_lookup_elem(m, &zero) ? XDP_DROP : XDP_PASS;
}

/* A ring buffer reservation may fail too. */
SEC("tracepoint/syscalls/sys_enter_getpid")
int ok_null_ringbuf(void *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	*e = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int bad_null_ringbuf(void *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	*e = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Equality with a pointer known not to be NULL proves the other one is
 * not NULL either (on the equal branch only). */
SEC("xdp")
NAKED int ok_null_eq_ptr(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[counts] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r6 = r0;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[counts] ll;"
		     "call 1;"
		     "if r0 != r6 goto 1f;"
		     "r0 = *(u64 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [counts] "i"(&counts));
}

SEC("xdp")
NAKED int bad_null_eq_ptr(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[counts] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r6 = r0;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[counts] ll;"
		     "call 1;"
		     "if r0 == r6 goto 1f;"
		     "r0 = *(u64 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [counts] "i"(&counts));
}

/* Since Linux 6.16 (or so), a lookup in an array with a constant key
 * below max_entries cannot fail: no check needed. The key must be a
 * known constant on the stack (a 4-byte spill of a constant register).
 * The twin's key is one past the end. */
SEC("xdp")
NAKED int ok_null_array_key(void)
{
	asm volatile("r1 = 1;"
		     "*(u32 *)(r10 - 8) = r1;"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r1 = %[limits] ll;"
		     "call 1;"
		     "r0 = *(u64 *)(r0 + 0);"
		     "exit;"
		     :
		     : [limits] "i"(&limits));
}

SEC("xdp")
NAKED int bad_null_array_key(void)
{
	asm volatile("r1 = 2;"
		     "*(u32 *)(r10 - 8) = r1;"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r1 = %[limits] ll;"
		     "call 1;"
		     "r0 = *(u64 *)(r0 + 0);"
		     "exit;"
		     :
		     : [limits] "i"(&limits));
}
