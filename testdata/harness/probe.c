//go:build ignore
/* Tracing-style programs run from user space: raw_tp args, probe reads of
 * kernel/user memory, and a syscall program that edits its context. */
#include "h.h"

struct args { __u32 a, b; __s32 res; char msg[20]; };

__s64 rc[6] = {};
char copy[16] = {};

SEC("raw_tp/sys_enter")
int rawtp(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 x = ctx->args[0], y = ctx->args[1];
	char local[8] = "abcdefg";
	rc[0] = bpf_probe_read_kernel(copy, 8, local);
	rc[1] = bpf_probe_read_kernel_str(copy + 8, 8, local + 3);
	rc[2] = bpf_probe_read_user(copy, 4, (void *)0);
	rc[3] = bpf_probe_read_kernel(copy, 4, (void *)0x10);
	rc[4] = x * 3 + y;
	return (x >> 1) + (y & 0xff);
}

SEC("syscall")
int sys_prog(struct args *a)
{
	a->res = (__s32)(a->a - a->b);
	char m[20] = {};
	rc[5] = bpf_snprintf(m, sizeof(m), "%u-%u", (__u64[]){ a->a, a->b }, 16);
	__builtin_memcpy(a->msg, m, sizeof(m));
	return a->res < 0 ? -1 : 1;
}

char LICENSE[] SEC("license") = "GPL";
