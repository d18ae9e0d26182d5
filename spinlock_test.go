package gbpf_test

import (
	"encoding/binary"
	"sync"
	"testing"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/testdata"
)

// TestSpinLockConcurrentRuns runs maps_tour's xdp_algo, which counts
// packets and bytes under a bpf_spin_lock, from several goroutines at
// once in both engines: no update may be lost, so the lock excludes for
// real, and no run may fail taking it.
func TestSpinLockConcurrentRuns(t *testing.T) {
	engines := []gbpf.Engine{gbpf.EngineInterpreter}
	if jit.Available() == nil {
		engines = append(engines, gbpf.EngineJIT)
	}
	const goroutines, runs = 4, 500
	pkt := testdata.UDP("192.0.2.1", "198.51.100.2", 1, 2)
	for _, e := range engines {
		spec, err := gbpf.LoadCollectionSpec(testdata.Path("maps_tour.o"))
		if err != nil {
			t.Fatal(err)
		}
		coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: e})
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		prog := coll.Programs["xdp_algo"]
		var wg sync.WaitGroup
		errs := make(chan error, goroutines)
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range runs {
					if _, err := prog.Run(&gbpf.RunOptions{Data: pkt}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("%s: %v", e, err)
		}
		value := make([]byte, 24)
		if err := coll.Maps["totals"].Lookup(uint32(0), &value); err != nil {
			t.Fatal(err)
		}
		packets, bytes := binary.LittleEndian.Uint64(value[8:]), binary.LittleEndian.Uint64(value[16:])
		if want := uint64(goroutines * runs); packets != want || bytes != want*uint64(len(pkt)) {
			t.Errorf("%s: %d packets of %d bytes counted, want %d packets of %d bytes", e, packets, bytes, want, want*uint64(len(pkt)))
		}
		coll.Close()
	}
}
