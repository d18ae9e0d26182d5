//go:build ignore
/* Old-style iproute2/bcc programs: SEC("maps") struct bpf_map_def with
 * extra fields, classifier/ and socket/ sections, bpf_printk. */
#include "h.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 16,
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 8,
	.map_flags = BPF_F_NO_PREALLOC,
};

SEC("classifier/ingress")
int cls_legacy(struct __sk_buff *skb)
{
	__u32 k = skb->protocol == bpf_htons(ETH_P_IP) ? 1 : skb->protocol == bpf_htons(ETH_P_IPV6) ? 2 : 3;
	__u64 *v = bpf_map_lookup_elem(&legacy_counts, &k);
	if (v)
		__sync_fetch_and_add(v, skb->len);
	__u32 hv = skb->len;
	bpf_map_update_elem(&legacy_hash, &k, &hv, BPF_ANY);
	bpf_printk("cls %d len %u mark %x", k, skb->len, skb->mark);
	bpf_printk("proto %04x pri %lu", bpf_ntohs(skb->protocol), (unsigned long)skb->priority);
	return TC_ACT_UNSPEC;
}

SEC("socket/filter1")
int sock_legacy(struct __sk_buff *skb)
{
	__u32 k = 5;
	__u64 *v = bpf_map_lookup_elem(&legacy_counts, &k);
	if (v)
		*v += 1;
	bpf_printk("sock %s %c %5d|%-5d|", "x", 'y', skb->len, -3);
	return skb->len > 64 ? 64 : -1;
}

char _license[] SEC("license") = "GPL";
