//go:build ignore

/* Global variables are map values: .bss and .data writable, .rodata not;
 * indexes into them are bounded like any map value's. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

__u64 hist[16];
__u32 packets = 1;
const volatile __u32 limit = 100;

SEC("xdp")
int ok_global_index(struct xdp_md *ctx)
{
	hist[bpf_get_prandom_u32() & 15]++;
	return XDP_PASS;
}

SEC("xdp")
int bad_global_index(struct xdp_md *ctx)
{
	hist[bpf_get_prandom_u32() & 31]++;
	return XDP_PASS;
}

SEC("xdp")
int ok_global_rodata(struct xdp_md *ctx)
{
	*(volatile __u32 *)&packets = limit;
	return XDP_PASS;
}

SEC("xdp")
int bad_global_rodata(struct xdp_md *ctx)
{
	*(volatile __u32 *)&limit = packets;
	return XDP_PASS;
}
