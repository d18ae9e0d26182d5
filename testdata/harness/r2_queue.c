//go:build ignore
/* Queue and stack producers and consumers across --repeat: full maps,
 * BPF_EXIST overwriting the oldest, empty pops and peeks. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 3); __type(value, __u32); } q SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 3); __type(value, __u64); } st SEC(".maps");

__u32 run = 0;
__s64 res[16] = {};

SEC("xdp")
int qs(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	run++;
	__u32 v = len + run;
	__u64 w = (__u64)run << 32 | len;
	res[0] = bpf_map_push_elem(&q, &v, 0);
	res[1] = bpf_map_push_elem(&st, &w, 0);
	if (run % 3 == 0) {
		__u32 o = 0;
		res[2] = bpf_map_pop_elem(&q, &o);
		res[3] = o;
		__u64 ow = 0;
		res[4] = bpf_map_pop_elem(&st, &ow);
		res[5] = ow;
	}
	if (run >= 4) {
		v = 1000 + run;
		res[6] = bpf_map_push_elem(&q, &v, BPF_EXIST);
		w = 2000 + run;
		res[7] = bpf_map_push_elem(&st, &w, BPF_EXIST);
	}
	__u32 pk = 0;
	res[8] = bpf_map_peek_elem(&q, &pk);
	res[9] = pk;
	__u64 pw = 0;
	res[10] = bpf_map_peek_elem(&st, &pw);
	res[11] = pw;
	if (run == 7) {
		__u32 d;
		for (int i = 0; i < 5; i++)
			res[12] = bpf_map_pop_elem(&q, &d);
		res[13] = bpf_map_peek_elem(&q, &d);
	}
	res[14] = bpf_map_push_elem(&q, &v, 7);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
