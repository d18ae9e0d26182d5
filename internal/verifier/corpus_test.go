package verifier

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/internal/loader"
)

// corpusObjects are the repository's compiled test programs.
func corpusObjects(t *testing.T) []string {
	var objs []string
	for _, pat := range []string{"../../testdata/*.o", "../../testdata/harness/*.o"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, m...)
	}
	sort.Strings(objs)
	if len(objs) == 0 {
		t.Fatal("no corpus objects")
	}
	return objs
}

// knownGaps are corpus programs gbpf's verifier still rejects although the
// kernel accepts them, with the reason. The test fails when one of them
// starts to agree (remove it then) or when any other program disagrees.
var knownGaps = map[string]string{
	// Helpers and kfuncs gbpf does not implement (the programs cannot run
	// in gbpf either).
	"r3_nat46.o/tunkey": "helper not implemented",
	"r3_timer.o/timer":  "helper not implemented",
}

// kernelVerdict loads only prog of spec into the running kernel.
func kernelVerdict(spec *ebpf.CollectionSpec, prog string) (accepted bool, log string, err error) {
	one := spec.Copy()
	for name := range one.Programs {
		if name != prog {
			delete(one.Programs, name)
		}
	}
	c, err := kernel.LoadCollection(one)
	if err == nil {
		c.Close()
		return true, "", nil
	}
	var ve *kernel.VerifierError
	if errors.As(err, &ve) {
		return false, ve.Error(), nil
	}
	return false, "", err
}

// TestCorpusVerdicts checks every program of testdata and testdata/harness:
// the kernel accepts all but the rej_* programs, and so must gbpf. With a
// usable kernel the verdict is also checked live.
func TestCorpusVerdicts(t *testing.T) {
	live := kernel.Available() == nil
	if !live {
		t.Log("kernel unavailable: checking the recorded expectations only (rej_* rejected, the rest accepted)")
	}
	agree, total := 0, 0
	for _, obj := range corpusObjects(t) {
		spec, err := ebpf.LoadCollectionSpec(obj)
		if err != nil {
			t.Errorf("%s: %v", obj, err)
			continue
		}
		var names []string
		for n := range spec.Programs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			ps := spec.Programs[name]
			base := filepath.Base(obj)
			want := !strings.HasPrefix(base, "rej_")
			if live {
				acc, klog, err := kernelVerdict(spec, name)
				if err == nil {
					if acc != want {
						t.Logf("%s/%s: kernel verdict %v differs from the recorded one: %s", base, name, acc, klog)
					}
					want = acc
				}
			}
			p, err := loader.ConvertProgram(ps)
			if err != nil {
				t.Logf("%s/%s: skipped: %v", base, name, err)
				continue
			}
			total++
			res, err := Verify(p, ConfigFor(spec, ps))
			got := err == nil
			if got == want {
				agree++
				if _, ok := knownGaps[base+"/"+name]; ok {
					t.Errorf("%s/%s: agrees with the kernel now: remove it from knownGaps", base, name)
				}
				if err != nil {
					t.Logf("%s/%s: rejected as expected: %v", base, name, err)
				} else {
					t.Logf("%s/%s: accepted, %d insns processed, %d states", base, name, res.Processed, res.PeakStates)
				}
				continue
			}
			key := base + "/" + name
			var ve *Error
			if !got && errors.As(err, &ve) && (strings.HasPrefix(ve.Reason, "invalid func") || strings.Contains(ve.Reason, "kfunc")) {
				// A helper or kfunc gbpf does not implement: the program
				// cannot run in gbpf either.
				t.Logf("%s: known gap (helper not implemented): %v", key, err)
				continue
			}
			if gap, ok := knownGaps[key]; ok && !got {
				t.Logf("%s: known gap (%s): %v", key, gap, err)
				continue
			}
			if got {
				t.Errorf("%s: accepted, the kernel rejects it", key)
			} else {
				t.Errorf("%s: rejected, the kernel accepts it: %+v", key, err)
			}
		}
	}
	t.Logf("agreement with the kernel: %d of %d programs", agree, total)
}
