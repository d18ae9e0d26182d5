//go:build ignore

/* Program types beyond XDP, tc and tracing: the context each may read and
 * write, its packet access, its helpers and its return value range. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

/* cgroup/connect4: the IPv4 destination is readable and writable, the
 * IPv6 one belongs to connect6. */
SEC("cgroup/connect4")
int ok_ctx_connect4_ip(struct bpf_sock_addr *ctx)
{
	ctx->user_ip4 = bpf_htonl(0x7f000001);
	ctx->user_port = bpf_htons(8080);
	return 1;
}

SEC("cgroup/connect4")
int bad_ctx_connect4_ip(struct bpf_sock_addr *ctx)
{
	ctx->user_ip6[0] = bpf_htonl(0x7f000001);
	return 1;
}

/* cgroup/sendmsg4: the family is read only; the socket is never NULL. */
SEC("cgroup/sendmsg4")
int ok_ctx_sock_addr_family(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	return ctx->family == 2 && sk->protocol == IPPROTO_UDP;
}

SEC("cgroup/sendmsg4")
int bad_ctx_sock_addr_family(struct bpf_sock_addr *ctx)
{
	ctx->family = 2;
	return 1;
}

/* cgroup/sock_create may set mark, priority and the bound device, but has
 * no address yet. */
SEC("cgroup/sock_create")
int ok_ctx_sock_create(struct bpf_sock *sk)
{
	sk->mark = 7;
	sk->priority = sk->family == 10;
	return 1;
}

SEC("cgroup/sock_create")
int bad_ctx_sock_create(struct bpf_sock *sk)
{
	return sk->src_ip4 != 0;
}

/* cgroup/post_bind4 reads the bound address and port, read only. */
SEC("cgroup/post_bind4")
int ok_ctx_post_bind4(struct bpf_sock *sk)
{
	return sk->src_port != 22 && sk->src_ip4 != 0;
}

SEC("cgroup/post_bind4")
int bad_ctx_post_bind4(struct bpf_sock *sk)
{
	sk->src_port = 22;
	return 1;
}

/* cgroup_skb may read the packet (CAP_BPF), not write it. */
SEC("cgroup_skb/egress")
int ok_ctx_cgskb_pkt(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;

	if ((void *)(ip + 1) > end)
		return 1;
	return ip->ttl > 1;
}

SEC("cgroup_skb/egress")
int bad_ctx_cgskb_pkt(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;

	if ((void *)(ip + 1) > end)
		return 1;
	ip->ttl = 1;
	return 1;
}

/* cgroup_skb: socket lookups are there, bpf_skb_store_bytes is not. */
SEC("cgroup_skb/ingress")
int ok_helper_cgskb(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;

	sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), -1, 0);
	if (sk)
		bpf_sk_release(sk);
	return 1;
}

SEC("cgroup_skb/ingress")
int bad_helper_cgskb(struct __sk_buff *skb)
{
	__u32 v = 0;

	bpf_skb_store_bytes(skb, 0, &v, sizeof(v), 0);
	return 1;
}

/* sk_msg: the message data, checked against data_end. */
SEC("sk_msg")
int ok_ctx_sk_msg(struct sk_msg_md *msg)
{
	__u8 *p = msg->data;

	if ((void *)(p + 1) > msg->data_end)
		return SK_PASS;
	return *p == 'G' && msg->remote_port ? SK_PASS : SK_DROP;
}

SEC("sk_msg")
int bad_ctx_sk_msg(struct sk_msg_md *msg)
{
	__u8 *p = msg->data;

	return *p == 'G' ? SK_PASS : SK_DROP;
}

/* sk_skb may write the packet, and cannot see skb->mark. */
SEC("sk_skb/stream_verdict")
int ok_ctx_sk_skb(struct __sk_buff *skb)
{
	__u8 *p = (void *)(long)skb->data;

	if ((void *)(p + 1) > (void *)(long)skb->data_end)
		return SK_PASS;
	*p = 'x';
	return skb->len > 10 ? SK_PASS : SK_DROP;
}

SEC("sk_skb/stream_verdict")
int bad_ctx_sk_skb(struct __sk_buff *skb)
{
	return skb->mark ? SK_PASS : SK_DROP;
}

