//go:build ignore
/* Global data in every section libbpf makes, const volatile knobs, and
 * bpf-to-bpf calls with five arguments and struct returns through pointers. */
#include "h.h"

const volatile __u32 knob = 7;
const volatile __u8 verbose = 0;
const char greeting[] = "gbpf!";
static const __u16 table[8] = { 1, 1, 2, 3, 5, 8, 13, 21 };
__u32 ticks = 100;
__u8 odd_bytes[7] = { 1, 2, 3, 4, 5, 6, 7 };
struct { __u16 a; __u8 b; __u64 c; } mixed = { 1, 2, 3 };
__u64 zeroed[3];
__u32 in_custom SEC(".data.custom") = 0xc0ffee;
__u64 big_bss[40];
const volatile __u64 rod SEC(".rodata.knobs") = 0x1122334455667788ULL;

__noinline int mix(__u32 a, __u32 b, __u32 c, __u32 d, __u32 e)
{
	return (a * 3 + b) ^ (c << 2) ^ (d >> 1) ^ e;
}

static __noinline __u64 fib(__u32 n)
{
	__u64 a = 0, b = 1;
	for (__u32 i = 0; i < n && i < 90; i++) {
		__u64 t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static __noinline void fill(__u64 *dst, __u32 n, __u64 seed)
{
	for (__u32 i = 0; i < n && i < 40; i++)
		dst[i] = seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
}

SEC("xdp")
int globals(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	ticks += knob;
	odd_bytes[len & 3] ^= greeting[(len >> 2) & 3];
	mixed.c += table[len & 7];
	mixed.b++;
	zeroed[1] = fib(len % 91);
	zeroed[2] = mix(len, knob, ticks, in_custom, verbose);
	in_custom++;
	fill(big_bss, len & 31, rod);
	if (verbose)
		bpf_printk("len %u", len);
	return len > 60 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
