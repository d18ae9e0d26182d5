//go:build ignore

/* Map and helper benchmarks: one XDP program per operation, each a loop
 * of N operations (see bench.h), plus the same loop with no operation. */
#include "bench.h"

char LICENSE[] SEC("license") = "GPL";

struct key16 {
	__u32 a, b, c, d;
};

struct lpm_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 256);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 256);
} percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} hash4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct key16);
	__type(value, __u64);
	__uint(max_entries, 1024);
} hash16 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} lru_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_key);
	__type(value, __u64);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lpm SEC(".maps");

/* Where helper results go, so that no call can be dropped. */
volatile __u64 sink;

SEC("xdp")
int baseline(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		sum += i;
		KEEP(sum);
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int array_lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		__u32 key = i % NKEYS;
		__u64 *v = bpf_map_lookup_elem(&array, &key);
		if (!v)
			return XDP_ABORTED;
		sum += *v;
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int percpu_array_lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		__u32 key = i % NKEYS;
		__u64 *v = bpf_map_lookup_elem(&percpu_array, &key);
		if (!v)
			return XDP_ABORTED;
		sum += *v;
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int hash4_lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		__u32 key = i % NKEYS;
		__u64 *v = bpf_map_lookup_elem(&hash4, &key);
		if (!v)
			return XDP_ABORTED;
		sum += *v;
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int hash16_lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		struct key16 key = {
			.a = i % NKEYS,
			.b = 0x11111111,
			.c = 0x22222222,
			.d = 0x33333333,
		};
		__u64 *v = bpf_map_lookup_elem(&hash16, &key);
		if (!v)
			return XDP_ABORTED;
		sum += *v;
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int hash4_miss(struct xdp_md *ctx)
{
	LOOP {
		__u32 key = NKEYS + i % NKEYS;
		if (bpf_map_lookup_elem(&hash4, &key))
			return XDP_ABORTED;
	}
	return XDP_PASS;
}

SEC("xdp")
int hash4_update(struct xdp_md *ctx)
{
	LOOP {
		__u32 key = i % NKEYS;
		__u64 val = i;
		if (bpf_map_update_elem(&hash4, &key, &val, BPF_EXIST))
			return XDP_ABORTED;
	}
	return XDP_PASS;
}

SEC("xdp")
int lru_hash_lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		__u32 key = i % NKEYS;
		__u64 *v = bpf_map_lookup_elem(&lru_hash, &key);
		if (!v)
			return XDP_ABORTED;
		sum += *v;
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int lpm_lookup(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		struct lpm_key key = {
			.prefixlen = 32,
			.addr = {10, i % NKEYS, 1, 2},
		};
		__u64 *v = bpf_map_lookup_elem(&lpm, &key);
		if (!v)
			return XDP_ABORTED;
		sum += *v;
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int array_update(struct xdp_md *ctx)
{
	LOOP {
		__u32 key = i % NKEYS;
		__u64 val = i;
		if (bpf_map_update_elem(&array, &key, &val, BPF_ANY))
			return XDP_ABORTED;
	}
	return XDP_PASS;
}

SEC("xdp")
int get_smp_processor_id(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		sum += bpf_get_smp_processor_id();
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int ktime_get_ns(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		sum += bpf_ktime_get_ns();
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int get_prandom_u32(struct xdp_md *ctx)
{
	__u64 sum = 0;
	LOOP {
		sum += bpf_get_prandom_u32();
	}
	sink = sum;
	return XDP_PASS;
}

SEC("xdp")
int csum_diff_20(struct xdp_md *ctx)
{
	__u32 buf[5] = {0, 0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10};
	__s64 sum = 0;
	LOOP {
		buf[0] = i;
		sum = bpf_csum_diff(0, 0, buf, sizeof(buf), (__wsum)sum);
		if (sum < 0)
			return XDP_ABORTED;
	}
	sink = sum;
	return XDP_PASS;
}
