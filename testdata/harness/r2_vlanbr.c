//go:build ignore
/* tc VLAN bridge: untagged frames are tagged by source MAC, tagged frames
 * are re-tagged by a translation map or untagged; MACs rewritten. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u16); __type(value, __u16); } xlate SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } stats SEC(".maps");
__s64 res[8] = {};

static __always_inline void stat(__u32 k)
{
	__u64 *c = bpf_map_lookup_elem(&stats, &k);
	if (c)
		*c += 1;
}

SEC("tc")
int vlanbr(struct __sk_buff *skb)
{
	__u16 a = 10, b = 100;
	bpf_map_update_elem(&xlate, &a, &b, BPF_ANY);
	a = 20; b = 0;
	bpf_map_update_elem(&xlate, &a, &b, BPF_ANY);
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return TC_ACT_SHOT;
	__u16 vid = 0;
	if (skb->vlan_present)
		vid = skb->vlan_tci & 0xfff;
	else if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD)) {
		struct vhdr *v = (void *)(eth + 1);
		if ((void *)(v + 1) > end)
			return TC_ACT_SHOT;
		vid = bpf_ntohs(v->tci) & 0xfff;
	}
	res[0] = vid;
	if (!vid) {
		__u16 nv = 2 + (eth->h_source[5] & 7);
		res[1] = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), nv | (5 << 13));
		stat(0);
	} else {
		__u16 *to = bpf_map_lookup_elem(&xlate, &vid);
		res[2] = bpf_skb_vlan_pop(skb);
		if (to && *to) {
			res[3] = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), *to);
			stat(1);
		} else {
			stat(to ? 2 : 3);
		}
	}
	res[4] = skb->vlan_present;
	res[5] = skb->vlan_tci;
	res[6] = skb->len;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return TC_ACT_SHOT;
	eth->h_dest[0] = 0x02;
	eth->h_dest[5] = 0xbb;
	res[7] = bpf_ntohs(eth->h_proto);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
