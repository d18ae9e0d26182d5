//go:build ignore

/* Reference tracking: a ring buffer record is submitted or discarded on
 * every path, exactly once, and not used afterwards; a spin lock is
 * released on every path, with no helper calls while it is held. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct event {
	__u64 ts;
	__u32 pid;
	__u32 cpu;
};

struct counter {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counter);
} locked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct counter);
} locked2 SEC(".maps");

/* Every path ends the record. The twin forgets it on one. */
SEC("tracepoint/syscalls/sys_enter_getpid")
int ok_ref_leak(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	if (e->ts & 1) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int bad_ref_leak(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	if (e->ts & 1)
		return 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Exactly once. */
SEC("tracepoint/syscalls/sys_enter_getpid")
int ok_ref_twice(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->ts = 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int bad_ref_twice(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->ts = 1;
	bpf_ringbuf_submit(e, 0);
	bpf_ringbuf_discard(e, 0);
	return 0;
}

/* Not touched after the submit. */
SEC("tracepoint/syscalls/sys_enter_getpid")
int ok_ref_after(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = 1;
	e->cpu = bpf_get_smp_processor_id();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int bad_ref_after(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = 1;
	bpf_ringbuf_submit(e, 0);
	e->cpu = bpf_get_smp_processor_id();
	return 0;
}

/* Within the reserved size. */
SEC("tracepoint/syscalls/sys_enter_getpid")
int ok_ref_size(void *ctx)
{
	__u32 *e = bpf_ringbuf_reserve(&rb, 8, 0);

	if (!e)
		return 0;
	e[1] = 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int bad_ref_size(void *ctx)
{
	__u32 *e = bpf_ringbuf_reserve(&rb, 8, 0);

	if (!e)
		return 0;
	e[2] = 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The reserved size is a constant. */
SEC("tracepoint/syscalls/sys_enter_getpid")
int ok_ref_const_size(void *ctx)
{
	__u64 n = bpf_get_prandom_u32() & 1;
	__u8 *e = bpf_ringbuf_reserve(&rb, 16, 0);

	if (!e)
		return 0;
	e[0] = n;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int bad_ref_const_size(void *ctx)
{
	__u64 n = bpf_get_prandom_u32() & 1;
	__u8 *e = bpf_ringbuf_reserve(&rb, 16 + n, 0);

	if (!e)
		return 0;
	e[0] = n;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The record is submitted through the pointer reserve returned. */
SEC("tracepoint/syscalls/sys_enter_getpid")
int ok_ref_offset(void *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&rb, 16, 0);

	if (!e)
		return 0;
	e[1] = 2;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int bad_ref_offset(void *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&rb, 16, 0);

	if (!e)
		return 0;
	e[1] = 2;
	bpf_ringbuf_submit(e + 1, 0);
	return 0;
}

/* Spin locks: released on every path. */
SEC("tc")
int ok_lock_release(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *c = bpf_map_lookup_elem(&locked, &k);

	if (!c)
		return TC_ACT_OK;
	bpf_spin_lock(&c->lock);
	if (c->hits > 100) {
		bpf_spin_unlock(&c->lock);
		return TC_ACT_SHOT;
	}
	c->hits++;
	bpf_spin_unlock(&c->lock);
	return TC_ACT_OK;
}

SEC("tc")
int bad_lock_release(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *c = bpf_map_lookup_elem(&locked, &k);

	if (!c)
		return TC_ACT_OK;
	bpf_spin_lock(&c->lock);
	if (c->hits > 100)
		return TC_ACT_SHOT;
	c->hits++;
	bpf_spin_unlock(&c->lock);
	return TC_ACT_OK;
}

/* No helper calls while the lock is held. */
SEC("tc")
int ok_lock_helper(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *c = bpf_map_lookup_elem(&locked, &k);
	__u64 now;

	if (!c)
		return TC_ACT_OK;
	now = bpf_ktime_get_ns();
	bpf_spin_lock(&c->lock);
	c->hits = now;
	bpf_spin_unlock(&c->lock);
	return TC_ACT_OK;
}

SEC("tc")
int bad_lock_helper(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *c = bpf_map_lookup_elem(&locked, &k);

	if (!c)
		return TC_ACT_OK;
	bpf_spin_lock(&c->lock);
	c->hits = bpf_ktime_get_ns();
	bpf_spin_unlock(&c->lock);
	return TC_ACT_OK;
}

/* Static subprograms may be called with the lock held (Linux 6.9+), as
 * long as they call no helper either. */
static __noinline void bump(struct counter *c)
{
	c->hits++;
}

static __noinline void bump_now(struct counter *c)
{
	c->hits += bpf_ktime_get_ns() & 1;
}

SEC("tc")
int ok_lock_subprog(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *c = bpf_map_lookup_elem(&locked, &k);

	if (!c)
		return TC_ACT_OK;
	bpf_spin_lock(&c->lock);
	bump(c);
	bpf_spin_unlock(&c->lock);
	return TC_ACT_OK;
}

SEC("tc")
int bad_lock_subprog(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *c = bpf_map_lookup_elem(&locked, &k);

	if (!c)
		return TC_ACT_OK;
	bpf_spin_lock(&c->lock);
	bump_now(c);
	bpf_spin_unlock(&c->lock);
	return TC_ACT_OK;
}

/* One lock at a time. */
SEC("tc")
int ok_lock_nested(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *a = bpf_map_lookup_elem(&locked, &k);
	struct counter *b = bpf_map_lookup_elem(&locked2, &k);

	if (!a || !b)
		return TC_ACT_OK;
	bpf_spin_lock(&a->lock);
	a->hits++;
	bpf_spin_unlock(&a->lock);
	bpf_spin_lock(&b->lock);
	b->hits++;
	bpf_spin_unlock(&b->lock);
	return TC_ACT_OK;
}

SEC("tc")
int bad_lock_nested(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *a = bpf_map_lookup_elem(&locked, &k);
	struct counter *b = bpf_map_lookup_elem(&locked2, &k);

	if (!a || !b)
		return TC_ACT_OK;
	bpf_spin_lock(&a->lock);
	a->hits++;
	bpf_spin_lock(&b->lock);
	b->hits++;
	bpf_spin_unlock(&b->lock);
	bpf_spin_unlock(&a->lock);
	return TC_ACT_OK;
}

/* The lock word itself is off limits to loads and stores. */
SEC("tc")
int ok_lock_direct(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *c = bpf_map_lookup_elem(&locked, &k);

	if (!c)
		return TC_ACT_OK;
	return c->pad ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int bad_lock_direct(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *c = bpf_map_lookup_elem(&locked, &k);

	if (!c)
		return TC_ACT_OK;
	return *(volatile __u32 *)&c->lock ? TC_ACT_SHOT : TC_ACT_OK;
}

/* Unlock the lock that was taken. */
SEC("tc")
int ok_lock_other(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *a = bpf_map_lookup_elem(&locked, &k);
	struct counter *b = bpf_map_lookup_elem(&locked2, &k);

	if (!a || !b)
		return TC_ACT_OK;
	bpf_spin_lock(&a->lock);
	a->hits++;
	bpf_spin_unlock(&a->lock);
	return b->hits & 1;
}

SEC("tc")
int bad_lock_other(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct counter *a = bpf_map_lookup_elem(&locked, &k);
	struct counter *b = bpf_map_lookup_elem(&locked2, &k);

	if (!a || !b)
		return TC_ACT_OK;
	bpf_spin_lock(&a->lock);
	a->hits++;
	bpf_spin_unlock(&b->lock);
	return b->hits & 1;
}
