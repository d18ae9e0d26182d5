package gbpf_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/testdata"
)

// TestPlainContextStores checks stores into __sk_buff's plain fields
// (mark, priority, cb), which the JIT keeps natively and passes on to the
// context at its next exit: read back at once, across a helper that
// changes other fields (bpf_skb_vlan_push), across repeated runs, and in
// the context the run hands back, the same as in the interpreter.
func TestPlainContextStores(t *testing.T) {
	if jit.Available() != nil {
		t.Skip("the JIT is not available here")
	}
	const mark, priority, cb0, cb4, vlanTCI = 8, 32, 48, 64, 24
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		// Each run adds to mark what it finds there, so runs chain.
		asm.LoadMem(asm.R7, asm.R6, mark, asm.Word),
		asm.Add.Imm(asm.R7, 0x101),
		asm.StoreMem(asm.R6, mark, asm.R7, asm.Word),
		asm.StoreImm(asm.R6, priority, -5, asm.Word),
		asm.StoreMem(asm.R6, cb0, asm.R7, asm.Word),
		asm.LoadMem(asm.R8, asm.R6, cb4, asm.Word),
		asm.Add.Imm(asm.R8, 3),
		asm.StoreMem(asm.R6, cb4, asm.R8, asm.Word),
		// A helper that changes the context between the stores and
		// the loads that read them back.
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.Mov.Imm(asm.R2, 0x8100),
		asm.HostTo(asm.BE, asm.R2, asm.Half),
		asm.Mov.Imm(asm.R3, 42),
		asm.FnSkbVlanPush.Call(),
		asm.LoadMem(asm.R0, asm.R6, mark, asm.Word),
		asm.LoadMem(asm.R1, asm.R6, priority, asm.Word),
		asm.LSh.Imm(asm.R1, 32),
		asm.Add.Reg(asm.R0, asm.R1),
		asm.LoadMem(asm.R1, asm.R6, cb0, asm.Word),
		asm.Add.Reg(asm.R0, asm.R1),
		asm.LoadMem(asm.R1, asm.R6, cb4, asm.Word),
		asm.Add.Reg(asm.R0, asm.R1),
		asm.LoadMem(asm.R1, asm.R6, vlanTCI, asm.Word),
		asm.Add.Reg(asm.R0, asm.R1),
		// A store that only the end of the run passes on.
		asm.StoreMem(asm.R6, cb0+4, asm.R0, asm.Word),
		asm.Return(),
	}
	spec := &gbpf.CollectionSpec{
		Programs: map[string]*ebpf.ProgramSpec{"stores": {Name: "stores", Type: ebpf.SchedCLS, License: "GPL", Instructions: insns}},
	}
	ctx := make([]byte, 192)
	binary.LittleEndian.PutUint32(ctx[mark:], 0x10000)
	binary.LittleEndian.PutUint32(ctx[cb4:], 0x20)
	type outcome struct {
		r0  uint64
		ctx []byte
	}
	var got []outcome
	for _, e := range []gbpf.Engine{gbpf.EngineInterpreter, gbpf.EngineJIT} {
		coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: e})
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		res, err := coll.Programs["stores"].Run(&gbpf.RunOptions{Data: testdata.UDP("192.0.2.1", "198.51.100.2", 1, 2), Context: ctx, Repeat: 3})
		coll.Close()
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		got = append(got, outcome{res.R0, res.ContextOut})
	}
	// Three runs: mark 0x10000 + 3*0x101, cb[4] 0x20 + 3*3.
	if m := binary.LittleEndian.Uint32(got[1].ctx[mark:]); m != 0x10303 {
		t.Errorf("mark after three runs is %#x, want 0x10303", m)
	}
	if got[0].r0 != got[1].r0 || !bytes.Equal(got[0].ctx, got[1].ctx) {
		t.Errorf("interpreter: r0 %#x, context %x\nJIT: r0 %#x, context %x", got[0].r0, got[0].ctx, got[1].r0, got[1].ctx)
	}
}
