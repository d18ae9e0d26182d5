package gbpf_test

import (
	"testing"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/testdata"
)

// BenchmarkRunOverhead measures one Program.Run of a small XDP program:
// the per-run cost of building the context and machine, which gbpf xdp
// pays once per packet.
func BenchmarkRunOverhead(b *testing.B) {
	spec, err := gbpf.LoadCollectionSpec("examples/xdp_stats.o")
	if err != nil {
		b.Fatal(err)
	}
	coll, err := gbpf.NewCollection(spec)
	if err != nil {
		b.Fatal(err)
	}
	defer coll.Close()
	p := coll.Programs["xdp_stats"]
	pkt := testdata.UDP("192.0.2.1", "198.51.100.2", 5353, 53)
	opts := &gbpf.RunOptions{Data: pkt}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Run(opts); err != nil {
			b.Fatal(err)
		}
	}
}
