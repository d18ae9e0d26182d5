package harness_test

import (
	"encoding/binary"

	td "github.com/gbpf/gbpf/testdata"
)

var le = binary.LittleEndian

var (
	tcp4  = td.TCP("192.0.2.1", "198.51.100.2", 40000, 80)
	udp4  = td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.Payload([]byte("hello, world")))
	tcp6  = td.TCP("2001:db8::1", "2001:db8::2", 40000, 443)
	udp6  = td.UDP("2001:db8::1", "2001:db8::2", 5353, 53, td.Payload([]byte("abc")))
	icmp4 = td.ICMPEcho("192.0.2.1", "198.51.100.2", 7, 1)
	arp   = td.ARP("192.0.2.1", "192.0.2.254")
)

var cases = []tcase{
	{name: "classify_tcp4", obj: "xdp_classify.o", prog: "classify", data: tcp4},
	{name: "classify_vlan_udp6", obj: "xdp_classify.o", prog: "classify", data: td.UDP("2001:db8::1", "2001:db8::2", 1, 2, td.VLAN(10, 20)), repeat: 3},
	{name: "classify_arp", obj: "xdp_classify.o", prog: "classify", data: arp},
	{name: "classify_icmp", obj: "xdp_classify.o", prog: "classify", data: icmp4},
	{name: "classify_truncated_ip", obj: "xdp_classify.o", prog: "classify", data: tcp4[:30]},
	{name: "classify_eth_only", obj: "xdp_classify.o", prog: "classify", data: tcp4[:14]},
	{name: "nat_tcp", obj: "xdp_nat.o", prog: "xdp_dnat", data: tcp4, repeat: 2},
	{name: "nat_udp", obj: "xdp_nat.o", prog: "xdp_dnat", data: udp4},
	{name: "icmp_echo", obj: "xdp_icmp_echo.o", prog: "icmp_echo", data: icmp4},
	{name: "icmp_not_echo", obj: "xdp_icmp_echo.o", prog: "icmp_echo", data: tcp4},
}

// skbCtx builds a struct __sk_buff with mark, priority and cb set.
func skbCtx(mark, prio uint32, cb ...uint32) []byte {
	b := make([]byte, td.SkBuffSize)
	le.PutUint32(b[8:], mark)
	le.PutUint32(b[32:], prio)
	for i, v := range cb {
		le.PutUint32(b[48+4*i:], v)
	}
	return b
}

// xdpCtx builds a struct xdp_md for a packet of n bytes whose first meta
// bytes are metadata.
func xdpCtx(meta, n int) []byte {
	b := make([]byte, 24)
	le.PutUint32(b[0:], uint32(meta))
	le.PutUint32(b[4:], uint32(n))
	return b
}

func init() {
	cases = append(cases, []tcase{
		{name: "tc_fields_noctx", obj: "tc_fields.o", prog: "tc_fields", data: tcp4},
		{name: "tc_fields_ctx", obj: "tc_fields.o", prog: "tc_fields", data: udp6, ctx: skbCtx(0xff00ff00, 6, 1, 2, 3, 4, 5)},
		{name: "tc_fields_zero_ctx", obj: "tc_fields.o", prog: "tc_fields", data: arp, ctx: skbCtx(0, 0), repeat: 3},
		{name: "tc_fields_min", obj: "tc_fields.o", prog: "tc_fields", data: tcp4[:14]},
		{name: "tc_tstamp", obj: "tc_fields.o", prog: "tc_tstamp", data: tcp4},
		{name: "tc_tstamp_ctx", obj: "tc_fields.o", prog: "tc_tstamp", data: tcp4, ctx: skbCtx(0, 0)},
		{name: "cls_by_port", obj: "tc_fields.o", prog: "cls_by_port", data: tcp4, ctx: skbCtx(1, 2)},
		{name: "cls_by_port_short", obj: "tc_fields.o", prog: "cls_by_port", data: tcp4[:34], ctx: skbCtx(1, 2)},
		{name: "tc_narrow", obj: "tc_narrow.o", prog: "tc_narrow", data: tcp4, ctx: skbCtx(0x11223344, 0xa0b0c0d, 0, 0, 0x55667788, 0x99aabbcc)},
		{name: "tc_narrow_noctx", obj: "tc_narrow.o", prog: "tc_narrow", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.TTL(200))},
		{name: "tc_snat_tcp", obj: "tc_nat.o", prog: "tc_snat", data: td.TCP("192.0.2.1", "198.51.100.2", 40000, 80, td.Payload([]byte("abc")))},
		{name: "tc_snat_udp", obj: "tc_nat.o", prog: "tc_snat", data: udp4},
		{name: "tc_snat_udp_nocsum", obj: "tc_nat.o", prog: "tc_snat", data: zeroUDPCsum(udp4)},
		{name: "tc_csum_edges", obj: "tc_nat.o", prog: "tc_csum_edges", data: tcp4},
		{name: "sock_ssh", obj: "sock_ldabs.o", prog: "sock_filter", data: td.TCP("192.0.2.1", "198.51.100.2", 40000, 22)},
		{name: "sock_dns", obj: "sock_ldabs.o", prog: "sock_filter", data: td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.Payload(make([]byte, 100)))},
		{name: "sock_seq", obj: "sock_ldabs.o", prog: "sock_filter", data: tcp4},
		{name: "sock_past_end", obj: "sock_ldabs.o", prog: "sock_filter", data: td.TCP("192.0.2.1", "198.51.100.2", 40000, 99)},
		{name: "sock_ipv6", obj: "sock_ldabs.o", prog: "sock_filter", data: tcp6},
		{name: "sock_arp", obj: "sock_ldabs.o", prog: "sock_filter", data: arp},
		{name: "sock_fields", obj: "sock_ldabs.o", prog: "sock_fields", data: arp, ctx: skbCtx(9, 8, 7)},
		{name: "sock_fields_v6", obj: "sock_ldabs.o", prog: "sock_fields", data: tcp6},
		{name: "alu_v4", obj: "alu_v4.o", prog: "alu", data: tcp4},
		{name: "alu_v4_neg", obj: "alu_v4.o", prog: "alu", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.TTL(0xf0), td.TOS(0x80))},
	}...)
}

