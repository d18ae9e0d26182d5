package harness_test

import (
	td "github.com/gbpf/gbpf/testdata"
)

// Round 2: edge cases of the helpers added after round 1, parameterised
// through __sk_buff.cb, and realistic programs in unseen styles.

// cbCtx is a __sk_buff with only cb set.
func cbCtx(cb ...uint32) []byte { return skbCtx(0, 0, cb...) }

// adjCtx: len_diff, mode, flags, calls for r2_adjroom.o.
func adjCtx(diff int32, mode uint32, flags uint64, calls uint32) []byte {
	return cbCtx(uint32(diff), mode, uint32(flags), uint32(flags>>32), calls)
}

const (
	adjFixedGSO   = 1 << 0
	adjL3IPv4     = 1 << 1
	adjL3IPv6     = 1 << 2
	adjL4GRE      = 1 << 3
	adjL4UDP      = 1 << 4
	adjNoCsum     = 1 << 5
	adjL2Eth      = 1 << 6
	adjDecap4     = 1 << 7
	adjDecap6     = 1 << 8
	adjNet        = 0
	adjMAC        = 1
	ethPIPv6      = 0x86dd
	ethPIPv4      = 0x0800
	vlanPush      = 1
	vlanPushAD    = 2
	vlanPop       = 3
	vlanPushOther = 4
)

func l2len(n uint64) uint64 { return n << 56 }

// ipip4 is an IPv4-in-IPv4 packet, ip6in4 an IPv6-in-IPv4 one.
func ipEncap(proto byte, inner []byte) []byte {
	tot := 20 + len(inner) - 14
	p := append([]byte(nil), inner[:14]...)
	p[12], p[13] = 0x08, 0x00
	p = append(p, 0x45, 0, byte(tot>>8), byte(tot), 0, 0, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2)
	return append(p, inner[14:]...)
}

func withGSO(ctx []byte, segs, size uint32) []byte {
	le.PutUint32(ctx[164:], segs)
	le.PutUint32(ctx[176:], size)
	return ctx
}

func vop(op uint32, tci uint16) uint32 { return op | uint32(tci)<<16 }

