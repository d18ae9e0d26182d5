//go:build ignore
/* probe_read_{kernel,user}(_str) on the stack, map values, NULL and
 * user-range and non-canonical addresses, from XDP. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, char[32]); } strs SEC(".maps");

__s64 rc[32] = {};
char out[4][16] = {};

SEC("xdp")
int probes(struct xdp_md *ctx)
{
	char s[16] = "hello, probes!";
	__u64 v = 0, src = 0x1122334455667788ULL;
	__u32 k = 0;
	char *mv = bpf_map_lookup_elem(&strs, &k);
	if (!mv)
		return XDP_ABORTED;
	__builtin_memcpy(mv, "map value string", 17);
	rc[0] = bpf_probe_read_kernel(&v, 8, &src);
	rc[1] = v == src;
	rc[2] = bpf_probe_read_kernel(&v, 8, 0);
	rc[3] = v;
	rc[4] = bpf_probe_read_kernel(&v, 8, (void *)0x1000);
	rc[5] = bpf_probe_read_kernel(&v, 8, (void *)0x8000000000000000ULL);
	rc[6] = bpf_probe_read_user(&v, 8, &src);
	rc[7] = bpf_probe_read_user(&v, 8, 0);
	rc[8] = bpf_probe_read_kernel_str(out[0], 16, s);
	rc[9] = bpf_probe_read_kernel_str(out[1], 5, mv);
	rc[10] = bpf_probe_read_kernel_str(out[2], 16, 0);
	rc[11] = bpf_probe_read_user_str(out[3], 16, s);
	rc[12] = bpf_probe_read_kernel_str(out[3], 16, (void *)0x10);
	rc[13] = bpf_probe_read_kernel(&v, 0, &src);
	rc[14] = bpf_probe_read_kernel(mv + 20, 8, &src);
	rc[15] = bpf_probe_read_kernel_str(mv, 32, mv + 4);
	rc[16] = bpf_probe_read_kernel(&v, 8, (void *)0xffffffffffffff00ULL);
	rc[17] = bpf_probe_read_kernel_str(out[0], 1, s);
	rc[18] = bpf_probe_read_user_str(out[1], 16, (void *)0x1000);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