/* lwt_in reads the packet only; lwt_xmit may write it. */
SEC("lwt_xmit")
int ok_ctx_lwt(struct __sk_buff *skb)
{
	struct iphdr *ip = (void *)(long)skb->data;

	if ((void *)(ip + 1) > (void *)(long)skb->data_end)
		return BPF_OK;
	ip->tos = 0;
	return BPF_OK;
}

SEC("lwt_in")
int bad_ctx_lwt(struct __sk_buff *skb)
{
	struct iphdr *ip = (void *)(long)skb->data;

	if ((void *)(ip + 1) > (void *)(long)skb->data_end)
		return BPF_OK;
	ip->tos = 0;
	return BPF_OK;
}

/* flow_dissector: struct bpf_flow_keys is 56 bytes. */
SEC("flow_dissector")
int ok_ctx_flow_keys(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;

	keys->nhoff = 14;
	keys->flow_label = 0;
	return BPF_OK;
}

SEC("flow_dissector")
NAKED int bad_ctx_flow_keys(void)
{
	asm volatile("r2 = *(u64 *)(r1 + 144);"
		     "r3 = 0;"
		     "*(u32 *)(r2 + 56) = r3;"
		     "r0 = 0;"
		     "exit;");
}

/* cgroup/sysctl: file_pos is writable, write is not. */
SEC("cgroup/sysctl")
int ok_ctx_sysctl(struct bpf_sysctl *ctx)
{
	if (ctx->write)
		ctx->file_pos = 0;
	return 1;
}

SEC("cgroup/sysctl")
int bad_ctx_sysctl(struct bpf_sysctl *ctx)
{
	ctx->write = 0;
	return 1;
}

/* cgroup/getsockopt may set the return value; setsockopt may not. */
SEC("cgroup/getsockopt")
int ok_ctx_sockopt_retval(struct bpf_sockopt *ctx)
{
	__u8 *p = ctx->optval;

	if ((void *)(p + 1) <= ctx->optval_end)
		*p = 0;
	ctx->retval = 0;
	return 1;
}

SEC("cgroup/setsockopt")
int bad_ctx_sockopt_retval(struct bpf_sockopt *ctx)
{
	ctx->retval = 0;
	return 1;
}

/* The option value is checked against optval_end. */
SEC("cgroup/setsockopt")
int ok_ctx_sockopt_optval(struct bpf_sockopt *ctx)
{
	__u32 *p = ctx->optval;

	if ((void *)(p + 1) > ctx->optval_end)
		return 1;
	return *p != 0;
}

SEC("cgroup/setsockopt")
int bad_ctx_sockopt_optval(struct bpf_sockopt *ctx)
{
	__u32 *p = ctx->optval;

	return *p != 0;
}

/* cgroup/dev: a read-only context. */
SEC("cgroup/dev")
int ok_ctx_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	return ctx->major != 1 || ctx->minor != 3;
}

SEC("cgroup/dev")
int bad_ctx_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	ctx->minor = 5;
	return 1;
}

/* sk_lookup: ctx->sk may be NULL. */
SEC("sk_lookup")
int ok_ctx_sk_lookup(struct bpf_sk_lookup *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	if (sk && sk->state == 10)
		return SK_DROP;
	return ctx->local_port == 80 ? SK_PASS : SK_DROP;
}

SEC("sk_lookup")
int bad_ctx_sk_lookup(struct bpf_sk_lookup *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	return sk->state == 10 ? SK_DROP : SK_PASS;
}

/* sockops: reply is writable, op is not. */
SEC("sockops")
int ok_ctx_sockops(struct bpf_sock_ops *skops)
{
	if (skops->op == BPF_SOCK_OPS_TIMEOUT_INIT)
		skops->reply = 10;
	return 1;
}

SEC("sockops")
int bad_ctx_sockops(struct bpf_sock_ops *skops)
{
	skops->op = BPF_SOCK_OPS_TIMEOUT_INIT;
	return 1;
}

/* netfilter: two pointers, read only. */
SEC("netfilter")
NAKED int ok_ctx_netfilter(void)
{
	asm volatile("r2 = *(u64 *)(r1 + 8);"
		     "r0 = 1;"
		     "if r2 != 0 goto +1;"
		     "r0 = 0;"
		     "exit;");
}

