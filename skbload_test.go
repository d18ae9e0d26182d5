package gbpf_test

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/testdata"
)

// TestSkbLoadBytes runs bpf_skb_load_bytes with offsets and lengths in
// and out of the packet (at its end, past it, above 0xffff, with bits
// above 32 set) in the interpreter, the JIT (whose verified code copies
// inline) and the kernel where it can load programs: after each call
// the destination and r0 are folded into the result, which must agree.
func TestSkbLoadBytes(t *testing.T) {
	if jit.Available() != nil {
		t.Skip("the JIT is not available here")
	}
	pkt := testdata.UDP("192.0.2.1", "198.51.100.2", 1, 2)
	n := int64(len(pkt))
	cases := []struct{ off, size int64 }{
		{0, 1}, {0, 2}, {1, 3}, {3, 4}, {5, 5}, {2, 7}, {0, 8}, {7, 9},
		{14, 20}, {6, 33}, {0, 40}, {n - 8, 8}, {n - 1, 1}, {n - 3, 3},
		{n - 7, 8}, {n, 1}, {n - 20, 21}, {0xffff, 1}, {0x10000, 2},
		{1<<32 | 2, 4}, {-1, 1}, {0, n}, {1, n},
	}
	const buf = 64
	insns := asm.Instructions{asm.Mov.Reg(asm.R6, asm.R1), asm.Mov.Imm(asm.R7, 0)}
	for _, c := range cases {
		if c.size > buf {
			t.Fatalf("case %+v: more than the %d-byte buffer", c, buf)
		}
		// The buffer starts as a pattern, so zeroing shows.
		insns = append(insns, asm.LoadImm(asm.R1, 0x5a5a5a5a5a5a5a5a, asm.DWord))
		for off := int16(-buf); off < 0; off += 8 {
			insns = append(insns, asm.StoreMem(asm.R10, off, asm.R1, asm.DWord))
		}
		insns = append(insns,
			asm.Mov.Reg(asm.R1, asm.R6),
			asm.LoadImm(asm.R2, c.off, asm.DWord),
			asm.Mov.Reg(asm.R3, asm.R10),
			asm.Add.Imm(asm.R3, -buf),
			asm.Mov.Imm(asm.R4, int32(c.size)),
			asm.FnSkbLoadBytes.Call(),
			asm.Mul.Imm(asm.R7, 31),
			asm.Add.Reg(asm.R7, asm.R0),
		)
		for off := int16(-buf); off < 0; off += 8 {
			insns = append(insns,
				asm.LoadMem(asm.R1, asm.R10, off, asm.DWord),
				asm.Mul.Imm(asm.R7, 31),
				asm.Add.Reg(asm.R7, asm.R1),
			)
		}
	}
	insns = append(insns, asm.Mov.Reg(asm.R0, asm.R7), asm.RSh.Imm(asm.R0, 32), asm.Xor.Reg(asm.R0, asm.R7), asm.Return())
	spec := &gbpf.CollectionSpec{
		Programs: map[string]*ebpf.ProgramSpec{"load": {Name: "load", Type: ebpf.SchedCLS, License: "GPL", Instructions: insns}},
	}
	var got []uint32
	for _, e := range []gbpf.Engine{gbpf.EngineInterpreter, gbpf.EngineJIT} {
		coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: e})
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		res, err := coll.Programs["load"].Run(&gbpf.RunOptions{Data: pkt, Repeat: 2})
		coll.Close()
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		got = append(got, res.ReturnValue)
	}
	if got[0] != got[1] {
		t.Errorf("interpreter %#x, JIT %#x", got[0], got[1])
	}
	if err := kernel.Available(); err != nil {
		t.Logf("not compared with the kernel: %v", err)
		return
	}
	kc, err := kernel.LoadCollection(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	res, err := kc.Run("load", kernel.RunOptions{Data: pkt, Repeat: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != got[1] {
		t.Errorf("kernel %#x, gbpf %#x", res.Retval, got[1])
	}
}
