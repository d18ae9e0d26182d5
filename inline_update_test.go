package gbpf_test

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/jit"
)

// TestInlineArrayUpdate runs bpf_map_update_elem on array and per-CPU
// array maps with every kind of flags and keys in and out of range, in
// the JIT (whose verified code copies the value inline for BPF_ANY and
// BPF_EXIST) and the interpreter: the same return values and contents.
func TestInlineArrayUpdate(t *testing.T) {
	if jit.Available() != nil {
		t.Skip("the JIT is not available here")
	}
	cases := []struct {
		key   int32
		flags int32
	}{{3, 0}, {5, 2}, {8, 0}, {1, 1}, {2, 4}, {7, 3}, {0, 0}, {-1, 2}}
	for _, typ := range []ebpf.MapType{ebpf.Array, ebpf.PerCPUArray} {
		insns := asm.Instructions{asm.Mov.Imm(asm.R7, 0)}
		for i, c := range cases {
			insns = append(insns,
				asm.StoreImm(asm.R10, -4, int64(c.key), asm.Word),
				asm.Mov.Imm(asm.R1, int32(i+1)*0x01010101),
				asm.StoreMem(asm.R10, -24, asm.R1, asm.DWord),
				asm.StoreImm(asm.R10, -16, int64(i+7), asm.Word),
				asm.LoadMapPtr(asm.R1, 0).WithReference("vals"),
				asm.Mov.Reg(asm.R2, asm.R10),
				asm.Add.Imm(asm.R2, -4),
				asm.Mov.Reg(asm.R3, asm.R10),
				asm.Add.Imm(asm.R3, -24),
				asm.Mov.Imm(asm.R4, c.flags),
				asm.FnMapUpdateElem.Call(),
				asm.Mul.Imm(asm.R7, 31),
				asm.Add.Reg(asm.R7, asm.R0),
			)
		}
		insns = append(insns, asm.Mov.Reg(asm.R0, asm.R7), asm.Return())
		spec := &gbpf.CollectionSpec{
			Maps:     map[string]*ebpf.MapSpec{"vals": {Name: "vals", Type: typ, KeySize: 4, ValueSize: 12, MaxEntries: 8}},
			Programs: map[string]*ebpf.ProgramSpec{"update": {Name: "update", Type: ebpf.XDP, License: "GPL", Instructions: insns}},
		}
		var results []uint64
		var contents [][]gbpf.MapEntry
		for _, e := range []gbpf.Engine{gbpf.EngineInterpreter, gbpf.EngineJIT} {
			coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: e, CPUs: 2})
			if err != nil {
				t.Fatalf("%v on %s: %v", typ, e, err)
			}
			res, err := coll.Programs["update"].Run(&gbpf.RunOptions{Data: make([]byte, 64), Repeat: 2})
			if err != nil {
				t.Fatalf("%v on %s: %v", typ, e, err)
			}
			es, err := coll.Maps["vals"].Entries()
			if err != nil {
				t.Fatal(err)
			}
			results, contents = append(results, res.R0), append(contents, es)
			coll.Close()
		}
		if results[0] != results[1] {
			t.Errorf("%v: r0 %#x in the interpreter, %#x in the JIT", typ, results[0], results[1])
		}
		for i := range contents[0] {
			if string(contents[0][i].Key) != string(contents[1][i].Key) || string(contents[0][i].Value) != string(contents[1][i].Value) {
				t.Errorf("%v: entry %d: %x=%x in the interpreter, %x=%x in the JIT", typ, i, contents[0][i].Key, contents[0][i].Value, contents[1][i].Key, contents[1][i].Value)
			}
		}
	}
}
