//go:build ignore
/* XDP TCP option parser: the options are copied with bpf_xdp_load_bytes
 * and walked by a bpf_loop callback. */
#include "h.h"

struct opts {
	__u8 buf[40];
	__u32 len, pos;
	__u16 mss;
	__u8 wscale, sack_ok, has_ts, bad, eol;
	__u32 tsval, tsecr;
};

struct result { __u16 mss; __u8 wscale, sack_ok, has_ts, bad; __u16 count; __u32 tsval, tsecr; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u16); __type(value, struct result); } seen SEC(".maps");

static long step(__u64 i, struct opts *o)
{
	__u32 p = o->pos;
	if (p >= o->len || p >= 40)
		return 1;
	__u8 kind = o->buf[p];
	if (kind == 0) {
		o->eol = 1;
		return 1;
	}
	if (kind == 1) {
		o->pos = p + 1;
		return 0;
	}
	if (p + 1 >= o->len || p + 1 >= 40) {
		o->bad = 1;
		return 1;
	}
	__u8 l = o->buf[p + 1];
	if (l < 2 || p + l > o->len) {
		o->bad = 2;
		return 1;
	}
	if (kind == 2 && l == 4 && p + 3 < 40)
		o->mss = o->buf[p + 2] << 8 | o->buf[p + 3];
	else if (kind == 3 && l == 3 && p + 2 < 40)
		o->wscale = o->buf[p + 2];
	else if (kind == 4 && l == 2)
		o->sack_ok = 1;
	else if (kind == 8 && l == 10 && p + 9 < 40) {
		o->has_ts = 1;
		o->tsval = (__u32)o->buf[p + 2] << 24 | (__u32)o->buf[p + 3] << 16 | (__u32)o->buf[p + 4] << 8 | o->buf[p + 5];
		o->tsecr = (__u32)o->buf[p + 6] << 24 | (__u32)o->buf[p + 7] << 16 | (__u32)o->buf[p + 8] << 8 | o->buf[p + 9];
	}
	o->pos = p + l;
	return 0;
}

SEC("xdp")
int tcpopts(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	__u32 toff = sizeof(*eth) + ip->ihl * 4;
	struct tcphdr th;
	if (bpf_xdp_load_bytes(ctx, toff, &th, sizeof(th)))
		return XDP_DROP;
	struct opts o = {};
	__u32 olen = th.doff * 4;
	if (olen < 20)
		return XDP_DROP;
	olen -= 20;
	if (olen > 40)
		olen = 40;
	if (olen) {
		if (bpf_xdp_load_bytes(ctx, toff + 20, o.buf, olen))
			return XDP_ABORTED;
	}
	o.len = olen;
	long n = bpf_loop(40, step, &o, 0);
	__u16 port = bpf_ntohs(th.source);
	struct result r = { .mss = o.mss, .wscale = o.wscale, .sack_ok = o.sack_ok, .has_ts = o.has_ts, .bad = o.bad, .count = n, .tsval = o.tsval, .tsecr = o.tsecr };
	bpf_map_update_elem(&seen, &port, &r, BPF_ANY);
	return o.bad ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
