//go:build ignore
/* Byte swaps everywhere: builtins, bpf_htonl/ntohs, 64-bit, on packet
 * fields and constants; the _v4 twin compiles to the v4 bswap insns. */
#include "h.h"

__u64 out[12] = {};

SEC("xdp")
int bswap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 24 > end)
		return XDP_DROP;
	__u64 w = *(__u64 *)(data + 6);
	__u32 d = *(__u32 *)(data + 14);
	__u16 h = *(__u16 *)(data + 12);
	out[0] = __builtin_bswap64(w);
	out[1] = __builtin_bswap32(d);
	out[2] = __builtin_bswap16(h);
	out[3] = bpf_ntohl(d) + bpf_htonl(d);
	out[4] = bpf_ntohs(h) * 3 + bpf_htons(0x1234);
	out[5] = bpf_be64_to_cpu(w) ^ bpf_cpu_to_be64(0x0102030405060708ULL);
	out[6] = (__u16)__builtin_bswap16(h + 1) << 16 | __builtin_bswap16(h - 1);
	out[7] = __builtin_bswap32(__builtin_bswap32(d) + 1);
	out[8] = (__s64)(__s16)__builtin_bswap16(h);
	out[9] = (__s64)(__s32)bpf_ntohl(d);
	*(__u32 *)(data + 14) = bpf_htonl(bpf_ntohl(d) + 1);
	*(__u16 *)(data + 12) = bpf_htons(bpf_ntohs(h) ^ 0xff);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