func init() {
	big := td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.Payload(seq(1472)))
	ipip := ipEncap(4, tcp4)
	six4 := ipEncap(41, tcp6)
	ether := append(append([]byte(nil), tcp4[:12]...), 0x88, 0xb5, 1, 2, 3, 4, 5, 6, 7, 8)
	vlanMin := td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.VLAN(10))[:16]
	cases = append(cases, []tcase{
		{name: "r2_adj_mac_grow", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjMAC, 0, 1)},
		{name: "r2_adj_net_grow", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjNet, 0, 1)},
		{name: "r2_adj_net_shrink", obj: "r2_adjroom.o", prog: "adj", data: udp4, ctx: adjCtx(-4, adjNet, 0, 2)},
		{name: "r2_adj_mac_shrink", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(-6, adjMAC, 0, 1)},
		{name: "r2_adj_v6_net_shrink_min", obj: "r2_adjroom.o", prog: "adj", data: tcp6, ctx: adjCtx(-20, adjNet, 0, 1)},
		{name: "r2_adj_v6_mac_grow", obj: "r2_adjroom.o", prog: "adj", data: udp6, ctx: adjCtx(40, adjMAC, 0, 1)},
		{name: "r2_adj_encap4_twice", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(20, adjMAC, adjL3IPv4, 2)},
		{name: "r2_adj_encap6_udp", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(48, adjMAC, adjL3IPv6|adjL4UDP, 1)},
		{name: "r2_adj_encap4_gre_v6", obj: "r2_adjroom.o", prog: "adj", data: tcp6, ctx: adjCtx(24, adjMAC, adjL3IPv4|adjL4GRE, 1)},
		{name: "r2_adj_encap_both_l3", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(20, adjMAC, adjL3IPv4|adjL3IPv6, 1)},
		{name: "r2_adj_gre_udp_no_l3", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjNet, adjL4GRE|adjL4UDP, 1)},
		{name: "r2_adj_gre_udp_l3", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(28, adjMAC, adjL3IPv4|adjL4GRE|adjL4UDP, 1)},
		{name: "r2_adj_l2eth", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(38, adjMAC, adjL3IPv4|adjL4GRE|adjL2Eth|l2len(14), 1)},
		{name: "r2_adj_l2eth_short", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(38, adjMAC, adjL3IPv4|adjL4GRE|adjL2Eth|l2len(10), 1)},
		{name: "r2_adj_l2eth_no_l3", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjMAC, adjL2Eth|l2len(4), 1)},
		{name: "r2_adj_l2len_gt_diff", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(20, adjMAC, adjL3IPv4|l2len(30), 1)},
		{name: "r2_adj_l2len_no_l3", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjMAC, l2len(30), 1)},
		{name: "r2_adj_decap4", obj: "r2_adjroom.o", prog: "adj", data: ipip, ctx: adjCtx(-20, adjMAC, adjDecap4, 1)},
		{name: "r2_adj_decap6", obj: "r2_adjroom.o", prog: "adj", data: six4, ctx: adjCtx(-20, adjMAC, adjDecap6, 1)},
		{name: "r2_adj_decap6_v6_short", obj: "r2_adjroom.o", prog: "adj", data: udp6, ctx: adjCtx(-8, adjNet, adjDecap4, 1)},
		{name: "r2_adj_decap_grow", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjMAC, adjDecap4, 1)},
		{name: "r2_adj_decap_both", obj: "r2_adjroom.o", prog: "adj", data: ipip, ctx: adjCtx(-20, adjMAC, adjDecap4|adjDecap6, 1)},
		{name: "r2_adj_no_csum_reset", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjNet, adjNoCsum, 1)},
		{name: "r2_adj_fixed_gso", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjNet, adjFixedGSO, 1)},
		{name: "r2_adj_too_big", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(0x1000, adjNet, 0, 1)},
		{name: "r2_adj_too_big_neg", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(-0x1000, adjNet, 0, 1)},
		{name: "r2_adj_shrink_all", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(-int32(len(tcp4)-14), adjMAC, 0, 1)},
		{name: "r2_adj_shrink_to_min", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(-int32(len(tcp4)-14-20), adjMAC, 0, 1)},
		{name: "r2_adj_arp", obj: "r2_adjroom.o", prog: "adj", data: arp, ctx: adjCtx(8, adjMAC, 0, 1)},
		{name: "r2_adj_other_ethertype", obj: "r2_adjroom.o", prog: "adj", data: ether, ctx: adjCtx(8, adjMAC, 0, 1)},
		{name: "r2_adj_bad_mode", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, 2, 0, 1)},
		{name: "r2_adj_bad_flag", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(8, adjMAC, 1<<9, 1)},
		{name: "r2_adj_grow_max", obj: "r2_adjroom.o", prog: "adj", data: big, ctx: adjCtx(0xfff, adjNet, 0, 4)},
		{name: "r2_adj_zero", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(0, adjNet, 0, 1)},
		{name: "r2_adj_repeat", obj: "r2_adjroom.o", prog: "adj", data: tcp4, ctx: adjCtx(4, adjNet, 0, 1), repeat: 3},
		{name: "r2_adj_gso_udp", obj: "r2_adjroom.o", prog: "adj", data: udp4, ctx: withGSO(adjCtx(8, adjNet, 0, 1), 2, 100)},
		{name: "r2_adj_gso_shrink", obj: "r2_adjroom.o", prog: "adj", data: udp4, ctx: withGSO(adjCtx(-4, adjNet, 0, 1), 2, 100)},

		{name: "r2_cproto_4to6", obj: "r2_cproto.o", prog: "cproto", data: tcp4, ctx: cbCtx(ethPIPv6, 0, 1)},
		{name: "r2_cproto_6to4", obj: "r2_cproto.o", prog: "cproto", data: tcp6, ctx: cbCtx(ethPIPv4, 0, 1)},
		{name: "r2_cproto_6to4_twice", obj: "r2_cproto.o", prog: "cproto", data: udp6, ctx: cbCtx(ethPIPv4, 0, 2)},
		{name: "r2_cproto_same", obj: "r2_cproto.o", prog: "cproto", data: tcp4, ctx: cbCtx(ethPIPv4, 0, 1)},
		{name: "r2_cproto_flags", obj: "r2_cproto.o", prog: "cproto", data: tcp4, ctx: cbCtx(ethPIPv6, 1, 1)},
		{name: "r2_cproto_arp", obj: "r2_cproto.o", prog: "cproto", data: arp, ctx: cbCtx(ethPIPv6, 0, 1)},
		{name: "r2_cproto_v6_min", obj: "r2_cproto.o", prog: "cproto", data: tcp6[:54], ctx: cbCtx(ethPIPv4, 0, 1)},
		{name: "r2_cproto_repeat", obj: "r2_cproto.o", prog: "cproto", data: tcp4, ctx: cbCtx(ethPIPv6, 0, 1), repeat: 2},

		{name: "r2_ctail_shrink", obj: "r2_ctail.o", prog: "ctail", data: tcp4, ctx: cbCtx(40)},
		{name: "r2_ctail_grow_5000", obj: "r2_ctail.o", prog: "ctail", data: tcp4, ctx: cbCtx(5000)},
		{name: "r2_ctail_max", obj: "r2_ctail.o", prog: "ctail", data: tcp4, ctx: cbCtx(16064)},
		{name: "r2_ctail_max1", obj: "r2_ctail.o", prog: "ctail", data: tcp4, ctx: cbCtx(16065)},
		{name: "r2_ctail_13", obj: "r2_ctail.o", prog: "ctail", data: tcp4, ctx: cbCtx(13)},
		{name: "r2_ctail_14", obj: "r2_ctail.o", prog: "ctail", data: tcp4, ctx: cbCtx(14)},
		{name: "r2_ctail_0", obj: "r2_ctail.o", prog: "ctail", data: tcp4, ctx: cbCtx(0)},
		{name: "r2_ctail_flags", obj: "r2_ctail.o", prog: "ctail", data: tcp4, ctx: cbCtx(60, 1)},
		{name: "r2_ctail_shrink_grow", obj: "r2_ctail.o", prog: "ctail", data: udp4, ctx: cbCtx(20, 0, 4200)},
		{name: "r2_ctail_grow_shrink", obj: "r2_ctail.o", prog: "ctail", data: udp4, ctx: cbCtx(9000, 0, 15)},
		{name: "r2_ctail_repeat", obj: "r2_ctail.o", prog: "ctail", data: arp, ctx: cbCtx(100), repeat: 3},

		{name: "r2_vlan_push", obj: "r2_vlan.o", prog: "vlan_ops", data: tcp4, ctx: cbCtx(vop(vlanPush, 42))},
		{name: "r2_vlan_push2", obj: "r2_vlan.o", prog: "vlan_ops", data: tcp4, ctx: cbCtx(vop(vlanPush, 42), vop(vlanPushAD, 0xf123))},
		{name: "r2_vlan_push3_pop3", obj: "r2_vlan.o", prog: "vlan_ops", data: udp6, ctx: cbCtx(vop(vlanPush, 1), vop(vlanPush, 2), vop(vlanPushOther, 3), vlanPop, vlanPop)},
		{name: "r2_vlan_pop_untagged", obj: "r2_vlan.o", prog: "vlan_ops", data: tcp4, ctx: cbCtx(vlanPop, vlanPop)},
		{name: "r2_vlan_pop_tagged", obj: "r2_vlan.o", prog: "vlan_ops", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.VLAN(10)), ctx: cbCtx(vlanPop, vlanPop)},
		{name: "r2_vlan_pop_qinq", obj: "r2_vlan.o", prog: "vlan_ops", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.VLAN(10, 20)), ctx: cbCtx(vlanPop, vlanPop, vlanPop)},
		{name: "r2_vlan_push_tagged", obj: "r2_vlan.o", prog: "vlan_ops", data: td.ARP("192.0.2.1", "192.0.2.254", td.VLAN(3)), ctx: cbCtx(vop(vlanPush, 7), vop(vlanPush, 8), vlanPop)},
		{name: "r2_vlan_pop_min", obj: "r2_vlan.o", prog: "vlan_ops", data: vlanMin, ctx: cbCtx(vlanPop)},
		{name: "r2_vlan_push_min", obj: "r2_vlan.o", prog: "vlan_ops", data: tcp4[:14:14], ctx: cbCtx(vop(vlanPush, 0xffff), vop(vlanPush, 0), vlanPop)},
		{name: "r2_vlan_repeat", obj: "r2_vlan.o", prog: "vlan_ops", data: arp, ctx: cbCtx(vop(vlanPush, 9)), repeat: 3},

		{name: "r2_ldrel_tc_mac", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(0, 14, 0)},
		{name: "r2_ldrel_tc_net", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(0, 20, 1)},
		{name: "r2_ldrel_tc_tail", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(uint32(len(tcp4)-14-4), 4, 1)},
		{name: "r2_ldrel_tc_past", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(uint32(len(tcp4)-14-3), 4, 1)},
		{name: "r2_ldrel_tc_ffff", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(0xffff, 1, 0)},
		{name: "r2_ldrel_tc_10000", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(0x10000, 1, 0)},
		{name: "r2_ldrel_tc_neg", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(0xfffffff2, 4, 1)},
		{name: "r2_ldrel_tc_badhdr", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(0, 4, 2)},
		{name: "r2_ldrel_sock_mac", obj: "r2_ldrel.o", prog: "ldrel_sock", data: tcp4, ctx: cbCtx(0, 14, 0)},
		{name: "r2_ldrel_sock_net", obj: "r2_ldrel.o", prog: "ldrel_sock", data: udp6, ctx: cbCtx(8, 32, 1)},
		{name: "r2_ldrel_sock_mac_all", obj: "r2_ldrel.o", prog: "ldrel_sock", data: arp, ctx: cbCtx(0, 42, 0)},
		{name: "r2_ldrel_sock_past", obj: "r2_ldrel.o", prog: "ldrel_sock", data: arp, ctx: cbCtx(0, 43, 0)},
		{name: "r2_ldrel_sock_badhdr", obj: "r2_ldrel.o", prog: "ldrel_sock", data: arp, ctx: cbCtx(0, 4, 7)},

		{name: "r2_hash_tcp4", obj: "r2_hash.o", prog: "hashes", data: tcp4, ctx: cbCtx(0x1234)},
		{name: "r2_hash_udp6", obj: "r2_hash.o", prog: "hashes", data: udp6, ctx: cbCtx(0)},
		{name: "r2_hash_arp", obj: "r2_hash.o", prog: "hashes", data: arp, ctx: cbCtx(7)},
		{name: "r2_hash_ethertype", obj: "r2_hash.o", prog: "hashes", data: ether, ctx: cbCtx(7)},
		{name: "r2_hash_eth_only", obj: "r2_hash.o", prog: "hashes", data: ether[:14], ctx: cbCtx(7)},
		{name: "r2_hash_frag", obj: "r2_hash.o", prog: "hashes", data: fragment(udp4)},
		{name: "r2_hash_noctx", obj: "r2_hash.o", prog: "hashes", data: tcp6},
		{name: "r2_csum_inc", obj: "r2_hash.o", prog: "csum_inc", data: tcp4},
		{name: "r2_csum_inc_repeat", obj: "r2_hash.o", prog: "csum_inc", data: tcp4, repeat: 4},

		{name: "r2_xbytes_tcp4", obj: "r2_xbytes.o", prog: "xbytes2", data: tcp4},
		{name: "r2_xbytes_min", obj: "r2_xbytes.o", prog: "xbytes2", data: tcp4[:14]},
		{name: "r2_xbytes_1", obj: "r2_xbytes.o", prog: "xbytes2", data: []byte{1}},
		{name: "r2_xbytes_big", obj: "r2_xbytes.o", prog: "xbytes2", data: big},
		{name: "r2_xbytes_repeat", obj: "r2_xbytes.o", prog: "xbytes2", data: udp4, repeat: 2},

		{name: "r2_percpu", obj: "r2_percpu.o", prog: "pcpu", data: tcp4},
		{name: "r2_percpu_repeat", obj: "r2_percpu.o", prog: "pcpu", data: tcp4, repeat: 3},
		{name: "r2_probe", obj: "r2_probe.o", prog: "probes", data: tcp4},
	}...)
}

