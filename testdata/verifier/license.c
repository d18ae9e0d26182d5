//go:build ignore

/* Programs that are not GPL-compatible may not call GPL-only helpers. */
#include "twins.h"

char LICENSE[] SEC("license") = "Proprietary";

SEC("kprobe/do_nanosleep")
int ok_license(struct regs21 *regs)
{
	return bpf_ktime_get_ns() & 1;
}

SEC("kprobe/do_nanosleep")
int bad_license(struct regs21 *regs)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)regs->r[13]);
	return v & 1;
}
