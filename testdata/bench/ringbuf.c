//go:build ignore

/* Ring buffer reserve and submit, N records of 8 bytes per run (16 KiB of
 * ring with the record headers). Nothing consumes the ring during a
 * measurement, so the benchmark reloads the object before the ring fills:
 * 16 MiB holds 1024 runs. */
#include "bench.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} ring SEC(".maps");

SEC("xdp")
int ringbuf_reserve_submit(struct xdp_md *ctx)
{
	LOOP {
		__u64 *rec = bpf_ringbuf_reserve(&ring, sizeof(*rec), 0);
		if (!rec)
			return XDP_ABORTED;
		*rec = i;
		bpf_ringbuf_submit(rec, 0);
	}
	return XDP_PASS;
}
