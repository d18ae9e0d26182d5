//go:build ignore

/* Context access: which fields each program type may read or write, at
 * which sizes, through the unmodified context pointer only. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

/* XDP: every field is read only. */
SEC("xdp")
int ok_ctx_xdp_write(struct xdp_md *ctx)
{
	return ctx->rx_queue_index ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bad_ctx_xdp_write(struct xdp_md *ctx)
{
	ctx->rx_queue_index = 0;
	return XDP_PASS;
}

/* XDP: no narrow loads. */
SEC("xdp")
int ok_ctx_xdp_narrow(struct xdp_md *ctx)
{
	return *(volatile __u32 *)&ctx->ingress_ifindex == 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int bad_ctx_xdp_narrow(struct xdp_md *ctx)
{
	return *(volatile __u16 *)&ctx->ingress_ifindex == 1 ? XDP_DROP : XDP_PASS;
}

/* XDP: egress_ifindex exists for devmap programs only. */
SEC("xdp/devmap")
int ok_ctx_xdp_egress(struct xdp_md *ctx)
{
	return ctx->egress_ifindex == 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int bad_ctx_xdp_egress(struct xdp_md *ctx)
{
	return ctx->egress_ifindex == 1 ? XDP_DROP : XDP_PASS;
}

/* tc: mark is writable, len is not. */
SEC("tc")
int ok_ctx_tc_write(struct __sk_buff *skb)
{
	skb->mark = 7;
	return TC_ACT_OK;
}

SEC("tc")
int bad_ctx_tc_write(struct __sk_buff *skb)
{
	skb->len = 7;
	return TC_ACT_OK;
}

/* tc: narrow loads of plain fields are fine, of packet pointers not. */
SEC("tc")
int ok_ctx_tc_narrow(struct __sk_buff *skb)
{
	return *(volatile __u16 *)&skb->protocol == 8 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int bad_ctx_tc_narrow(struct __sk_buff *skb)
{
	return *(volatile __u16 *)&skb->data == 8 ? TC_ACT_SHOT : TC_ACT_OK;
}

/* tc: loads no wider than the field. */
SEC("tc")
int ok_ctx_tc_wide(struct __sk_buff *skb)
{
	return *(volatile __u32 *)&skb->mark == 1 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int bad_ctx_tc_wide(struct __sk_buff *skb)
{
	return *(volatile __u64 *)&skb->mark == 1 ? TC_ACT_SHOT : TC_ACT_OK;
}

/* tc reads tstamp; socket filters may not. */
SEC("tc")
int ok_ctx_tstamp(struct __sk_buff *skb)
{
	return skb->tstamp ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("socket")
int bad_ctx_tstamp(struct __sk_buff *skb)
{
	return skb->tstamp ? 0 : skb->len;
}

/* Socket filters write only cb[]. */
SEC("socket")
int ok_ctx_sock_write(struct __sk_buff *skb)
{
	skb->cb[0] = 1;
	return skb->len;
}

SEC("socket")
int bad_ctx_sock_write(struct __sk_buff *skb)
{
	skb->mark = 1;
	return skb->len;
}

/* tc: skb->sk is a socket pointer that may be NULL. */
SEC("tc")
int ok_ctx_tc_sk(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return TC_ACT_OK;
	return sk->family == 2 ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("tc")
int bad_ctx_tc_sk(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	return sk->family == 2 ? TC_ACT_OK : TC_ACT_SHOT;
}

/* kprobe: pt_regs is read only ... */
SEC("kprobe/do_nanosleep")
int ok_ctx_kprobe_write(struct regs21 *regs)
{
	return regs->r[14] == 0;
}

SEC("kprobe/do_nanosleep")
int bad_ctx_kprobe_write(struct regs21 *regs)
{
	regs->r[14] = 0;
	return 0;
}

/* ... and 168 bytes long. */
SEC("kprobe/do_nanosleep")
int ok_ctx_kprobe_end(struct regs21 *regs)
{
	return *(volatile __u64 *)((void *)regs + 160) == 0;
}

SEC("kprobe/do_nanosleep")
int bad_ctx_kprobe_end(struct regs21 *regs)
{
	return *(volatile __u64 *)((void *)regs + 168) == 0;
}

/* Tracepoints: the first 8 bytes (the common header) are off limits. */
SEC("tracepoint/syscalls/sys_enter_nanosleep")
int ok_ctx_tp_header(void *ctx)
{
	return *(volatile __u64 *)(ctx + 8) == 0;
}

SEC("tracepoint/syscalls/sys_enter_nanosleep")
int bad_ctx_tp_header(void *ctx)
{
	return *(volatile __u64 *)(ctx + 0) == 0;
}

SEC("tracepoint/syscalls/sys_enter_nanosleep")
int ok_ctx_tp_write(void *ctx)
{
	return *(volatile __u64 *)(ctx + 16) == 0;
}

SEC("tracepoint/syscalls/sys_enter_nanosleep")
int bad_ctx_tp_write(void *ctx)
{
	*(volatile __u64 *)(ctx + 16) = 0;
	return 0;
}

/* Raw tracepoints: at most 12 u64 arguments. */
SEC("raw_tp/sys_enter")
int ok_ctx_rawtp_args(__u64 *args)
{
	return *(volatile __u64 *)&args[11] == 0;
}

SEC("raw_tp/sys_enter")
int bad_ctx_rawtp_args(__u64 *args)
{
	return *(volatile __u64 *)&args[12] == 0;
}

/* perf_event: struct bpf_perf_event_data is the registers (read as whole
 * u64s), sample_period and addr; 184 bytes. */
struct perf_ctx {
	struct regs21 regs;
	__u64 sample_period;
	__u64 addr;
};

SEC("perf_event")
int ok_ctx_perf_regs(struct perf_ctx *ctx)
{
	return *(volatile __u64 *)&ctx->regs.r[3] == 1;
}

SEC("perf_event")
int bad_ctx_perf_regs(struct perf_ctx *ctx)
{
	return *(volatile __u32 *)&ctx->regs.r[3] == 1;
}

SEC("perf_event")
int ok_ctx_perf_end(struct perf_ctx *ctx)
{
	return *(volatile __u64 *)((void *)ctx + 176) == 1;
}

SEC("perf_event")
int bad_ctx_perf_end(struct perf_ctx *ctx)
{
	return *(volatile __u64 *)((void *)ctx + 184) == 1;
}

SEC("perf_event")
int ok_ctx_perf_write(struct perf_ctx *ctx)
{
	return ctx->sample_period == 1;
}

SEC("perf_event")
int bad_ctx_perf_write(struct perf_ctx *ctx)
{
	ctx->sample_period = 1;
	return 0;
}

/* The context pointer must not move before a load. */
SEC("tc")
NAKED int ok_ctx_moved(void)
{
	asm volatile("r0 = *(u32 *)(r1 + 8);"
		     "exit;");
}

SEC("tc")
NAKED int bad_ctx_moved(void)
{
	asm volatile("r1 += 8;"
		     "r0 = *(u32 *)(r1 + 0);"
		     "exit;");
}

/* Context offsets are constants: no variable index. */
SEC("socket")
NAKED int ok_ctx_var(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);"
		     "r2 &= 4;"
		     "if r2 == 0 goto 1f;"
		     "r0 = *(u32 *)(r1 + 52);"
		     "exit;"
		     "1: r0 = *(u32 *)(r1 + 48);"
		     "exit;");
}

SEC("socket")
NAKED int bad_ctx_var(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);"
		     "r2 &= 4;"
		     "r1 += r2;"
		     "r0 = *(u32 *)(r1 + 48);"
		     "exit;");
}

/* cgroup_skb: mark is writable, len is not. */
SEC("cgroup_skb/ingress")
int ok_ctx_cgskb_write(struct __sk_buff *skb)
{
	skb->mark = skb->len;
	return 1;
}

SEC("cgroup_skb/ingress")
int bad_ctx_cgskb_write(struct __sk_buff *skb)
{
	skb->len = skb->mark;
	return 1;
}

/* syscall programs: a user-supplied buffer, accessed aligned. */
SEC("syscall")
int ok_ctx_syscall(void *ctx)
{
	*(volatile __u32 *)(ctx + 4) = 1;
	return 0;
}

SEC("syscall")
int bad_ctx_syscall(void *ctx)
{
	*(volatile __u32 *)(ctx + 2) = 1;
	return 0;
}