func zeroUDPCsum(p []byte) []byte {
	q := append([]byte(nil), p...)
	q[14+20+6], q[14+20+7] = 0, 0
	return q
}

func init() {
	cases = append(cases, []tcase{
		{name: "loops_tcp4", obj: "loops.o", prog: "loops", data: tcp4},
		{name: "loops_big", obj: "loops.o", prog: "loops", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.Payload(seq(400))), repeat: 2, knownGap: "order-dependent: the callback stops the walk early, and the kernel seeds each hash map's bucket order randomly"},
		{name: "loops_min", obj: "loops.o", prog: "loops", data: tcp4[:14]},
		{name: "atomics", obj: "atomics.o", prog: "atomics", data: tcp4},
		{name: "atomics_repeat", obj: "atomics.o", prog: "atomics", data: udp6, repeat: 7},
		{name: "globals", obj: "globals.o", prog: "globals", data: tcp4},
		{name: "globals_repeat", obj: "globals.o", prog: "globals", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.Payload(seq(33))), repeat: 4},
	}...)
}

// seq returns n bytes counting up from 0.
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// Programs the kernel's verifier rejects: gbpf must reject them too (exit 1).
func init() {
	cases = append(cases, []tcase{
		{name: "rej_mod_bound", obj: "rej_mod.o", prog: "rej_mod_bound", data: tcp4},
		{name: "rej_pkt_unchecked", obj: "rej_pkt.o", prog: "rej_pkt_unchecked", data: tcp4},
		{name: "rej_pkt_helper", obj: "rej_pkt_helper.o", prog: "rej_pkt_helper", data: tcp4},
		{name: "rej_egress_ifindex", obj: "rej_egress.o", prog: "rej_egress", data: tcp4},
		{name: "rej_null_deref", obj: "rej_null.o", prog: "rej_null_deref", data: tcp4},
	}...)
}

// Gaps this harness found in gbpf (see FINDINGS.md).
const (
	gapClassid       = "tc_classid is 16 bits in the kernel (qdisc_skb_cb); gbpf keeps 32"
	gapTstampType    = "u8 read of __sk_buff.tstamp_type (offset 180) faults in gbpf"
	gapMeta          = "XDP metadata is limited to 32 bytes in gbpf; Linux 6.18 allows up to 252 (u8 meta_len), bounded by the headroom"
	gapErange        = "bpf_probe_read_kernel(_str) of a user-range address: kernel -ERANGE, gbpf -EFAULT"
	gapForEachDelete = "for_each_map_elem over a hash restarts after the callback deletes the current key"
)

func init() {
	cases = append(cases, []tcase{
		{name: "min_tstamp_type", obj: "tc_tstamp_type.o", prog: "tstamp_type", data: tcp4},
		{name: "min_classid16", obj: "tc_classid16.o", prog: "classid16", data: tcp4},
		{name: "min_probe_erange", obj: "probe_erange.o", prog: "probe_erange", ctx: u64s(0)},
		{name: "min_foreach_delete", obj: "foreach_delete.o", prog: "foreach_delete", data: tcp4},
	}...)
}

