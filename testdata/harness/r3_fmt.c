//go:build ignore
/* bpf_snprintf with the kernel's format set, and the return values of
 * bpf_trace_printk (bpf_printk) for several formats. */
#include "h.h"

char buf1[64], buf2[64], buf3[48], buf4[16], buf5[8];
__s64 res[16];

SEC("tc")
int fmt(struct __sk_buff *skb)
{
	__u64 a[8];
	__u8 ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	__u8 ip4[4] = { 192, 0, 2, 1 };
	__u8 mac[6] = { 2, 0, 0, 0xab, 0xcd, 0xef };
	a[0] = skb->len;
	a[1] = -5;
	a[2] = 0xdeadbeef;
	a[3] = (long)ip4;
	res[0] = bpf_snprintf(buf1, sizeof(buf1), "%u %d %x %pI4", a, 4 * 8);
	a[0] = (long)ip6;
	a[1] = (long)ip6;
	a[2] = 'Z';
	a[3] = -1;
	res[1] = bpf_snprintf(buf2, sizeof(buf2), "%pI6|%pi6|%c|%lld", a, 4 * 8);
	a[0] = 12345;
	a[1] = 0x1f;
	a[2] = (long)"str";
	res[2] = bpf_snprintf(buf3, sizeof(buf3), "%08d|%-4x|%5s|%%|%llu", (__u64[]){ 12345, 0x1f, (long)"str", 42 }, 32);
	res[3] = bpf_snprintf(buf4, sizeof(buf4), "%s-%s-%s", (__u64[]){ (long)"aaaa", (long)"bbbbbbb", (long)"cccccccc" }, 24);
	res[4] = bpf_snprintf(buf5, sizeof(buf5), "%pi4", (__u64[]){ (long)ip4 }, 8);
	res[5] = bpf_snprintf(0, 0, "%d", (__u64[]){ 1234567 }, 8);
	res[8] = bpf_printk("hello");
	res[9] = bpf_printk("len=%u mark=%x", skb->len, skb->mark);
	res[10] = bpf_printk("%d %d %d", 1, -2, 3);
	res[11] = bpf_printk("%pI4", ip4);
	res[12] = bpf_printk("%s", "a string");
	res[13] = bpf_printk("%lx %llu %c", -1L, 99ULL, 'q');
	res[14] = bpf_snprintf(buf4, sizeof(buf4), "%5c|%-3c|", (__u64[]){ 'x', 'y' }, 16);
	return 0;
}

char _license[] SEC("license") = "GPL";
