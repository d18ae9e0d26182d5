//go:build ignore

/* A tour of map types and data helpers, run as XDP so the kernel can
 * test-run it: per-CPU and LRU hashes, queue, stack, bloom filter, maps of
 * maps, bpf_loop, bpf_for_each_map_elem, spin locks, atomics, strncmp,
 * snprintf and bpf_printk, and global data in custom sections. Everything
 * a run leaves behind depends only on the packet. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 32);
} len_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__type(key, __u16);
	__type(value, __u64);
	__uint(max_entries, 32);
} proto_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__type(value, __u32);
	__uint(max_entries, 8);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__type(value, __u32);
	__uint(max_entries, 8);
} lifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__type(value, __u32);
	__uint(max_entries, 64);
	__uint(map_extra, 3); /* hash functions */
	__uint(map_flags, BPF_F_ZERO_SEED);
} seen SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 2);
};

struct inner inner_even SEC(".maps"), inner_odd SEC(".maps"), inner_named SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, 2);
	__array(values, struct inner);
} by_parity SEC(".maps") = {
	.values = { [0] = &inner_even, [1] = &inner_odd },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, 4);
	__array(values, struct inner);
} by_id SEC(".maps") = {
	.values = { [7] = &inner_named },
};

struct locked {
	struct bpf_spin_lock lock;
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct locked);
	__uint(max_entries, 1);
} totals SEC(".maps");

struct atom {
	__u64 cas_old;
	__u64 claimed;
	__u64 sum;
	__u64 bits;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct atom);
	__uint(max_entries, 1);
} atoms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 4);
} weights SEC(".maps");

/* Queue and stack results: what pop and peek returned. */
struct qresult {
	__u32 fifo_pop, fifo_peek, lifo_pop, lifo_peek;
	__s32 pop_empty_err;
	__s32 bloom_hit, bloom_miss;
	__s32 hash_of_maps_miss;
};
struct qresult qres;

/* Results of xdp_algo. */
__u64 loop_sum;
__u32 weight_sum, weight_visits;
__s32 cmp_get, cmp_post;
__s64 fmt_len;
char fmt_out[32];

/* Initialised data, in .data and in a custom writable section. */
__u32 runs = 100;
__u64 foo_hits SEC(".data.foo") = 5;
/* A read-only custom section. */
const char bar_prefix[8] SEC(".rodata.bar") = "GET ";

SEC("xdp")
int xdp_maps(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u64 one = 1, *n;
	__u32 v, key, tmp = 99;
	void *inner;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;

	n = bpf_map_lookup_elem(&len_counts, &len);
	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&len_counts, &len, &one, BPF_NOEXIST);
	/* Insert and remove a scratch entry. */
	bpf_map_update_elem(&len_counts, &tmp, &one, BPF_ANY);
	bpf_map_delete_elem(&len_counts, &tmp);

	n = bpf_map_lookup_elem(&proto_counts, &eth->h_proto);
	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&proto_counts, &eth->h_proto, &one, BPF_ANY);

	for (key = 0; key < 3; key++) {
		v = len + key;
		bpf_map_push_elem(&fifo, &v, BPF_EXIST);
		bpf_map_push_elem(&lifo, &v, BPF_EXIST);
	}
	bpf_map_pop_elem(&fifo, &qres.fifo_pop);
	bpf_map_peek_elem(&fifo, &qres.fifo_peek);
	bpf_map_pop_elem(&lifo, &qres.lifo_pop);
	bpf_map_peek_elem(&lifo, &qres.lifo_peek);

	v = 10;
	bpf_map_push_elem(&seen, &v, 0);
	v = 20;
	bpf_map_push_elem(&seen, &v, 0);
	v = 10;
	qres.bloom_hit = bpf_map_peek_elem(&seen, &v);
	v = 30;
	qres.bloom_miss = bpf_map_peek_elem(&seen, &v);

	key = len & 1;
	inner = bpf_map_lookup_elem(&by_parity, &key);
	if (inner) {
		key = 0;
		n = bpf_map_lookup_elem(inner, &key);
		if (n)
			__sync_fetch_and_add(n, len);
	}
	key = 7;
	inner = bpf_map_lookup_elem(&by_id, &key);
	if (inner) {
		key = 1;
		n = bpf_map_lookup_elem(inner, &key);
		if (n)
			*n += 1;
	}
	key = 8;
	qres.hash_of_maps_miss = bpf_map_lookup_elem(&by_id, &key) == 0;
	__sync_fetch_and_add(&runs, 1);
	return XDP_PASS;
}

