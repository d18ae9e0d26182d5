// Package testdata holds gbpf's corpus of BPF C test programs, their
// compiled objects, the table of kernel test-run cases over them, and
// builders for the packets those cases feed in.
package testdata

import (
	"fmt"
	"net"
	"path/filepath"
	"runtime"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The Ethernet addresses every built packet uses: Client sends, Router
// receives.
var (
	ClientMAC = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
	RouterMAC = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
)

// Path returns the absolute path of a file in this directory, so tests in
// any package can open the objects.
func Path(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), name)
}

// Opt adjusts a packet being built.
type Opt func(*pkt)

type pkt struct {
	ttl      uint8
	vlans    []uint16
	payload  []byte
	tcpFlags string
	hopByHop bool
	tos      uint8
}

// TTL sets the IPv4 TTL or IPv6 hop limit (default 64).
func TTL(ttl uint8) Opt { return func(p *pkt) { p.ttl = ttl } }

// VLAN tags the frame with 802.1Q headers, outermost first; two tags make
// the outer one 802.1ad (QinQ).
func VLAN(ids ...uint16) Opt { return func(p *pkt) { p.vlans = ids } }

// Payload sets the transport payload.
func Payload(b []byte) Opt { return func(p *pkt) { p.payload = b } }

// TCPFlags sets the TCP flags from letters: S(YN), A(CK), F(IN), R(ST),
// P(SH). The default is "S".
func TCPFlags(f string) Opt { return func(p *pkt) { p.tcpFlags = f } }

// HopByHop puts an empty IPv6 hop-by-hop options header before the
// transport header.
func HopByHop() Opt { return func(p *pkt) { p.hopByHop = true } }

// TOS sets the IPv4 type of service byte.
func TOS(tos uint8) Opt { return func(p *pkt) { p.tos = tos } }

func build(opts []Opt) *pkt {
	p := &pkt{ttl: 64, tcpFlags: "S"}
	for _, o := range opts {
		o(p)
	}
	return p
}

// TCP builds Ethernet + IPv4 or IPv6 (by the address family) + TCP.
func TCP(src, dst string, sport, dport uint16, opts ...Opt) []byte {
	p := build(opts)
	t := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: 1000, Window: 65535}
	for _, c := range p.tcpFlags {
		switch c {
		case 'S':
			t.SYN = true
		case 'A':
			t.ACK, t.Ack = true, 1
		case 'F':
			t.FIN = true
		case 'R':
			t.RST = true
		case 'P':
			t.PSH = true
		default:
			panic(fmt.Sprintf("unknown TCP flag %q", c))
		}
	}
	return ip(p, src, dst, layers.IPProtocolTCP, t)
}

// UDP builds Ethernet + IPv4 or IPv6 (by the address family) + UDP.
func UDP(src, dst string, sport, dport uint16, opts ...Opt) []byte {
	p := build(opts)
	return ip(p, src, dst, layers.IPProtocolUDP, &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)})
}

// ICMPEcho builds an IPv4 ICMP echo request.
func ICMPEcho(src, dst string, id, seq uint16, opts ...Opt) []byte {
	p := build(opts)
	return ip(p, src, dst, layers.IPProtocolICMPv4, &layers.ICMPv4{
		TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: seq,
	})
}

// ARP builds a broadcast ARP request asking who has target, from sender.
func ARP(sender, target string, opts ...Opt) []byte {
	p := build(opts)
	a := &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: ClientMAC, SourceProtAddress: ip4(sender),
		DstHwAddress: make([]byte, 6), DstProtAddress: ip4(target),
	}
	bcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	return serialize(append(link(p, bcast, layers.EthernetTypeARP), a))
}

func ip4(s string) net.IP {
	a := net.ParseIP(s).To4()
	if a == nil {
		panic("not an IPv4 address: " + s)
	}
	return a
}

// link returns the Ethernet header and any VLAN tags for a frame whose
// payload has type et.
func link(p *pkt, dst net.HardwareAddr, et layers.EthernetType) []gopacket.SerializableLayer {
	eth := &layers.Ethernet{SrcMAC: ClientMAC, DstMAC: dst, EthernetType: et}
	ls := []gopacket.SerializableLayer{eth}
	if len(p.vlans) == 0 {
		return ls
	}
	eth.EthernetType = layers.EthernetTypeDot1Q
	if len(p.vlans) > 1 {
		eth.EthernetType = layers.EthernetTypeQinQ
	}
	for i, id := range p.vlans {
		next := layers.EthernetTypeDot1Q
		if i == len(p.vlans)-1 {
			next = et
		}
		ls = append(ls, &layers.Dot1Q{VLANIdentifier: id, Type: next})
	}
	return ls
}

type checksummed interface {
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}

func ip(p *pkt, src, dst string, proto layers.IPProtocol, l4 gopacket.SerializableLayer) []byte {
	s, d := net.ParseIP(src), net.ParseIP(dst)
	if s == nil || d == nil {
		panic(fmt.Sprintf("bad addresses %q, %q", src, dst))
	}
	var ls []gopacket.SerializableLayer
	var nl gopacket.NetworkLayer
	if s.To4() != nil {
		v4 := &layers.IPv4{Version: 4, IHL: 5, TTL: p.ttl, TOS: p.tos, Id: 0x1234, Flags: layers.IPv4DontFragment,
			Protocol: proto, SrcIP: s.To4(), DstIP: d.To4()}
		ls, nl = append(link(p, RouterMAC, layers.EthernetTypeIPv4), v4), v4
	} else {
		v6 := &layers.IPv6{Version: 6, HopLimit: p.ttl, NextHeader: proto, SrcIP: s, DstIP: d}
		ls, nl = append(link(p, RouterMAC, layers.EthernetTypeIPv6), v6), v6
		if p.hopByHop {
			v6.NextHeader = layers.IPProtocolIPv6HopByHop
			// Next header, length 0 (8 bytes), a PadN option of 4 bytes.
			ls = append(ls, gopacket.Payload{byte(proto), 0, 1, 4, 0, 0, 0, 0})
		}
	}
	if c, ok := l4.(checksummed); ok {
		if err := c.SetNetworkLayerForChecksum(nl); err != nil {
			panic(err)
		}
	}
	ls = append(ls, l4)
	if p.payload != nil {
		ls = append(ls, gopacket.Payload(p.payload))
	}
	return serialize(ls)
}

func serialize(ls []gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
