//go:build ignore

/* Helper arguments: memory and size pairs, map keys and values of the
 * map's sizes, the map types and program types each helper accepts,
 * constant strings. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, __u64);
} wide SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} small SEC(".maps");

struct big {
	__u64 a, b;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct big);
} bigvals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jumps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} out SEC(".maps");

const char want_comm[] = "gbpf";
const volatile __u64 config = 1;

/* A size masked to the buffer. The twin masks to twice the buffer. */
SEC("kprobe/do_nanosleep")
int ok_helper_size_mask(struct regs21 *regs)
{
	char buf[64];
	__u64 n = regs->r[14];

	bpf_probe_read_kernel(buf, n & 63, (void *)regs->r[13]);
	return buf[0];
}

SEC("kprobe/do_nanosleep")
int bad_helper_size_mask(struct regs21 *regs)
{
	char buf[64];
	__u64 n = regs->r[14];

	bpf_probe_read_kernel(buf, n & 127, (void *)regs->r[13]);
	return buf[0];
}

/* A size bounded by a comparison. The twin has no bound at all. */
SEC("kprobe/do_nanosleep")
int ok_helper_size_bound(struct regs21 *regs)
{
	char buf[64];
	__u64 n = regs->r[14];

	if (n > sizeof(buf))
		return 0;
	bpf_probe_read_kernel(buf, n, (void *)regs->r[13]);
	return buf[0];
}

SEC("kprobe/do_nanosleep")
int bad_helper_size_bound(struct regs21 *regs)
{
	char buf[64];
	__u64 n = regs->r[14];

	bpf_probe_read_kernel(buf, n, (void *)regs->r[13]);
	return buf[0];
}

/* A signed size must be bounded below too. */
SEC("kprobe/do_nanosleep")
int ok_helper_size_signed(struct regs21 *regs)
{
	char buf[64];
	long n = regs->r[14];

	if (n < 0 || n > (long)sizeof(buf))
		return 0;
	bpf_probe_read_kernel(buf, n, (void *)regs->r[13]);
	return buf[0];
}

SEC("kprobe/do_nanosleep")
int bad_helper_size_signed(struct regs21 *regs)
{
	char buf[64];
	long n = regs->r[14];

	if (n > (long)sizeof(buf))
		return 0;
	bpf_probe_read_kernel(buf, n, (void *)regs->r[13]);
	return buf[0];
}

/* ARG_CONST_SIZE (not _OR_ZERO) refuses a zero size. */
SEC("kprobe/do_nanosleep")
int ok_helper_size_zero(struct regs21 *regs)
{
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	return comm[0];
}

SEC("kprobe/do_nanosleep")
int bad_helper_size_zero(struct regs21 *regs)
{
	char comm[16];

	bpf_get_current_comm(comm, 0);
	return comm[0];
}

/* The key must span key_size bytes of the stack: 8 here, from fp-8. */
SEC("xdp")
NAKED int ok_helper_key_size(void)
{
	asm volatile("r1 = 0;"
		     "*(u64 *)(r10 - 8) = r1;"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r1 = %[wide] ll;"
		     "call 1;"
		     "r0 = 2;"
		     "exit;"
		     :
		     : [wide] "i"(&wide));
}

SEC("xdp")
NAKED int bad_helper_key_size(void)
{
	asm volatile("r1 = 0;"
		     "*(u64 *)(r10 - 8) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[wide] ll;"
		     "call 1;"
		     "r0 = 2;"
		     "exit;"
		     :
		     : [wide] "i"(&wide));
}

/* A value pointer must span value_size bytes: a value of the 8-byte map
 * is too small for the 16-byte one. */
SEC("xdp")
int ok_helper_value_size(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct big *b = bpf_map_lookup_elem(&bigvals, &k);

	if (!b)
		return XDP_PASS;
	bpf_map_update_elem(&bigvals, &k, b, BPF_ANY);
	return XDP_PASS;
}

