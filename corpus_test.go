package gbpf_test

import (
	"testing"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/testdata"
)

// TestCorpusRetvals runs every case of the test corpus in gbpf and
// requires the return value the kernel gave (recorded in the table and
// checked against the live kernel by internal/kernel's tests).
func TestCorpusRetvals(t *testing.T) {
	for _, tc := range testdata.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.NoTestRun {
				t.Skip("the kernel cannot test-run this program type")
			}
			spec, err := gbpf.LoadCollectionSpec(testdata.Path(tc.Object))
			if err != nil {
				t.Fatal(err)
			}
			c, err := gbpf.NewCollection(spec)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			run := func(tc testdata.Case) *gbpf.RunResult {
				p := c.Programs[tc.Program]
				if p == nil {
					t.Fatalf("no program %s in %s", tc.Program, tc.Object)
				}
				res, err := p.Run(&gbpf.RunOptions{Data: tc.Data, Context: tc.Context, Repeat: uint32(tc.Repeat)})
				if err != nil {
					t.Fatalf("%s: %v", tc.Name, err)
				}
				return res
			}
			for _, name := range tc.Before {
				run(caseByName(t, name))
			}
			res := run(tc)
			if res.ReturnValue != tc.Retval {
				t.Errorf("retval %d, kernel %d", res.ReturnValue, tc.Retval)
			}
		})
	}
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
