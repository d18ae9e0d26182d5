//go:build ignore
/* A program the kernel verifier rejects: a packet read without a bounds check against data_end. */
#include "h.h"

SEC("xdp")
int rej_pkt_unchecked(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	return p[20];
}

char LICENSE[] SEC("license") = "GPL";