SEC("xdp")
int bad_helper_value_size(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *s = bpf_map_lookup_elem(&small, &k);

	if (!s)
		return XDP_PASS;
	bpf_map_update_elem(&bigvals, &k, s, BPF_ANY);
	return XDP_PASS;
}

/* The first argument of map helpers is a map. */
SEC("xdp")
NAKED int ok_helper_map_arg(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = %[small] ll;"
		     "call 1;"
		     "r0 = 2;"
		     "exit;"
		     :
		     : [small] "i"(&small));
}

SEC("xdp")
NAKED int bad_helper_map_arg(void)
{
	asm volatile("r1 = 0;"
		     "*(u32 *)(r10 - 4) = r1;"
		     "r2 = r10;"
		     "r2 += -4;"
		     "r1 = r10;"
		     "call 1;"
		     "r0 = 2;"
		     "exit;");
}

/* A pointer argument must be a pointer. */
SEC("xdp")
int ok_helper_ptr_arg(struct xdp_md *ctx)
{
	__u32 k = ctx->rx_queue_index;

	return bpf_map_lookup_elem(&small, &k) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bad_helper_ptr_arg(struct xdp_md *ctx)
{
	__u32 k = ctx->rx_queue_index;

	return bpf_map_lookup_elem(&small, (void *)(long)k) ? XDP_PASS : XDP_DROP;
}

/* Tail calls go through a program array only. */
SEC("xdp")
int ok_helper_map_type(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jumps, 1);
	return XDP_PASS;
}

SEC("xdp")
int bad_helper_map_type(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &small, 1);
	return XDP_PASS;
}

/* The ctx argument must be the unmodified context pointer. */
SEC("tc")
NAKED int ok_helper_ctx_arg(void)
{
	asm volatile("r2 = 0;"
		     "r3 = r10;"
		     "r3 += -8;"
		     "r4 = 8;"
		     "call 26;" /* bpf_skb_load_bytes */
		     "r0 = 0;"
		     "exit;");
}

SEC("tc")
NAKED int bad_helper_ctx_arg(void)
{
	asm volatile("r1 += 8;"
		     "r2 = 0;"
		     "r3 = r10;"
		     "r3 += -8;"
		     "r4 = 8;"
		     "call 26;"
		     "r0 = 0;"
		     "exit;");
}

/* Which helpers a program type may call: socket filters read the packet
 * with bpf_skb_load_bytes but cannot store into it. */
SEC("socket")
int ok_helper_prog_type(struct __sk_buff *skb)
{
	__u32 w = 0;

	bpf_skb_load_bytes(skb, 0, &w, sizeof(w));
	return w ? 0 : skb->len;
}

SEC("socket")
int bad_helper_prog_type(struct __sk_buff *skb)
{
	__u32 w = 0;

	bpf_skb_store_bytes(skb, 0, &w, sizeof(w), 0);
	return skb->len;
}

/* Since Linux 6.10 or so bpf_get_current_pid_tgid and _uid_gid are base
 * helpers, for any program type; the legacy bpf_probe_read is still for
 * tracing programs only. */
SEC("xdp")
int ok_helper_tracing(struct xdp_md *ctx)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), ctx);
	return bpf_get_current_uid_gid() + bpf_get_current_pid_tgid() + v ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bad_helper_tracing(struct xdp_md *ctx)
{
	__u64 v = 0;

	bpf_probe_read(&v, sizeof(v), ctx);
	return bpf_get_current_uid_gid() + bpf_get_current_pid_tgid() + v ? XDP_PASS : XDP_DROP;
}

/* bpf_strncmp compares against a constant string in read-only data. */
SEC("kprobe/do_nanosleep")
int ok_helper_const_str(void *ctx)
{
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	return bpf_strncmp(comm, sizeof(comm), want_comm) == 0;
}

SEC("kprobe/do_nanosleep")
int bad_helper_const_str(void *ctx)
{
	char comm[16], want[8] = "gbpf";

	bpf_get_current_comm(comm, sizeof(comm));
	opaque(want);
	return bpf_strncmp(comm, sizeof(comm), want) == 0;
}

