//go:build ignore

/* Scalar ids in state comparison: a walk over type-length-value options
 * in packet bytes (pad options take one byte, others two plus their
 * length) keeps the option offset in two registers linked by the copy
 * the compiler makes. A saved state where that offset is precise and
 * linked must still cover a later path where the offset is a constant
 * without a link, as the kernel's check_scalar_ids gives such a register
 * a fresh id: otherwise the nested walk is never pruned and runs out of
 * the instruction budget. The twin reads one byte past the checked end. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} tlv_seen SEC(".maps");

static __always_inline int walk_tlv(struct xdp_md *ctx, const int slack)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *base = data + sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr);
	__u32 at = 0, key = 0;
	int marked = 0;

	if ((void *)(base + 4) > end)
		return XDP_PASS;
	__u8 kind = base[0];
	for (int seg = 0; seg < 5; seg++) {
		__u8 *hdr = base + (at & 0xff);
		if ((void *)(hdr + 4) > end)
			return XDP_DROP;
		if (kind != 1 && kind != 2 && kind != 7)
			break;
		__u8 nkind = hdr[0], words = hdr[1];
		if (kind != 7) {
			__u32 lim = (words + 1) * 4, pos = 2;
			for (int n = 0; n < 8; n++) {
				if (pos >= lim)
					break;
				__u8 *opt = base + ((at + pos) & 0x1ff);
				if ((void *)(opt + 2 + slack) > end)
					return XDP_DROP;
				__u8 t = opt[0];
				if (t == 0x11)
					marked = 1;
				if (t == 0xee)
					return XDP_DROP;
				pos = (pos + (t == 0 ? 1 : 2 + opt[1])) & 0xff;
			}
			at += lim;
		} else {
			at += 8;
		}
		kind = nkind;
		at &= 0xff;
	}
	key = kind & 3;
	__u64 *v = bpf_map_lookup_elem(&tlv_seen, &key);
	if (v)
		*v += marked;
	return XDP_PASS;
}

SEC("xdp")
int ok_tlv_walk(struct xdp_md *ctx)
{
	return walk_tlv(ctx, 0);
}

SEC("xdp")
int bad_tlv_walk(struct xdp_md *ctx)
{
	return walk_tlv(ctx, -1);
}
