//go:build ignore
/* bpf_xdp_load_bytes/store_bytes and bpf_xdp_get_buff_len. */
#include "h.h"

__s64 rc[4] = {};
__u8 hdr[20] = {};

SEC("xdp")
int xbytes(struct xdp_md *ctx)
{
	rc[0] = bpf_xdp_get_buff_len(ctx);
	rc[1] = bpf_xdp_load_bytes(ctx, 14, hdr, sizeof(hdr));
	__u8 ttl = 9;
	rc[2] = bpf_xdp_store_bytes(ctx, 22, &ttl, 1);
	rc[3] = bpf_xdp_load_bytes(ctx, rc[0] - 4, hdr, 8);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
