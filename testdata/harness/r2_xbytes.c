//go:build ignore
/* XDP byte helpers at the packet's edges, around head and tail moves. */
#include "h.h"

__s64 rc[24] = {};
__u8 buf[16] = {};

SEC("xdp")
int xbytes2(struct xdp_md *ctx)
{
	__u8 b[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	__u32 len = bpf_xdp_get_buff_len(ctx);
	rc[0] = len;
	rc[1] = bpf_xdp_load_bytes(ctx, len - 4, buf, 4);
	rc[2] = bpf_xdp_load_bytes(ctx, len - 3, buf + 4, 4);
	rc[3] = bpf_xdp_load_bytes(ctx, len, buf, 1);
	rc[4] = bpf_xdp_load_bytes(ctx, 0x10000, buf, 1);
	rc[5] = bpf_xdp_load_bytes(ctx, 0xffffffff, buf, 1);
	rc[6] = bpf_xdp_store_bytes(ctx, len - 2, b, 2);
	rc[7] = bpf_xdp_store_bytes(ctx, len - 1, b, 2);
	rc[8] = bpf_xdp_adjust_tail(ctx, 5);
	rc[9] = bpf_xdp_get_buff_len(ctx);
	rc[10] = bpf_xdp_load_bytes(ctx, rc[9] - 5, buf + 8, 5);
	rc[11] = bpf_xdp_adjust_head(ctx, -8);
	rc[12] = bpf_xdp_get_buff_len(ctx);
	rc[13] = bpf_xdp_store_bytes(ctx, 0, b, 8);
	rc[14] = bpf_xdp_adjust_tail(ctx, -(int)(rc[12] - 1));
	rc[15] = bpf_xdp_get_buff_len(ctx);
	rc[16] = bpf_xdp_adjust_tail(ctx, -(int)(bpf_xdp_get_buff_len(ctx) - 14));
	rc[17] = bpf_xdp_get_buff_len(ctx);
	rc[18] = bpf_xdp_adjust_tail(ctx, 4096);
	rc[19] = bpf_xdp_get_buff_len(ctx);
	rc[20] = bpf_xdp_load_bytes(ctx, 0, buf, 16);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