// fragment marks an IPv4 packet as a non-first fragment.
func fragment(p []byte) []byte {
	q := append([]byte(nil), p...)
	q[14+6], q[14+7] = 0x20, 0x10
	return q
}

func init() {
	cases = append(cases, []tcase{
		{name: "r2_min_cb64_tc", obj: "r2_cb64.o", prog: "cb64", data: tcp4, ctx: cbCtx(1, 2, 3, 4, 5)},
		{name: "r2_min_cb64_sock", obj: "r2_cb64.o", prog: "cb64_sock", data: tcp4, ctx: cbCtx(1, 2, 3, 4, 5)},
	}...)
}

func init() {
	cases = append(cases, []tcase{
		{name: "rej_ctxptr", obj: "rej_ctxptr.o", prog: "rej_ctxptr", data: tcp4, ctx: cbCtx(1, 2, 3)},
	}...)
}

// Round 2 gaps (FINDINGS.md, Round 2): all fixed by the owner while this
// round ran (commits up to 9e4be78); kept to name them in FINDINGS.md.
const (
	gapCsumLevel = "R2-1 bpf_csum_level keeps no state: INC makes the skb CHECKSUM_UNNECESSARY (level 0..3) and QUERY returns the level; adjust_room without NO_CSUM_RESET resets it"
	gapEncap     = "R2-2 adjust_room with an L3 encap flag sets skb->encapsulation: a second encap is -EALREADY, change_tail is -ENOTSUPP"
	gapEncapNoL3 = "R2-3 adjust_room validates the L4/L2 encap flags and the inner MAC length only when an L3 encap flag is set"
	gapDecapGrow = "R2-4 adjust_room: decap flags with a positive len_diff are -EINVAL"
	gapDecapBoth = "R2-5 adjust_room: both decap flags are -EINVAL before the packet changes; gbpf shrinks it first"
	gapAdjGSO    = "R2-6 adjust_room on a non-TCP GSO skb (gso_size set in the ctx) is -ENOTSUPP"
	gapHashNonIP = "R2-7 get_hash_recalc of a non-IP frame: the kernel's flow hash is never 0"
	gapHashSW    = "R2-8 get_hash_recalc after set_hash returns the hash set (sw_hash); gbpf recomputes"
	gapNoncanon  = "R2-9 probe_read_kernel of a non-canonical address: kernel -ERANGE, gbpf -EFAULT"
	gapProbeUser = "R2-10 probe_read_user(_str) of a BPF stack (kernel) address: kernel -EFAULT, gbpf reads it"
	gapCB64      = "R2-11 8-byte loads and stores of __sk_buff.cb fault in gbpf; the kernel allows them"
)