/* Helpers may not write into read-only maps (.rodata). */
SEC("kprobe/do_nanosleep")
int ok_helper_rdonly(struct regs21 *regs)
{
	__u64 v;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)regs->r[13]);
	return v == config;
}

SEC("kprobe/do_nanosleep")
int bad_helper_rdonly(struct regs21 *regs)
{
	bpf_probe_read_kernel((void *)&config, sizeof(config), (void *)regs->r[13]);
	return config;
}

/* The memory a helper reads is checked against its region: 8 bytes of a
 * map value of 8, not 16. */
SEC("tracepoint/syscalls/sys_enter_getpid")
int ok_helper_mem_region(void *ctx)
{
	__u32 k = 0;
	__u64 *s = bpf_map_lookup_elem(&small, &k);

	if (!s)
		return 0;
	bpf_ringbuf_output(&out, s, sizeof(*s), 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int bad_helper_mem_region(void *ctx)
{
	__u32 k = 0;
	__u64 *s = bpf_map_lookup_elem(&small, &k);

	if (!s)
		return 0;
	bpf_ringbuf_output(&out, s, 2 * sizeof(*s), 0);
	return 0;
}

/* Push, pop and peek are for queue and stack maps (and peek/push for
 * bloom filters) only. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__type(value, __u64);
} fifo SEC(".maps");

SEC("xdp")
int ok_helper_queue(struct xdp_md *ctx)
{
	__u64 v = ctx->rx_queue_index;

	bpf_map_push_elem(&fifo, &v, 0);
	return XDP_PASS;
}

SEC("xdp")
int bad_helper_queue(struct xdp_md *ctx)
{
	__u64 v = ctx->rx_queue_index;

	bpf_map_push_elem(&wide, &v, 0);
	return XDP_PASS;
}

/* bpf_probe_read_kernel_str returns at most its size: once the error
 * case is excluded it is a valid length for the same buffer. */
SEC("kprobe/do_nanosleep")
int ok_helper_str_len(struct regs21 *regs)
{
	char buf[64];
	long n = bpf_probe_read_kernel_str(buf, sizeof(buf), (void *)regs->r[13]);

	if (n < 0)
		return 0;
	bpf_ringbuf_output(&out, buf, n, 0);
	return 0;
}

SEC("kprobe/do_nanosleep")
int bad_helper_str_len(struct regs21 *regs)
{
	char buf[64];
	long n = bpf_probe_read_kernel_str(buf, sizeof(buf), (void *)regs->r[13]);

	bpf_ringbuf_output(&out, buf, n, 0);
	return 0;
}

/* bpf_perf_event_output takes the context itself. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf SEC(".maps");

SEC("xdp")
int ok_helper_perf_ctx(struct xdp_md *ctx)
{
	__u64 v = ctx->ingress_ifindex;

	bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &v, sizeof(v));
	return XDP_PASS;
}

SEC("xdp")
int bad_helper_perf_ctx(struct xdp_md *ctx)
{
	__u64 v = ctx->ingress_ifindex;

	bpf_perf_event_output(&v, &perf, BPF_F_CURRENT_CPU, &v, sizeof(v));
	return XDP_PASS;
}

/* A tail call from a subprogram: the frames below it may use 256 bytes
 * of stack at most. */
static __noinline int jump_away(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jumps, 0);
	return XDP_PASS;
}

SEC("xdp")
int ok_helper_tail_stack(struct xdp_md *ctx)
{
	volatile __u8 buf[200];

	buf[ctx->rx_queue_index & 127] = 1;
	return jump_away(ctx) + buf[3];
}

SEC("xdp")
int bad_helper_tail_stack(struct xdp_md *ctx)
{
	volatile __u8 buf[300];

	buf[ctx->rx_queue_index & 127] = 1;
	return jump_away(ctx) + buf[3];
}
