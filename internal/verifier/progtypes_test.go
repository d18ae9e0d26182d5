package verifier

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/internal/loader"
)

// progTypeCases are small programs for the context rules, return value
// ranges and helper tables of the program types in progtypes.go. reject
// is a substring of gbpf's reason ("" when accepted); kmsg, when set, is
// the kernel's where it says it otherwise. With a usable kernel,
// TestRulesProgTypes loads every case into it too and requires the same
// verdict.
var progTypeCases = []struct {
	name   string
	typ    ebpf.ProgramType
	attach ebpf.AttachType
	text   string
	reject string
	kmsg   string
}{
	// cgroup_skb: __sk_buff with the cgroup rules.
	{"cgskb_read_mark", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = *(u32 *)(r1 + 8)\nr0 &= 1\nexit", "", ""},
	{"cgskb_write_mark", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 1\nexit", "", ""},
	{"cgskb_write_priority", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "*(u32 *)(r1 + 32) = 7\nr0 = 1\nexit", "", ""},
	{"cgskb_write_cb", ebpf.CGroupSKB, ebpf.AttachCGroupInetEgress, "r2 = 1\n*(u32 *)(r1 + 64) = r2\nr0 = 1\nexit", "", ""},
	{"cgskb_write_tstamp", ebpf.CGroupSKB, ebpf.AttachCGroupInetEgress, "r2 = 1\n*(u64 *)(r1 + 152) = r2\nr0 = 1\nexit", "", ""},
	{"cgskb_write_len", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit", "invalid bpf_context access off=0 size=4", ""},
	{"cgskb_write_tc_index", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r2 = 1\n*(u32 *)(r1 + 44) = r2\nr0 = 1\nexit", "invalid bpf_context access off=44 size=4", ""},
	{"cgskb_tc_classid", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = *(u32 *)(r1 + 72)\nr0 = 1\nexit", "invalid bpf_context access off=72 size=4", ""},
	{"cgskb_data_meta", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = *(u32 *)(r1 + 140)\nr0 = 1\nexit", "invalid bpf_context access off=140 size=4", ""},
	{"cgskb_wire_len", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = *(u32 *)(r1 + 160)\nr0 = 1\nexit", "invalid bpf_context access off=160 size=4", ""},
	{"cgskb_family", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = *(u32 *)(r1 + 88)\nr0 = *(u16 *)(r1 + 132)\nr0 = *(u8 *)(r1 + 137)\nr0 = 1\nexit", "", ""},
	{"cgskb_ip4_narrow", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = *(u16 *)(r1 + 92)\nr0 = 1\nexit", "invalid bpf_context access off=92 size=2", ""},
	{"cgskb_pkt_read", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +1\nr0 = *(u8 *)(r2 + 0)\nr0 = 1\nexit", "", ""},
	{"cgskb_pkt_write", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +1\n*(u8 *)(r2 + 0) = 1\nr0 = 1\nexit", "cannot write into packet", ""},
	{"cgskb_sk", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r1 = *(u64 *)(r1 + 168)\nif r1 == 0 goto +1\nr0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit", "", ""},
	{"cgskb_sk_null", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r1 = *(u64 *)(r1 + 168)\nr0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit", "R1 invalid mem access 'sock_common_or_null'", ""},
	{"cgskb_sk_fullsock_field", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r1 = *(u64 *)(r1 + 168)\nif r1 == 0 goto +1\nr0 = *(u32 *)(r1 + 8)\nr0 = 1\nexit", "R1 invalid sock_common access off=8 size=4", ""},
	{"cgskb_sk_narrow", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r1 = *(u32 *)(r1 + 168)\nr0 = 1\nexit", "invalid bpf_context access off=168 size=4", ""},
	{"cgskb_sk_write", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r2 = 0\n*(u64 *)(r1 + 168) = r2\nr0 = 1\nexit", "invalid bpf_context access off=168 size=8", ""},
	{"cgskb_fullsock", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r1 = *(u64 *)(r1 + 168)\nif r1 == 0 goto +4\ncall 95\nif r0 == 0 goto +2\nr1 = *(u32 *)(r0 + 8)\nr1 = *(u16 *)(r0 + 48)\nr0 = 1\nexit", "", ""},
	{"cgskb_fullsock_null_arg", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r1 = *(u64 *)(r1 + 168)\ncall 95\nr0 = 1\nexit", "R1 type=sock_common_or_null expected=sock_common", ""},
	{"cgskb_fullsock_null_ret", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r1 = *(u64 *)(r1 + 168)\nif r1 == 0 goto +2\ncall 95\nr0 = *(u32 *)(r0 + 8)\nr0 = 1\nexit", "R0 invalid mem access 'sock_or_null'", ""},
	{"cgskb_fullsock_release", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r1 = *(u64 *)(r1 + 168)\nif r1 == 0 goto +4\ncall 95\nif r0 == 0 goto +2\nr1 = r0\ncall 86\nr0 = 1\nexit", "reference has not been acquired before", "must be referenced when passed to release function"},
	{"sk_msg_fullsock", ebpf.SkMsg, 0, "r1 = *(u64 *)(r1 + 72)\ncall 95\nr0 = 1\nexit", "program of this type cannot use helper bpf_sk_fullsock#95", ""},
	{"cgskb_helpers", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r6 = r1\ncall 5\ncall 160\ncall 15\nr1 = r6\ncall 47\nr1 = r6\ncall 46\nr1 = r6\nr2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 26\nr0 = 1\nexit", "", ""},
	{"cgskb_store_bytes", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r2 = 0\nr3 = r10\nr3 += -8\n*(u64 *)(r10 - 8) = r2\nr4 = 8\nr5 = 0\ncall 9\nr0 = 1\nexit", "program of this type cannot use helper bpf_skb_store_bytes#9", ""},
	{"cgskb_ret_ingress", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = 2\nexit", "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]", ""},
	{"cgskb_ret_egress", ebpf.CGroupSKB, ebpf.AttachCGroupInetEgress, "r0 = 3\nexit", "", ""},
	{"cgskb_ret_egress_4", ebpf.CGroupSKB, ebpf.AttachCGroupInetEgress, "r0 = 4\nexit", "At program exit the register R0 has smin=4 smax=4 should have been in [0, 3]", ""},
	{"cgskb_ret_ctx", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = r1\nexit", "At program exit the register R0 is not a known value (ctx)", ""},
	{"cgskb_ret_unknown", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = *(u32 *)(r1 + 0)\nexit", "At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]", ""},
	{"cgskb_ret_bounded", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r0 = *(u32 *)(r1 + 0)\nif r0 > 1 goto +1\nexit\nr0 = 0\nexit", "", ""},
	{"cgskb_ret_subprog", ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "call pc+2\nr0 = 1\nexit\nr0 = 7\nexit", "", ""},

	// tc and socket filters: skb->sk, sign-extending loads of the packet pointers.
	{"tc_sk", ebpf.SchedCLS, 0, "r1 = *(u64 *)(r1 + 168)\nif r1 == 0 goto +1\nr0 = *(u32 *)(r1 + 44)\nr0 = 0\nexit", "", ""},
	{"tc_sk_null", ebpf.SchedCLS, 0, "r1 = *(u64 *)(r1 + 168)\nr0 = *(u32 *)(r1 + 44)\nr0 = 0\nexit", "R1 invalid mem access 'sock_common_or_null'", ""},
	{"tc_sk_release", ebpf.SchedCLS, 0, "r1 = *(u64 *)(r1 + 168)\nif r1 == 0 goto +1\ncall 86\nr0 = 0\nexit", "reference has not been acquired before", "must be referenced when passed to release function"},
	{"socket_sk", ebpf.SocketFilter, 0, "r1 = *(u64 *)(r1 + 168)\nif r1 != 0 goto +2\nr0 = 0\nexit\nr0 = *(u32 *)(r1 + 4)\nexit", "", ""},
	{"tc_ldsx_data", ebpf.SchedCLS, 0, "r0 = *(s32 *)(r1 + 76)\nr0 = 0\nexit", "invalid bpf_context access off=76 size=4", ""},
	{"tc_ldsx_mark", ebpf.SchedCLS, 0, "r0 = *(s32 *)(r1 + 8)\nr0 = 0\nexit", "", ""},
	{"xdp_ldsx_data_end", ebpf.XDP, 0, "r0 = *(s32 *)(r1 + 4)\nr0 = 0\nexit", "invalid bpf_context access off=4 size=4", ""},
	{"xdp_ldsx_ifindex", ebpf.XDP, 0, "r0 = *(s32 *)(r1 + 12)\nr0 = 0\nexit", "", ""},
	{"xdp_uid_gid", ebpf.XDP, 0, "call 15\ncall 14\nr1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = 2\nexit", "", ""},

	// cgroup/sock: struct bpf_sock, fields by attach type.
	{"sock_create_write", ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "r2 = 1\n*(u32 *)(r1 + 16) = r2\n*(u32 *)(r1 + 20) = r2\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit", "", ""},
	{"sock_create_read", ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "r0 = *(u32 *)(r1 + 4)\nr0 = *(u8 *)(r1 + 12)\nr0 = *(u16 *)(r1 + 48)\nr0 = *(u32 *)(r1 + 16)\nr0 = 1\nexit", "", ""},
	{"sock_create_write_family", ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "r2 = 1\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit", "invalid bpf_context access off=4 size=4", ""},
	{"sock_create_src_ip4", ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "r0 = *(u32 *)(r1 + 24)\nr0 = 1\nexit", "invalid bpf_context access off=24 size=4", ""},
	{"sock_create_src_port", ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "r0 = *(u32 *)(r1 + 44)\nr0 = 1\nexit", "invalid bpf_context access off=44 size=4", ""},
	{"post_bind4_src", ebpf.CGroupSock, ebpf.AttachCGroupInet4PostBind, "r0 = *(u32 *)(r1 + 24)\nr0 = *(u32 *)(r1 + 44)\nr0 = 1\nexit", "", ""},
	{"post_bind4_src_ip6", ebpf.CGroupSock, ebpf.AttachCGroupInet4PostBind, "r0 = *(u32 *)(r1 + 28)\nr0 = 1\nexit", "invalid bpf_context access off=28 size=4", ""},
	{"post_bind6_src_ip6", ebpf.CGroupSock, ebpf.AttachCGroupInet6PostBind, "r0 = *(u32 *)(r1 + 40)\nr0 = 1\nexit", "", ""},
	{"post_bind4_mark", ebpf.CGroupSock, ebpf.AttachCGroupInet4PostBind, "r0 = *(u32 *)(r1 + 16)\nr0 = 1\nexit", "invalid bpf_context access off=16 size=4", ""},
	{"post_bind4_write_src", ebpf.CGroupSock, ebpf.AttachCGroupInet4PostBind, "r2 = 1\n*(u32 *)(r1 + 24) = r2\nr0 = 1\nexit", "invalid bpf_context access off=24 size=4", ""},
	{"sock_release_ret", ebpf.CGroupSock, ebpf.AttachCgroupInetSockRelease, "r0 = 2\nexit", "should have been in [0, 1]", ""},
	{"sock_create_mul", ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "r0 = *(u32 *)(r1 + 0)\nr2 = *(u32 *)(r1 + 4)\nr0 *= r2\nexit", "At program exit the register R0 has unknown scalar value should have been in [0, 1]", ""},
	{"sock_create_mul32", ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "r0 = *(u16 *)(r1 + 48)\nr2 = *(u16 *)(r1 + 48)\nw0 *= w2\nexit", "At program exit the register R0 has smin=0 smax=4294836225 should have been in [0, 1]", ""},
	{"sock_create_cookie", ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "call 46\nr0 = 1\nexit", "", ""},

	// cgroup/sock_addr: struct bpf_sock_addr.
	{"connect4_ip", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Connect, "r2 = *(u32 *)(r1 + 4)\n*(u32 *)(r1 + 4) = r2\nr2 = *(u16 *)(r1 + 24)\n*(u32 *)(r1 + 24) = r2\nr0 = *(u32 *)(r1 + 0)\nr0 = 1\nexit", "", ""},
	{"connect4_ip6", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Connect, "r0 = *(u32 *)(r1 + 8)\nr0 = 1\nexit", "invalid bpf_context access off=8 size=4", ""},
	{"connect6_wide", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet6Connect, "r2 = 0\n*(u64 *)(r1 + 8) = r2\n*(u64 *)(r1 + 16) = r2\nr0 = *(u64 *)(r1 + 8)\nr0 = 1\nexit", "", ""},
	{"connect6_wide_end", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet6Connect, "r2 = 0\n*(u64 *)(r1 + 24) = r2\nr0 = 1\nexit", "invalid bpf_context access off=24 size=8", ""},
	{"connect4_write_family", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Connect, "r2 = 2\n*(u32 *)(r1 + 28) = r2\nr0 = 1\nexit", "invalid bpf_context access off=28 size=4", ""},
	{"connect4_narrow_type", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Connect, "r0 = *(u16 *)(r1 + 32)\nr0 = 1\nexit", "invalid bpf_context access off=32 size=2", ""},
	{"connect4_sk", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Connect, "r1 = *(u64 *)(r1 + 64)\nr0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit", "", ""},
	{"connect4_msg_src", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Connect, "r0 = *(u32 *)(r1 + 40)\nr0 = 1\nexit", "invalid bpf_context access off=40 size=4", ""},
	{"sendmsg4_msg_src", ebpf.CGroupSockAddr, ebpf.AttachCGroupUDP4Sendmsg, "r2 = 1\n*(u32 *)(r1 + 40) = r2\nr0 = 1\nexit", "", ""},
	{"sendmsg6_msg_src_wide", ebpf.CGroupSockAddr, ebpf.AttachCGroupUDP6Sendmsg, "r2 = 1\n*(u64 *)(r1 + 48) = r2\nr0 = 1\nexit", "", ""},
	{"sendmsg_unix_ip4", ebpf.CGroupSockAddr, ebpf.AttachCgroupUnixSendmsg, "r0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit", "invalid bpf_context access off=4 size=4", ""},
	{"sock_addr_padding", ebpf.CGroupSockAddr, ebpf.AttachCGroupUDP6Sendmsg, "r0 = *(u32 *)(r1 + 60)\nr0 = 1\nexit", "invalid bpf_context access off=60 size=4", ""},
	{"recvmsg4_ret0", ebpf.CGroupSockAddr, ebpf.AttachCGroupUDP4Recvmsg, "r0 = 0\nexit", "should have been in [1, 1]", ""},
	{"getsockname_unix_ret1", ebpf.CGroupSockAddr, ebpf.AttachCgroupUnixGetsockname, "r0 = 1\nexit", "", ""},
	{"bind6_ret3", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet6Bind, "r0 = 3\nexit", "", ""},
	{"bind4_ret4", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Bind, "r0 = 4\nexit", "should have been in [0, 3]", ""},
	{"connect_unix_ret2", ebpf.CGroupSockAddr, ebpf.AttachCgroupUnixConnect, "r0 = 2\nexit", "should have been in [0, 1]", ""},
	{"connect4_sk_lookup", ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Connect, "r2 = 0\n*(u64 *)(r10 - 16) = r2\n*(u64 *)(r10 - 8) = r2\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = -1\nr5 = 0\ncall 84\nif r0 == 0 goto +2\nr1 = r0\ncall 86\nr0 = 1\nexit", "", ""},

	// sock_ops: struct bpf_sock_ops.
	{"sockops_read", ebpf.SockOps, 0, "r0 = *(u32 *)(r1 + 0)\nr0 = *(u64 *)(r1 + 168)\nr0 = *(u8 *)(r1 + 212)\nr0 = 1\nexit", "", ""},
	{"sockops_narrow", ebpf.SockOps, 0, "r0 = *(u16 *)(r1 + 0)\nr0 = 1\nexit", "invalid bpf_context access off=0 size=2", ""},
	{"sockops_write_reply", ebpf.SockOps, 0, "r2 = 1\n*(u32 *)(r1 + 4) = r2\n*(u32 *)(r1 + 164) = r2\nr0 = 1\nexit", "", ""},
	{"sockops_write_op", ebpf.SockOps, 0, "r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit", "invalid bpf_context access off=0 size=4", ""},
	{"sockops_sk_null", ebpf.SockOps, 0, "r1 = *(u64 *)(r1 + 184)\nr0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit", "R1 invalid mem access 'sock_or_null'", ""},
	{"sockops_sk", ebpf.SockOps, 0, "r1 = *(u64 *)(r1 + 184)\nif r1 == 0 goto +1\nr0 = *(u32 *)(r1 + 8)\nr0 = 1\nexit", "", ""},
	{"sockops_pkt_read", ebpf.SockOps, 0, "r2 = *(u64 *)(r1 + 192)\nr3 = *(u64 *)(r1 + 200)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +1\nr0 = *(u8 *)(r2 + 0)\nr0 = 1\nexit", "", ""},
	{"sockops_ret", ebpf.SockOps, 0, "r0 = 2\nexit", "should have been in [0, 1]", ""},

	// sk_skb: __sk_buff, direct packet writes.
	{"sk_skb_pkt_write", ebpf.SkSKB, 0, "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +1\n*(u8 *)(r2 + 0) = 1\nr0 = 0\nexit", "", ""},
	{"sk_skb_mark", ebpf.SkSKB, 0, "r0 = *(u32 *)(r1 + 8)\nr0 = 0\nexit", "invalid bpf_context access off=8 size=4", ""},
	{"sk_skb_write_prio", ebpf.SkSKB, 0, "r2 = 1\n*(u32 *)(r1 + 32) = r2\n*(u32 *)(r1 + 44) = r2\nr0 = 0\nexit", "", ""},
	{"sk_skb_write_cb", ebpf.SkSKB, 0, "r2 = 1\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit", "invalid bpf_context access off=48 size=4", ""},
	{"sk_skb_family", ebpf.SkSKB, 0, "r0 = *(u32 *)(r1 + 88)\nr0 = *(u32 *)(r1 + 168)\nr0 = 0\nexit", "invalid bpf_context access off=168 size=4", ""},
	{"sk_skb_helpers", ebpf.SkSKB, 0, "r6 = r1\nr2 = 0\nr3 = 0\ncall 38\nr1 = r6\ncall 47\nr0 = 0\nexit", "", ""},

	// sk_msg: struct sk_msg_md.
	{"sk_msg_pkt", ebpf.SkMsg, 0, "r2 = *(u64 *)(r1 + 0)\nr3 = *(u64 *)(r1 + 8)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +2\nr0 = *(u8 *)(r2 + 0)\n*(u8 *)(r2 + 0) = 1\nr0 = 0\nexit", "", ""},
	{"sk_msg_fields", ebpf.SkMsg, 0, "r0 = *(u32 *)(r1 + 16)\nr0 = *(u32 *)(r1 + 44)\nr0 = *(u32 *)(r1 + 68)\nr1 = *(u64 *)(r1 + 72)\nr0 = *(u32 *)(r1 + 4)\nr0 = 0\nexit", "", ""},
	{"sk_msg_narrow", ebpf.SkMsg, 0, "r0 = *(u16 *)(r1 + 60)\nr0 = 0\nexit", "invalid bpf_context access off=60 size=2", ""},
	{"sk_msg_data_u32", ebpf.SkMsg, 0, "r0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit", "invalid bpf_context access off=0 size=4", ""},
	{"sk_msg_end", ebpf.SkMsg, 0, "r0 = *(u32 *)(r1 + 80)\nr0 = 0\nexit", "invalid bpf_context access off=80 size=4", ""},
	{"sk_msg_write", ebpf.SkMsg, 0, "r2 = 0\n*(u32 *)(r1 + 16) = r2\nr0 = 0\nexit", "invalid bpf_context access off=16 size=4", ""},

	// lwt_*.
	{"lwt_in_pkt_read", ebpf.LWTIn, 0, "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +1\nr0 = *(u8 *)(r2 + 0)\nr0 = 0\nexit", "", ""},
	{"lwt_in_pkt_write", ebpf.LWTIn, 0, "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +1\n*(u8 *)(r2 + 0) = 1\nr0 = 0\nexit", "cannot write into packet", ""},
	{"lwt_xmit_pkt_write", ebpf.LWTXmit, 0, "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +1\n*(u8 *)(r2 + 0) = 1\nr0 = 0\nexit", "", ""},
	{"lwt_out_write_mark", ebpf.LWTOut, 0, "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit", "", ""},
	{"lwt_in_family", ebpf.LWTIn, 0, "r0 = *(u32 *)(r1 + 88)\nr0 = 0\nexit", "invalid bpf_context access off=88 size=4", ""},
	{"lwt_xmit_change_head", ebpf.LWTXmit, 0, "r2 = 16\nr3 = 0\ncall 43\nr0 = 0\nexit", "", ""},
	{"lwt_in_store_bytes", ebpf.LWTIn, 0, "r2 = 0\n*(u64 *)(r10 - 8) = r2\nr3 = r10\nr3 += -8\nr4 = 8\nr5 = 0\ncall 9\nr0 = 0\nexit", "cannot use helper bpf_skb_store_bytes#9", ""},

	// flow_dissector.
	{"flow_keys", ebpf.FlowDissector, 0, "r2 = *(u64 *)(r1 + 144)\nr3 = 14\n*(u16 *)(r2 + 0) = r3\nr0 = *(u32 *)(r2 + 52)\nr0 = 0\nexit", "", ""},
	{"flow_keys_oob", ebpf.FlowDissector, 0, "r2 = *(u64 *)(r1 + 144)\nr0 = *(u8 *)(r2 + 56)\nr0 = 0\nexit", "invalid access to memory", "invalid access to flow keys off=56 size=1"},
	{"flow_mark", ebpf.FlowDissector, 0, "r0 = *(u32 *)(r1 + 8)\nr0 = 0\nexit", "invalid bpf_context access off=8 size=4", ""},
	{"flow_pkt", ebpf.FlowDissector, 0, "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\nif r4 > r3 goto +1\nr0 = *(u8 *)(r2 + 0)\nr0 = 0\nexit", "", ""},

	// cgroup/sysctl, cgroup/{get,set}sockopt, cgroup/dev.
	{"sysctl_read", ebpf.CGroupSysctl, ebpf.AttachCGroupSysctl, "r0 = *(u8 *)(r1 + 0)\nr0 = *(u16 *)(r1 + 4)\nr2 = 0\n*(u32 *)(r1 + 4) = r2\ncall 160\nr0 = 1\nexit", "", ""},
	{"sysctl_write_write", ebpf.CGroupSysctl, ebpf.AttachCGroupSysctl, "r2 = 0\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit", "invalid bpf_context access off=0 size=4", ""},
	{"sysctl_end", ebpf.CGroupSysctl, ebpf.AttachCGroupSysctl, "r0 = *(u64 *)(r1 + 0)\nr0 = 1\nexit", "invalid bpf_context access off=0 size=8", ""},
	{"getsockopt_fields", ebpf.CGroupSockopt, ebpf.AttachCGroupGetsockopt, "r2 = *(u32 *)(r1 + 24)\nr2 = *(u32 *)(r1 + 36)\nr2 = 0\n*(u32 *)(r1 + 36) = r2\n*(u32 *)(r1 + 32) = r2\nr6 = *(u64 *)(r1 + 0)\nr0 = *(u32 *)(r6 + 4)\nr0 = 1\nexit", "", ""},
	{"getsockopt_optval", ebpf.CGroupSockopt, ebpf.AttachCGroupGetsockopt, "r2 = *(u64 *)(r1 + 8)\nr3 = *(u64 *)(r1 + 16)\nr4 = r2\nr4 += 4\nif r4 > r3 goto +2\nr0 = *(u32 *)(r2 + 0)\n*(u32 *)(r2 + 0) = 1\nr0 = 1\nexit", "", ""},
	{"getsockopt_write_level", ebpf.CGroupSockopt, ebpf.AttachCGroupGetsockopt, "r2 = 0\n*(u32 *)(r1 + 24) = r2\nr0 = 1\nexit", "invalid bpf_context access off=24 size=4", ""},
	{"setsockopt_write_level", ebpf.CGroupSockopt, ebpf.AttachCGroupSetsockopt, "r2 = 0\n*(u32 *)(r1 + 24) = r2\n*(u32 *)(r1 + 28) = r2\nr0 = 1\nexit", "", ""},
	{"setsockopt_retval", ebpf.CGroupSockopt, ebpf.AttachCGroupSetsockopt, "r0 = *(u32 *)(r1 + 36)\nr0 = 1\nexit", "invalid bpf_context access off=36 size=4", ""},
	{"setsockopt_ret2", ebpf.CGroupSockopt, ebpf.AttachCGroupSetsockopt, "r0 = 2\nexit", "should have been in [0, 1]", ""},
	{"dev_read", ebpf.CGroupDevice, ebpf.AttachCGroupDevice, "r0 = *(u16 *)(r1 + 0)\nr0 = *(u32 *)(r1 + 4)\nr0 = *(u32 *)(r1 + 8)\nr0 = 1\nexit", "", ""},
	{"dev_narrow_major", ebpf.CGroupDevice, ebpf.AttachCGroupDevice, "r0 = *(u16 *)(r1 + 4)\nr0 = 1\nexit", "invalid bpf_context access off=4 size=2", ""},
	{"dev_end", ebpf.CGroupDevice, ebpf.AttachCGroupDevice, "r0 = *(u32 *)(r1 + 12)\nr0 = 1\nexit", "invalid bpf_context access off=12 size=4", ""},
	{"dev_write", ebpf.CGroupDevice, ebpf.AttachCGroupDevice, "r2 = 0\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit", "invalid bpf_context access off=4 size=4", ""},
	{"dev_ret", ebpf.CGroupDevice, ebpf.AttachCGroupDevice, "r0 = -1\nexit", "smin=-1 smax=-1 should have been in [0, 1]", ""},

	// sk_lookup.
	{"sk_lookup_fields", ebpf.SkLookup, ebpf.AttachSkLookup, "r0 = *(u32 *)(r1 + 36)\nr0 = *(u16 *)(r1 + 36)\nr0 = *(u16 *)(r1 + 38)\nr0 = *(u8 *)(r1 + 60)\nr0 = *(u32 *)(r1 + 64)\nr0 = 1\nexit", "", ""},
	{"sk_lookup_sk_null", ebpf.SkLookup, ebpf.AttachSkLookup, "r1 = *(u64 *)(r1 + 0)\nr0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit", "R1 invalid mem access 'sock_or_null'", ""},
	{"sk_lookup_sk", ebpf.SkLookup, ebpf.AttachSkLookup, "r1 = *(u64 *)(r1 + 0)\nif r1 == 0 goto +1\nr0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit", "", ""},
	{"sk_lookup_end", ebpf.SkLookup, ebpf.AttachSkLookup, "r0 = *(u32 *)(r1 + 68)\nr0 = 1\nexit", "invalid bpf_context access off=68 size=4", ""},
	{"sk_lookup_write", ebpf.SkLookup, ebpf.AttachSkLookup, "r2 = 0\n*(u32 *)(r1 + 8) = r2\nr0 = 1\nexit", "invalid bpf_context access off=8 size=4", ""},
	{"sk_lookup_ret", ebpf.SkLookup, ebpf.AttachSkLookup, "r0 = 2\nexit", "should have been in [0, 1]", ""},

	// sk_reuseport.
	{"sk_reuseport_fields", ebpf.SkReuseport, ebpf.AttachSkReuseportSelect, "r0 = *(u32 *)(r1 + 16)\nr0 = *(u16 *)(r1 + 20)\nr0 = *(u8 *)(r1 + 24)\nr0 = *(u32 *)(r1 + 32)\nr1 = *(u64 *)(r1 + 40)\nr0 = *(u32 *)(r1 + 4)\nr0 = 0\nexit", "", ""},
	{"sk_reuseport_eth_byte", ebpf.SkReuseport, ebpf.AttachSkReuseportSelect, "r0 = *(u8 *)(r1 + 20)\nr0 = 0\nexit", "invalid bpf_context access off=20 size=1", ""},
	{"sk_reuseport_migrating", ebpf.SkReuseport, ebpf.AttachSkReuseportSelectOrMigrate, "r1 = *(u64 *)(r1 + 48)\nr0 = *(u32 *)(r1 + 4)\nr0 = 0\nexit", "R1 invalid mem access 'sock_common_or_null'", ""},

	// netfilter: struct bpf_nf_ctx.
	{"nf_read", ebpf.Netfilter, ebpf.AttachNetfilter, "r2 = *(u64 *)(r1 + 0)\nr2 = *(u64 *)(r1 + 8)\nr0 = 1\nexit", "", ""},
	{"nf_narrow", ebpf.Netfilter, ebpf.AttachNetfilter, "r2 = *(u32 *)(r1 + 8)\nr0 = 1\nexit", "invalid bpf_context access off=8 size=4", ""},
	{"nf_end", ebpf.Netfilter, ebpf.AttachNetfilter, "r2 = *(u64 *)(r1 + 16)\nr0 = 1\nexit", "invalid bpf_context access off=16 size=8", ""},
	{"nf_write", ebpf.Netfilter, ebpf.AttachNetfilter, "r2 = 0\n*(u64 *)(r1 + 0) = r2\nr0 = 1\nexit", "invalid bpf_context access off=0 size=8", ""},
	{"nf_ret", ebpf.Netfilter, ebpf.AttachNetfilter, "r0 = 2\nexit", "should have been in [0, 1]", ""},

	// Tracing contexts.
	{"tp_header", ebpf.TracePoint, 0, "r0 = *(u32 *)(r1 + 4)\nr0 = 0\nexit", "invalid bpf_context access off=4 size=4", ""},
	{"tp_fields", ebpf.TracePoint, 0, "r0 = *(u64 *)(r1 + 8)\nr0 = *(u8 *)(r1 + 8191)\nr0 = 0\nexit", "", ""},
	{"tp_end", ebpf.TracePoint, 0, "r0 = *(u8 *)(r1 + 8192)\nr0 = 0\nexit", "invalid bpf_context access off=8192 size=1", ""},
	{"perf_regs", ebpf.PerfEvent, 0, "r0 = *(u64 *)(r1 + 160)\nr0 = *(u32 *)(r1 + 168)\nr0 = *(u16 *)(r1 + 178)\nr0 = *(u64 *)(r1 + 176)\nr0 = 0\nexit", "", ""},
	{"perf_regs_narrow", ebpf.PerfEvent, 0, "r0 = *(u8 *)(r1 + 0)\nr0 = 0\nexit", "invalid bpf_context access off=0 size=1", ""},
	{"perf_end", ebpf.PerfEvent, 0, "r0 = *(u8 *)(r1 + 184)\nr0 = 0\nexit", "invalid bpf_context access off=184 size=1", ""},
	{"kprobe_coarse_ns", ebpf.Kprobe, 0, "call 160\nr0 = 0\nexit", "cannot use helper bpf_ktime_get_coarse_ns#160", ""},
	{"kprobe_session_ret", ebpf.Kprobe, ebpf.AttachTraceKprobeSession, "r0 = 2\nexit", "should have been in [0, 1]", ""},
	{"kprobe_ret", ebpf.Kprobe, 0, "r0 = 2\nexit", "", ""},
	{"tp_probe_read", ebpf.TracePoint, 0, "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 4\nr0 = 0\nexit", "", ""},
}

// TestRulesProgTypes checks progTypeCases with gbpf and, when it can, the
// running kernel.
func TestRulesProgTypes(t *testing.T) {
	live := kernel.Available() == nil
	for _, tc := range progTypeCases {
		t.Run(tc.name, func(t *testing.T) {
			insns, err := asm.Assemble(tc.text, asm.SyntaxLLVM)
			if err != nil {
				t.Fatal(err)
			}
			p := &loader.Program{Name: tc.name, Type: tc.typ, Attach: tc.attach, Insns: insns, Funcs: map[int]string{}}
			_, err = Verify(p, &Config{Type: tc.typ, Attach: tc.attach})
			switch {
			case tc.reject == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tc.reject != "" && err == nil:
				t.Errorf("accepted, want %q", tc.reject)
			case tc.reject != "" && !strings.Contains(err.Error(), tc.reject):
				t.Errorf("rejected with %v, want %q", err, tc.reject)
			}
			if !live {
				return
			}
			klog, kerr := progTypeKernel(tc.typ, tc.attach, insns)
			want := tc.kmsg
			if want == "" {
				want = tc.reject
			}
			switch {
			case kerr != nil:
				t.Errorf("kernel: %v", kerr)
			case tc.reject == "" && klog != "":
				t.Errorf("the kernel rejects it: %s", lastLines(klog, 3))
			case tc.reject != "" && klog == "":
				t.Errorf("the kernel accepts it")
			case tc.reject != "" && !strings.Contains(klog, want):
				t.Errorf("the kernel rejects it for another reason than %q: %s", want, lastLines(klog, 3))
			}
		})
	}
}

// progTypeKernel loads insns into the running kernel: the verifier's log
// when it rejects them, "" when it accepts them.
func progTypeKernel(typ ebpf.ProgramType, attach ebpf.AttachType, insns asm.Instructions) (string, error) {
	cins, err := casm.AppendInstructions(nil, bytes.NewReader(insns.Encode()), binary.LittleEndian, "linux")
	if err != nil {
		return "", err
	}
	prog, err := ebpf.NewProgramWithOptions(&ebpf.ProgramSpec{Type: typ, AttachType: attach, License: "GPL", Instructions: cins},
		ebpf.ProgramOptions{LogLevel: ebpf.LogLevelInstruction})
	if err == nil {
		prog.Close()
		return "", nil
	}
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return strings.Join(ve.Log, "\n"), nil
	}
	return "", err
}

// progTypeTwinMsgs are the kernel's reasons for the bad_ twins of
// testdata/verifier/progtypes.c (TestTwins runs them with the others).
var progTypeTwinMsgs = map[string]string{
	"bad_ctx_connect4_ip":       "invalid bpf_context access off=8 size=4",
	"bad_ctx_sock_addr_family":  "invalid bpf_context access off=28 size=4",
	"bad_ctx_sock_create":       "invalid bpf_context access off=24 size=4",
	"bad_ctx_post_bind4":        "invalid bpf_context access off=44 size=4",
	"bad_ctx_cgskb_pkt":         "cannot write into packet",
	"bad_helper_cgskb":          "program of this type cannot use helper bpf_skb_store_bytes#9",
	"bad_ctx_sk_msg":            "offset is outside of the packet",
	"bad_ctx_sk_skb":            "invalid bpf_context access off=8 size=4",
	"bad_ctx_lwt":               "cannot write into packet",
	"bad_ctx_flow_keys":         "invalid access to flow keys off=56 size=4",
	"bad_ctx_sysctl":            "invalid bpf_context access off=0 size=4",
	"bad_ctx_sockopt_retval":    "invalid bpf_context access off=36 size=4",
	"bad_ctx_sockopt_optval":    "offset is outside of the packet",
	"bad_ctx_dev":               "invalid bpf_context access off=8 size=4",
	"bad_ctx_sk_lookup":         "R1 invalid mem access 'sock_or_null'",
	"bad_ctx_sockops":           "invalid bpf_context access off=0 size=4",
	"bad_ctx_netfilter":         "invalid bpf_context access off=8 size=8",
	"bad_ret_bind4":             "At program exit the register R0 has smin=4 smax=4 should have been in [0, 3]",
	"bad_ret_getpeername4":      "At program exit the register R0 has smin=0 smax=0 should have been in [1, 1]",
	"bad_ret_sockopt":           "At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]",
	"bad_ret_sockops":           "At program exit the register R0 has smin=4294967295 smax=4294967295 should have been in [0, 1]",
	"bad_ret_dev":               "At program exit the register R0 has smin=0 smax=3 should have been in [0, 1]",
	"bad_ret_cgskb_subprog":     "At program exit the register R0 has smin=0 smax=2 should have been in [0, 1]",
	"bad_ref_sockmap":           "BPF_EXIT instruction in main prog would lead to reference leak",
	"bad_helper_fullsock":       "R0 invalid mem access 'sock_or_null'",
	"bad_helper_sockmap_update": "cannot update sockmap in this context",
	"bad_helper_sockmap_value":  "R3 type=fp expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_",
}

func init() {
	for name, msg := range progTypeTwinMsgs {
		twinKernelMsgs[name] = msg
	}
}

// TestCtxHint checks that a refused context access names the field and
// what the program type may do with it.
func TestCtxHint(t *testing.T) {
	for _, tc := range []struct {
		typ    ebpf.ProgramType
		attach ebpf.AttachType
		text   string
		hint   string
	}{
		{ebpf.CGroupSKB, ebpf.AttachCGroupInetIngress, "r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit", "__sk_buff.len (offset 0): cgroup_skb/ingress programs may only read it (1, 2 or 4 bytes at a time)"},
		{ebpf.CGroupSockAddr, ebpf.AttachCGroupInet4Connect, "r0 = *(u32 *)(r1 + 12)\nr0 = 1\nexit", "bpf_sock_addr.user_ip6[1] (offset 12): cgroup/connect4 programs may neither read nor write it"},
		{ebpf.SchedCLS, 0, "r0 = *(u64 *)(r1 + 8)\nr0 = 0\nexit", "__sk_buff.mark (offset 8): tc programs may read it (1, 2 or 4 bytes at a time) and write it (4 bytes)"},
		{ebpf.SkLookup, ebpf.AttachSkLookup, "r0 = *(u32 *)(r1 + 72)\nr0 = 1\nexit", "struct bpf_sk_lookup is 72 bytes"},
		{ebpf.CGroupSock, ebpf.AttachCGroupInetSockCreate, "r0 = *(u16 *)(r1 + 50)\nr0 = 1\nexit", "offset 50 of struct bpf_sock is padding"},
		{ebpf.TracePoint, 0, "r0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit", "the fields start at offset 8"},
	} {
		insns, err := asm.Assemble(tc.text, asm.SyntaxLLVM)
		if err != nil {
			t.Fatal(err)
		}
		p := &loader.Program{Name: "hint", Type: tc.typ, Attach: tc.attach, Insns: insns, Funcs: map[int]string{}}
		_, err = Verify(p, &Config{Type: tc.typ, Attach: tc.attach})
		var ve *Error
		if !errors.As(err, &ve) || !strings.Contains(ve.Hint, tc.hint) {
			t.Errorf("%s: %v, want the hint %q", tc.text, err, tc.hint)
		}
	}
}
