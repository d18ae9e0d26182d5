//go:build ignore
/* bpf_skb_load_bytes_relative from tc and a socket filter: cb[0] offset,
 * cb[1] length (1..64), cb[2] start header. */
#include "h.h"

__s64 rc[2] = {};
__u8 got[64] = {};

static __always_inline int ldrel(struct __sk_buff *skb)
{
	__u32 n = skb->cb[1] & 63;
	__u8 buf[64];
	__builtin_memset(buf, 0x5a, sizeof(buf));
	if (n < 1)
		n = 1;
	rc[0] = bpf_skb_load_bytes_relative(skb, skb->cb[0], buf, n, skb->cb[2]);
	rc[1] = n;
	__builtin_memcpy(got, buf, sizeof(buf));
	return 0;
}

SEC("tc")
int ldrel_tc(struct __sk_buff *skb) { ldrel(skb); return TC_ACT_OK; }

SEC("socket")
int ldrel_sock(struct __sk_buff *skb) { ldrel(skb); return skb->len; }

char LICENSE[] SEC("license") = "GPL";