// markGaps marks cases by name as known gaps.
func markGaps(gaps map[string]string) {
	for i := range cases {
		if g, ok := gaps[cases[i].name]; ok {
			cases[i].knownGap = g
		}
	}
}

// dnsQuery is a DNS query for name (dotted) of qtype, with header flags.
func dnsQuery(id uint16, flags uint16, qtype uint16, labels ...string) []byte {
	b := []byte{byte(id >> 8), byte(id), byte(flags >> 8), byte(flags), 0, 1, 0, 0, 0, 0, 0, 0}
	for _, l := range labels {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0, byte(qtype>>8), byte(qtype), 0, 1)
}

// tcpOpts is tcp4 with raw TCP options (padded to 4 bytes by the caller).
func tcpOpts(opts ...byte) []byte {
	p := append([]byte(nil), tcp4[:14+20+20]...)
	p = append(p, opts...)
	tot := len(p) - 14
	p[16], p[17] = byte(tot>>8), byte(tot)
	p[14+20+12] = byte((20+len(opts))/4) << 4
	return p
}

func init() {
	ipOpts := append([]byte(nil), tcp4...)
	ipOpts[14] = 0x46
	synOpts := tcpOpts(2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7)
	cases = append(cases, []tcase{
		{name: "r2_ddos_once", obj: "r2_ddos.o", prog: "ratelimit", data: tcp4},
		{name: "r2_ddos_burst", obj: "r2_ddos.o", prog: "ratelimit", data: udp4, repeat: 6},
		{name: "r2_ddos_short", obj: "r2_ddos.o", prog: "ratelimit", data: tcp4[:34], repeat: 2},
		{name: "r2_ddos_arp", obj: "r2_ddos.o", prog: "ratelimit", data: arp},
		{name: "r2_ddos_v6", obj: "r2_ddos.o", prog: "ratelimit", data: tcp6, repeat: 2},
		{name: "r2_ddos_runt", obj: "r2_ddos.o", prog: "ratelimit", data: []byte{1, 2, 3}},

		{name: "r2_dscp_http", obj: "r2_dscp.o", prog: "dscp", data: tcp4},
		{name: "r2_dscp_dns_ecn", obj: "r2_dscp.o", prog: "dscp", data: td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.TOS(0x03)), repeat: 2},
		{name: "r2_dscp_v6", obj: "r2_dscp.o", prog: "dscp", data: tcp6},
		{name: "r2_dscp_other", obj: "r2_dscp.o", prog: "dscp", data: td.TCP("192.0.2.1", "198.51.100.2", 1, 8080)},
		{name: "r2_dscp_ipopts", obj: "r2_dscp.o", prog: "dscp", data: ipOpts},
		{name: "r2_dscp_arp", obj: "r2_dscp.o", prog: "dscp", data: arp},
		{name: "r2_dscp_short", obj: "r2_dscp.o", prog: "dscp", data: tcp4[:36]},

		{name: "r2_lb_tcp80", obj: "r2_lb.o", prog: "lb", data: tcp4},
		{name: "r2_lb_udp53", obj: "r2_lb.o", prog: "lb", data: udp4, repeat: 3},
		{name: "r2_lb_other_port", obj: "r2_lb.o", prog: "lb", data: td.TCP("192.0.2.9", "198.51.100.2", 5, 81)},
		{name: "r2_lb_frag", obj: "r2_lb.o", prog: "lb", data: fragment(udp4)},
		{name: "r2_lb_ipopts", obj: "r2_lb.o", prog: "lb", data: ipOpts},
		{name: "r2_lb_short", obj: "r2_lb.o", prog: "lb", data: tcp4[:40]},
		{name: "r2_lb_v6", obj: "r2_lb.o", prog: "lb", data: tcp6},

		{name: "r2_dns_a", obj: "r2_dns.o", prog: "dns_count", data: td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.Payload(dnsQuery(0x1234, 0x0100, 1, "www", "example", "com")))},
		{name: "r2_dns_aaaa_repeat", obj: "r2_dns.o", prog: "dns_count", data: td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.Payload(dnsQuery(7, 0, 28, "a", "b"))), repeat: 3},
		{name: "r2_dns_response", obj: "r2_dns.o", prog: "dns_count", data: td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.Payload(dnsQuery(7, 0x8180, 1, "x")))},
		{name: "r2_dns_badlabel", obj: "r2_dns.o", prog: "dns_count", data: td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.Payload(append(dnsQuery(7, 0, 1), 0xc0, 0x0c)[:12+1]))},
		{name: "r2_dns_truncated", obj: "r2_dns.o", prog: "dns_count", data: td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.Payload(dnsQuery(9, 0, 15, "mail", "example", "org")[:20]))},
		{name: "r2_dns_root_mx", obj: "r2_dns.o", prog: "dns_count", data: td.UDP("192.0.2.1", "198.51.100.2", 1000, 53, td.Payload(dnsQuery(1, 0, 15)))},
		{name: "r2_dns_not_dns", obj: "r2_dns.o", prog: "dns_count", data: udp6},
		{name: "r2_dns_tcp", obj: "r2_dns.o", prog: "dns_count", data: tcp4},

		{name: "r2_tcpopts_syn", obj: "r2_tcpopts.o", prog: "tcpopts", data: synOpts},
		{name: "r2_tcpopts_none", obj: "r2_tcpopts.o", prog: "tcpopts", data: tcp4},
		{name: "r2_tcpopts_eol", obj: "r2_tcpopts.o", prog: "tcpopts", data: tcpOpts(1, 1, 0, 2)},
		{name: "r2_tcpopts_zero_len", obj: "r2_tcpopts.o", prog: "tcpopts", data: tcpOpts(1, 2, 0, 0)},
		{name: "r2_tcpopts_overrun", obj: "r2_tcpopts.o", prog: "tcpopts", data: tcpOpts(3, 3, 1, 8, 10, 0, 0, 0)},
		{name: "r2_tcpopts_40", obj: "r2_tcpopts.o", prog: "tcpopts", data: tcpOpts(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 1, 0)},
		{name: "r2_tcpopts_bad_doff", obj: "r2_tcpopts.o", prog: "tcpopts", data: tcpOpts(2, 4, 5, 0xdc)[:56]},

		{name: "r2_tail5_full", obj: "r2_tail5.o", prog: "entry", data: tcp4},
		{name: "r2_tail5_short", obj: "r2_tail5.o", prog: "entry", data: tcp4[:20], repeat: 2},
		{name: "r2_tail5_skip", obj: "r2_tail5.o", prog: "entry", data: append([]byte{0xff}, tcp4[1:]...)},
		{name: "r2_tail5_tiny", obj: "r2_tail5.o", prog: "entry", data: []byte{0x80, 1}},
		{name: "r2_tail5_mid", obj: "r2_tail5.o", prog: "s3", data: udp4},

		{name: "r2_ringvar_once", obj: "r2_ringvar.o", prog: "ringvar", data: tcp4},
		{name: "r2_ringvar_fill", obj: "r2_ringvar.o", prog: "ringvar", data: udp4, repeat: 9},
		{name: "r2_ringvar_big", obj: "r2_ringvar.o", prog: "ringvar", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.Payload(seq(700))), repeat: 4},

		{name: "r2_globals2_tcp", obj: "r2_globals2.o", prog: "globals2", data: tcp4},
		{name: "r2_globals2_dns", obj: "r2_globals2.o", prog: "globals2", data: udp4, repeat: 5},
		{name: "r2_globals2_big", obj: "r2_globals2.o", prog: "globals2", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 443, td.Payload(seq(1400))), repeat: 2},
		{name: "r2_globals2_min", obj: "r2_globals2.o", prog: "globals2", data: tcp4[:14]},

		{name: "r2_bswap", obj: "r2_bswap.o", prog: "bswap", data: tcp4},
		{name: "r2_bswap_udp6", obj: "r2_bswap.o", prog: "bswap", data: udp6, repeat: 2},
		{name: "r2_bswap_v4", obj: "r2_bswap_v4.o", prog: "bswap", data: tcp4},
		{name: "r2_bswap_v4_udp6", obj: "r2_bswap_v4.o", prog: "bswap", data: udp6, repeat: 2},
		{name: "r2_bswap_short", obj: "r2_bswap.o", prog: "bswap", data: tcp4[:23]},

		{name: "r2_loops_tcp", obj: "r2_loops.o", prog: "loops2", data: tcp4},
		{name: "r2_loops_big", obj: "r2_loops.o", prog: "loops2", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.Payload(seq(600)))},
		{name: "r2_loops_ff", obj: "r2_loops.o", prog: "loops2", data: []byte{0xff, 0, 0x45, 0x60, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xfe, 0x80}},
		{name: "r2_loops_one", obj: "r2_loops.o", prog: "loops2", data: []byte{0}},

		{name: "r2_alu32_tcp", obj: "r2_alu32.o", prog: "alu32", data: tcp4},
		{name: "r2_alu32_neg", obj: "r2_alu32.o", prog: "alu32", data: append(append([]byte(nil), tcp4[:16]...), 0xff, 0xff, 0xff, 0x80, 0x01, 0, 0, 0x80, 0x80, 0, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff)},
		{name: "r2_alu32_max", obj: "r2_alu32.o", prog: "alu32", data: append(append([]byte(nil), tcp4[:16]...), 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0xff, 0x7f, 0, 0, 0, 0)},
		{name: "r2_sdiv_v4_tcp", obj: "r2_sdiv_v4.o", prog: "sdiv", data: tcp4},
		{name: "r2_sdiv_v4_neg", obj: "r2_sdiv_v4.o", prog: "sdiv", data: append(append([]byte(nil), tcp4[:16]...), 0xf9, 0xff, 0xff, 0xff, 0xfd, 0xff, 0xff, 0xff, 0xfe, 0x80, 0x00, 0x80, 0, 0, 0, 0x80)},
		{name: "r2_sdiv_v4_min", obj: "r2_sdiv_v4.o", prog: "sdiv", data: append(append([]byte(nil), tcp4[:16]...), 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)},

		{name: "r2_subprogs", obj: "r2_subprogs.o", prog: "subprogs", data: tcp4},
		{name: "r2_subprogs_repeat", obj: "r2_subprogs.o", prog: "subprogs", data: arp, repeat: 3},
		{name: "r2_spin", obj: "r2_spin.o", prog: "spin", data: tcp4, ctx: cbCtx(5), repeat: 4},
		{name: "r2_spin_arp", obj: "r2_spin.o", prog: "spin", data: arp},
		{name: "r2_mim2", obj: "r2_mim.o", prog: "mim2", data: tcp4},
		{name: "r2_mim2_repeat", obj: "r2_mim.o", prog: "mim2", data: udp6, repeat: 2},
		{name: "r2_mim2_short", obj: "r2_mim.o", prog: "mim2", data: tcp4[:3]},
		{name: "r2_queue_1", obj: "r2_queue.o", prog: "qs", data: tcp4},
		{name: "r2_queue_7", obj: "r2_queue.o", prog: "qs", data: tcp4, repeat: 7},
		{name: "r2_queue_5", obj: "r2_queue.o", prog: "qs", data: udp6, repeat: 5},
		{name: "r2_vlanbr_untagged", obj: "r2_vlanbr.o", prog: "vlanbr", data: tcp4},
		{name: "r2_vlanbr_xlate", obj: "r2_vlanbr.o", prog: "vlanbr", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.VLAN(10))},
		{name: "r2_vlanbr_strip", obj: "r2_vlanbr.o", prog: "vlanbr", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.VLAN(20))},
		{name: "r2_vlanbr_unknown", obj: "r2_vlanbr.o", prog: "vlanbr", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.VLAN(30, 10))},
		{name: "r2_vlanbr_repeat", obj: "r2_vlanbr.o", prog: "vlanbr", data: arp, repeat: 3},
		{name: "r2_vlanbr_short_tag", obj: "r2_vlanbr.o", prog: "vlanbr", data: td.UDP("192.0.2.1", "198.51.100.2", 1, 2, td.VLAN(10))[:16]},

		{name: "r2_miss_change_head", obj: "r2_miss_skb.o", prog: "change_head", data: tcp4},
		{name: "r2_miss_ecn_ce", obj: "r2_miss_skb.o", prog: "ecn_ce", data: td.TCP("192.0.2.1", "198.51.100.2", 1, 2, td.TOS(1))},
		{name: "r2_miss_sock_cookie", obj: "r2_miss_skb.o", prog: "sock_cookie", data: tcp4},
		{name: "r2_miss_change_type", obj: "r2_miss_skb.o", prog: "change_type", data: tcp4},
		{name: "r2_miss_classid", obj: "r2_miss_skb.o", prog: "classid", data: tcp4},
		{name: "r2_miss_check_mtu", obj: "r2_miss_skb.o", prog: "check_mtu", data: tcp4},
		{name: "r2_redirect_flags", obj: "r2_miss_skb.o", prog: "redirect_ing", data: tcp4},
		{name: "r2_miss_strtol", obj: "r2_miss_misc.o", prog: "strtol", data: tcp4},
		{name: "r2_miss_iter", obj: "r2_miss_misc.o", prog: "iter", data: tcp4},
		{name: "r2_miss_dynptr", obj: "r2_miss_dynptr.o", prog: "dynptr", data: tcp4},
	}...)
}
