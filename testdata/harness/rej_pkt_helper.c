//go:build ignore
/* A program the kernel verifier rejects: a packet pointer passed to a helper
 * that may not read packets (bpf_ringbuf_output). */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
int rej_pkt_helper(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 14 > end)
		return XDP_DROP;
	bpf_ringbuf_output(&rb, data, 14, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
