//go:build ignore

/* bpf-to-bpf calls: at most 8 frames and 512 bytes of stack along any
 * call chain; callees see only r1-r5; no stack pointer comes back;
 * global functions are verified on their own, from their BTF types. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

/* Combined stack: 256 + 256 bytes is the limit; 256 + 288 is over. */
static __noinline int fill256(__u32 seed)
{
	volatile __u8 buf[256];

	buf[seed & 255] = 1;
	return buf[(seed + 1) & 255];
}

static __noinline int fill288(__u32 seed)
{
	volatile __u8 buf[288];

	buf[seed & 255] = 1;
	return buf[(seed + 1) & 255];
}

SEC("xdp")
int ok_call_stack(struct xdp_md *ctx)
{
	volatile __u8 buf[248];
	__u32 seed = bpf_get_prandom_u32();

	buf[seed & 127] = 1;
	return fill256(seed) + buf[(seed + 2) & 127];
}

SEC("xdp")
int bad_call_stack(struct xdp_md *ctx)
{
	volatile __u8 buf[248];
	__u32 seed = bpf_get_prandom_u32();

	buf[seed & 127] = 1;
	return fill288(seed) + buf[(seed + 2) & 127];
}

/* Call depth: main plus seven callees is the limit of eight frames. */
static __noinline int d8(int x) { return x + 8; }
static __noinline int d7(int x) { return d8(x) + 7; }
static __noinline int d6(int x) { return d7(x) + 6; }
static __noinline int d5(int x) { return d6(x) + 5; }
static __noinline int d4(int x) { return d5(x) + 4; }
static __noinline int d3(int x) { return d4(x) + 3; }
static __noinline int d2(int x) { return d3(x) + 2; }
static __noinline int d1(int x) { return d2(x) + 1; }

SEC("tc")
int ok_call_depth(struct __sk_buff *skb)
{
	return d2(skb->len) & 1;
}

SEC("tc")
int bad_call_depth(struct __sk_buff *skb)
{
	return d1(skb->len) & 1;
}

/* A callee may write through a pointer to its caller's stack, within the
 * object. */
static __noinline int put2(__u64 *p)
{
	p[0] = 1;
	p[1] = 2;
	return 0;
}

static __noinline int put3(__u64 *p)
{
	p[0] = 1;
	p[2] = 2;
	return 0;
}

SEC("tc")
int ok_call_ptr_arg(struct __sk_buff *skb)
{
	__u64 pair[2];

	put2(pair);
	escape(pair);
	return pair[0] + pair[1];
}

SEC("tc")
int bad_call_ptr_arg(struct __sk_buff *skb)
{
	__u64 pair[2];

	put3(pair);
	escape(pair);
	return pair[0] + pair[1];
}

/* The kernel refuses any stack pointer as a return value, even one into
 * the caller's frame. */
static __noinline long pick(__u64 *p)
{
	opaque(p);
	return p[0];
}

static __noinline __u64 *pick_ptr(__u64 *p)
{
	opaque(p);
	return p;
}

SEC("tc")
int ok_call_ret_stack(struct __sk_buff *skb)
{
	__u64 v = skb->len;

	opaque(v);
	return pick(&v) & 1;
}

SEC("tc")
int bad_call_ret_stack(struct __sk_buff *skb)
{
	__u64 v = skb->len;

	opaque(v);
	return *pick_ptr(&v) & 1;
}

/* Global functions are verified once, for any caller: a pointer argument
 * may be NULL and must be checked. */
__noinline int global_checked(__u32 *p)
{
	if (!p)
		return 0;
	return *p & 1;
}

__noinline int global_unchecked(__u32 *p)
{
	return *p & 1;
}

SEC("tc")
int ok_call_global(struct __sk_buff *skb)
{
	__u32 v = skb->len;

	return global_checked(&v);
}

SEC("tc")
int bad_call_global(struct __sk_buff *skb)
{
	__u32 v = skb->len;

	return global_unchecked(&v);
}

/* Subprograms written in assembly. */
#define ASM_SUBPROG static __attribute__((naked, noinline, used))

ASM_SUBPROG void ret_r1(void)
{
	asm volatile("r0 = r1;"
		     "exit;");
}

ASM_SUBPROG void ret_r6(void)
{
	asm volatile("r0 = r6;"
		     "exit;");
}

ASM_SUBPROG void no_r0(void)
{
	asm volatile("r1 = 0;"
		     "exit;");
}

ASM_SUBPROG void countdown(void)
{
	asm volatile("r0 = r1;"
		     "if r1 == 0 goto 1f;"
		     "r0 += -1;"
		     "1: exit;");
}

ASM_SUBPROG void recurse(void)
{
	asm volatile("r0 = r1;"
		     "if r1 == 0 goto 1f;"
		     "r1 += -1;"
		     "call recurse;"
		     "1: exit;");
}

/* Callees start with r1-r5 only: r6-r9 are the caller's. */
SEC("xdp")
NAKED int ok_call_regs(void)
{
	asm volatile("r1 = 1;"
		     "r6 = 2;"
		     "call ret_r1;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_call_regs(void)
{
	asm volatile("r1 = 1;"
		     "r6 = 2;"
		     "call ret_r6;"
		     "exit;");
}

/* A subprogram may leave r0 unset if its caller ignores it. */
SEC("xdp")
NAKED int ok_call_r0(void)
{
	asm volatile("r6 = 2;"
		     "call no_r0;"
		     "r0 = r6;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_call_r0(void)
{
	asm volatile("r6 = 2;"
		     "call no_r0;"
		     "r0 += r6;"
		     "exit;");
}

/* No recursion. */
SEC("xdp")
NAKED int ok_call_recursion(void)
{
	asm volatile("r1 = 3;"
		     "call countdown;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_call_recursion(void)
{
	asm volatile("r1 = 3;"
		     "call recurse;"
		     "exit;");
}

/* Packet pointers passed to a callee keep their checked range; an
 * unchecked one is still unchecked. */
static __noinline int first_byte(__u8 *p, void *end)
{
	if ((void *)(p + 1) > end)
		return 0;
	return *p;
}

static __noinline int first_byte_unchecked(__u8 *p, void *end)
{
	opaque(end);
	return *p;
}

SEC("xdp")
int ok_call_pkt(struct xdp_md *ctx)
{
	return first_byte((void *)(long)ctx->data, (void *)(long)ctx->data_end) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bad_call_pkt(struct xdp_md *ctx)
{
	return first_byte_unchecked((void *)(long)ctx->data, (void *)(long)ctx->data_end) ? XDP_PASS : XDP_DROP;
}
