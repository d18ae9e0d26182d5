//go:build ignore
/* Read every __sk_buff field a tc classifier may read into .bss, then write
 * the writable ones. */
#include "h.h"

struct seen {
	__u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto;
	__u32 priority, ingress_ifindex, ifindex, tc_index, cb[5], hash, tc_classid, napi_id;
	__u32 wire_len, gso_segs, gso_size, data_len, meta_len;
	__u64 tstamp;
	__u8 tstamp_type;
};
struct seen seen = {};
const volatile __u32 set_mark = 0x1234;

SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	seen.len = skb->len;
	seen.pkt_type = skb->pkt_type;
	seen.mark = skb->mark;
	seen.queue_mapping = skb->queue_mapping;
	seen.protocol = skb->protocol;
	seen.vlan_present = skb->vlan_present;
	seen.vlan_tci = skb->vlan_tci;
	seen.vlan_proto = skb->vlan_proto;
	seen.priority = skb->priority;
	seen.ingress_ifindex = skb->ingress_ifindex;
	seen.ifindex = skb->ifindex;
	seen.tc_index = skb->tc_index;
	for (int i = 0; i < 5; i++)
		seen.cb[i] = skb->cb[i];
	seen.hash = skb->hash;
	seen.tc_classid = skb->tc_classid;
	seen.napi_id = skb->napi_id;
	seen.wire_len = skb->wire_len;
	seen.gso_segs = skb->gso_segs;
	seen.gso_size = skb->gso_size;
	seen.tstamp = skb->tstamp;
	seen.data_len = skb->data_end - skb->data;
	seen.meta_len = skb->data - skb->data_meta;

	skb->mark = skb->mark ^ set_mark;
	skb->priority = skb->priority + 7;
	skb->cb[0] = 0xdeadbeef;
	skb->cb[4] += 1;
	skb->tc_index = 0x12345;
	skb->tc_classid = 0x10002;
	skb->queue_mapping = 3;
	return TC_ACT_OK;
}

/* tstamp and tstamp_type: reads, and a write that sets the type. */
__u64 ts[4] = {};

SEC("tc")
int tc_tstamp(struct __sk_buff *skb)
{
	ts[0] = skb->tstamp_type;
	ts[1] = skb->tstamp;
	skb->tstamp = 1000000;
	ts[2] = skb->tstamp_type;
	ts[3] = skb->tstamp;
	return TC_ACT_OK;
}

/* A classifier returning the classid it computed. */
SEC("classifier")
int cls_by_port(struct __sk_buff *skb)
{
	__u16 dport;
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(struct iphdr) + 2, &dport, 2) < 0)
		return TC_ACT_SHOT;
	skb->tc_classid = 0x10000 | bpf_ntohs(dport);
	skb->priority = bpf_ntohs(dport) & 7;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
