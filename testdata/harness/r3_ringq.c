//go:build ignore
/* Ring buffer of packet prefixes with bpf_ringbuf_output (sizes vary),
 * reserve/discard, and a queue map used as a work list across runs. */
#include "h.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} work SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 3);
	__type(value, __u16);
} stk SEC(".maps");

__s64 res[16];
__u32 popped[8];

SEC("tc")
int ringq(struct __sk_buff *skb)
{
	__u8 pfx[48];
	__u32 n = skb->len < sizeof(pfx) ? skb->len : sizeof(pfx);
	res[0] = bpf_skb_load_bytes(skb, 0, pfx, sizeof(pfx));
	if (res[0] == 0)
		res[1] = bpf_ringbuf_output(&rb, pfx, sizeof(pfx), 0);
	res[2] = bpf_ringbuf_output(&rb, pfx, 13, BPF_RB_NO_WAKEUP);
	__u8 *r = bpf_ringbuf_reserve(&rb, 24, 0);
	if (r) {
		__builtin_memset(r, 0xab, 24);
		r[0] = skb->len;
		if (skb->len & 1)
			bpf_ringbuf_discard(r, 0);
		else
			bpf_ringbuf_submit(r, 0);
	}
	res[3] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	res[4] = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
	/* work list: push the length, pop when more than 2 are queued */
	__u32 v = skb->len + skb->mark;
	res[5] = bpf_map_push_elem(&work, &v, 0);
	__u32 p = 0;
	res[6] = bpf_map_peek_elem(&work, &p);
	res[7] = p;
	if (skb->mark & 1) {
		for (int i = 0; i < 3; i++) {
			__u32 x = 0;
			if (bpf_map_pop_elem(&work, &x) == 0)
				popped[i] += x;
			else
				popped[i] = 0xdead;
		}
	}
	__u16 s = v;
	res[8] = bpf_map_push_elem(&stk, &s, 0);
	res[9] = bpf_map_push_elem(&stk, &s, BPF_EXIST);
	__u16 t = 0;
	res[10] = bpf_map_pop_elem(&stk, &t);
	res[11] = t;
	skb->mark++;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
