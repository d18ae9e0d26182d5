package maps

import (
	"encoding/binary"
	"errors"
	"sync"
	"syscall"
	"testing"
)

// TestConcurrentUse drives the keyed map types whose elements come and go
// from several goroutines at once, host and program operations mixed, as
// concurrent runs and the host do: no operation may fail other than with
// the kernel's errnos, and values handed to a program stay usable while
// others delete or replace them (run it with -race). Arrays are left out:
// their values are memory shared in place, as in the kernel, and
// unsynchronised writes to them race by the program's design.
func TestConcurrentUse(t *testing.T) {
	specs := []*Spec{
		{Name: "hash", Type: Hash, KeySize: 4, ValueSize: 8, MaxEntries: 64},
		{Name: "percpu_hash", Type: PerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 64},
		{Name: "lru", Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 32},
		{Name: "lru_percpu", Type: LRUPerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 32},
		{Name: "lpm", Type: LPMTrie, KeySize: 8, ValueSize: 8, MaxEntries: 64, Flags: FlagNoPrealloc},
	}
	allowed := []error{syscall.ENOENT, syscall.EEXIST, syscall.E2BIG, syscall.EINVAL, syscall.ENOSPC}
	for _, spec := range specs {
		t.Run(spec.Name, func(t *testing.T) {
			const cpus, workers, ops = 4, 8, 2000
			m, err := New(spec, cpus)
			if err != nil {
				t.Fatal(err)
			}
			vals := m.(Values)
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					key := make([]byte, spec.KeySize)
					val := make([]byte, m.HostValueSize())
					progVal := make([]byte, spec.ValueSize)
					for i := 0; i < ops; i++ {
						k := uint32((i*7 + w*13) % 48)
						if spec.Type == LPMTrie {
							binary.LittleEndian.PutUint32(key, 32) // prefix length
							binary.BigEndian.PutUint32(key[4:], k)
						} else {
							binary.LittleEndian.PutUint32(key, k)
						}
						binary.LittleEndian.PutUint64(progVal, uint64(i))
						var err error
						switch i % 6 {
						case 0:
							err = m.Update(key, val, UpdateAny)
						case 1:
							err = vals.ProgUpdate(key, progVal, UpdateNoExist, w%cpus)
						case 2:
							if v := vals.ProgLookup(key, w%cpus); v != nil {
								// The value stays valid even if deleted meanwhile.
								binary.LittleEndian.PutUint64(v, binary.LittleEndian.Uint64(v)+1)
							}
						case 3:
							err = m.Lookup(key, val)
						case 4:
							err = vals.ProgDelete(key)
						case 5:
							next := make([]byte, spec.KeySize)
							err = m.NextKey(key, next)
						}
						if err != nil && !isOneOf(err, allowed) {
							errs <- err
							return
						}
					}
				}(w)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("unexpected error: %v", err)
			}
			// The map is still consistent: iteration ends.
			var cur []byte
			for n := 0; ; n++ {
				next := make([]byte, spec.KeySize)
				if err := m.NextKey(cur, next); err != nil {
					break
				}
				if n > int(spec.MaxEntries) {
					t.Fatalf("iteration does not end")
				}
				cur = next
			}
		})
	}
}

func isOneOf(err error, list []error) bool {
	for _, e := range list {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
