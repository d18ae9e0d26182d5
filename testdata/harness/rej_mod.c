//go:build ignore
/* A program the kernel verifier rejects: modulo does not bound an unknown value, so the index into .bss is unbounded. */
#include "h.h"

__u8 arr[8] = {};

SEC("xdp")
int rej_mod_bound(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	return arr[len % 7];
}

char LICENSE[] SEC("license") = "GPL";
