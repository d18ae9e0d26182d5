//go:build ignore
/* Global-variable-heavy: arrays of structs in .data and .bss, a const
 * volatile config struct, static locals, custom .data.* sections,
 * strings in .rodata, indexes from the packet. */
#include "h.h"

struct flow { __u32 pkts; __u16 last_len; __u8 proto; __u8 flags; __u64 bytes; };
struct cfg { __u32 nflows; __u8 mask; __u8 enabled; __u16 ports[4]; char name[8]; };

struct flow flows[8] = { [3] = { .pkts = 100, .proto = 6 } };
struct flow scratch[4];
const volatile struct cfg config = { .nflows = 8, .mask = 7, .enabled = 1, .ports = {22, 53, 80, 443}, .name = "gbpf" };
__u64 hist[16] SEC(".data.hist") = { 1, 2, 3 };
__u32 port_hits[4] SEC(".data.ports");
static const char tag[] = "r2g";
__u8 name_copy[8];
int last_idx = -1;

static __noinline int bump(struct flow *f, __u16 len, __u8 proto)
{
	static __u32 calls;
	calls++;
	f->pkts++;
	f->last_len = len;
	f->proto = proto;
	f->bytes += len;
	f->flags |= 1 << (calls & 7);
	return calls;
}

SEC("xdp")
int globals2(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (!config.enabled)
		return XDP_PASS;
	__u16 len = end - data;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	__u32 idx = (eth->h_source[5] ^ len) & config.mask;
	last_idx = idx;
	__u8 proto = 0;
	__u16 dport = 0;
	struct iphdr *ip = (void *)(eth + 1);
	if (eth->h_proto == bpf_htons(ETH_P_IP) && (void *)(ip + 1) <= end) {
		proto = ip->protocol;
		struct udphdr *u = (void *)(ip + 1);
		if ((void *)(u + 1) <= end)
			dport = bpf_ntohs(u->dest);
	}
	int c = bump(&flows[idx], len, proto);
	bump(&scratch[c & 3], len, proto);
	hist[len >> 7 & 15]++;
	for (int i = 0; i < 4; i++)
		if (config.ports[i] == dport)
			port_hits[i]++;
	for (int i = 0; i < 8; i++)
		name_copy[i] = config.name[i] ^ tag[i & 3];
	return c & 1 ? XDP_PASS : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
