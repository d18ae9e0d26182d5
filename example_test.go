package gbpf_test

import (
	"fmt"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/testdata"
)

// Load an object built by clang, set one of its const volatile settings,
// run its XDP program on a packet and read a map.
func Example() {
	spec, err := gbpf.LoadCollectionSpec("examples/xdp_stats.o")
	if err != nil {
		panic(err)
	}
	// Block DNS instead of SSDP: a setting the program reads from .rodata.
	if err := spec.Variables["blocked_udp_port"].Set(uint16(53)); err != nil {
		panic(err)
	}
	coll, err := gbpf.NewCollection(spec)
	if err != nil {
		panic(err)
	}
	defer coll.Close()

	dns := testdata.UDP("192.0.2.1", "198.51.100.2", 40000, 53)
	res, err := coll.Programs["xdp_stats"].Run(&gbpf.RunOptions{Data: dns})
	if err != nil {
		panic(err)
	}
	fmt.Println("verdict:", res.ReturnValue) // XDP_DROP

	var counters struct{ Packets, Bytes uint64 }
	if err := coll.Maps["proto_stats"].Lookup(uint32(17), &counters); err != nil {
		panic(err)
	}
	fmt.Printf("udp: %d packet, %d bytes\n", counters.Packets, counters.Bytes)
	// Output:
	// verdict: 1
	// udp: 1 packet, 60 bytes
}
