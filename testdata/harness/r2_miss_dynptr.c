//go:build ignore
/* Dynptrs over a global buffer: from_mem, read, write, bounds. */
#include "h.h"

__s64 res[8] = {};
char buf[16] = "abcdefgh";

SEC("xdp") int dynptr(struct xdp_md *ctx)
{
	char out[4] = {};
	struct bpf_dynptr d;
	res[0] = bpf_dynptr_from_mem(buf, sizeof(buf), 0, &d);
	res[1] = bpf_dynptr_read(out, 4, &d, 2, 0);
	res[2] = out[0];
	res[3] = bpf_dynptr_write(&d, 15, out, 4, 0);
	res[4] = bpf_dynptr_read(out, 4, &d, 14, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
