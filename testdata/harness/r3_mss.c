//go:build ignore
/* TCP MSS clamping on SYNs: XDP with a manual RFC 1624 update, tc with
 * bpf_l4_csum_replace; options walked with a bounded loop. */
#include "h.h"

__s64 res[8];
const volatile __u16 clamp = 1360;

static __always_inline __u16 *find_mss(struct tcphdr *tcp, void *end)
{
	__u8 *opt = (void *)(tcp + 1);
	__u8 *oend = (void *)tcp + tcp->doff * 4;
	for (int i = 0; i < 10; i++) {
		if ((void *)(opt + 1) > end || opt >= oend)
			return 0;
		if (*opt == 0)
			return 0;
		if (*opt == 1) {
			opt++;
			continue;
		}
		if ((void *)(opt + 2) > end)
			return 0;
		__u8 len = opt[1];
		if (len < 2)
			return 0;
		if (*opt == 2 && len == 4) {
			if ((void *)(opt + 4) > end)
				return 0;
			return (__u16 *)(opt + 2);
		}
		opt += len;
	}
	return 0;
}

static __always_inline struct tcphdr *tcp_of(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_TCP)
		return 0;
	struct tcphdr *tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > end)
		return 0;
	return tcp;
}

SEC("xdp")
int mss_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct tcphdr *tcp = tcp_of(data, end);
	if (!tcp || !tcp->syn)
		return XDP_PASS;
	__u16 *mss = find_mss(tcp, end);
	if (!mss)
		return XDP_PASS;
	__u16 old = *mss;
	res[0] = bpf_ntohs(old);
	if (bpf_ntohs(old) <= clamp)
		return XDP_PASS;
	__u16 new = bpf_htons(clamp);
	*mss = new;
	__u32 sum = (__u16)~tcp->check + (__u16)~old + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	tcp->check = ~sum;
	res[1] = tcp->check;
	return XDP_TX;
}

SEC("tc")
int mss_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct tcphdr *tcp = tcp_of(data, end);
	if (!tcp || !tcp->syn)
		return TC_ACT_OK;
	__u16 *mss = find_mss(tcp, end);
	if (!mss)
		return TC_ACT_OK;
	__u16 old = *mss;
	if (bpf_ntohs(old) <= clamp)
		return TC_ACT_OK;
	__u32 moff = (void *)mss - data;
	__u32 coff = (void *)&tcp->check - data;
	__u16 new = bpf_htons(clamp);
	res[2] = bpf_skb_store_bytes(skb, moff, &new, 2, 0);
	res[3] = bpf_l4_csum_replace(skb, coff, old, new, 2);
	res[4] = moff;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
