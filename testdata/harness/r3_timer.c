//go:build ignore
/* bpf_timer return codes: init twice, set_callback, start, cancel twice. */
#include "h.h"

struct tval { struct bpf_timer t; __u64 n; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct tval); } timers SEC(".maps");

__s64 res[8];

static int tcb(void *map, __u32 *key, struct tval *v) { v->n++; return 0; }

SEC("xdp")
int timer(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct tval *tv = bpf_map_lookup_elem(&timers, &k);
	if (tv) {
		res[0] = bpf_timer_init(&tv->t, &timers, 1 /* CLOCK_MONOTONIC */);
		res[1] = bpf_timer_init(&tv->t, &timers, 1);
		res[2] = bpf_timer_set_callback(&tv->t, tcb);
		res[3] = bpf_timer_start(&tv->t, 3600ull * 1000000000ull, 0);
		res[4] = bpf_timer_cancel(&tv->t);
		res[5] = bpf_timer_cancel(&tv->t);
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
