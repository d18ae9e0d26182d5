//go:build ignore

/* Events out of XDP: ring buffer output, reserve/submit, reserve/discard and
 * query, and a perf event array output. No perf reader is attached during
 * a test run, so perf_event_output reports -ENOENT. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

struct event {
	__u32 len;
	__u16 proto;
	__u16 kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
} perf SEC(".maps");

struct results {
	__s64 output_ret;
	__s64 perf_ret;
	__u64 avail;
	__u64 ring_size;
	__u32 reserved_ok;
	__u32 discarded_ok;
	__u32 too_big_null;
};
struct results res;

SEC("xdp")
int xdp_events(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct event ev = { .len = end - data, .kind = 1 };
	struct event *r;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	ev.proto = bpf_ntohs(eth->h_proto);
	res.output_ret = bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP);

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (r) {
		r->len = ev.len;
		r->proto = ev.proto;
		r->kind = 2;
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
		res.reserved_ok++;
	}
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (r) {
		r->kind = 3;
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		res.discarded_ok++;
	}
	/* Larger than the whole ring: always refused. */
	r = bpf_ringbuf_reserve(&events, 8192, 0);
	if (r)
		bpf_ringbuf_discard(r, 0);
	else
		res.too_big_null = 1;

	res.avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	res.ring_size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	ev.kind = 4;
	res.perf_ret = bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
	return XDP_PASS;
}
