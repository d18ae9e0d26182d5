//go:build ignore
/* Generic helpers and kfuncs real programs use: strtol/strtoul, open-coded
 * iterators (bpf_for), dynptrs over local memory. */
#include "h.h"

struct bpf_iter_num { __u64 __opaque[1]; } __attribute__((aligned(8)));
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

__s64 res[8] = {};

SEC("xdp") int strtol(struct xdp_md *ctx)
{
	char s[8] = "-1234x";
	long v = 0;
	unsigned long u = 0;
	res[0] = bpf_strtol(s, sizeof(s), 0, &v);
	res[1] = v;
	res[2] = bpf_strtoul("0x1f", 5, 0, &u);
	res[3] = u;
	return XDP_PASS;
}

SEC("xdp") int iter(struct xdp_md *ctx)
{
	struct bpf_iter_num it;
	int *v, sum = 0;
	bpf_iter_num_new(&it, 2, 10);
	while ((v = bpf_iter_num_next(&it)))
		sum += *v;
	bpf_iter_num_destroy(&it);
	res[0] = sum;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
