//go:build ignore
/* A token bucket guarded by bpf_spin_lock in a hash map value. */
#include "h.h"

struct bucket {
	struct bpf_spin_lock lock;
	__u32 tokens;
	__u64 bytes;
	__u32 drops;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct bucket);
} buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bucket);
} abucket SEC(".maps");

SEC("xdp")
int police(struct xdp_md *ctx)
{
	__u32 k = 0, len = ctx->data_end - ctx->data;
	struct bucket *b = bpf_map_lookup_elem(&buckets, &k);
	if (!b) {
		struct bucket nb = { .tokens = 3 };
		bpf_map_update_elem(&buckets, &k, &nb, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&buckets, &k);
		if (!b)
			return XDP_ABORTED;
	}
	int verdict = XDP_PASS;
	bpf_spin_lock(&b->lock);
	if (b->tokens) {
		b->tokens--;
		b->bytes += len;
	} else {
		b->drops++;
		verdict = XDP_DROP;
	}
	bpf_spin_unlock(&b->lock);

	struct bucket *a = bpf_map_lookup_elem(&abucket, &k);
	if (a) {
		bpf_spin_lock(&a->lock);
		a->bytes += len;
		a->tokens = verdict;
		bpf_spin_unlock(&a->lock);
	}
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