func init() {
	cases = append(cases, []tcase{
		{name: "lpm_v4", obj: "lpm_route.o", prog: "lpm", data: tcp4},
		{name: "lpm_v4_host", obj: "lpm_route.o", prog: "lpm", data: td.UDP("192.0.2.1", "10.0.3.4", 1, 2), repeat: 2},
		{name: "lpm_v6", obj: "lpm_route.o", prog: "lpm", data: tcp6},
		{name: "lpm_arp", obj: "lpm_route.o", prog: "lpm", data: arp},
		{name: "lru_once", obj: "lru_conn.o", prog: "lru", data: tcp4},
		{name: "lru_evict", obj: "lru_conn.o", prog: "lru", data: tcp4, repeat: 5},
		{name: "percpu", obj: "percpu.o", prog: "percpu", data: tcp4, repeat: 3},
		{name: "percpu_lookup", obj: "percpu_lookup.o", prog: "percpu_sum", data: tcp4, repeat: 2},
		{name: "hash_ops", obj: "hash_ops.o", prog: "hash_ops", data: tcp4},
		{name: "hash_ops_repeat", obj: "hash_ops.o", prog: "hash_ops", data: tcp4, repeat: 2},
		{name: "tail_dispatch_tcp", obj: "tailcalls.o", prog: "dispatch", data: tcp4},
		{name: "tail_dispatch_udp", obj: "tailcalls.o", prog: "dispatch", data: udp4},
		{name: "tail_dispatch_short", obj: "tailcalls.o", prog: "dispatch", data: tcp4[:20]},
		{name: "tail_init_tcp", obj: "tailcalls.o", prog: "dispatch_init", data: tcp4},
		{name: "tail_init_udp", obj: "tailcalls.o", prog: "dispatch_init", data: udp4, repeat: 2},
		{name: "tail_self_limit", obj: "tailcalls.o", prog: "tc_self", data: tcp4},
		{name: "tail_self_limit_repeat", obj: "tailcalls.o", prog: "tc_self", data: tcp4, repeat: 3},
		{name: "map_in_map", obj: "map_in_map.o", prog: "mim", data: tcp4},
		{name: "map_in_map_repeat", obj: "map_in_map.o", prog: "mim", data: udp6, repeat: 2},
		{name: "bloom_qs", obj: "bloom_qs.o", prog: "bloom_qs", data: tcp4},
		{name: "bloom_qs_repeat", obj: "bloom_qs.o", prog: "bloom_qs", data: udp4, repeat: 3},
		{name: "spinlock", obj: "spinlock.o", prog: "police", data: tcp4, repeat: 5},
		{name: "ringbuf", obj: "ringbuf_ev.o", prog: "events", data: tcp4, repeat: 3},
	}...)
}

func gapHelper(name string) string { return "gbpf does not implement " + name }

// withMeta prefixes a packet with n metadata bytes counting from 0xa0.
func withMeta(n int, p []byte) []byte {
	b := make([]byte, n, n+len(p))
	for i := range b {
		b[i] = byte(0xa0 + i)
	}
	return append(b, p...)
}

