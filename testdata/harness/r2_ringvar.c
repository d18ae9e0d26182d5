//go:build ignore
/* Ring buffer events of variable size: bpf_ringbuf_output with a packet-
 * dependent length, reserve of sizes picked by a switch, queries; over
 * --repeat the ring fills up. */
#include "h.h"

struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");

__s64 rc[8] = {};
__u32 n = 0;

SEC("xdp")
int ringvar(struct xdp_md *ctx)
{
	__u8 buf[256];
	__builtin_memset(buf, 0, sizeof(buf));
	__u32 len = bpf_xdp_get_buff_len(ctx);
	__u32 k = len > 255 ? 255 : len;
	if (k < 1)
		k = 1;
	bpf_xdp_load_bytes(ctx, 0, buf, 14);
	n++;
	__u64 sz = (n * 37) % 200 + 1;
	asm volatile("%0 &= 0xff" : "+r"(sz));
	rc[0] = bpf_ringbuf_output(&events, buf, sz, 0);
	void *e;
	switch (n % 4) {
	case 0:
		e = bpf_ringbuf_reserve(&events, 1, 0);
		if (e) { *(__u8 *)e = n; bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP); }
		break;
	case 1:
		e = bpf_ringbuf_reserve(&events, 13, 0);
		if (e) { __builtin_memcpy(e, buf, 13); bpf_ringbuf_submit(e, 0); }
		break;
	case 2:
		e = bpf_ringbuf_reserve(&events, 512, 0);
		if (e) { __builtin_memset(e, n, 512); bpf_ringbuf_discard(e, 0); }
		break;
	default:
		e = bpf_ringbuf_reserve(&events, 4080, 0);
		if (e) { *(__u32 *)e = n; bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP); }
		break;
	}
	rc[1] = e != 0;
	rc[2] = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	rc[3] = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	rc[4] = bpf_ringbuf_query(&events, BPF_RB_CONS_POS);
	rc[5] = bpf_ringbuf_query(&events, BPF_RB_PROD_POS);
	rc[6] = bpf_ringbuf_query(&events, 99);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
