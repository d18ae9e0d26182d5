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
		{name: "r2_ldrel_tc_tail", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(uint32(len(tcp4) - 14 - 4), 4, 1)},
		{name: "r2_ldrel_tc_past", obj: "r2_ldrel.o", prog: "ldrel_tc", data: tcp4, ctx: cbCtx(uint32(len(tcp4) - 14 - 3), 4, 1)},
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
		{name: "rej_ctxptr", obj: "rej_ctxptr.o", prog: "rej_ctxptr", data: tcp4, ctx: cbCtx(1, 2, 3), knownGap: verifierGap + ": context dereferenced through a pointer moved by a variable"},
	}...)
}

// Round 2 gaps (FINDINGS.md, Round 2).
const (
	gapCsumLevel   = "R2-1 bpf_csum_level keeps no state: INC makes the skb CHECKSUM_UNNECESSARY (level 0..3) and QUERY returns the level; adjust_room without NO_CSUM_RESET resets it"
	gapEncap       = "R2-2 adjust_room with an L3 encap flag sets skb->encapsulation: a second encap is -EALREADY, change_tail is -ENOTSUPP"
	gapEncapNoL3   = "R2-3 adjust_room validates the L4/L2 encap flags and the inner MAC length only when an L3 encap flag is set"
	gapDecapGrow   = "R2-4 adjust_room: decap flags with a positive len_diff are -EINVAL"
	gapDecapBoth   = "R2-5 adjust_room: both decap flags are -EINVAL before the packet changes; gbpf shrinks it first"
	gapAdjGSO      = "R2-6 adjust_room on a non-TCP GSO skb (gso_size set in the ctx) is -ENOTSUPP"
	gapHashNonIP   = "R2-7 get_hash_recalc of a non-IP frame: the kernel's flow hash is never 0"
	gapHashSW      = "R2-8 get_hash_recalc after set_hash returns the hash set (sw_hash); gbpf recomputes"
	gapNoncanon    = "R2-9 probe_read_kernel of a non-canonical address: kernel -ERANGE, gbpf -EFAULT"
	gapProbeUser   = "R2-10 probe_read_user(_str) of a BPF stack (kernel) address: kernel -EFAULT, gbpf reads it"
	gapCB64        = "R2-11 8-byte loads and stores of __sk_buff.cb fault in gbpf; the kernel allows them"
)

func markGaps(gaps map[string]string) {
	for i := range cases {
		if g, ok := gaps[cases[i].name]; ok {
			cases[i].knownGap = g
		}
	}
}

func init() {
	both := func(a, b string) string { return a + "; " + b }
	markGaps(map[string]string{
		"r2_adj_encap4_twice":    gapEncap,
		"r2_adj_encap6_udp":      gapEncap,
		"r2_adj_encap4_gre_v6":   gapEncap,
		"r2_adj_l2eth":           gapEncap,
		"r2_adj_encap_both_l3":   gapCsumLevel,
		"r2_adj_gre_udp_l3":      gapCsumLevel,
		"r2_adj_l2eth_short":     gapCsumLevel,
		"r2_adj_l2len_gt_diff":   gapCsumLevel,
		"r2_adj_no_csum_reset":   gapCsumLevel,
		"r2_adj_too_big":         gapCsumLevel,
		"r2_adj_too_big_neg":     gapCsumLevel,
		"r2_adj_shrink_all":      gapCsumLevel,
		"r2_adj_arp":             gapCsumLevel,
		"r2_adj_other_ethertype": gapCsumLevel,
		"r2_adj_bad_mode":        gapCsumLevel,
		"r2_adj_bad_flag":        gapCsumLevel,
		"r2_adj_gre_udp_no_l3":   gapEncapNoL3,
		"r2_adj_l2eth_no_l3":     gapEncapNoL3,
		"r2_adj_l2len_no_l3":     gapEncapNoL3,
		"r2_adj_decap_grow":      both(gapDecapGrow, gapCsumLevel),
		"r2_adj_decap_both":      both(gapDecapBoth, gapCsumLevel),
		"r2_adj_gso_udp":         both(gapAdjGSO, gapCsumLevel),
		"r2_adj_gso_shrink":      both(gapAdjGSO, gapCsumLevel),
		"r2_hash_tcp4":           both(gapHashSW, gapCsumLevel),
		"r2_hash_udp6":           both(gapHashSW, gapCsumLevel),
		"r2_hash_frag":           both(gapHashSW, gapCsumLevel),
		"r2_hash_noctx":          both(gapHashSW, gapCsumLevel),
		"r2_hash_arp":            both(gapHashNonIP, both(gapHashSW, gapCsumLevel)),
		"r2_hash_ethertype":      both(gapHashNonIP, both(gapHashSW, gapCsumLevel)),
		"r2_hash_eth_only":       both(gapHashNonIP, both(gapHashSW, gapCsumLevel)),
		"r2_csum_inc":            gapCsumLevel,
		"r2_csum_inc_repeat":     gapCsumLevel,
		"r2_probe":               both(gapNoncanon, gapProbeUser),
		"r2_min_cb64_tc":         gapCB64,
		"r2_min_cb64_sock":       gapCB64,
	})
}