/* Drains the queue and stack, then pops once more from each: -ENOENT. */
SEC("xdp")
int xdp_drain(struct xdp_md *ctx)
{
	__u32 v, i, n = 0;

	for (i = 0; i < 8; i++) {
		if (bpf_map_pop_elem(&fifo, &v) == 0)
			n++;
		if (bpf_map_pop_elem(&lifo, &v) == 0)
			n++;
	}
	qres.pop_empty_err = bpf_map_pop_elem(&fifo, &v);
	return n;
}

static long add_index(__u32 i, void *ctx)
{
	__u64 *sum = ctx;

	*sum += i * i;
	return 0;
}

struct visit {
	__u32 sum;
	__u32 visits;
};

static long add_weight(struct bpf_map *map, __u32 *key, __u32 *val, void *ctx)
{
	struct visit *v = ctx;

	v->sum += *val * (*key + 1);
	v->visits++;
	return *key == 2; /* stop after the third element */
}

SEC("xdp")
int xdp_algo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct visit vis = {};
	struct locked *l;
	struct atom *a;
	__u32 zero = 0, i;
	__u64 sum = 0;
	char word[8] = {};
	__u32 len = end - data;

	/* bpf_loop: sum of squares below the packet's last MAC byte. */
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	bpf_loop(eth->h_source[5] + 10, add_index, &sum, 0);
	loop_sum = sum;

	for (i = 0; i < 4; i++) {
		__u32 w = i + 1;

		bpf_map_update_elem(&weights, &i, &w, BPF_ANY);
	}
	bpf_for_each_map_elem(&weights, add_weight, &vis, 0);
	weight_sum = vis.sum;
	weight_visits = vis.visits;

	/* The first bytes after Ethernet and IPv4 and TCP headers, compared
	 * with a constant. */
	if (data + 14 + 20 + 20 + 4 <= end)
		__builtin_memcpy(word, data + 14 + 20 + 20, 4);
	cmp_get = bpf_strncmp(word, 4, bar_prefix);
	cmp_post = bpf_strncmp(word, 4, "POST");

	fmt_len = BPF_SNPRINTF(fmt_out, sizeof(fmt_out), "len=%u first=%s", len, bar_prefix);
	bpf_printk("xdp_algo: len %u", len);

	l = bpf_map_lookup_elem(&totals, &zero);
	if (l) {
		bpf_spin_lock(&l->lock);
		l->packets++;
		l->bytes += len;
		bpf_spin_unlock(&l->lock);
	}
	a = bpf_map_lookup_elem(&atoms, &zero);
	if (a) {
		/* The first run claims the slot; later runs see it taken. */
		a->cas_old = __sync_val_compare_and_swap(&a->claimed, 0, 0xc1a1);
		__sync_fetch_and_add(&a->sum, len);
		__sync_fetch_and_or(&a->bits, 1ULL << (len & 63));
		__sync_fetch_and_and(&a->bits, ~2ULL);
		__sync_fetch_and_xor(&a->bits, 1ULL << 40);
	}
	foo_hits++;
	return cmp_get == 0 ? XDP_TX : XDP_PASS;
}

/* Clock, randomness and CPU helpers, reduced to facts every correct
 * implementation agrees on. */
struct env_facts {
	__u8 mono_nonzero, mono_monotonic, boot_ge_mono, coarse_nonzero;
	__u8 jiffies_nonzero, random_varies, cpu_valid, numa_valid;
};
struct env_facts env;

SEC("xdp")
int xdp_env(struct xdp_md *ctx)
{
	__u64 t1 = bpf_ktime_get_ns();
	__u64 boot = bpf_ktime_get_boot_ns();
	__u64 t2 = bpf_ktime_get_ns();
	__u32 r1 = bpf_get_prandom_u32(), r2 = bpf_get_prandom_u32(), r3 = bpf_get_prandom_u32();

	env.mono_nonzero = t1 != 0;
	env.mono_monotonic = t2 >= t1;
	env.boot_ge_mono = boot >= t1;
	env.coarse_nonzero = bpf_ktime_get_coarse_ns() != 0;
	env.jiffies_nonzero = bpf_jiffies64() != 0;
	env.random_varies = r1 != r2 || r2 != r3;
	env.cpu_valid = bpf_get_smp_processor_id() < 8192;
	env.numa_valid = bpf_get_numa_node_id() < 1024;
	return XDP_PASS;
}
