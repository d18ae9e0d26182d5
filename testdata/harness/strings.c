//go:build ignore
/* String helpers: bpf_snprintf with many conversions, bpf_strncmp,
 * bpf_printk, into .bss buffers. */
#include "h.h"

char buf[128] = {};
char small[8] = {};
__s64 rc[6] = {};
const char want[] = "GET ";

SEC("xdp")
int strings(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	__u32 saddr = ip->saddr;
	__u64 args[] = { saddr & 0xff, -5, 0xabcdef, (__u64)&saddr, 'Z', (__u64)-1 };
	rc[0] = bpf_snprintf(buf, sizeof(buf), "%u|%d|%08x|%pI4|%c|%lld|%%", args, sizeof(args));
	__u64 a2[] = { 123456789 };
	rc[1] = bpf_snprintf(small, sizeof(small), "n=%lu", a2, sizeof(a2));
	char tmp[8];
	__builtin_memcpy(tmp, "GET /x", 7);
	rc[2] = bpf_strncmp(tmp, 4, want);
	rc[3] = bpf_strncmp(tmp, 3, "GEX");
	rc[4] = bpf_strncmp(tmp, 7, "GET /");
	rc[5] = bpf_printk("saddr %pI4 len %d", &saddr, (int)(end - data));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
