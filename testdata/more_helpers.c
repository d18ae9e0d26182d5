//go:build ignore

/* Helpers beyond the core set: XDP byte access and buffer length, TAI
 * time, another CPU's per-CPU slot; skb data pulls, hash setting and the
 * checksum-state helpers of a CHECKSUM_NONE skb. Results land in .bss. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu SEC(".maps");

struct xdp_results {
	__u64 buff_len;
	__s64 load_ok;
	__s64 load_past_end;
	__s64 load_huge_offset;
	__s64 store_ok;
	__u32 loaded;
	__u32 tai_nonzero;
	__u32 percpu_cpu0_found;
	__u32 percpu_bad_cpu_null;
} xdp_res;

SEC("xdp")
int xdp_more(struct xdp_md *ctx)
{
	__u32 word = 0, zero = 0;
	__u8 mac[6] = { 2, 0, 0, 0, 0, 9 };
	__u64 *v;

	xdp_res.buff_len = bpf_xdp_get_buff_len(ctx);
	xdp_res.load_ok = bpf_xdp_load_bytes(ctx, 12, &word, sizeof(word));
	xdp_res.loaded = word;
	xdp_res.load_past_end = bpf_xdp_load_bytes(ctx, xdp_res.buff_len - 2, &word, sizeof(word));
	xdp_res.load_huge_offset = bpf_xdp_load_bytes(ctx, 0x10000, &word, sizeof(word));
	xdp_res.store_ok = bpf_xdp_store_bytes(ctx, 0, mac, sizeof(mac));
	xdp_res.tai_nonzero = bpf_ktime_get_tai_ns() != 0;

	v = bpf_map_lookup_elem(&per_cpu, &zero);
	if (v)
		*v += 7;
	xdp_res.percpu_cpu0_found = bpf_map_lookup_percpu_elem(&per_cpu, &zero, 0) != 0;
	xdp_res.percpu_bad_cpu_null = bpf_map_lookup_percpu_elem(&per_cpu, &zero, 100000) == 0;
	return XDP_PASS;
}

struct tc_results {
	__s64 pull_ok;
	__s64 pull_too_long;
	__u32 hash_after_set;
	__u32 hash_after_invalid;
	__s64 csum_update;
	__s64 level_query;
	__s64 level_inc;
	__s64 level_bad;
} tc_res;

SEC("tc")
int tc_more(struct __sk_buff *skb)
{
	tc_res.pull_ok = bpf_skb_pull_data(skb, 14);
	tc_res.pull_too_long = bpf_skb_pull_data(skb, skb->len + 1);
	bpf_set_hash(skb, 0x12345678);
	tc_res.hash_after_set = skb->hash;
	bpf_set_hash_invalid(skb);
	tc_res.hash_after_invalid = skb->hash;
	tc_res.csum_update = bpf_csum_update(skb, 0x1234);
	tc_res.level_query = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	tc_res.level_inc = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	tc_res.level_bad = bpf_csum_level(skb, 9);
	return TC_ACT_OK;
}
