//go:build ignore
/* BTF maps with flags and pinning: NO_PREALLOC hash,
 * RDONLY_PROG and MMAPABLE arrays; update-flag errors. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 3);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u64);
} np SEC(".maps");


struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, __u32);
} ro SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} mm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u64);
	__type(value, __u8);
} small SEC(".maps");

__s64 rc[32];

SEC("xdp")
int flags(struct xdp_md *ctx)
{
	__u32 k;
	__u64 v = ctx->data_end - ctx->data;
	int i = 0;
	k = 0; rc[i++] = bpf_map_update_elem(&np, &k, &v, BPF_NOEXIST);
	k = 1; rc[i++] = bpf_map_update_elem(&np, &k, &v, BPF_NOEXIST);
	k = 2; rc[i++] = bpf_map_update_elem(&np, &k, &v, BPF_NOEXIST);
	k = 3; rc[i++] = bpf_map_update_elem(&np, &k, &v, BPF_NOEXIST);
	k = 4; rc[i++] = bpf_map_update_elem(&np, &k, &v, BPF_NOEXIST);
	k = 1;
	rc[i++] = bpf_map_update_elem(&np, &k, &v, BPF_NOEXIST);
	rc[i++] = bpf_map_update_elem(&np, &k, &v, BPF_EXIST);
	k = 9;
	rc[i++] = bpf_map_update_elem(&np, &k, &v, BPF_EXIST);
	rc[i++] = bpf_map_delete_elem(&np, &k);
	k = 0;
	rc[i++] = bpf_map_delete_elem(&np, &k);
	rc[i++] = bpf_map_update_elem(&np, &k, &v, 4 /* bad flag */);
	k = 2;
	__u32 *r = bpf_map_lookup_elem(&ro, &k);
	rc[i++] = r ? *r : -1;
	k = 4;
	rc[i++] = bpf_map_update_elem(&mm, &k, &v, BPF_ANY);
	k = 3;
	rc[i++] = bpf_map_update_elem(&mm, &k, &v, BPF_NOEXIST);
	rc[i++] = bpf_map_update_elem(&mm, &k, &v, BPF_EXIST);
	rc[i++] = bpf_map_delete_elem(&mm, &k);
	__u64 sk;
	__u8 sv = 7;
	sk = 0; rc[i++] = bpf_map_update_elem(&small, &sk, &sv, BPF_ANY);
	sk = 1; rc[i++] = bpf_map_update_elem(&small, &sk, &sv, BPF_ANY);
	sk = 2; rc[i++] = bpf_map_update_elem(&small, &sk, &sv, BPF_ANY);
	sk = 0;
	rc[i++] = bpf_map_update_elem(&small, &sk, &sv, BPF_ANY);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
