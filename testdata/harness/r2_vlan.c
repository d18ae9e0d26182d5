//go:build ignore
/* VLAN push/pop sequences from cb: per entry low byte 1 push 802.1Q,
 * 2 push 802.1ad, 3 pop, 4 push an unknown protocol; tci in bits 16-31. */
#include "h.h"

__s64 rc[40] = {};

SEC("tc")
int vlan_ops(struct __sk_buff *skb)
{
	__u32 ops[5] = {skb->cb[0], skb->cb[1], skb->cb[2], skb->cb[3], skb->cb[4]};
	for (int i = 0; i < 5; i++) {
		__u32 op = ops[i];
		__u16 tci = op >> 16;
		long r = 0;
		switch (op & 0xff) {
		case 0:
			continue;
		case 1:
			r = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), tci);
			break;
		case 2:
			r = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021AD), tci);
			break;
		case 3:
			r = bpf_skb_vlan_pop(skb);
			break;
		case 4:
			r = bpf_skb_vlan_push(skb, bpf_htons(0x1234), tci);
			break;
		}
		rc[i * 8] = r;
		rc[i * 8 + 1] = skb->vlan_present;
		rc[i * 8 + 2] = skb->vlan_tci;
		rc[i * 8 + 3] = bpf_ntohs(skb->vlan_proto);
		rc[i * 8 + 4] = skb->len;
		rc[i * 8 + 5] = bpf_ntohs(skb->protocol);
		rc[i * 8 + 6] = (long)skb->data_end - (long)skb->data;
		__u16 et = 0;
		rc[i * 8 + 7] = bpf_skb_load_bytes(skb, 12, &et, 2) ?: bpf_ntohs(et);
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
