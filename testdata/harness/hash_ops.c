//go:build ignore
/* Hash and array map edge cases: update flags, a full map, deletes of
 * missing keys, out-of-range array indices, array delete; return codes land
 * in .bss. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 3);
	__type(key, __u64);
	__type(value, __u8[5]);
} h SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 3);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
} hn SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u8[3]);
} a SEC(".maps");

__s32 rc[20] = {};

SEC("xdp")
int hash_ops(struct xdp_md *ctx)
{
	__u64 k;
	__u8 v[5] = { 1, 2, 3, 4, 5 };
	for (k = 1; k <= 4; k++) {
		v[0] = k;
		rc[k - 1] = bpf_map_update_elem(&h, &k, v, BPF_NOEXIST);
	}
	k = 2;
	rc[4] = bpf_map_update_elem(&h, &k, v, BPF_NOEXIST);
	k = 9;
	rc[5] = bpf_map_update_elem(&h, &k, v, BPF_EXIST);
	k = 2;
	v[4] = 0x55;
	rc[6] = bpf_map_update_elem(&h, &k, v, BPF_EXIST);
	rc[7] = bpf_map_update_elem(&h, &k, v, 4);  /* bad flag */
	k = 3;
	rc[8] = bpf_map_delete_elem(&h, &k);
	rc[9] = bpf_map_delete_elem(&h, &k);
	k = 4;
	rc[10] = bpf_map_update_elem(&h, &k, v, BPF_ANY);

	__u32 i, x = 7;
	for (i = 0; i < 4; i++) {
		__u32 kk = i;
		rc[11 + i] = bpf_map_update_elem(&hn, &kk, &x, BPF_ANY);
	}
	__u32 ak = 2;
	__u8 av[3] = { 9, 9, 9 };
	rc[15] = bpf_map_update_elem(&a, &ak, av, BPF_ANY);
	ak = 1;
	rc[16] = bpf_map_update_elem(&a, &ak, av, BPF_NOEXIST);
	rc[17] = bpf_map_update_elem(&a, &ak, av, BPF_EXIST);
	rc[18] = bpf_map_delete_elem(&a, &ak);
	rc[19] = bpf_map_lookup_elem(&a, &ak) != 0;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
