//go:build ignore
/* Multi-buffer XDP (SEC("xdp.frags")): buffer length, loads and stores
 * across the linear/frag boundary, tail adjustments. */
#include "h.h"

__s64 res[16];
__u8 buf[64];

SEC("xdp.frags")
int frags(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 lin = end - data;
	__u32 total = bpf_xdp_get_buff_len(ctx);
	res[0] = lin;
	res[1] = total;
	/* read 64 bytes straddling the end of the linear part */
	__u32 off = lin > 32 ? lin - 32 : 0;
	res[2] = bpf_xdp_load_bytes(ctx, off, buf, sizeof(buf));
	res[3] = bpf_xdp_load_bytes(ctx, total - 8, buf, 8);
	res[4] = bpf_xdp_load_bytes(ctx, total - 7, buf + 8, 8);
	__u8 pat[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	res[5] = bpf_xdp_store_bytes(ctx, off + 24, pat, sizeof(pat));
	res[6] = bpf_xdp_adjust_tail(ctx, -100);
	res[7] = bpf_xdp_get_buff_len(ctx);
	res[8] = bpf_xdp_adjust_tail(ctx, 50);
	res[9] = bpf_xdp_get_buff_len(ctx);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	res[10] = end - data;
	res[11] = bpf_xdp_adjust_head(ctx, 14);
	res[12] = bpf_xdp_get_buff_len(ctx);
	return XDP_PASS;
}

SEC("xdp")
int nofrags(struct xdp_md *ctx)
{
	res[0] = bpf_xdp_get_buff_len(ctx);
	res[1] = bpf_xdp_adjust_tail(ctx, 4000);
	res[2] = bpf_xdp_adjust_tail(ctx, 100);
	res[3] = bpf_xdp_get_buff_len(ctx);
	res[4] = bpf_xdp_adjust_tail(ctx, -(int)res[3] + 14);
	res[5] = bpf_xdp_adjust_tail(ctx, -(int)res[3] + 13);
	res[6] = bpf_xdp_get_buff_len(ctx);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
