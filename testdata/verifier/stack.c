//go:build ignore

/* The stack: 512 bytes below r10, aligned accesses, spills that keep a
 * register's value (and bounds) only when filled whole. A privileged
 * loader may read stack bytes nothing wrote. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stack_vals SEC(".maps");

/* 512 bytes, no more. */
SEC("xdp")
NAKED int ok_stack_bounds(void)
{
	asm volatile("r1 = 1;"
		     "*(u64 *)(r10 - 512) = r1;"
		     "r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_stack_bounds(void)
{
	asm volatile("r1 = 1;"
		     "*(u64 *)(r10 - 520) = r1;"
		     "r0 = 2;"
		     "exit;");
}

/* Nothing at or above r10. */
SEC("xdp")
NAKED int ok_stack_above(void)
{
	asm volatile("r1 = 1;"
		     "*(u64 *)(r10 - 8) = r1;"
		     "r0 = *(u64 *)(r10 - 8);"
		     "exit;");
}

SEC("xdp")
NAKED int bad_stack_above(void)
{
	asm volatile("r1 = 1;"
		     "*(u64 *)(r10 - 8) = r1;"
		     "r0 = *(u64 *)(r10 + 0);"
		     "exit;");
}

/* Stack accesses are aligned to their size. */
SEC("xdp")
NAKED int ok_stack_align(void)
{
	asm volatile("r1 = 1;"
		     "*(u32 *)(r10 - 12) = r1;"
		     "r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_stack_align(void)
{
	asm volatile("r1 = 1;"
		     "*(u64 *)(r10 - 12) = r1;"
		     "r0 = 2;"
		     "exit;");
}

/* Privileged: reading stack nothing wrote is allowed (an unknown value),
 * directly or through a helper. */
SEC("xdp")
NAKED int ok_stack_uninit(void)
{
	asm volatile("r0 = *(u64 *)(r10 - 16);"
		     "exit;");
}

SEC("xdp")
NAKED int bad_stack_uninit(void)
{
	asm volatile("r2 = *(u64 *)(r10 - 16);"
		     "r0 = *(u64 *)(r2 + 0);"
		     "exit;");
}

SEC("xdp")
int ok_stack_uninit_helper(struct xdp_md *ctx)
{
	__u32 key;
	__u64 val;

	escape(&key);
	escape(&val);
	bpf_map_update_elem(&stack_vals, &key, &val, BPF_ANY);
	return XDP_PASS;
}

/* A spilled scalar keeps its bounds when filled whole; overwriting one of
 * its bytes loses them. */
SEC("xdp")
NAKED int ok_stack_spill_bounds(void)
{
	asm volatile("r6 = r1;"
		     "call 7;"
		     "r0 &= 7;"
		     "*(u64 *)(r10 - 16) = r0;"
		     "r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[stack_vals] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r1 = *(u64 *)(r10 - 16);"
		     "r0 += r1;"
		     "r0 = *(u8 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [stack_vals] "i"(&stack_vals));
}

SEC("xdp")
NAKED int bad_stack_spill_bounds(void)
{
	asm volatile("r6 = r1;"
		     "call 7;"
		     "r0 &= 7;"
		     "*(u64 *)(r10 - 16) = r0;"
		     "*(u8 *)(r10 - 9) = r0;"
		     "r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[stack_vals] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r1 = *(u64 *)(r10 - 16);"
		     "r0 += r1;"
		     "r0 = *(u8 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [stack_vals] "i"(&stack_vals));
}

/* A 4-byte spill filled as 4 bytes keeps its bounds; filled as 8 bytes
 * (with 4 bytes nobody wrote) it does not. */
SEC("xdp")
NAKED int ok_stack_narrow_fill(void)
{
	asm volatile("call 7;"
		     "r0 &= 7;"
		     "*(u32 *)(r10 - 16) = r0;"
		     "r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[stack_vals] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r1 = *(u32 *)(r10 - 16);"
		     "r0 += r1;"
		     "r0 = *(u8 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [stack_vals] "i"(&stack_vals));
}

SEC("xdp")
NAKED int bad_stack_narrow_fill(void)
{
	asm volatile("call 7;"
		     "r0 &= 7;"
		     "*(u32 *)(r10 - 16) = r0;"
		     "r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[stack_vals] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r1 = *(u64 *)(r10 - 16);"
		     "r0 += r1;"
		     "r0 = *(u8 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [stack_vals] "i"(&stack_vals));
}

/* Stored zeros read back as zero, byte by byte. */
SEC("xdp")
NAKED int ok_stack_zero(void)
{
	asm volatile("r1 = 0;"
		     "*(u64 *)(r10 - 16) = r1;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[stack_vals] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r1 = *(u8 *)(r10 - 11);"
		     "r1 <<= 3;"
		     "r0 += r1;"
		     "r0 = *(u64 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [stack_vals] "i"(&stack_vals));
}

SEC("xdp")
NAKED int bad_stack_zero(void)
{
	asm volatile("r1 = 0;"
		     "*(u64 *)(r10 - 16) = r1;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[stack_vals] ll;"
		     "call 1;"
		     "if r0 == 0 goto 1f;"
		     "r1 = *(u8 *)(r10 - 17);"
		     "r1 <<= 3;"
		     "r0 += r1;"
		     "r0 = *(u64 *)(r0 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;"
		     :
		     : [stack_vals] "i"(&stack_vals));
}

/* A variable offset must stay inside the frame. */
SEC("xdp")
NAKED int ok_stack_varoff(void)
{
	asm volatile("call 7;"
		     "r0 &= 0xf8;"
		     "r1 = r10;"
		     "r1 += -256;"
		     "r1 += r0;"
		     "r2 = 0;"
		     "*(u64 *)(r1 + 0) = r2;"
		     "r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_stack_varoff(void)
{
	asm volatile("call 7;"
		     "r0 &= 0xf8;"
		     "r1 = r10;"
		     "r1 += -248;"
		     "r1 += r0;"
		     "r2 = 0;"
		     "*(u64 *)(r1 + 0) = r2;"
		     "r0 = 2;"
		     "exit;");
}
