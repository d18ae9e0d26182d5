package gbpf_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/testdata"
)

func loadTestdata(t *testing.T, obj string) *gbpf.Collection {
	t.Helper()
	spec, err := gbpf.LoadCollectionSpec(testdata.Path(obj))
	if err != nil {
		t.Fatal(err)
	}
	c, err := gbpf.NewCollection(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// event is struct event of ringbuf_perf.c.
type event struct {
	Len   uint32
	Proto uint16
	Kind  uint16
}

func TestRingbufAndPerfReaders(t *testing.T) {
	c := loadTestdata(t, "ringbuf_perf.o")
	perf, err := gbpf.NewPerfReader(c.Maps["perf"], 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer perf.Close()
	ring, err := gbpf.NewRingbufReader(c.Maps["events"])
	if err != nil {
		t.Fatal(err)
	}
	defer ring.Close()
	cpu := 0
	pkt := testdata.UDP("192.0.2.1", "198.51.100.2", 1, 2)
	if _, err := c.Programs["xdp_events"].Run(&gbpf.RunOptions{Data: pkt, CPU: &cpu}); err != nil {
		t.Fatal(err)
	}
	// Two committed records (output, then reserve+submit); the discarded
	// one is skipped.
	for _, kind := range []uint16{1, 2} {
		rec, err := ring.Read()
		if err != nil {
			t.Fatal(err)
		}
		var ev event
		if err := binary.Read(bytesReader(rec.RawSample), binary.NativeEndian, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Kind != kind || ev.Len != uint32(len(pkt)) || ev.Proto != 0x0800 {
			t.Errorf("ring record %+v, want kind %d", ev, kind)
		}
	}
	ring.SetDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := ring.Read(); err == nil {
		t.Error("read past the last record returned one")
	}
	// With a reader open, the perf output lands on CPU 0.
	rec, err := perf.Read()
	if err != nil {
		t.Fatal(err)
	}
	if rec.CPU != 0 || len(rec.RawSample) != 8 || rec.RawSample[6] != 4 {
		t.Errorf("perf record %+v", rec)
	}
	ring.SetDeadline(time.Time{})
	go func() { time.Sleep(10 * time.Millisecond); ring.Close() }()
	if _, err := ring.Read(); !errors.Is(err, gbpf.ErrClosed) {
		t.Errorf("read on a closed reader: %v", err)
	}
}

func TestMapAPI(t *testing.T) {
	h, err := gbpf.NewMap(&gbpf.MapSpec{Name: "h", Type: ebpf.Hash, KeySize: 4, ValueSize: 8, MaxEntries: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Update(uint32(1), uint64(10), gbpf.UpdateNoExist); err != nil {
		t.Fatal(err)
	}
	if err := h.Update(uint32(1), uint64(11), gbpf.UpdateNoExist); !errors.Is(err, gbpf.ErrKeyExist) {
		t.Errorf("NOEXIST on an existing key: %v", err)
	}
	if err := h.Update(uint32(2), uint64(20), gbpf.UpdateAny); err != nil {
		t.Fatal(err)
	}
	if err := h.Update(uint32(3), uint64(30), gbpf.UpdateAny); err == nil {
		t.Error("update of a full hash map succeeded")
	}
	var v uint64
	if err := h.Lookup(uint32(2), &v); err != nil || v != 20 {
		t.Errorf("lookup 2: %d, %v", v, err)
	}
	if err := h.Lookup(uint32(9), &v); !errors.Is(err, gbpf.ErrKeyNotExist) {
		t.Errorf("lookup of an absent key: %v", err)
	}
	sum := uint64(0)
	var k uint32
	it := h.Iterate()
	for it.Next(&k, &v) {
		sum += uint64(k) * v
	}
	if it.Err() != nil || sum != 1*10+2*20 {
		t.Errorf("iterate: sum %d, %v", sum, it.Err())
	}
	if err := h.Delete(uint32(1)); err != nil {
		t.Fatal(err)
	}

	pc, err := gbpf.NewMap(&gbpf.MapSpec{Name: "pc", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	vals := make([]uint32, pc.CPUs())
	for i := range vals {
		vals[i] = uint32(i + 1)
	}
	if err := pc.Put(uint32(0), vals); err != nil {
		t.Fatal(err)
	}
	var got []uint32
	if err := pc.Lookup(uint32(0), &got); err != nil || len(got) != pc.CPUs() || got[len(got)-1] != uint32(pc.CPUs()) {
		t.Errorf("per-CPU lookup: %v, %v", got, err)
	}
}

// TestConcurrentRuns runs one collection's programs from many goroutines:
// map updates and atomics from every run must all land, and per-CPU
// counters must not lose increments (a CPU runs one program at a time).
// The program also writes shared globals without atomics, as real
// programs do (the kernel has the same benign race), so the race
// detector reports those stores under -race.
func TestConcurrentRuns(t *testing.T) {
	c := loadTestdata(t, "xdp_firewall.o")
	p := c.Programs["xdp_firewall"]
	pkt := testdata.TCP("192.0.2.1", "198.51.100.2", 40000, 80)
	const goroutines, runs = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < runs; i++ {
				res, err := p.Run(&gbpf.RunOptions{Data: pkt})
				if err != nil || res.ReturnValue != testdata.XDPPass {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every run counted itself in the per-CPU stats on the same CPU.
	total := uint64(0)
	for _, m := range c.Maps {
		if m.Type() != ebpf.PerCPUArray {
			continue
		}
		es, err := m.Entries()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			for _, v := range e.Values {
				total += binary.NativeEndian.Uint64(v)
			}
		}
	}
	if total < goroutines*runs {
		t.Errorf("per-CPU counters add up to %d, want at least %d", total, goroutines*runs)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func TestVariables(t *testing.T) {
	c := loadTestdata(t, "xdp_firewall.o")
	ttl := c.Variables["min_ttl"]
	if ttl == nil || !ttl.ReadOnly() {
		t.Fatalf("min_ttl: %+v", ttl)
	}
	var v uint8
	if err := ttl.Get(&v); err != nil || v != 1 {
		t.Errorf("min_ttl = %d, %v", v, err)
	}
	if err := ttl.Set(uint8(5)); !errors.Is(err, gbpf.ErrReadOnly) {
		t.Errorf("setting .rodata: %v", err)
	}
	// .bss is writable from Go, and programs see it.
	var loaded uint32
	if err := c.Variables["rules_loaded"].Get(&loaded); err != nil || loaded != 0 {
		t.Fatalf("rules_loaded = %d, %v", loaded, err)
	}
	if _, err := c.Programs["xdp_firewall"].Run(&gbpf.RunOptions{Data: testdata.TCP("192.0.2.1", "198.51.100.2", 40000, 80)}); err != nil {
		t.Fatal(err)
	}
	if err := c.Variables["rules_loaded"].Get(&loaded); err != nil || loaded != 1 {
		t.Errorf("after a run rules_loaded = %d, %v", loaded, err)
	}
}
