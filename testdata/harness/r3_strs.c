//go:build ignore
/* .data char arrays indexed at run time, string building into .bss,
 * bpf_snprintf-free formatting by hand, __builtin_memcmp on packet bytes. */
#include "h.h"

char hexdig[] = "0123456789abcdef";
char names[4][12] = { "ipv4", "ipv6", "arp", "other" };
char out[64];
__u32 outlen;
__s32 cmp[4];
static volatile const char magic[4] = "GET ";

SEC("tc")
int strs(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return TC_ACT_SHOT;
	__u32 k;
	switch (bpf_ntohs(eth->h_proto)) {
	case ETH_P_IP: k = 0; break;
	case ETH_P_IPV6: k = 1; break;
	case ETH_P_ARP: k = 2; break;
	default: k = 3;
	}
	__u32 o = 0;
	for (int i = 0; i < 12 && names[k][i]; i++)
		out[o++ & 63] = names[k][i];
	out[o++ & 63] = ':';
	for (int i = 0; i < 6; i++) {
		__u8 b = eth->h_source[i];
		out[o++ & 63] = hexdig[b >> 4];
		out[o++ & 63] = hexdig[b & 15];
	}
	__u32 len = skb->len;
	out[o++ & 63] = '/';
	char tmp[10];
	int n = 0;
	do {
		tmp[n++] = '0' + len % 10;
		len /= 10;
	} while (len && n < 10);
	while (n > 0 && n <= 10)
		out[o++ & 63] = tmp[--n];
	outlen = o;
	names[k][11]++;
	/* memcmp against the payload start (TCP/UDP over IPv4 without options) */
	__u8 *pl = data + 14 + 20 + 20;
	if ((void *)(pl + 4) <= end) {
		char m[4] = { magic[0], magic[1], magic[2], magic[3] };
		cmp[0] = __builtin_memcmp(pl, m, 4) == 0;
		cmp[1] = __builtin_memcmp(pl, "POST", 4) == 0;
	}
	cmp[2] = __builtin_memcmp(names[0], "ipv4", 5) == 0;
	cmp[3] = __builtin_memcmp(eth->h_dest, eth->h_source, 6) == 0;
	return cmp[0] ? TC_ACT_OK : TC_ACT_UNSPEC;
}

char _license[] SEC("license") = "GPL";
