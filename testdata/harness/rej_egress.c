//go:build ignore
/* A program the kernel verifier rejects: xdp_md.egress_ifindex is readable
 * only by devmap programs (expected attach type BPF_XDP_DEVMAP). */
#include "h.h"

SEC("xdp")
int rej_egress(struct xdp_md *ctx)
{
	return ctx->egress_ifindex;
}

char LICENSE[] SEC("license") = "GPL";
