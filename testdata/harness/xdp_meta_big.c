//go:build ignore
/* Minimal: metadata longer than 32 bytes. Linux 6.18 allows up to 252
 * (the u8 skb_shared_info.meta_len, 4-byte aligned). */
#include "h.h"

__s64 rc[4] = {};

SEC("xdp")
int meta_big(struct xdp_md *ctx)
{
	rc[0] = bpf_xdp_adjust_meta(ctx, -36);  /* kernel: 0 */
	rc[1] = bpf_xdp_adjust_meta(ctx, 36);
	rc[2] = bpf_xdp_adjust_meta(ctx, -252); /* kernel: 0 */
	rc[3] = bpf_xdp_adjust_meta(ctx, -4);   /* 256: kernel -EACCES */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
