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

// TestContextAfterHelpers checks the fields the JIT keeps computed stay
// right across what may change them: a store to queue_mapping (kept only
// below 0xffff), bpf_get_hash_recalc (sets the hash),
// bpf_skb_store_bytes with BPF_F_INVALIDATE_HASH (clears it) and without
// (keeps it), and bpf_l3_csum_replace (packet bytes only); the same as in
// the interpreter, over repeated runs.
func TestContextAfterHelpers(t *testing.T) {
	if jit.Available() != nil {
		t.Skip("the JIT is not available here")
	}
	const queueMapping, hash, tcIndex = 12, 68, 44
	// acc folds r1 into r0: r0 = r0*31 + r1.
	acc := func(src asm.Register) asm.Instructions {
		return asm.Instructions{asm.Mul.Imm(asm.R0, 31), asm.Add.Reg(asm.R0, src)}
	}
	storeBytes := func(flags int32) asm.Instructions {
		return asm.Instructions{
			asm.Mov.Reg(asm.R1, asm.R6),
			asm.Mov.Imm(asm.R2, 0),
			asm.Mov.Reg(asm.R3, asm.R10),
			asm.Add.Imm(asm.R3, -8),
			asm.Mov.Imm(asm.R4, 2),
			asm.Mov.Imm(asm.R5, flags),
			asm.FnSkbStoreBytes.Call(),
		}
	}
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.Mov.Imm(asm.R0, 0),
		asm.Mov.Imm(asm.R1, 0x0202),
		asm.StoreMem(asm.R10, -8, asm.R1, asm.DWord),
		asm.LoadMem(asm.R7, asm.R6, queueMapping, asm.Word),
		asm.Add.Imm(asm.R7, 1),
		asm.StoreMem(asm.R6, queueMapping, asm.R7, asm.Word),
		asm.LoadMem(asm.R1, asm.R6, queueMapping, asm.Word),
	}
	insns = append(insns, acc(asm.R1)...)
	insns = append(insns,
		asm.StoreImm(asm.R6, queueMapping, 0xffff, asm.Word), // ignored
		asm.LoadMem(asm.R1, asm.R6, queueMapping, asm.Word),
	)
	insns = append(insns, acc(asm.R1)...)
	insns = append(insns, asm.Mov.Reg(asm.R8, asm.R0), asm.Mov.Reg(asm.R1, asm.R6), asm.FnGetHashRecalc.Call(),
		asm.Mov.Reg(asm.R0, asm.R8), asm.LoadMem(asm.R1, asm.R6, hash, asm.Word))
	insns = append(insns, acc(asm.R1)...)
	insns = append(insns, asm.Mov.Reg(asm.R8, asm.R0))
	insns = append(insns, storeBytes(0)...) // the hash stays
	insns = append(insns, asm.Mov.Reg(asm.R0, asm.R8), asm.LoadMem(asm.R1, asm.R6, hash, asm.Word))
	insns = append(insns, acc(asm.R1)...)
	insns = append(insns, asm.Mov.Reg(asm.R8, asm.R0))
	insns = append(insns, storeBytes(2)...) // BPF_F_INVALIDATE_HASH
	insns = append(insns, asm.Mov.Reg(asm.R0, asm.R8), asm.LoadMem(asm.R1, asm.R6, hash, asm.Word))
	insns = append(insns, acc(asm.R1)...)
	insns = append(insns,
		asm.Mov.Reg(asm.R8, asm.R0),
		asm.StoreImm(asm.R6, tcIndex, 0x12345, asm.Word),
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.Mov.Imm(asm.R2, 24), // the IPv4 checksum
		asm.Mov.Imm(asm.R3, 0),
		asm.Mov.Imm(asm.R4, 0x100),
		asm.Mov.Imm(asm.R5, 2),
		asm.FnL3CsumReplace.Call(),
		asm.Mov.Reg(asm.R0, asm.R8),
		asm.LoadMem(asm.R1, asm.R6, tcIndex, asm.Word),
	)
	insns = append(insns, acc(asm.R1)...)
	insns = append(insns, asm.LoadMem(asm.R1, asm.R6, hash, asm.Word))
	insns = append(insns, acc(asm.R1)...)
	// The context through a spilled copy: a store and a load of mark.
	insns = append(insns,
		asm.StoreMem(asm.R10, -16, asm.R6, asm.DWord),
		asm.LoadMem(asm.R9, asm.R10, -16, asm.DWord),
		asm.StoreMem(asm.R9, 8, asm.R0, asm.Word),
		asm.LoadMem(asm.R1, asm.R9, 8, asm.Word),
	)
	insns = append(insns, acc(asm.R1)...)
	insns = append(insns, asm.Return())
	spec := &gbpf.CollectionSpec{
		Programs: map[string]*ebpf.ProgramSpec{"fields": {Name: "fields", Type: ebpf.SchedCLS, License: "GPL", Instructions: insns}},
	}
	type outcome struct {
		r0       uint64
		ctx, out []byte
	}
	var got []outcome
	for _, e := range []gbpf.Engine{gbpf.EngineInterpreter, gbpf.EngineJIT} {
		coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: e})
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		res, err := coll.Programs["fields"].Run(&gbpf.RunOptions{Data: testdata.UDP("192.0.2.1", "198.51.100.2", 1, 2), Context: make([]byte, 192), Repeat: 3})
		coll.Close()
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		got = append(got, outcome{res.R0, res.ContextOut, res.DataOut})
	}
	if h := binary.LittleEndian.Uint32(got[1].ctx[hash:]); h != 0 {
		t.Errorf("hash after BPF_F_INVALIDATE_HASH is %#x, want 0", h)
	}
	if got[0].r0 != got[1].r0 || !bytes.Equal(got[0].ctx, got[1].ctx) || !bytes.Equal(got[0].out, got[1].out) {
		t.Errorf("interpreter: r0 %#x, context %x\nJIT: r0 %#x, context %x", got[0].r0, got[0].ctx, got[1].r0, got[1].ctx)
	}
}
