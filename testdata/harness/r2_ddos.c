//go:build ignore
/* A DDoS rate limiter: an LRU of sources with a token bucket refilled
 * per coarse time window, per-CPU verdict counters, config in .rodata. */
#include "h.h"

struct src_state { __u64 window; __u32 tokens; __u32 drops; __u32 pkts; __u32 bytes; };

struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, struct src_state); } sources SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } verdicts SEC(".maps");

const volatile struct { __u32 burst; __u32 min_len; __u8 shift; } cfg = { .burst = 3, .min_len = 34, .shift = 40 };

static __always_inline int count(__u32 v)
{
	__u64 *c = bpf_map_lookup_elem(&verdicts, &v);
	if (c)
		(*c)++;
	return v;
}

SEC("xdp")
int ratelimit(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return count(XDP_ABORTED);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(XDP_PASS);
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || end - data < cfg.min_len)
		return count(XDP_DROP);
	__u32 src = ip->saddr;
	__u64 now = bpf_ktime_get_ns() >> cfg.shift;
	struct src_state *s = bpf_map_lookup_elem(&sources, &src);
	if (!s) {
		struct src_state n = { .window = now, .tokens = cfg.burst - 1, .pkts = 1, .bytes = end - data };
		bpf_map_update_elem(&sources, &src, &n, BPF_NOEXIST);
		return count(XDP_PASS);
	}
	__sync_fetch_and_add(&s->pkts, 1);
	__sync_fetch_and_add(&s->bytes, end - data);
	if (s->window != now) {
		s->window = now;
		s->tokens = cfg.burst;
	}
	if (s->tokens == 0) {
		s->drops++;
		return count(XDP_DROP);
	}
	s->tokens--;
	return count(XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
