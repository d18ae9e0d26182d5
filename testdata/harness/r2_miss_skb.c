//go:build ignore
/* tc helpers real programs use that gbpf may lack, one program each. */
#include "h.h"

__s64 res[8] = {};

SEC("tc") int change_head(struct __sk_buff *skb)
{
	res[0] = bpf_skb_change_head(skb, 14, 0);
	res[1] = skb->len;
	res[2] = bpf_skb_change_head(skb, 4, 1);
	return TC_ACT_OK;
}
SEC("tc") int ecn_ce(struct __sk_buff *skb) { res[0] = bpf_skb_ecn_set_ce(skb); return TC_ACT_OK; }
SEC("tc") int sock_cookie(struct __sk_buff *skb) { res[0] = bpf_get_socket_cookie(skb) != 0; res[1] = bpf_get_socket_uid(skb); return TC_ACT_OK; }
SEC("tc") int change_type(struct __sk_buff *skb) { res[0] = bpf_skb_change_type(skb, 1); res[1] = skb->pkt_type; res[2] = bpf_skb_change_type(skb, 7); return TC_ACT_OK; }
SEC("tc") int classid(struct __sk_buff *skb) { res[0] = bpf_get_cgroup_classid(skb); res[1] = bpf_get_route_realm(skb); return TC_ACT_OK; }
SEC("tc") int check_mtu(struct __sk_buff *skb)
{
	__u32 mtu = 0;
	res[0] = bpf_check_mtu(skb, 0, &mtu, 0, 0);
	res[1] = mtu;
	mtu = 0;
	res[2] = bpf_check_mtu(skb, 0, &mtu, 70000, 0);
	res[3] = mtu;
	return TC_ACT_OK;
}
SEC("tc") int redirect_ing(struct __sk_buff *skb) { res[0] = bpf_redirect(1, BPF_F_INGRESS); res[1] = bpf_redirect(1, 7); return res[0]; }

char LICENSE[] SEC("license") = "GPL";
