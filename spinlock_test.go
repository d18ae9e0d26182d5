package gbpf_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"

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

// TestSpinLockValueCopies checks what the kernel does with a value's
// bpf_spin_lock (maps_tour's totals): an update from the host does not
// write it and a lookup reads it as 0, so a program takes the lock after
// any update; the same bytes as the kernel's map. A spin lock in an LRU
// hash is refused, as the kernel refuses it.
func TestSpinLockValueCopies(t *testing.T) {
	spec, err := gbpf.LoadCollectionSpec(testdata.Path("maps_tour.o"))
	if err != nil {
		t.Fatal(err)
	}
	coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	in := make([]byte, 24)
	for i := range in {
		in[i] = 0xff
	}
	got := make([]byte, 24)
	if err := coll.Maps["totals"].Update(uint32(0), in, gbpf.UpdateAny); err != nil {
		t.Fatal(err)
	}
	if err := coll.Maps["totals"].Lookup(uint32(0), &got); err != nil {
		t.Fatal(err)
	}
	if binary.LittleEndian.Uint32(got) != 0 || binary.LittleEndian.Uint64(got[8:]) != ^uint64(0) {
		t.Errorf("after an update of 0xff bytes the value reads %x: want the lock 0, the rest 0xff", got)
	}
	if _, err := coll.Programs["xdp_algo"].Run(&gbpf.RunOptions{Data: testdata.UDP("192.0.2.1", "198.51.100.2", 1, 2)}); err != nil {
		t.Errorf("a run after the update: %v", err)
	}

	lru := spec.Copy()
	lru.Maps["totals"].Type = ebpf.LRUHash
	if _, err := gbpf.NewCollectionWithOptions(lru, gbpf.CollectionOptions{}); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("an LRU hash with a spin lock: %v, want EOPNOTSUPP", err)
	}

	km, err := ebpf.NewMap(spec.Maps["totals"])
	if err != nil {
		t.Skipf("the kernel's map for comparison: %v", err)
	}
	defer km.Close()
	kgot := make([]byte, 24)
	if err := km.Update(uint32(0), in, ebpf.UpdateAny); err != nil {
		t.Fatal(err)
	}
	if err := km.Lookup(uint32(0), &kgot); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:4], kgot[:4]) || !bytes.Equal(got[8:], kgot[8:]) {
		t.Errorf("gbpf reads %x, the kernel %x", got, kgot)
	}
	klru := spec.Maps["totals"].Copy()
	klru.Type = ebpf.LRUHash
	if m, err := ebpf.NewMap(klru); err == nil {
		m.Close()
		t.Errorf("the kernel accepts a spin lock in an LRU hash: update this test")
	}
}
