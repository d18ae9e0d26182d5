package kernel

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/testdata"
)

func loadObject(t *testing.T, name string) *Collection {
	t.Helper()
	requireKernel(t)
	spec, err := ebpf.LoadCollectionSpec(testdata.Path(name))
	if err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	c, err := LoadCollection(spec)
	if err != nil {
		var ve *VerifierError
		if errors.As(err, &ve) {
			t.Skipf("the kernel refuses %s: %v", name, err)
		}
		t.Fatalf("loading %s: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func findCase(name string) (testdata.Case, bool) {
	i := slices.IndexFunc(testdata.Cases, func(c testdata.Case) bool { return c.Name == name })
	if i < 0 {
		return testdata.Case{}, false
	}
	return testdata.Cases[i], true
}

func runCase(c *Collection, tc testdata.Case) (RunResult, error) {
	return c.Run(tc.Program, RunOptions{Data: tc.Data, Context: tc.Context, Repeat: tc.Repeat})
}

// TestCorpusCases runs every case of testdata.Cases in the kernel, each on
// a freshly loaded object, and checks the return value.
func TestCorpusCases(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range testdata.Cases {
		if seen[tc.Name] {
			t.Fatalf("duplicate case name %s", tc.Name)
		}
		seen[tc.Name] = true
		t.Run(tc.Name, func(t *testing.T) {
			c := loadObject(t, tc.Object)
			for _, b := range tc.Before {
				bc, ok := findCase(b)
				if !ok || bc.Object != tc.Object {
					t.Fatalf("before-case %q is not a case of %s", b, tc.Object)
				}
				if _, err := runCase(c, bc); err != nil {
					t.Fatalf("before-case %s: %v", b, err)
				}
			}
			res, err := runCase(c, tc)
			if tc.NoTestRun {
				if !errors.Is(err, ErrNoTestRun) {
					t.Fatalf("Run = %v, want an error wrapping ErrNoTestRun", err)
				}
				t.Logf("loaded and verified; %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Retval != tc.Retval {
				t.Errorf("retval = %d (%#x), want %d", res.Retval, res.Retval, tc.Retval)
			}
			if len(tc.Data) > 0 && !slices.Equal(res.DataOut, tc.Data) {
				t.Logf("data out: %x", res.DataOut)
			}
			if res.ContextOut != nil {
				t.Logf("ctx out: %x", res.ContextOut)
			}
			maps, err := c.Maps()
			if err != nil {
				t.Fatal(err)
			}
			t.Log(formatMaps(maps))
		})
	}
}

func formatMaps(maps map[string][]Entry) string {
	names := make([]string, 0, len(maps))
	for n := range maps {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "\n%s:", n)
		for _, e := range maps[n] {
			b.WriteString(" {")
			if e.Key != nil {
				fmt.Fprintf(&b, "%s:", hex.EncodeToString(e.Key))
			}
			switch {
			case e.Name != "":
				b.WriteString(e.Name)
			case e.Values != nil:
				for i, v := range e.Values {
					if i > 0 {
						b.WriteByte('|')
					}
					b.WriteString(hex.EncodeToString(v))
				}
			default:
				b.WriteString(hex.EncodeToString(e.Value))
			}
			b.WriteString("}")
		}
	}
	return b.String()
}