func init() {
	ipip := td.TCP("192.0.2.1", "198.51.100.2", 40000, 80)
	// An IPIP packet: Ethernet, outer IPv4 (protocol 4), the inner packet.
	outer := append(append([]byte(nil), ipip[:14]...), 0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 4, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2)
	outer = append(outer, ipip[14:]...)
	cases = append(cases, []tcase{
		{name: "encap_tcp", obj: "xdp_encap.o", prog: "encap", data: tcp4},
		{name: "encap_repeat", obj: "xdp_encap.o", prog: "encap", data: udp4, repeat: 3},
		{name: "encap_arp", obj: "xdp_encap.o", prog: "encap", data: arp},
		{name: "decap", obj: "xdp_encap.o", prog: "decap", data: outer},
		{name: "reshape", obj: "xdp_encap.o", prog: "reshape", data: tcp4},
		{name: "reshape_min", obj: "xdp_encap.o", prog: "reshape", data: tcp4[:14]},
		{name: "reshape_big", obj: "xdp_encap.o", prog: "reshape", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.Payload(seq(1472)))},
		{name: "meta_noctx", obj: "xdp_meta.o", prog: "meta", data: tcp4},
		{name: "meta_ctx0", obj: "xdp_meta.o", prog: "meta", data: tcp4, ctx: xdpCtx(0, len(tcp4))},
		{name: "meta_ctx8", obj: "xdp_meta.o", prog: "meta", data: withMeta(8, tcp4), ctx: xdpCtx(8, 8+len(tcp4))},
		{name: "meta_ctx32", obj: "xdp_meta.o", prog: "meta", data: withMeta(32, arp), ctx: xdpCtx(32, 32+len(arp))},
		{name: "meta_ctx_ifindex", obj: "xdp_meta.o", prog: "meta", data: withMeta(4, udp4), ctx: append(xdpCtx(4, 4+len(udp4))[:12], 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), repeat: 2},
		{name: "meta_ctx_bad", obj: "xdp_meta.o", prog: "meta", data: withMeta(6, udp4), ctx: xdpCtx(6, 6+len(udp4))},
		{name: "meta_big_noctx", obj: "xdp_meta_big.o", prog: "meta_big", data: tcp4[:14]},
		{name: "meta_big_ctx64", obj: "xdp_meta_big.o", prog: "meta_big", data: withMeta(64, tcp4), ctx: xdpCtx(64, 64+len(tcp4))},
		{name: "meta_big_ctx224", obj: "xdp_meta_big.o", prog: "meta_big", data: withMeta(224, tcp4), ctx: xdpCtx(224, 224+len(tcp4))},
		{name: "xdp_bytes", obj: "xdp_bytes.o", prog: "xbytes", data: tcp4},
		{name: "arp_reply", obj: "arp_reply.o", prog: "arp_reply", data: arp},
		{name: "arp_other", obj: "arp_reply.o", prog: "arp_reply", data: td.ARP("192.0.2.1", "192.0.2.3"), repeat: 2},
		{name: "arp_vlan", obj: "arp_reply.o", prog: "arp_reply", data: td.ARP("192.0.2.1", "192.0.2.254", td.VLAN(3))},
	}...)
}

func u64s(v ...uint64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		le.PutUint64(b[8*i:], x)
	}
	return b
}

func init() {
	v6hbh := td.TCP("2001:db8::1", "2001:db8::2", 40000, 443, td.HopByHop())
	frag := append([]byte(nil), udp6...)
	frag[14+6] = 44
	sysCtx := make([]byte, 32)
	le.PutUint32(sysCtx[0:], 5)
	le.PutUint32(sysCtx[4:], 9)
	cases = append(cases, []tcase{
		{name: "tc_hash", obj: "tc_helpers.o", prog: "hash_recalc", data: tcp4},
		{name: "tc_change_tail", obj: "tc_helpers.o", prog: "change_tail", data: tcp4},
		{name: "tc_vlan", obj: "tc_helpers.o", prog: "vlan", data: tcp4},
		{name: "tc_pull_adjust", obj: "tc_helpers.o", prog: "pull_adjust", data: tcp4},
		{name: "strings", obj: "strings.o", prog: "strings", data: tcp4},
		{name: "strings_v6", obj: "strings.o", prog: "strings", data: tcp6},
		{name: "memops", obj: "memops.o", prog: "memops", data: tcp4},
		{name: "memops_short", obj: "memops.o", prog: "memops", data: tcp4[:59]},
		{name: "rawtp", obj: "probe.o", prog: "rawtp", ctx: u64s(21, 300)},
		{name: "rawtp_repeat", obj: "probe.o", prog: "rawtp", ctx: u64s(1<<40, 7), repeat: 3},
		{name: "syscall", obj: "probe.o", prog: "sys_prog", ctx: sysCtx},
		{name: "ipv6_ext_plain", obj: "ipv6_ext.o", prog: "ipv6_ext", data: tcp6},
		{name: "ipv6_ext_hbh", obj: "ipv6_ext.o", prog: "ipv6_ext", data: v6hbh, repeat: 2},
		{name: "ipv6_ext_frag", obj: "ipv6_ext.o", prog: "ipv6_ext", data: frag},
		{name: "ipv6_ext_hoplimit", obj: "ipv6_ext.o", prog: "ipv6_ext", data: td.UDP("2001:db8::1", "2001:db8::2", 1, 2, td.TTL(1))},
		{name: "ipv6_ext_truncated", obj: "ipv6_ext.o", prog: "ipv6_ext", data: v6hbh[:55]},
		{name: "sock_magic", obj: "sock_bytes.o", prog: "sock_magic", data: udp4},
		{name: "sock_magic_ctx", obj: "sock_bytes.o", prog: "sock_magic", data: udp4, ctx: skbCtx(1, 2, 3), repeat: 2},
		{name: "sock_magic_other", obj: "sock_bytes.o", prog: "sock_magic", data: tcp6},
		{name: "sock_magic_min", obj: "sock_bytes.o", prog: "sock_magic", data: arp[:14]},
	}...)
}
