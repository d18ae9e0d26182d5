package verifier

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/internal/loader"
)

// BenchmarkVerify measures verification of real programs, from a few
// hundred to tens of thousands of instructions, and reports beside gbpf's
// time and processed-instruction count the kernel's own ("verification
// time" and "processed N insns" of BPF_LOG_STATS) for the same program,
// when the kernel can load it:
//
//	go test ./internal/verifier -run '^$' -bench Verify -benchtime 5x
func BenchmarkVerify(b *testing.B) {
	objs := []string{
		"../../testdata/large/large.o",
		"../../testdata/bench/suite.o",
		"../../testdata/maps_tour.o",
		"../../testdata/xdp_firewall.o",
		"../../testdata/tc_skb.o",
		"../../testdata/harness/r3_misc.o",
		"../../testdata/harness/r2_loops.o",
	}
	for _, obj := range objs {
		spec, err := ebpf.LoadCollectionSpec(obj)
		if err != nil {
			b.Logf("%s: %v", obj, err)
			continue
		}
		var names []string
		for n := range spec.Programs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			ps := spec.Programs[name]
			p, err := loader.ConvertProgram(ps)
			if err != nil {
				continue
			}
			cfg := ConfigFor(spec, ps)
			b.Run(filepath.Base(obj)+"/"+name, func(b *testing.B) {
				ks, kerr := kernel.Verify(spec, name)
				var res *Result
				b.ResetTimer()
				for b.Loop() {
					res, err = Verify(p, cfg)
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(p.Insns)), "insns")
				b.ReportMetric(float64(res.Processed), "processed")
				if kerr == nil {
					b.ReportMetric(float64(ks.Time.Nanoseconds()), "kernel-ns")
					b.ReportMetric(float64(ks.Processed), "kernel-processed")
				}
			})
		}
	}
}
