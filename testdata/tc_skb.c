//go:build ignore

/* tc and socket filter programs on __sk_buff: header rewrites with
 * skb_load_bytes/skb_store_bytes and the l3/l4 checksum helpers, a
 * redirect, and a socket filter written with the legacy LD_ABS/LD_IND
 * packet loads. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

/* Classic BPF-style packet loads; LLVM lowers these to LD_ABS/LD_IND. */
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

#define IP_OFF ETH_HLEN
#define TOS_OFF (IP_OFF + offsetof(struct iphdr, tos))
#define DADDR_OFF (IP_OFF + offsetof(struct iphdr, daddr))
#define IP_CSUM_OFF (IP_OFF + offsetof(struct iphdr, check))
#define TCP_OFF (IP_OFF + sizeof(struct iphdr))
#define TCP_DPORT_OFF (TCP_OFF + offsetof(struct tcphdr, dest))
#define TCP_CSUM_OFF (TCP_OFF + offsetof(struct tcphdr, check))

/* What the kernel put in the context, for comparison across engines. */
struct skb_view {
	__u32 len, protocol, ifindex, ingress_ifindex, mark, pkt_type, queue_mapping, vlan_present;
};
struct skb_view tc_seen, redirect_seen;

const volatile __u8 new_tos = 0x10;
const volatile __u32 new_daddr = 0xc0a80001; /* 192.168.0.1, host order */
const volatile __u16 new_dport = 8080;

static __always_inline void view(struct __sk_buff *skb, struct skb_view *v)
{
	v->len = skb->len;
	v->protocol = skb->protocol;
	v->ifindex = skb->ifindex;
	v->ingress_ifindex = skb->ingress_ifindex;
	v->mark = skb->mark;
	v->pkt_type = skb->pkt_type;
	v->queue_mapping = skb->queue_mapping;
	v->vlan_present = skb->vlan_present;
}

/* Rewrites TOS, destination address and TCP destination port of IPv4/TCP
 * packets, keeping both checksums right. */
SEC("tc")
int tc_rewrite(struct __sk_buff *skb)
{
	struct ethhdr eth;
	struct iphdr ip;
	__be16 old_port, port = bpf_htons(new_dport);
	__be32 addr = bpf_htonl(new_daddr);
	__u16 old_word, new_word;
	__u8 tos = new_tos;

	view(skb, &tc_seen);
	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) < 0 || eth.h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, IP_OFF, &ip, sizeof(ip)) < 0 || ip.ihl != 5)
		return TC_ACT_OK;
	if (ip.protocol != IPPROTO_TCP)
		return TC_ACT_SHOT;

	/* TOS shares a 16-bit checksum word with version and IHL. */
	old_word = *(__u16 *)&ip;
	((__u8 *)&ip)[1] = tos;
	new_word = *(__u16 *)&ip;
	bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_word, new_word, sizeof(__u16));
	bpf_skb_store_bytes(skb, TOS_OFF, &tos, 1, 0);

	/* The address is in the TCP pseudo-header too. */
	bpf_l4_csum_replace(skb, TCP_CSUM_OFF, ip.daddr, addr, BPF_F_PSEUDO_HDR | sizeof(addr));
	bpf_l3_csum_replace(skb, IP_CSUM_OFF, ip.daddr, addr, sizeof(addr));
	bpf_skb_store_bytes(skb, DADDR_OFF, &addr, sizeof(addr), 0);

	if (bpf_skb_load_bytes(skb, TCP_DPORT_OFF, &old_port, sizeof(old_port)) < 0)
		return TC_ACT_SHOT;
	bpf_l4_csum_replace(skb, TCP_CSUM_OFF, old_port, port, sizeof(port));
	bpf_skb_store_bytes(skb, TCP_DPORT_OFF, &port, sizeof(port), 0);
	skb->mark = 0x42;
	return TC_ACT_OK;
}

SEC("classifier")
int tc_redirect(struct __sk_buff *skb)
{
	view(skb, &redirect_seen);
	return bpf_redirect(skb->ifindex, 0);
}

/* Socket filter: keeps whole IPv4 TCP packets to port 80 from 192.0.2.0/24
 * and the first 64 bytes of other IPv4 packets, drops the rest. Offsets are
 * from the network header: socket filters see no Ethernet header. */
SEC("socket")
int sock_http(struct __sk_buff *skb)
{
	__u64 ihl, dport;

	if (load_byte(skb, 0) >> 4 != 4)
		return 0;
	if (load_byte(skb, offsetof(struct iphdr, protocol)) != IPPROTO_TCP)
		return 64;
	if ((load_word(skb, offsetof(struct iphdr, saddr)) & 0xffffff00) != 0xc0000200)
		return 64;
	ihl = (load_byte(skb, 0) & 0xf) * 4;
	dport = load_half(skb, ihl + offsetof(struct tcphdr, dest)); /* LD_IND */
	return dport == 80 ? skb->len : 0;
}

__u32 sock_first_word;

/* The same start, with bpf_skb_load_bytes. */
SEC("socket")
int sock_bytes(struct __sk_buff *skb)
{
	__u32 w;

	if (bpf_skb_load_bytes(skb, 0, &w, sizeof(w)) < 0)
		return 0;
	sock_first_word = bpf_ntohl(w);
	return skb->len > 100 ? 100 : skb->len;
}
