//go:build ignore
/* A route table in LPM tries (v4 and v6) that the program fills on its
 * first run, then longest-prefix lookups; also deletes and a full trie. */
#include "h.h"

struct k4 { __u32 plen; __u8 addr[4]; };
struct k6 { __u32 plen; __u8 addr[16]; };

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct k4);
	__type(value, __u32);
} routes4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct k6);
	__type(value, __u64);
} routes6 SEC(".maps");

__s64 rc[16] = {};
__u32 hop = 0;

static __always_inline long add4(__u32 plen, __u32 a, __u32 nh)
{
	struct k4 k = { .plen = plen };
	__be32 be = bpf_htonl(a);
	__builtin_memcpy(k.addr, &be, 4);
	return bpf_map_update_elem(&routes4, &k, &nh, BPF_NOEXIST);
}

SEC("xdp")
int lpm(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;

	rc[0] = add4(0, 0, 1);
	rc[1] = add4(8, 0xc0000000, 2);        /* 192/8 */
	rc[2] = add4(24, 0xc0000200, 3);       /* 192.0.2/24 */
	rc[3] = add4(32, 0xc0000201, 4);       /* 192.0.2.1/32 */
	rc[4] = add4(16, 0xc6330000, 5);       /* 198.51/16 */
	rc[5] = add4(33, 0xc6330000, 6);       /* bad prefix */
	rc[6] = add4(20, 0x0a000000, 7);
	rc[7] = add4(21, 0x0a000000, 8);
	rc[8] = add4(22, 0x0a000000, 9);       /* ninth: full */
	struct k4 d = { .plen = 21, .addr = { 10, 0, 0, 0 } };
	rc[9] = bpf_map_delete_elem(&routes4, &d);
	rc[10] = bpf_map_delete_elem(&routes4, &d);

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return XDP_DROP;
		struct k4 k = { .plen = 32 };
		__builtin_memcpy(k.addr, &ip->saddr, 4);
		__u32 *nh = bpf_map_lookup_elem(&routes4, &k);
		hop = nh ? *nh : 0;
		__builtin_memcpy(k.addr, &ip->daddr, 4);
		k.plen = 17;
		nh = bpf_map_lookup_elem(&routes4, &k);
		rc[11] = nh ? *nh : -1;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		struct k6 k = { .plen = 32 };
		__builtin_memcpy(k.addr, &ip6->saddr, 16);
		__u64 v = 0x66;
		rc[12] = bpf_map_update_elem(&routes6, &k, &v, BPF_ANY);
		k.plen = 128;
		__u64 *p = bpf_map_lookup_elem(&routes6, &k);
		rc[13] = p ? *p : -1;
		k.plen = 129;
		rc[14] = bpf_map_update_elem(&routes6, &k, &v, BPF_ANY);
	}
	return hop ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
