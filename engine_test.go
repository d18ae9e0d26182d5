package gbpf_test

import (
	"testing"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/testdata"
)

// TestEngineOption checks which engine a collection reports: the JIT by
// default and when asked for, where it is available, else the
// interpreter (with the reason when the JIT was asked for).
func TestEngineOption(t *testing.T) {
	spec, err := gbpf.LoadCollectionSpec(testdata.Path("tailcall.o"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ask, want gbpf.Engine
	}{
		{gbpf.EngineDefault, gbpf.EngineJIT}, // the fastest available
		{gbpf.EngineInterpreter, gbpf.EngineInterpreter},
		{gbpf.EngineJIT, gbpf.EngineJIT},
	} {
		coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: c.ask})
		if err != nil {
			t.Fatal(err)
		}
		want := c.want
		if want == gbpf.EngineJIT && jit.Available() != nil {
			want = gbpf.EngineInterpreter
			// Only a JIT asked for by name reports falling back.
			if (coll.EngineFallback() == nil) == (c.ask == gbpf.EngineJIT) {
				t.Errorf("%s: fallback %v though the JIT is unavailable", c.ask, coll.EngineFallback())
			}
		} else if err := coll.EngineFallback(); err != nil {
			t.Errorf("%s: unexpected fallback: %v", c.ask, err)
		}
		if got := coll.Engine(); got != want {
			t.Errorf("asked for %s: runs on %s, want %s", c.ask, got, want)
		}
		res, err := coll.Programs["xdp_entry"].Run(&gbpf.RunOptions{Data: testdata.UDP("192.0.2.1", "198.51.100.2", 1, 2), Repeat: 2})
		if err != nil || res.ReturnValue != 2 {
			t.Errorf("%s: run: %v, %v", c.ask, res, err)
		}
		coll.Close()
		if _, err := coll.Programs["xdp_entry"].Run(nil); c.want == gbpf.EngineJIT && want == gbpf.EngineJIT && err == nil {
			t.Error("a JIT program of a closed collection ran")
		}
	}
}
