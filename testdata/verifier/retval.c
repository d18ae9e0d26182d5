//go:build ignore

/* Return values: program types that decide (cgroup, sk_lookup, netfilter,
 * tracing with BTF) must return a value in their range. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

/* cgroup_skb ingress: 0 (drop) or 1 (allow). */
SEC("cgroup_skb/ingress")
int ok_ret_cgskb(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/ingress")
int bad_ret_cgskb(struct __sk_buff *skb)
{
	return 2;
}

/* cgroup_skb egress may also ask for congestion notification: 0 to 3. */
SEC("cgroup_skb/egress")
int ok_ret_cgskb_egress(struct __sk_buff *skb)
{
	return 3;
}

SEC("cgroup_skb/egress")
int bad_ret_cgskb_egress(struct __sk_buff *skb)
{
	return 4;
}

/* The range must be proven, not just likely (an unknown value read from
 * the stack, masked). */
SEC("cgroup_skb/ingress")
NAKED int ok_ret_cgskb_unknown(void)
{
	asm volatile("r0 = *(u64 *)(r10 - 8);"
		     "r0 &= 1;"
		     "exit;");
}

SEC("cgroup_skb/ingress")
NAKED int bad_ret_cgskb_unknown(void)
{
	asm volatile("r0 = *(u64 *)(r10 - 8);"
		     "r0 &= 3;"
		     "exit;");
}

/* Base helpers are there for cgroup programs too. */
SEC("cgroup_skb/ingress")
int ok_ret_cgskb_helper(struct __sk_buff *skb)
{
	return bpf_get_prandom_u32() & 1;
}

/* A pointer is no verdict. */
SEC("cgroup_skb/ingress")
NAKED int ok_ret_cgskb_ptr(void)
{
	asm volatile("r0 = 1;"
		     "exit;");
}

SEC("cgroup_skb/ingress")
NAKED int bad_ret_cgskb_ptr(void)
{
	asm volatile("r0 = r1;"
		     "exit;");
}

/* cgroup/sock_create: 0 or 1. */
SEC("cgroup/sock_create")
int ok_ret_sock_create(struct bpf_sock *sk)
{
	return 0;
}

SEC("cgroup/sock_create")
int bad_ret_sock_create(struct bpf_sock *sk)
{
	return -1;
}

/* cgroup recvmsg hooks must return exactly 1. */
SEC("cgroup/recvmsg4")
int ok_ret_recvmsg(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/recvmsg4")
int bad_ret_recvmsg(struct bpf_sock_addr *ctx)
{
	return 0;
}

/* cgroup/sysctl: 0 or 1. */
SEC("cgroup/sysctl")
int ok_ret_sysctl(struct bpf_sysctl *ctx)
{
	return 1;
}

SEC("cgroup/sysctl")
int bad_ret_sysctl(struct bpf_sysctl *ctx)
{
	return 5;
}

/* sk_lookup: SK_DROP or SK_PASS. */
SEC("sk_lookup")
int ok_ret_sk_lookup(struct bpf_sk_lookup *ctx)
{
	return SK_PASS;
}

SEC("sk_lookup")
int bad_ret_sk_lookup(struct bpf_sk_lookup *ctx)
{
	return SK_PASS + 1;
}

/* netfilter: NF_DROP (0) or NF_ACCEPT (1). */
SEC("netfilter")
int ok_ret_netfilter(void *ctx)
{
	return 1;
}

SEC("netfilter")
int bad_ret_netfilter(void *ctx)
{
	return 2;
}

/* XDP has no range: any scalar is a (possibly unknown) action. */
SEC("xdp")
int ok_ret_xdp(struct xdp_md *ctx)
{
	return 1000;
}

SEC("xdp")
NAKED int bad_ret_xdp(void)
{
	asm volatile("exit;");
}
