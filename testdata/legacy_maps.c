//go:build ignore

/* Maps declared the pre-BTF way, in a "maps" section of struct bpf_map_def,
 * as old samples and iproute2 objects do. libbpf 1.0 dropped the struct
 * from its headers, so it is spelled out here. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") ethertypes = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u16),
	.value_size = sizeof(__u64),
	.max_entries = 16,
};

struct bpf_map_def SEC("maps") sizes = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

/* Counts frames per EtherType and per size class (<128, <512, <1024,
 * larger). */
SEC("xdp")
int xdp_legacy(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 len = end - data, class;
	__u16 type;
	__u64 one = 1, *n;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	type = bpf_ntohs(eth->h_proto);
	n = bpf_map_lookup_elem(&ethertypes, &type);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&ethertypes, &type, &one, BPF_NOEXIST);
	class = len < 128 ? 0 : len < 512 ? 1 : len < 1024 ? 2 : 3;
	n = bpf_map_lookup_elem(&sizes, &class);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}
