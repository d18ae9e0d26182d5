/* Programs the way eBPF programs commonly use helpers and contexts: a
 * bpf_loop callback, counters, a flow table updated from the program,
 * clocks and random numbers, ring buffer events, array updates, a tc
 * program on __sk_buff, MAC swapping, bpf_csum_diff, bpf_xdp_adjust_head,
 * a socket filter and a byte loop over the payload. Written apart from
 * suite.c, to see how the JIT fares on code it was not tuned on;
 * scripts/bench-cli.sh measures them through `gbpf run` beside the kernel.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 256); __type(key, __u32); __type(value, __u64); } counters SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } pcpu SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1024); __type(key, __u32); __type(value, __u64); } flows SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 16); } events SEC(".maps");

struct loopctx { __u64 acc; __u32 seed; };

static long body(__u32 i, void *c)
{
	struct loopctx *l = c;
	l->acc = l->acc * 31 + (i ^ l->seed);
	return 0;
}

SEC("xdp")
int loop_cb(struct xdp_md *ctx)
{
	struct loopctx l = { .acc = 1, .seed = ctx->data_end - ctx->data };
	bpf_loop(1000, body, &l, 0);
	return l.acc & 1 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int count_proto(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end) return XDP_ABORTED;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end) return XDP_PASS;
	__u32 k = ip->protocol;
	__u64 *v = bpf_map_lookup_elem(&counters, &k);
	if (v) __sync_fetch_and_add(v, 1);
	__u32 z = 0;
	__u64 *p = bpf_map_lookup_elem(&pcpu, &z);
	if (p) *p += end - data;
	return XDP_PASS;
}

SEC("xdp")
int flow_update(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end) return XDP_ABORTED;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end) return XDP_PASS;
	__u32 k = ip->saddr;
	__u64 *v = bpf_map_lookup_elem(&flows, &k);
	if (v) {
		__sync_fetch_and_add(v, 1);
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&flows, &k, &one, BPF_ANY);
	}
	return XDP_PASS;
}

SEC("xdp")
int ktime_prandom(struct xdp_md *ctx)
{
	__u64 t = bpf_ktime_get_ns();
	__u32 r = bpf_get_prandom_u32();
	return (t ^ r) & 1 ? XDP_PASS : XDP_PASS;
}

SEC("xdp")
int emit_event(struct xdp_md *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&events, 16, 0);
	if (!e) return XDP_PASS;
	e[0] = ctx->data_end - ctx->data;
	e[1] = 7;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return XDP_PASS;
}

SEC("xdp")
int array_update(struct xdp_md *ctx)
{
	__u32 k = (ctx->data_end - ctx->data) & 255;
	__u64 v = k * 3;
	bpf_map_update_elem(&counters, &k, &v, BPF_ANY);
	return XDP_PASS;
}

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); } stats SEC(".maps");

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u16 proto = skb->protocol;
	skb->mark = len ^ proto;
	__u8 buf[20];
	if (bpf_skb_load_bytes(skb, 14, buf, sizeof(buf)) < 0)
		return TC_ACT_OK;
	__u32 k = buf[9] & 15;
	__u64 *v = bpf_map_lookup_elem(&stats, &k);
	if (v) __sync_fetch_and_add(v, len);
	return TC_ACT_OK;
}

SEC("xdp")
int swap_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end) return XDP_ABORTED;
	__u8 tmp[ETH_ALEN];
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end) return XDP_PASS;
	__u32 s = ip->saddr; ip->saddr = ip->daddr; ip->daddr = s;
	return XDP_TX;
}

SEC("xdp")
int csum_helper(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > end) return XDP_PASS;
	__s64 c = bpf_csum_diff(0, 0, (void *)ip, sizeof(*ip), 0);
	return c & 1 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int adjust(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -4)) return XDP_ABORTED;
	if (bpf_xdp_adjust_head(ctx, 4)) return XDP_ABORTED;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 14 > end) return XDP_ABORTED;
	return XDP_PASS;
}

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	__u8 p = 0;
	bpf_skb_load_bytes(skb, 14 + 9, &p, 1);
	return p == 17 ? skb->len : 0;
}

static __u32 fnv(const __u8 *p, int n)
{
	__u32 h = 2166136261u;
	for (int i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
	return h;
}

SEC("xdp")
int hash_payload(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 14 + 20 + 8 + 64 > end) return XDP_PASS;
	__u32 h = fnv(data + 42, 64);
	return h & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
