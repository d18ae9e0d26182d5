// Command gen rebuilds the bundled example: xdp_stats.o from xdp_stats.c,
// and traffic.pcap, a few hundred packets of mixed traffic to run it on.
//
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c ../xdp_stats.c -o ../xdp_stats.o
//go:generate go run . -o ../traffic.pcap
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	td "github.com/gbpf/gbpf/testdata"
)

func main() {
	out := flag.String("o", "traffic.pcap", "output pcap file")
	n := flag.Int("n", 300, "number of packets")
	flag.Parse()
	if err := write(*out, *n); err != nil {
		log.Fatal(err)
	}
}

// write produces the same file every time: a fixed seed and fixed clock.
func write(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		f.Close()
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ts := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		pkt := next(rng, i)
		ts = ts.Add(time.Duration(rng.IntN(2000)) * time.Microsecond)
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(pkt), Length: len(pkt)}
		if err := w.WritePacket(ci, pkt); err != nil {
			f.Close()
			return fmt.Errorf("packet %d: %w", i, err)
		}
	}
	return f.Close()
}

// next picks one packet of a traffic mix: mostly TCP (web, with payloads
// of varied size), DNS, SSDP (the port xdp_stats blocks), IPv6, ICMP, ARP
// and VLAN-tagged frames.
func next(rng *rand.Rand, i int) []byte {
	host := fmt.Sprintf("192.0.2.%d", 10+rng.IntN(20))
	host6 := fmt.Sprintf("2001:db8::%x", 0x10+rng.IntN(20))
	sport := uint16(32768 + rng.IntN(28000))
	switch r := rng.IntN(100); {
	case r < 40:
		flags := []string{"S", "A", "PA", "FA"}[rng.IntN(4)]
		var body []byte
		if flags == "PA" {
			body = make([]byte, rng.IntN(1200))
			copy(body, "GET /index.html HTTP/1.1\r\nHost: example.test\r\n\r\n")
		}
		return td.TCP(host, "198.51.100.80", sport, []uint16{80, 443}[rng.IntN(2)], td.TCPFlags(flags), td.Payload(body))
	case r < 55:
		return td.UDP(host, "198.51.100.53", sport, 53, td.Payload(make([]byte, 20+rng.IntN(40))))
	case r < 65:
		return td.UDP(host, "239.255.255.250", 1900, 1900, td.Payload([]byte("M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n")))
	case r < 77:
		return td.TCP(host6, "2001:db8::80", sport, 443, td.TCPFlags("PA"), td.Payload(make([]byte, rng.IntN(800))))
	case r < 83:
		return td.UDP(host6, "2001:db8::53", sport, 53, td.Payload(make([]byte, 30)))
	case r < 90:
		return td.ICMPEcho(host, "198.51.100.1", 7, uint16(i))
	case r < 95:
		return td.ARP(host, "192.0.2.1")
	default:
		return td.TCP(host, "198.51.100.80", sport, 8080, td.VLAN(uint16(10+rng.IntN(3))), td.TCPFlags("A"))
	}
}
