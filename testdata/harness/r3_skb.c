//go:build ignore
/* tc programs poking __sk_buff and packet bytes: narrow field loads,
 * skb_load_bytes into odd-sized stack buffers at edge offsets,
 * store_bytes with RECOMPUTE_CSUM, csum_diff chains. */
#include "h.h"

__s64 res[40];
__u8 last[40];

SEC("tc")
int narrow(struct __sk_buff *skb)
{
	int i = 0;
	res[i++] = *(volatile __u8 *)&skb->mark;
	res[i++] = *((volatile __u8 *)&skb->mark + 1);
	res[i++] = *((volatile __u8 *)&skb->mark + 3);
	res[i++] = *(volatile __u16 *)&skb->priority;
	res[i++] = *((volatile __u16 *)&skb->priority + 1);
	res[i++] = *(volatile __u8 *)&skb->tc_index;
	res[i++] = *((volatile __u16 *)&skb->hash + 1);
	res[i++] = *(volatile __u8 *)&skb->len;
	res[i++] = *((volatile __u16 *)&skb->protocol);
	res[i++] = *(volatile __u8 *)&skb->pkt_type;
	res[i++] = *(volatile __u16 *)&skb->queue_mapping;
	res[i++] = *((volatile __u8 *)&skb->cb[1] + 2);
	res[i++] = *((volatile __u16 *)&skb->cb[4] + 1);
	res[i++] = skb->data_end - skb->data;
	res[i++] = skb->len == skb->data_end - skb->data;
	res[i++] = skb->ifindex;
	res[i++] = skb->ingress_ifindex;
	res[i++] = skb->wire_len;
	res[i++] = skb->gso_segs;
	res[i++] = skb->napi_id;
	res[i++] = skb->vlan_present;
	res[i++] = *((volatile __u8 *)&skb->tc_classid + 1);
	/* narrow stores where allowed */
	skb->tc_index = 0x1234;
	skb->cb[2] = 0xcafe;
	*((volatile __u8 *)&skb->cb[3] + 1) = 0x77;
	skb->priority = skb->mark >> 8;
	skb->queue_mapping = 3;
	return skb->tc_index;
}

SEC("tc")
int loads(struct __sk_buff *skb)
{
	__u8 b1[1], b3[3], b7[7], b13[13], b33[33];
	int i = 0;
	__u32 len = skb->len;
	res[i++] = bpf_skb_load_bytes(skb, 0, b1, 1);
	res[i++] = bpf_skb_load_bytes(skb, 11, b3, 3);
	res[i++] = bpf_skb_load_bytes(skb, len - 7, b7, 7);
	res[i++] = bpf_skb_load_bytes(skb, len - 6, b7, 7);
	res[i++] = bpf_skb_load_bytes(skb, 14, b13, 13);
	res[i++] = bpf_skb_load_bytes(skb, 27, b33, 33);
	res[i++] = bpf_skb_load_bytes(skb, 0xffff, b1, 1);
	res[i++] = bpf_skb_load_bytes(skb, -1, b1, 1);
	res[i++] = bpf_skb_load_bytes_relative(skb, 0, b13, 13, BPF_HDR_START_NET);
	res[i++] = bpf_skb_load_bytes_relative(skb, 2, b3, 3, BPF_HDR_START_MAC);
	res[i++] = bpf_skb_load_bytes_relative(skb, len - 14, b1, 1, BPF_HDR_START_NET);
	res[i++] = bpf_skb_load_bytes_relative(skb, 0, b1, 1, 7);
	__builtin_memcpy(last, b1, 1);
	__builtin_memcpy(last + 1, b3, 3);
	__builtin_memcpy(last + 4, b7, 7);
	__builtin_memcpy(last + 11, b13, 13);
	__builtin_memcpy(last + 24, b33, 16);
	res[i++] = bpf_skb_pull_data(skb, 0);
	res[i++] = bpf_skb_pull_data(skb, len + 1);
	return TC_ACT_OK;
}

SEC("tc")
int stores(struct __sk_buff *skb)
{
	int i = 0;
	__u8 mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	res[i++] = bpf_skb_store_bytes(skb, 0, mac, 6, BPF_F_RECOMPUTE_CSUM);
	/* rewrite the IPv4 TTL with store_bytes + l3_csum_replace */
	__u8 ttl = 0, nttl = 3;
	res[i++] = bpf_skb_load_bytes(skb, 22, &ttl, 1);
	__u16 old = ttl << 8, new = nttl << 8;
	res[i++] = bpf_skb_store_bytes(skb, 22, &nttl, 1, BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH);
	res[i++] = bpf_l3_csum_replace(skb, 24, bpf_htons(old), bpf_htons(new), 2);
	/* csum_diff chain: the diff of two address pairs, then applied */
	__be32 from[2] = { bpf_htonl(0xc0000201), bpf_htonl(0xc6336402) };
	__be32 to[2] = { bpf_htonl(0x0a000001), bpf_htonl(0x0a000002) };
	__s64 d1 = bpf_csum_diff(from, 8, to, 8, 0);
	__s64 d2 = bpf_csum_diff(0, 0, to, 4, d1);
	__s64 d3 = bpf_csum_diff(from, 4, 0, 0, d2);
	res[i++] = d1;
	res[i++] = d2;
	res[i++] = d3;
	res[i++] = bpf_csum_diff(from, 3, to, 4, 0);
	res[i++] = bpf_csum_diff(from, 0, to, 0, 0x1234);
	res[i++] = bpf_skb_store_bytes(skb, 26, to, 8, 0);
	res[i++] = bpf_l3_csum_replace(skb, 24, 0, d1, 0);
	res[i++] = bpf_l4_csum_replace(skb, 14 + 20 + 16, 0, d1, BPF_F_PSEUDO_HDR);
	res[i++] = bpf_skb_store_bytes(skb, skb->len - 2, mac, 4, 0);
	res[i++] = bpf_skb_store_bytes(skb, skb->len - 2, mac, 2, BPF_F_RECOMPUTE_CSUM);
	res[i++] = bpf_skb_store_bytes(skb, 0, mac, 6, 1ULL << 5);
	res[i++] = skb->hash;
	res[i++] = bpf_get_hash_recalc(skb) != 0;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
