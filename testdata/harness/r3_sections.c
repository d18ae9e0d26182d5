//go:build ignore
/* Section names libbpf accepts for packet programs. */
#include "h.h"

__u64 hits[8];

SEC("tc/ingress")
int tc_in(struct __sk_buff *skb) { hits[0] += skb->len; return TC_ACT_OK; }

SEC("tc/egress")
int tc_eg(struct __sk_buff *skb) { hits[1] += skb->len; skb->mark = 7; return TC_ACT_SHOT; }

SEC("tcx/ingress")
int tcx_in(struct __sk_buff *skb) { hits[2] += skb->len; skb->priority = 3; return -1 /* TCX_NEXT */; }

SEC("tcx/egress")
int tcx_eg(struct __sk_buff *skb) { hits[3] += 1; return 0 /* TCX_PASS */; }

SEC("classifier")
int cls_plain(struct __sk_buff *skb) { hits[4] += skb->protocol; return TC_ACT_REDIRECT; }

SEC("socket")
int sock_plain(struct __sk_buff *skb) { hits[5] += skb->len; return 20; }

SEC("xdp/devmap")
int xdp_dm(struct xdp_md *ctx) { hits[6] += ctx->ingress_ifindex + 1; return XDP_PASS; }

SEC("xdp/cpumap")
int xdp_cm(struct xdp_md *ctx) { hits[7] += ctx->rx_queue_index + 1; return XDP_DROP; }

char _license[] SEC("license") = "GPL";
