//go:build ignore

/* Pointer arithmetic and leaks, privileged rules: pointers may be added
 * to or subtracted from by bounded scalars (and subtracted from each
 * other); no other operator, no 32-bit arithmetic, no arithmetic on map
 * or packet end pointers; spills of pointers are whole 8-byte slots. A
 * privileged loader may store pointers into maps and return them. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cells SEC(".maps");

/* pointer - pointer is a scalar (privileged); pointer + pointer is not
 * allowed. */
SEC("xdp")
int ok_ptr_add_ptr(struct xdp_md *ctx)
{
	long data = ctx->data, end = ctx->data_end;

	return end - data > 64 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bad_ptr_add_ptr(struct xdp_md *ctx)
{
	long data = ctx->data, end = ctx->data_end;

	return end + data > 64 ? XDP_PASS : XDP_DROP;
}

/* No bitwise operators on pointers. */
SEC("xdp")
NAKED int ok_ptr_bitwise(void)
{
	asm volatile("r2 = r10;"
		     "r2 += -8;"
		     "r3 = 0;"
		     "*(u64 *)(r2 + 0) = r3;"
		     "r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_bitwise(void)
{
	asm volatile("r2 = r10;"
		     "r2 &= -8;"
		     "r3 = 0;"
		     "*(u64 *)(r2 - 8) = r3;"
		     "r0 = 2;"
		     "exit;");
}

/* No 32-bit arithmetic on pointers. */
SEC("xdp")
NAKED int ok_ptr_alu32(void)
{
	asm volatile("r2 = r10;"
		     "r2 += -8;"
		     "r3 = 0;"
		     "*(u64 *)(r2 + 0) = r3;"
		     "r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_alu32(void)
{
	asm volatile("r2 = r10;"
		     "w2 += -8;"
		     "r3 = 0;"
		     "*(u64 *)(r2 + 0) = r3;"
		     "r0 = 2;"
		     "exit;");
}

/* A scalar minus a pointer is not allowed. */
SEC("xdp")
NAKED int ok_ptr_scalar_minus(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);"
		     "r3 = *(u32 *)(r1 + 4);"
		     "r3 -= r2;"
		     "r0 = r3;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_scalar_minus(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);"
		     "r3 = 100;"
		     "r3 -= r2;"
		     "r0 = r3;"
		     "exit;");
}

/* Other operators: multiplication. */
SEC("xdp")
NAKED int ok_ptr_mul(void)
{
	asm volatile("r2 = r10;"
		     "r2 += -16;"
		     "r3 = 0;"
		     "*(u64 *)(r2 + 0) = r3;"
		     "r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_mul(void)
{
	asm volatile("r2 = r10;"
		     "r2 *= 1;"
		     "r3 = 0;"
		     "*(u64 *)(r2 - 16) = r3;"
		     "r0 = 2;"
		     "exit;");
}

/* A map pointer (not its value) cannot move. */
SEC("xdp")
NAKED int ok_ptr_map(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[cells] ll;"
		     "call 1;"
		     "r0 = 2;"
		     "exit;"
		     :
		     : [cells] "i"(&cells));
}

SEC("xdp")
NAKED int bad_ptr_map(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[cells] ll;"
		     "r1 += 8;"
		     "call 1;"
		     "r0 = 2;"
		     "exit;"
		     :
		     : [cells] "i"(&cells));
}

/* A pointer plus a scalar whose minimum is unknown. */
SEC("kprobe/do_nanosleep")
int ok_ptr_unbounded(struct regs21 *regs)
{
	__u32 k = 0;
	__u8 *v = bpf_map_lookup_elem(&cells, &k);
	__u64 off = regs->r[14];

	if (!v)
		return 0;
	if (off > 7)
		return 0;
	return v[off];
}

SEC("kprobe/do_nanosleep")
int bad_ptr_unbounded(struct regs21 *regs)
{
	__u32 k = 0;
	__u8 *v = bpf_map_lookup_elem(&cells, &k);
	__s64 off = regs->r[14];

	if (!v)
		return 0;
	if (off > 7)
		return 0;
	return v[off];
}

/* Pointer spills are whole 8-byte slots, filled whole. */
SEC("xdp")
NAKED int ok_ptr_fill(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r1;"
		     "r2 = *(u64 *)(r10 - 8);"
		     "r0 = *(u32 *)(r2 + 12);"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_fill(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r1;"
		     "r2 = *(u32 *)(r10 - 8);"
		     "r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int ok_ptr_spill(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r1;"
		     "r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_spill(void)
{
	asm volatile("*(u32 *)(r10 - 8) = r1;"
		     "r0 = 2;"
		     "exit;");
}

/* Overwriting part of a spilled pointer leaves bytes, not a pointer. */
SEC("xdp")
NAKED int ok_ptr_clobbered(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r1;"
		     "r3 = 0;"
		     "*(u8 *)(r10 - 9) = r3;"
		     "r2 = *(u64 *)(r10 - 8);"
		     "r0 = *(u32 *)(r2 + 12);"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_clobbered(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r1;"
		     "r3 = 0;"
		     "*(u8 *)(r10 - 8) = r3;"
		     "r2 = *(u64 *)(r10 - 8);"
		     "r0 = *(u32 *)(r2 + 12);"
		     "exit;");
}

/* Privileged loaders may leak pointers: into a map value, into the
 * context, as the return value. */
SEC("xdp")
int ok_ptr_leak_map(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&cells, &k);

	if (!v)
		return XDP_PASS;
	*v = ctx->data;
	return XDP_PASS;
}

SEC("tc")
int ok_ptr_leak_ctx(struct __sk_buff *skb)
{
	skb->cb[0] = skb->data;
	return TC_ACT_OK;
}

SEC("xdp")
NAKED int ok_ptr_leak_ret(void)
{
	asm volatile("r0 = r10;"
		     "exit;");
}

/* Privileged: neg and byte swaps of a pointer make an unknown scalar
 * (which is then no pointer). */
SEC("xdp")
NAKED int ok_ptr_neg(void)
{
	asm volatile("r0 = r1;"
		     "r0 = -r0;"
		     "r0 &= 3;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_neg(void)
{
	asm volatile("r0 = r1;"
		     "r0 = -r0;"
		     "r0 = *(u32 *)(r0 + 0);"
		     "exit;");
}

SEC("xdp")
NAKED int ok_ptr_bswap(void)
{
	asm volatile("r0 = r1;"
		     "r0 = be16 r0;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_ptr_bswap(void)
{
	asm volatile("r0 = r1;"
		     "r0 = be16 r0;"
		     "r0 = *(u32 *)(r0 + 0);"
		     "exit;");
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} wide SEC(".maps");

/* Atomics are strictly aligned even where ordinary accesses need not be:
 * a variable offset must keep every possible address aligned, so a
 * multiple of 8 passes and an offset with unknown low bits does not. */
SEC("xdp")
int ok_ptr_atomic_align(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&wide, &k);
	__u32 i = ctx->ingress_ifindex;

	if (!v)
		return 0;
	opaque(i);
	i = (i & 3) * 8;
	__sync_fetch_and_add((__u64 *)((char *)v + i), 1);
	return 2;
}

SEC("xdp")
int bad_ptr_atomic_align(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&wide, &k);
	__u32 i = ctx->ingress_ifindex;

	if (!v)
		return 0;
	opaque(i);
	i = (i & 3) * 4;
	__sync_fetch_and_add((__u64 *)((char *)v + i), 1);
	return 2;
}
