package gbpf_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/testdata"
)

// outcome is what one case produced, in a form both engines share.
type outcome struct {
	retval  uint32
	dataOut []byte
	ctxOut  []byte
	maps    map[string][]gbpf.MapEntry
}

// corpusEngines are the engines the corpus runs on: the interpreter, and
// the JIT where this process can have executable memory.
func corpusEngines() []gbpf.Engine {
	if jit.Available() != nil {
		return []gbpf.Engine{gbpf.EngineInterpreter}
	}
	return []gbpf.Engine{gbpf.EngineInterpreter, gbpf.EngineJIT}
}

// runGbpf runs a case (after its Before cases) on a fresh collection.
func runGbpf(t *testing.T, tc testdata.Case, engine gbpf.Engine) outcome {
	t.Helper()
	spec, err := gbpf.LoadCollectionSpec(testdata.Path(tc.Object))
	if err != nil {
		t.Fatal(err)
	}
	c, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.EngineFallback(); err != nil {
		t.Fatal(err)
	}
	var res *gbpf.RunResult
	for _, step := range withBefore(t, tc) {
		p := c.Programs[step.Program]
		if p == nil {
			t.Fatalf("no program %s in %s", step.Program, step.Object)
		}
		if res, err = p.Run(&gbpf.RunOptions{Data: step.Data, Context: step.Context, Repeat: uint32(step.Repeat)}); err != nil {
			t.Fatalf("%s: %v", step.Name, err)
		}
	}
	o := outcome{retval: res.ReturnValue, dataOut: res.DataOut, ctxOut: res.ContextOut, maps: map[string][]gbpf.MapEntry{}}
	for name, m := range c.Maps {
		es, err := m.Entries()
		if err != nil {
			t.Fatal(err)
		}
		o.maps[name] = es
	}
	return o
}

// runKernel runs the same case in the Linux kernel.
func runKernel(t *testing.T, tc testdata.Case) outcome {
	t.Helper()
	spec, err := gbpf.LoadCollectionSpec(testdata.Path(tc.Object))
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kernel.LoadCollection(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	var res kernel.RunResult
	for _, step := range withBefore(t, tc) {
		if res, err = kc.Run(step.Program, kernel.RunOptions{Data: step.Data, Context: step.Context, Repeat: step.Repeat}); err != nil {
			t.Fatalf("%s: %v", step.Name, err)
		}
	}
	km, err := kc.Maps()
	if err != nil {
		t.Fatal(err)
	}
	o := outcome{retval: res.Retval, dataOut: res.DataOut, ctxOut: res.ContextOut, maps: map[string][]gbpf.MapEntry{}}
	for name, es := range km {
		for _, e := range es {
			o.maps[name] = append(o.maps[name], gbpf.MapEntry{Key: e.Key, Value: e.Value, Values: e.Values, Name: e.Name})
		}
		if o.maps[name] == nil {
			o.maps[name] = []gbpf.MapEntry{}
		}
	}
	return o
}

func withBefore(t *testing.T, tc testdata.Case) []testdata.Case {
	var steps []testdata.Case
	for _, name := range tc.Before {
		steps = append(steps, caseByName(t, name))
	}
	return append(steps, tc)
}

func caseByName(t *testing.T, name string) testdata.Case {
	for _, c := range testdata.Cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %s", name)
	return testdata.Case{}
}

// TestCorpusRetvals runs every case of the corpus in gbpf and requires the
// return value the kernel gave, recorded in the table (so it runs without
// the kernel too).
func TestCorpusRetvals(t *testing.T) {
	for _, tc := range testdata.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.NoTestRun {
				t.Skip("the kernel cannot test-run this program type")
			}
			for _, e := range corpusEngines() {
				if got := runGbpf(t, tc, e); got.retval != tc.Retval {
					t.Errorf("%s: retval %d, kernel %d", e, got.retval, tc.Retval)
				}
			}
		})
	}
}

// TestCorpusAgainstKernel runs every case in gbpf and in the live kernel
// and requires the same return value, packet, context and map contents.
func TestCorpusAgainstKernel(t *testing.T) {
	if err := kernel.Available(); err != nil {
		t.Skipf("kernel comparison skipped: %v", err)
	}
	for _, tc := range testdata.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.NoTestRun {
				t.Skip("the kernel cannot test-run this program type")
			}
			want := runKernel(t, tc)
			for _, e := range corpusEngines() {
				got := runGbpf(t, tc, e)
				if got.retval != want.retval {
					t.Errorf("%s: retval: gbpf %d, kernel %d", e, got.retval, want.retval)
				}
				if !bytes.Equal(got.dataOut, want.dataOut) {
					t.Errorf("%s: data out:\ngbpf   %x\nkernel %x", e, got.dataOut, want.dataOut)
				}
				if !bytes.Equal(got.ctxOut, want.ctxOut) {
					t.Errorf("%s: ctx out:\ngbpf   %x\nkernel %x", e, got.ctxOut, want.ctxOut)
				}
				for _, diff := range diffMaps(got.maps, want.maps) {
					t.Errorf("%s: %s", e, diff)
				}
			}
		})
	}
}

func diffMaps(got, want map[string][]gbpf.MapEntry) []string {
	var diffs []string
	names := map[string]bool{}
	for n := range got {
		names[n] = true
	}
	for n := range want {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		g, w := render(got[n]), render(want[n])
		if g != w {
			diffs = append(diffs, fmt.Sprintf("map %s:\ngbpf:\n%s\nkernel:\n%s", n, g, w))
		}
	}
	return diffs
}

func render(es []gbpf.MapEntry) string {
	if es == nil {
		return "  (no such map)"
	}
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "  %x: %x %x %s\n", e.Key, e.Value, e.Values, e.Name)
	}
	return b.String()
}
