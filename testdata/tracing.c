//go:build ignore

/* Tracing programs. The raw tracepoint and syscall programs can be
 * test-run (the context is the argument array or block); the tracepoint
 * and kprobe programs can only be loaded, since the kernel test-runs
 * neither type. Results are reduced to facts that hold in any process. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

struct raw_tracepoint_args_ {
	__u64 args[2];
};

struct probe_facts {
	__s64 kernel_ret, kernel_str_ret, user_ret, user_str_ret, compat_ret, compat_str_ret;
	char kernel_copy[8];
	char kernel_str[8];
	char user_copy[8]; /* zeroed by the failed read */
	__u64 arg0;
	__u8 tgid_nonzero, pid_le_tgid, uid_is_gid, comm_nonempty;
};
struct probe_facts probe;

SEC("raw_tp/sys_enter")
int rawtp_probe(struct raw_tracepoint_args_ *ctx)
{
	char src[8] = "kernel!";
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	char comm[16];
	void *user = (void *)ctx->args[1];

	probe.arg0 = ctx->args[0];
	probe.kernel_ret = bpf_probe_read_kernel(probe.kernel_copy, sizeof(probe.kernel_copy), src);
	probe.kernel_str_ret = bpf_probe_read_kernel_str(probe.kernel_str, 5, src);
	__builtin_memset(probe.user_copy, 0x55, sizeof(probe.user_copy));
	probe.user_ret = bpf_probe_read_user(probe.user_copy, sizeof(probe.user_copy), user);
	probe.user_str_ret = bpf_probe_read_user_str(comm, sizeof(comm), user);
	probe.compat_ret = bpf_probe_read(comm, 4, src);
	probe.compat_str_ret = bpf_probe_read_str(comm, sizeof(comm), src);

	probe.tgid_nonzero = (pid_tgid >> 32) != 0;
	probe.pid_le_tgid = (__u32)pid_tgid >= (pid_tgid >> 32);
	probe.uid_is_gid = (__u32)uid_gid == (uid_gid >> 32);
	bpf_get_current_comm(comm, sizeof(comm));
	probe.comm_nonempty = comm[0] != 0;
	return (int)ctx->args[0] * 2;
}

/* The argument block a syscall program receives and hands back. */
struct calc_args {
	__u32 a, b;
	__u64 product;
	char text[24];
	__s32 text_len;
	__u32 tgid_nonzero;
};

SEC("syscall")
int sys_calc(struct calc_args *args)
{
	__u64 data[2] = { args->a, args->b };
	char text[sizeof(args->text)] = {};

	args->product = (__u64)args->a * args->b;
	/* The helper may not write the context directly. */
	args->text_len = bpf_snprintf(text, sizeof(text), "%u*%u", data, sizeof(data));
	__builtin_memcpy(args->text, text, sizeof(text));
	args->tgid_nonzero = (bpf_get_current_pid_tgid() >> 32) != 0;
	return args->a + args->b;
}

/* sys_enter_openat's record: the common header, the syscall number and
 * the six arguments. */
struct openat_args {
	__u64 common;
	__s64 nr;
	__u64 args[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, char[32]);
	__type(value, __u64);
	__uint(max_entries, 64);
} opened SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat(struct openat_args *ctx)
{
	char name[32] = {};
	__u64 one = 1, *n;

	if (bpf_probe_read_user_str(name, sizeof(name), (void *)ctx->args[1]) < 0)
		return 0;
	n = bpf_map_lookup_elem(&opened, name);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&opened, name, &one, BPF_NOEXIST);
	return 0;
}

__u64 last_func_ip;

SEC("kprobe/do_sys_openat2")
int kp_openat(void *ctx)
{
	last_func_ip = bpf_get_func_ip(ctx);
	return 0;
}
