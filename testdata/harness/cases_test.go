package harness_test

import (
	td "github.com/gbpf/gbpf/testdata"
)

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
