package gbpf

import (
	"testing"

	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/testdata"
)

// TestVerifiedJITChecks checks that the JIT leaves out the memory checks
// of verified programs (all but those of context accesses) and keeps
// every one for a collection loaded Unverified, with the same results.
func TestVerifiedJITChecks(t *testing.T) {
	if err := jit.Available(); err != nil {
		t.Skip(err)
	}
	spec, err := LoadCollectionSpec(testdata.Path("bench/suite.o"))
	if err != nil {
		t.Fatal(err)
	}
	load := func(unverified bool) *Collection {
		c, err := NewCollectionWithOptions(spec, CollectionOptions{Engine: EngineJIT, Unverified: unverified})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	verified, unverified := load(false), load(true)
	pkt := testdata.UDP("192.0.2.1", "198.51.100.2", 1000, 53, testdata.Payload(make([]byte, 64)))
	for _, name := range []string{"csum", "parse", "flow_hash", "array_stats", "lpm_route"} {
		v, u := verified.Programs[name], unverified.Programs[name]
		if v.jit == nil || u.jit == nil {
			t.Fatalf("%s: not compiled: %v", name, verified.EngineFallback())
		}
		if !v.verified || u.verified {
			t.Errorf("%s: verified %v and %v, want true and false", name, v.verified, u.verified)
		}
		// The programs' context accesses are loads of xdp_md.data and
		// data_end from r1: at most a few stay checked.
		if n := v.jit.Checks(); n > 4 {
			t.Errorf("%s: %d checked accesses in the verified program's code", name, n)
		}
		if n := u.jit.Checks(); n <= v.jit.Checks() {
			t.Errorf("%s: %d checked accesses unverified, %d verified", name, n, v.jit.Checks())
		}
		rv, err1 := v.Run(&RunOptions{Data: pkt})
		ru, err2 := u.Run(&RunOptions{Data: pkt})
		if err1 != nil || err2 != nil || rv.ReturnValue != ru.ReturnValue {
			t.Errorf("%s: verified %v, %v; unverified %v, %v", name, rv, err1, ru, err2)
		}
		t.Logf("%s: %d checked accesses verified, %d unverified", name, v.jit.Checks(), u.jit.Checks())
	}
}
