//go:build ignore

/* Direct packet access: every byte read or written must be inside a range
 * learned from a comparison against data_end (or data, for data_meta). */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} by_addr SEC(".maps");

/* The Ethernet header, checked. The twin checks one byte short. */
SEC("xdp")
int ok_pkt_eth(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if (data + sizeof(*eth) > data_end)
		return XDP_DROP;
	return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bad_pkt_eth(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if (data + sizeof(*eth) - 1 > data_end)
		return XDP_DROP;
	return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}

/* No comparison at all. */
SEC("tc")
int ok_pkt_check(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u8 *p = data;

	if (data + 1 > data_end)
		return TC_ACT_OK;
	return p[0] & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int bad_pkt_check(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	__u8 *p = data;

	return p[0] & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}

/* A variable offset (the IP header length): the check must come after
 * the offset is added. The twin checks the fixed part only. */
SEC("xdp")
int ok_pkt_varoff(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct udphdr *udp;

	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return XDP_DROP;
	return udp->dest == bpf_htons(53) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int bad_pkt_varoff(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct udphdr *udp;

	if ((void *)(ip + 1) + sizeof(*udp) > data_end)
		return XDP_DROP;
	udp = (void *)ip + ip->ihl * 4;
	return udp->dest == bpf_htons(53) ? XDP_DROP : XDP_PASS;
}

/* A variable offset may make the pointer overflow the packet's 64 KiB:
 * then the comparison teaches nothing. */
SEC("xdp")
NAKED int ok_pkt_varmax(void)
{
	asm volatile("r6 = r1;"
		     "call 7;"
		     "r2 = *(u32 *)(r6 + 0);"
		     "r3 = *(u32 *)(r6 + 4);"
		     "r0 &= 0x7fff;"
		     "r2 += r0;"
		     "r4 = r2;"
		     "r4 += 1;"
		     "if r4 > r3 goto 1f;"
		     "r0 = *(u8 *)(r2 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_pkt_varmax(void)
{
	asm volatile("r6 = r1;"
		     "call 7;"
		     "r2 = *(u32 *)(r6 + 0);"
		     "r3 = *(u32 *)(r6 + 4);"
		     "r0 &= 0xffff;"
		     "r2 += r0;"
		     "r4 = r2;"
		     "r4 += 1;"
		     "if r4 > r3 goto 1f;"
		     "r0 = *(u8 *)(r2 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;");
}

/* Comparisons of packet pointers teach ranges only as 64-bit jumps. */
SEC("xdp")
NAKED int ok_pkt_jmp32(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);"
		     "r3 = *(u32 *)(r1 + 4);"
		     "r4 = r2;"
		     "r4 += 4;"
		     "if r4 > r3 goto 1f;"
		     "r0 = *(u32 *)(r2 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_pkt_jmp32(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);"
		     "r3 = *(u32 *)(r1 + 4);"
		     "r4 = r2;"
		     "r4 += 4;"
		     "if w4 > w3 goto 1f;"
		     "r0 = *(u32 *)(r2 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;");
}

/* No arithmetic on data_end: move data instead. */
SEC("xdp")
NAKED int ok_pkt_end_arith(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);"
		     "r3 = *(u32 *)(r1 + 4);"
		     "r4 = r2;"
		     "r4 += 2;"
		     "if r4 > r3 goto 1f;"
		     "r0 = *(u16 *)(r2 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_pkt_end_arith(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);"
		     "r3 = *(u32 *)(r1 + 4);"
		     "r3 += -2;"
		     "if r2 > r3 goto 1f;"
		     "r0 = *(u16 *)(r2 + 0);"
		     "exit;"
		     "1: r0 = 2;"
		     "exit;");
}

/* XDP metadata is checked against data. */
SEC("xdp")
int ok_pkt_meta(struct xdp_md *ctx)
{
	void *meta = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;
	__u32 *mark = meta;

	if (meta + sizeof(*mark) > data)
		return XDP_PASS;
	return *mark == 7 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int bad_pkt_meta(struct xdp_md *ctx)
{
	void *meta = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;
	__u32 *mark = meta;

	if (meta + sizeof(__u16) > data)
		return XDP_PASS;
	return *mark == 7 ? XDP_DROP : XDP_PASS;
}

/* Helpers that change the packet invalidate every packet pointer: reload
 * them. The twin keeps using the old ones. */
SEC("tc")
int ok_pkt_stale_tc(struct __sk_buff *skb)
{
	void *data, *data_end;

	if (bpf_skb_pull_data(skb, 14))
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + 14 > data_end)
		return TC_ACT_OK;
	return ((__u8 *)data)[13] == 0 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int bad_pkt_stale_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	if (data + 14 > data_end)
		return TC_ACT_OK;
	if (bpf_skb_pull_data(skb, 14))
		return TC_ACT_OK;
	return ((__u8 *)data)[13] == 0 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("xdp")
int ok_pkt_stale_xdp(struct xdp_md *ctx)
{
	void *data, *data_end;

	if (bpf_xdp_adjust_head(ctx, 14))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + 1 > data_end)
		return XDP_DROP;
	return ((__u8 *)data)[0] ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bad_pkt_stale_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + 1 > data_end)
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, 14))
		return XDP_DROP;
	return ((__u8 *)data)[0] ? XDP_PASS : XDP_DROP;
}

/* Map helpers may read keys straight from the packet, within the range. */
SEC("xdp")
int ok_pkt_key(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);

	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	return bpf_map_lookup_elem(&by_addr, &ip->saddr) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int bad_pkt_key(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);

	if ((void *)ip + 14 > data_end)
		return XDP_DROP;
	return bpf_map_lookup_elem(&by_addr, &ip->saddr) ? XDP_DROP : XDP_PASS;
}

/* Most helpers may not touch the packet at all. */
SEC("xdp")
int ok_pkt_helper(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 buf = 0;

	if (data + 8 > data_end)
		return XDP_DROP;
	bpf_probe_read_kernel(&buf, sizeof(buf), &ctx);
	return buf ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bad_pkt_helper(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + 8 > data_end)
		return XDP_DROP;
	bpf_probe_read_kernel(data, 8, &ctx);
	return XDP_PASS;
}

/* Socket filters have no direct packet access: they copy bytes out. */
SEC("socket")
int ok_pkt_socket(struct __sk_buff *skb)
{
	__u8 b = 0;

	bpf_skb_load_bytes(skb, 0, &b, 1);
	return b ? skb->len : 0;
}

SEC("socket")
int bad_pkt_socket(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u8 *b = data;

	if (data + 1 > data_end)
		return 0;
	return *b ? skb->len : 0;
}
