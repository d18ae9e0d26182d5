//go:build ignore
/* bpf_map_lookup_percpu_elem on every per-CPU map type, CPUs in and out
 * of range; ktime_get_tai_ns comparisons. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, __u64); } pa SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } ph SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } plru SEC(".maps");

__s64 rc[32] = {};

static __always_inline long peek(void *map, __u32 key, __u32 cpu)
{
	__u64 *v = bpf_map_lookup_percpu_elem(map, &key, cpu);
	return v ? (long)*v : -1;
}

SEC("xdp")
int pcpu(struct xdp_md *ctx)
{
	__u32 k = 1, cpu = bpf_get_smp_processor_id();
	__u64 one = 1, *v;
	v = bpf_map_lookup_elem(&pa, &k);
	if (v)
		*v += 3;
	if ((v = bpf_map_lookup_elem(&ph, &k)))
		*v += 5;
	else
		bpf_map_update_elem(&ph, &k, &one, BPF_ANY);
	if ((v = bpf_map_lookup_elem(&plru, &k)))
		*v += 7;
	else
		bpf_map_update_elem(&plru, &k, &one, BPF_NOEXIST);
	__u32 cpus[4] = {cpu, cpu ^ 1, 4096, 0xffffffff};
	for (int i = 0; i < 4; i++) {
		rc[i * 3] = peek(&pa, 1, cpus[i]);
		rc[i * 3 + 1] = peek(&ph, 1, cpus[i]);
		rc[i * 3 + 2] = peek(&plru, 1, cpus[i]);
	}
	rc[12] = peek(&pa, 2, cpu);
	rc[13] = peek(&ph, 2, cpu);
	__u64 t1 = bpf_ktime_get_tai_ns(), m = bpf_ktime_get_ns(), t2 = bpf_ktime_get_tai_ns();
	rc[14] = t1 != 0;
	rc[15] = t2 >= t1;
	rc[16] = t1 > m;
	rc[17] = t1 > 1600000000ULL * 1000000000ULL;
	__u64 b = bpf_ktime_get_boot_ns(), c = bpf_ktime_get_coarse_ns();
	rc[18] = b >= m;
	rc[19] = c != 0 && c <= bpf_ktime_get_ns();
	rc[20] = bpf_jiffies64() != 0;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