SEC("netfilter")
NAKED int bad_ctx_netfilter(void)
{
	asm volatile("r2 = 0;"
		     "*(u64 *)(r1 + 8) = r2;"
		     "r0 = 1;"
		     "exit;");
}

/* Return values. cgroup/bind4 may ask for the port check to be skipped
 * (2, 3); cgroup/getpeername4 must return 1. */
SEC("cgroup/bind4")
int ok_ret_bind4(struct bpf_sock_addr *ctx)
{
	return 3;
}

SEC("cgroup/bind4")
int bad_ret_bind4(struct bpf_sock_addr *ctx)
{
	return 4;
}

SEC("cgroup/getpeername4")
int ok_ret_getpeername4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/getpeername4")
int bad_ret_getpeername4(struct bpf_sock_addr *ctx)
{
	return ctx->user_port != 0;
}

SEC("cgroup/getsockopt")
int ok_ret_sockopt(struct bpf_sockopt *ctx)
{
	return ctx->level == 6;
}

SEC("cgroup/getsockopt")
int bad_ret_sockopt(struct bpf_sockopt *ctx)
{
	return ctx->level;
}

SEC("sockops")
int ok_ret_sockops(struct bpf_sock_ops *skops)
{
	return 1;
}

SEC("sockops")
int bad_ret_sockops(struct bpf_sock_ops *skops)
{
	return -1;
}

SEC("cgroup/dev")
int ok_ret_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	return ctx->access_type & 1;
}

SEC("cgroup/dev")
int bad_ret_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	return ctx->access_type & 3;
}

/* A return value's range is proven along every path, also through a
 * subprogram's result. */
static __attribute__((noinline)) int verdict(__u32 x)
{
	return x & 1;
}

SEC("cgroup_skb/ingress")
int ok_ret_cgskb_subprog(struct __sk_buff *skb)
{
	return verdict(skb->len);
}

static __attribute__((noinline)) int verdict2(__u32 x)
{
	return x & 2;
}

SEC("cgroup_skb/ingress")
int bad_ret_cgskb_subprog(struct __sk_buff *skb)
{
	return verdict2(skb->len);
}

/* A sockmap lookup gives a socket, with a reference to release. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} socks SEC(".maps");

SEC("sk_skb/stream_verdict")
int ok_ref_sockmap(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct bpf_sock *sk = bpf_map_lookup_elem(&socks, &key);
	int ret = SK_PASS;

	if (!sk)
		return SK_DROP;
	if (sk->type != 1)
		ret = SK_DROP;
	bpf_sk_release(sk);
	return ret;
}

SEC("sk_skb/stream_verdict")
int bad_ref_sockmap(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct bpf_sock *sk = bpf_map_lookup_elem(&socks, &key);

	if (!sk)
		return SK_DROP;
	return sk->type == 1 ? SK_PASS : SK_DROP;
}

/* bpf_sk_fullsock: the full socket behind skb->sk, or NULL. */
SEC("cgroup_skb/egress")
int ok_helper_fullsock(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	return sk->type == 1 && sk->protocol == IPPROTO_TCP;
}

SEC("cgroup_skb/egress")
int bad_helper_fullsock(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	return sk->type == 1;
}

/* A socket is the value of a sockmap update, from the program types
 * that cannot hold a locked socket (tc, XDP, ...), not from sk_skb. */
SEC("tc")
int ok_helper_sockmap_update(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u32 key = 0;

	if (sk)
		bpf_map_update_elem(&socks, &key, sk, BPF_ANY);
	return TC_ACT_OK;
}

SEC("sk_skb/stream_verdict")
int bad_helper_sockmap_update(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u32 key = 0;

	if (sk)
		bpf_map_update_elem(&socks, &key, sk, BPF_ANY);
	return SK_PASS;
}

SEC("tc")
int ok_helper_sockmap_value(struct __sk_buff *skb)
{
	__u32 key = 0;

	bpf_map_delete_elem(&socks, &key);
	return TC_ACT_OK;
}

SEC("tc")
int bad_helper_sockmap_value(struct __sk_buff *skb)
{
	__u64 v = 0;
	__u32 key = 0;

	bpf_map_update_elem(&socks, &key, &v, BPF_ANY);
	return TC_ACT_OK;
}
