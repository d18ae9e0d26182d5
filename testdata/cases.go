package testdata

import "encoding/binary"

// Case is one kernel test run over an object of this directory.
type Case struct {
	Name    string
	Object  string // object file in this directory
	Program string // function name
	Data    []byte // packet, for packet programs
	Context []byte // ctx_in, where the program needs one
	Repeat  int    // 0 means once
	// Retval is what BPF_PROG_TEST_RUN reports for the last run on a freshly
	// loaded object (after the Before runs).
	Retval uint32
	// Before names cases of the same object to run first, in order, on the
	// same loaded collection, for programs that consume what others left in
	// maps.
	Before []string
	// NoTestRun marks program types the kernel loads but cannot test-run
	// (kprobe, tracepoint): the case only checks that the verifier accepts
	// the program.
	NoTestRun bool
	// Covers lists the features the case exercises.
	Covers []string
}

// SkBuffSize is sizeof(struct __sk_buff), the context of skb programs.
const SkBuffSize = 192

// XDP verdicts and tc actions, for readability.
const (
	XDPAborted  = 0
	XDPDrop     = 1
	XDPPass     = 2
	XDPTx       = 3
	XDPRedirect = 4

	TCActOK       = 0
	TCActShot     = 2
	TCActRedirect = 7
)

// corrupt returns b with the byte at off flipped.
func corrupt(b []byte, off int) []byte {
	b[off] ^= 0xff
	return b
}

