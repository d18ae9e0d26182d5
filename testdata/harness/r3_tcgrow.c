//go:build ignore
/* tc programs that resize the skb: pad to a minimum frame size with
 * bpf_skb_change_tail, push a header with bpf_skb_change_head, trim,
 * and answer ARP in place (Cilium's ARP responder). */
#include "h.h"

__s64 res[16];

SEC("tc")
int grow(struct __sk_buff *skb)
{
	int i = 0;
	__u32 len = skb->len;
	__u32 want = skb->cb[0];
	res[i++] = len;
	res[i++] = bpf_skb_change_tail(skb, want, 0);
	res[i++] = skb->len;
	res[i++] = skb->data_end - skb->data;
	res[i++] = bpf_skb_change_head(skb, skb->cb[1], 0);
	res[i++] = skb->len;
	if (skb->cb[1]) {
		__u8 h[4] = { 0xaa, 0xbb, 0xcc, 0xdd };
		res[i++] = bpf_skb_store_bytes(skb, 0, h, 4, 0);
	}
	res[i++] = bpf_skb_change_tail(skb, skb->len + 1, 1);
	res[i++] = skb->len;
	return TC_ACT_OK;
}

SEC("tc")
int arp_responder(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct arp4 *a = (void *)(eth + 1);
	if ((void *)(a + 1) > end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_ARP) || a->op != bpf_htons(1))
		return TC_ACT_OK;
	__u8 mymac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	__u8 smac[6];
	__u32 sip, tip;
	__builtin_memcpy(smac, a->sha, 6);
	__builtin_memcpy(&sip, a->spa, 4);
	__builtin_memcpy(&tip, a->tpa, 4);
	__u16 op = bpf_htons(2);
	res[0] = bpf_skb_store_bytes(skb, 20, &op, 2, 0);
	res[1] = bpf_skb_store_bytes(skb, 22, mymac, 6, 0);
	res[2] = bpf_skb_store_bytes(skb, 28, &tip, 4, 0);
	res[3] = bpf_skb_store_bytes(skb, 32, smac, 6, 0);
	res[4] = bpf_skb_store_bytes(skb, 38, &sip, 4, 0);
	res[5] = bpf_skb_store_bytes(skb, 0, smac, 6, 0);
	res[6] = bpf_skb_store_bytes(skb, 6, mymac, 6, 0);
	/* pad to 60 bytes like a NIC would */
	if (skb->len < 60)
		res[7] = bpf_skb_change_tail(skb, 60, 0);
	res[8] = skb->len;
	return bpf_redirect(skb->ifindex, 0);
}

char _license[] SEC("license") = "GPL";
