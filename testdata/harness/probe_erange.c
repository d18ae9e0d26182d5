//go:build ignore
/* Minimal: bpf_probe_read_kernel of a user-range address (0x10) gives
 * -ERANGE on x86-64 (copy_from_kernel_nofault_allowed), not -EFAULT. */
#include "h.h"

SEC("raw_tp/sys_enter")
int probe_erange(void *ctx)
{
	__u32 v;
	return bpf_probe_read_kernel(&v, 4, (void *)0x10); /* kernel: -34 */
}

char LICENSE[] SEC("license") = "GPL";