// Cases is the corpus's test-run table. Each retval is what the kernel
// (Linux 6.18, x86-64) returned.
var Cases = []Case{
	// xdp_firewall.o
	{Name: "fw_tcp_pass", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPPass,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"xdp", "ipv4", "tcp", "lpm_trie", "hash", "lru_hash", "percpu_array", "csum_diff", "ttl decrement with checksum fix", "global function", "static function", "atomics", "const volatile", ".bss"}},
	{Name: "fw_udp_echo", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPTx,
		Data:   UDP("192.0.2.1", "198.51.100.2", 5353, 7, Payload([]byte("ping"))),
		Covers: []string{"xdp", "udp", "swap MACs and addresses", "XDP_TX"}},
	{Name: "fw_deny_source", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPDrop,
		Data:   TCP("10.66.7.8", "198.51.100.2", 40000, 443),
		Covers: []string{"lpm_trie lookup", "XDP_DROP"}},
	{Name: "fw_deny_port", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPDrop,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 23),
		Covers: []string{"hash lookup with struct key"}},
	{Name: "fw_ttl_expired", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPDrop,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1000, 53, TTL(1)),
		Covers: []string{"const volatile min_ttl", "__sync_fetch_and_add on .bss"}},
	{Name: "fw_bad_checksum", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPDrop,
		Data:   corrupt(TCP("192.0.2.1", "198.51.100.2", 40000, 80), 14+10),
		Covers: []string{"csum_diff over the IPv4 header"}},
	{Name: "fw_vlan", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPPass,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80, VLAN(100)),
		Covers: []string{"802.1Q", "bounded loop"}},
	{Name: "fw_qinq_echo", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPTx,
		Data:   UDP("192.0.2.1", "198.51.100.2", 5353, 7, VLAN(100, 200)),
		Covers: []string{"802.1ad + 802.1Q"}},
	{Name: "fw_ipv6_tcp", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPPass,
		Data:   TCP("2001:db8::1", "2001:db8::2", 40000, 443),
		Covers: []string{"ipv6", "hop limit decrement"}},
	{Name: "fw_ipv6_hopbyhop_deny", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPDrop,
		Data:   TCP("2001:db8::1", "2001:db8::2", 40000, 23, HopByHop()),
		Covers: []string{"ipv6 extension headers", "bounded loop in a static noinline function"}},
	{Name: "fw_ipv6_hop_limit", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPDrop,
		Data:   UDP("2001:db8::1", "2001:db8::2", 1000, 53, TTL(1)),
		Covers: []string{"ipv6 hop limit"}},
	{Name: "fw_arp", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPPass,
		Data:   ARP("192.0.2.1", "192.0.2.254"),
		Covers: []string{"non-IP"}},
	{Name: "fw_truncated", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPAborted,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80)[:14+12],
		Covers: []string{"bounds checks", "XDP_ABORTED"}},
	{Name: "fw_repeat", Object: "xdp_firewall.o", Program: "xdp_firewall", Retval: XDPPass, Repeat: 5,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80, TTL(10)),
		Covers: []string{"repeat: packet stores persist across runs", "lru_hash counters"}},

	// maps_tour.o
	{Name: "maps_tour", Object: "maps_tour.o", Program: "xdp_maps", Retval: XDPPass,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"percpu_hash", "lru_percpu_hash", "queue", "stack", "bloom_filter", "array_of_maps", "hash_of_maps", "map_delete_elem", "map_push/pop/peek_elem", ".data"}},
	{Name: "maps_tour_repeat", Object: "maps_tour.o", Program: "xdp_maps", Retval: XDPPass, Repeat: 3,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1000, 53, Payload([]byte{1})),
		Covers: []string{"queue and stack overwrite when full (BPF_EXIST)"}},
	{Name: "maps_drain", Object: "maps_tour.o", Program: "xdp_drain", Retval: 4, Before: []string{"maps_tour"},
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"map_pop_elem until empty", "-ENOENT from an empty queue"}},
	{Name: "algo_get", Object: "maps_tour.o", Program: "xdp_algo", Retval: XDPTx,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80, TCPFlags("PA"), Payload([]byte("GET / HTTP/1.0\r\n\r\n"))),
		Covers: []string{"loop", "for_each_map_elem", "strncmp", "snprintf", "trace_printk", "spin_lock/spin_unlock", "__sync_val_compare_and_swap", "atomic add/or/and/xor", ".data.foo", ".rodata.bar"}},
	{Name: "algo_post", Object: "maps_tour.o", Program: "xdp_algo", Retval: XDPPass, Repeat: 2,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80, TCPFlags("PA"), Payload([]byte("POST / HTTP/1.0\r\n\r\n"))),
		Covers: []string{"compare-and-swap failing on the second run"}},
	{Name: "env_facts", Object: "maps_tour.o", Program: "xdp_env", Retval: XDPPass,
		Data:   ARP("192.0.2.1", "192.0.2.254"),
		Covers: []string{"ktime_get_ns", "ktime_get_boot_ns", "ktime_get_coarse_ns", "jiffies64", "get_prandom_u32", "get_smp_processor_id", "get_numa_node_id"}},

	// tailcall.o
	{Name: "tail_chain", Object: "tailcall.o", Program: "xdp_entry", Retval: XDPPass,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"prog_array", "tail_call chain of three programs", "tail call to an empty slot falls through"}},
	{Name: "tail_chain_ipv6", Object: "tailcall.o", Program: "xdp_entry", Retval: XDPDrop,
		Data:   UDP("2001:db8::1", "2001:db8::2", 1000, 53),
		Covers: []string{"prog_array"}},
	{Name: "tail_missing", Object: "tailcall.o", Program: "xdp_missing", Retval: XDPTx,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"tail_call with an out-of-range index"}},
	// ringbuf_perf.o
	{Name: "ringbuf_events", Object: "ringbuf_perf.o", Program: "xdp_events", Retval: XDPPass,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1000, 53),
		Covers: []string{"ringbuf", "ringbuf_output", "ringbuf_reserve/submit/discard", "ringbuf_query", "perf_event_array", "perf_event_output (-ENOENT without a reader)"}},
	{Name: "ringbuf_repeat", Object: "ringbuf_perf.o", Program: "xdp_events", Retval: XDPPass, Repeat: 4,
		Data:   TCP("2001:db8::1", "2001:db8::2", 40000, 443),
		Covers: []string{"ringbuf records accumulate across runs"}},
	// xdp_adjust.o
	{Name: "vlan_pop", Object: "xdp_adjust.o", Program: "xdp_vlan_pop", Retval: XDPPass,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80, VLAN(100)),
		Covers: []string{"xdp_adjust_head (shrink)"}},
	{Name: "vlan_push", Object: "xdp_adjust.o", Program: "xdp_vlan_push", Retval: XDPPass,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"xdp_adjust_head (grow)"}},
	{Name: "resize_trim", Object: "xdp_adjust.o", Program: "xdp_resize", Retval: XDPPass,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1000, 53, Payload(make([]byte, 100))),
		Covers: []string{"xdp_adjust_tail (shrink)"}},
	{Name: "resize_grow", Object: "xdp_adjust.o", Program: "xdp_resize", Retval: XDPPass,
		Data:   ARP("192.0.2.1", "192.0.2.254"),
		Covers: []string{"xdp_adjust_tail (grow)"}},
	{Name: "meta", Object: "xdp_adjust.o", Program: "xdp_meta", Retval: XDPPass,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"xdp_adjust_meta", "data_meta"}},
	{Name: "redirect_ifindex", Object: "xdp_adjust.o", Program: "xdp_redirect_if", Retval: XDPRedirect,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"redirect"}},
	{Name: "redirect_devmap_empty", Object: "xdp_adjust.o", Program: "xdp_redirect_devmap", Retval: XDPDrop,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"redirect_map", "devmap", "fallback action from flags"}},

	// more_helpers.o
	{Name: "xdp_more_helpers", Object: "more_helpers.o", Program: "xdp_more", Retval: XDPPass,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1000, 53),
		Covers: []string{"xdp_get_buff_len", "xdp_load_bytes", "xdp_store_bytes", "ktime_get_tai_ns", "map_lookup_percpu_elem"}},
	{Name: "tc_more_helpers", Object: "more_helpers.o", Program: "tc_more", Retval: TCActOK,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"skb_pull_data", "set_hash", "set_hash_invalid", "csum_update", "csum_level"}},

	// skf_offsets.o: TCP over IPv4, TTL 64: protocol 6 << 24 | 0x0800 << 8 | 64.
	{Name: "skf_socket", Object: "skf_offsets.o", Program: "sock_skf", Retval: 6<<24 | 0x0800<<8 | 64,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"LD_ABS at SKF_NET_OFF and SKF_LL_OFF in a socket filter"}},
	{Name: "skf_socket_past_end", Object: "skf_offsets.o", Program: "sock_skf_past", Retval: 0,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"LD_ABS past the packet ends the program"}},
	{Name: "skf_tc", Object: "skf_offsets.o", Program: "tc_skf", Retval: 6<<24 | 0x0800<<8 | 64,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"LD_ABS at SKF_NET_OFF and SKF_LL_OFF in tc"}},

	// skb_extras.o
	{Name: "ecn_ect0", Object: "skb_extras.o", Program: "tc_ecn", Retval: TCActOK,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1, 2, TOS(0x02)),
		Covers: []string{"skb_ecn_set_ce on ECT(0) with the IPv4 checksum fix", "get_cgroup_classid"}},
	{Name: "ecn_ect1", Object: "skb_extras.o", Program: "tc_ecn", Retval: TCActOK,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1, 2, TOS(0xb9)),
		Covers: []string{"skb_ecn_set_ce on ECT(1)"}},
	{Name: "ecn_ce", Object: "skb_extras.o", Program: "tc_ecn", Retval: TCActOK,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1, 2, TOS(0x03)),
		Covers: []string{"skb_ecn_set_ce on CE"}},
	{Name: "ecn_not_ect", Object: "skb_extras.o", Program: "tc_ecn", Retval: TCActOK,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1, 2, TOS(0x20)),
		Covers: []string{"skb_ecn_set_ce on not-ECT"}},
	{Name: "clone_redirect", Object: "skb_extras.o", Program: "tc_clone", Retval: TCActOK,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1, 2),
		Covers: []string{"clone_redirect to the loopback, a missing device, bad flags"}},
	{Name: "change_head", Object: "skb_extras.o", Program: "tc_head", Retval: TCActOK,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1, 2),
		Covers: []string{"skb_change_head"}},
	{Name: "redirect_peer", Object: "skb_extras.o", Program: "tc_peer", Retval: TCActRedirect*10 + TCActShot,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1, 2),
		Covers: []string{"redirect_peer"}},
	{Name: "redirect_neigh", Object: "skb_extras.o", Program: "tc_neigh", Retval: TCActRedirect*10 + TCActShot,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1, 2),
		Covers: []string{"redirect_neigh"}},

	// tc_skb.o
	{Name: "tc_rewrite_tcp", Object: "tc_skb.o", Program: "tc_rewrite", Retval: TCActOK,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80, Payload([]byte("hello"))),
		Covers: []string{"tc (sched_cls)", "skb_load_bytes", "skb_store_bytes", "l3_csum_replace", "l4_csum_replace with BPF_F_PSEUDO_HDR", "__sk_buff reads and a mark write"}},
	{Name: "tc_rewrite_udp", Object: "tc_skb.o", Program: "tc_rewrite", Retval: TCActShot,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1000, 53),
		Covers: []string{"TC_ACT_SHOT"}},
	{Name: "tc_rewrite_ctx", Object: "tc_skb.o", Program: "tc_rewrite", Retval: TCActOK,
		Data:    TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Context: make([]byte, SkBuffSize),
		Covers:  []string{"a zeroed __sk_buff passed in and copied back"}},
	{Name: "tc_redirect", Object: "tc_skb.o", Program: "tc_redirect", Retval: TCActRedirect,
		Data:   ARP("192.0.2.1", "192.0.2.254", VLAN(5)),
		Covers: []string{"classifier section", "redirect in tc"}},
	{Name: "socket_ldabs_keep", Object: "tc_skb.o", Program: "sock_http", Retval: 60 - 14, // skb->len excludes the Ethernet header
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 80),
		Covers: []string{"socket filter", "LD_ABS byte/half/word", "LD_IND"}},
	{Name: "socket_ldabs_drop", Object: "tc_skb.o", Program: "sock_http", Retval: 0,
		Data:   TCP("192.0.2.1", "198.51.100.2", 40000, 443),
		Covers: []string{"socket filter verdict 0"}},
	{Name: "socket_ldabs_truncate", Object: "tc_skb.o", Program: "sock_http", Retval: 64,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1000, 53, Payload(make([]byte, 80))),
		Covers: []string{"socket filter truncation"}},
	{Name: "socket_ldabs_ipv6", Object: "tc_skb.o", Program: "sock_http", Retval: 0,
		Data:   TCP("2001:db8::1", "2001:db8::2", 40000, 80),
		Covers: []string{"socket filter on IPv6"}},
	{Name: "socket_load_bytes", Object: "tc_skb.o", Program: "sock_bytes", Retval: 100,
		Data:   UDP("192.0.2.1", "198.51.100.2", 1000, 53, Payload(make([]byte, 200))),
		Covers: []string{"skb_load_bytes in a socket filter"}},

	// tracing.o
	{Name: "rawtp_probe", Object: "tracing.o", Program: "rawtp_probe", Retval: 42,
		Context: U64s(21, 0),
		Covers:  []string{"raw_tracepoint with ctx args", "probe_read", "probe_read_str", "probe_read_kernel", "probe_read_kernel_str", "probe_read_user (-EFAULT on NULL)", "probe_read_user_str", "get_current_pid_tgid", "get_current_uid_gid", "get_current_comm"}},
	{Name: "rawtp_probe_repeat", Object: "tracing.o", Program: "rawtp_probe", Retval: 0xfffffffe, Repeat: 3,
		Context: U64s(0xffffffff, 0),
		Covers:  []string{"raw_tracepoint repeated from user space", "negative return value"}},
	{Name: "syscall_calc", Object: "tracing.o", Program: "sys_calc", Retval: 13,
		Context: append(U32s(6, 7), make([]byte, 40)...),
		Covers:  []string{"syscall program", "context written back", "snprintf into the context"}},
	{Name: "tracepoint_load_only", Object: "tracing.o", Program: "tp_openat", NoTestRun: true,
		Covers: []string{"tracepoint (load only)", "probe_read_user_str", "hash with a string key"}},
	{Name: "kprobe_load_only", Object: "tracing.o", Program: "kp_openat", NoTestRun: true,
		Covers: []string{"kprobe (load only)", "get_func_ip"}},
	// legacy_maps.o
	{Name: "legacy_maps", Object: "legacy_maps.o", Program: "xdp_legacy", Retval: XDPPass, Repeat: 2,
		Data:   UDP("2001:db8::1", "2001:db8::2", 1000, 53, Payload(make([]byte, 600))),
		Covers: []string{"legacy maps section (struct bpf_map_def)", "hash", "array"}},
}

// U64s encodes little-endian u64 values, e.g. raw tracepoint arguments.
func U64s(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

// U32s encodes little-endian u32 values.
func U32s(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}
