package gbpf_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gbpf/gbpf"
)

// FuzzLoadCollection feeds any bytes through the ELF path: parsing,
// creating maps, loading and running every program. Each step may fail
// with an error, none may panic or hang. The seeds are whole objects, so
// bound minimisation or it dominates:
//
//	go test -run XXX -fuzz FuzzLoadCollection -fuzzminimizetime 100x .
func FuzzLoadCollection(f *testing.F) {
	objs, _ := filepath.Glob("testdata/*.o")
	for _, o := range objs {
		if b, err := os.ReadFile(o); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\x7fELF"))
	packet := make([]byte, 64)
	f.Fuzz(func(t *testing.T, b []byte) {
		spec, err := gbpf.LoadCollectionSpecFromReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, ms := range spec.Maps {
			// Bound what a mutated spec may allocate.
			if uint64(ms.MaxEntries)*uint64(ms.KeySize+ms.ValueSize+8) > 1<<22 || ms.ValueSize > 1<<16 || ms.KeySize > 1<<10 {
				return
			}
		}
		coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Budget: 100_000, CPUs: 2})
		if err != nil {
			return
		}
		defer coll.Close()
		cpu := 0
		for _, p := range coll.Programs {
			p.Run(&gbpf.RunOptions{Data: packet, CPU: &cpu})
		}
	})
}
