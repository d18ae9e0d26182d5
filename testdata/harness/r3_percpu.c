//go:build ignore
/* Token buckets in a per-CPU array refilled by packet count, an array
 * indexed by bpf_get_smp_processor_id, per-CPU sums, sampling by counter. */
#include "h.h"

struct bucket { __u64 tokens; __u64 seen; __u32 dropped; __u32 pad; };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct bucket);
} tb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} by_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u16);
	__type(value, __u32);
} ph SEC(".maps");

__u64 sampled, counter;
__s64 res[4];

SEC("xdp")
int tbf(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u32 len = ctx->data_end - ctx->data;
	struct bucket *b = bpf_map_lookup_elem(&tb, &k);
	if (!b)
		return XDP_ABORTED;
	b->seen++;
	/* refill 100 bytes of credit every 2 packets, cap 300 */
	if ((b->seen & 1) == 0) {
		b->tokens += 100;
		if (b->tokens > 300)
			b->tokens = 300;
	}
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 ck = cpu & 127;
	__u64 *c = bpf_map_lookup_elem(&by_cpu, &ck);
	if (c)
		*c += cpu == ck;
	/* the other slot gets an element-wise sum style update */
	k = 1;
	struct bucket *b1 = bpf_map_lookup_elem(&tb, &k);
	if (b1)
		b1->tokens += len;
	__u16 hk = len;
	__u32 one = 1, *pv = bpf_map_lookup_elem(&ph, &hk);
	if (pv)
		(*pv)++;
	else
		res[0] = bpf_map_update_elem(&ph, &hk, &one, BPF_NOEXIST);
	if (++counter % 3 == 0)
		sampled++;
	if (b->tokens >= len) {
		b->tokens -= len;
		return XDP_PASS;
	}
	b->dropped++;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
