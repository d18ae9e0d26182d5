//go:build ignore
/* Events to a ring buffer: reserve/submit, discard, output, and a reserve
 * too large for the ring. */
#include "h.h"

struct event { __u32 len; __u16 proto; __u8 mac[6]; __u64 seq; };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

__u64 seq = 0;
__s64 rc[4] = {};

SEC("xdp")
int events(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (e) {
		e->len = end - data;
		e->proto = bpf_ntohs(eth->h_proto);
		__builtin_memcpy(e->mac, eth->h_source, 6);
		e->seq = seq++;
		if (e->seq % 2)
			bpf_ringbuf_discard(e, 0);
		else
			bpf_ringbuf_submit(e, 0);
	}
	struct ethhdr copy;
	__builtin_memcpy(&copy, eth, sizeof(copy));
	rc[0] = bpf_ringbuf_output(&rb, &copy, sizeof(copy) - 1, 0);
	void *big = bpf_ringbuf_reserve(&rb, 8192, 0);
	rc[1] = big != 0;
	if (big)
		bpf_ringbuf_discard(big, 0);
	rc[2] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
