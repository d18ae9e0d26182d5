//go:build ignore

/* tc helpers for headers and redirects: ECN marking (with the IPv4
 * checksum fix), room before the MAC header, clone redirect to the
 * loopback and to a missing device, peer and neighbour redirects, the
 * classid of a socketless skb. Results land in .bss; the packet shows the
 * rewrites. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

struct results {
	__s64 ecn;
	__s64 clone_lo;
	__s64 clone_missing;
	__s64 clone_bad_flags;
	__s64 head_bad_flags;
	__s64 head;
	__u32 len_after_head;
	__u32 classid;
} res;

SEC("tc")
int tc_ecn(struct __sk_buff *skb)
{
	res.ecn = bpf_skb_ecn_set_ce(skb);
	res.classid = bpf_get_cgroup_classid(skb);
	return TC_ACT_OK;
}

SEC("tc")
int tc_clone(struct __sk_buff *skb)
{
	res.clone_lo = bpf_clone_redirect(skb, 1, 0);
	res.clone_missing = bpf_clone_redirect(skb, 4242, 0);
	res.clone_bad_flags = bpf_clone_redirect(skb, 1, 8);
	return TC_ACT_OK;
}

SEC("tc")
int tc_head(struct __sk_buff *skb)
{
	res.head_bad_flags = bpf_skb_change_head(skb, 14, 1);
	res.head = bpf_skb_change_head(skb, 14, 0);
	res.len_after_head = skb->len;
	return TC_ACT_OK;
}

SEC("tc")
int tc_peer(struct __sk_buff *skb)
{
	return bpf_redirect_peer(1, 0) * 10 + bpf_redirect_peer(1, 1);
}

SEC("tc")
int tc_neigh(struct __sk_buff *skb)
{
	return bpf_redirect_neigh(1, 0, 0, 0) * 10 + bpf_redirect_neigh(1, 0, 0, 1);
}
