package interp

import (
	"errors"
	"testing"

	"github.com/gbpf/gbpf/asm"
)

// fakeCtx is a context of two fields: a 32-bit field at 0 that reads as a
// 64-bit value (like xdp_md.data) and a writable 32-bit field at 4.
type fakeCtx struct {
	ptr  uint64
	mark uint32
}

func (c *fakeCtx) LoadContext(off, size int) (uint64, bool) {
	switch {
	case off == 0 && size == 4:
		return c.ptr, true
	case off == 4 && size == 4:
		return uint64(c.mark), true
	}
	return 0, false
}

func (c *fakeCtx) StoreContext(off, size int, v uint64) bool {
	if off == 4 && size == 4 {
		c.mark = uint32(v)
		return true
	}
	return false
}

func TestConvertedContext(t *testing.T) {
	pkt := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	p, err := New(prog(
		ldx(asm.SizeW, 2, 1, 0), // r2 = ctx->data: a full 64-bit address
		ldx(asm.SizeB, 0, 2, 3), // r0 = data[3]
		st(asm.SizeW, 1, 4, 77), // ctx->mark = 77
		ret(),
	), nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	m := p.Machine()
	defer p.Release(m)
	c := &fakeCtx{}
	c.ptr = m.AddRegion(pkt, true, "packet")
	ctxAddr := regionAddr(buf)
	m.SetContext(ctxAddr, 8, c)
	r0, err := m.Run(ctxAddr, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r0 != 4 || c.mark != 77 {
		t.Fatalf("r0 = %d, mark = %d; want 4, 77", r0, c.mark)
	}
}

func TestContextRejectsOtherFields(t *testing.T) {
	for _, insns := range []asm.Instructions{
		prog(ldx(asm.SizeB, 0, 1, 0), ret()),  // narrow read of a pointer field
		prog(st(asm.SizeW, 1, 0, 1), ret()),   // write of a read-only field
		prog(ldx(asm.SizeW, 0, 1, 8), ret()),  // past the context
		prog(ldx(asm.SizeDW, 0, 1, 4), ret()), // straddles the end
	} {
		p, err := New(insns, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := p.Machine()
		buf := make([]byte, 8)
		m.SetContext(regionAddr(buf), 8, &fakeCtx{})
		_, err = m.Run(regionAddr(buf), 0)
		p.Release(m)
		if !errors.Is(err, ErrMemoryAccess) {
			t.Errorf("%v: err = %v, want a memory access error", insns[0], err)
		}
	}
}

func regionAddr(b []byte) uint64 { return newRegion(b, false, "").lo }

func TestTailCalls(t *testing.T) {
	// target: r0 = r1 + 100, proving r1 (the context) is passed on.
	target, err := New(prog(alu64X(asm.ALUMov, 0, 1), alu64K(asm.ALUAdd, 0, 100), ret()), nil)
	if err != nil {
		t.Fatal(err)
	}
	var self *Program
	helpers := map[int32]Helper{
		12: func(m *Machine, r1, r2, r3, r4, r5 uint64) (uint64, error) {
			switch r3 {
			case 0:
				m.TailCall(target)
			case 1:
				m.TailCall(self)
			}
			return 0, nil
		},
	}
	call := asm.Instruction{OpCode: asm.OpCall, Imm: 12}
	// main: r3 = r2; tail_call(ctx, map, r3); return 7 (when the call fails).
	p, err := New(prog(alu64X(asm.ALUMov, 3, 2), call, alu64K(asm.ALUMov, 0, 7), ret()), &Options{Helpers: helpers})
	if err != nil {
		t.Fatal(err)
	}
	self = p
	m := p.Machine()
	if got, err := m.Run(5, 2); err != nil || got != 7 {
		t.Errorf("empty slot: r0 = %d, %v; want 7", got, err)
	}
	p.Release(m)
	m = p.Machine()
	r0, err := m.Run(5, 0)
	p.Release(m)
	if err != nil || r0 != 105 {
		t.Errorf("tail call: r0 = %d, %v; want 105", r0, err)
	}
	// A program that tail-calls itself forever stops after MaxTailCalls and
	// falls through.
	m = p.Machine()
	r0, err = m.Run(5, 1)
	tails := m.tails
	p.Release(m)
	if err != nil || r0 != 7 || tails != MaxTailCalls {
		t.Errorf("self tail calls: r0 = %d, %v after %d tail calls; want 7 after %d", r0, err, tails, MaxTailCalls)
	}
}

func TestCallbacks(t *testing.T) {
	// bpf_loop-like helper: calls the callback r1 times with (i, r3), sums r0.
	helpers := map[int32]Helper{
		181: func(m *Machine, n, fn, arg, _, _ uint64) (uint64, error) {
			var sum uint64
			for i := uint64(0); i < n; i++ {
				v, err := m.CallFunc(fn, i, arg, 0, 0, 0)
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		},
	}
	fn := asm.LoadImm64Pseudo(2, asm.PseudoFunc, 0)
	fn[0].Imm = 5 // the callback: 5 slots after the lddw's first slot, plus one
	insns := prog(
		alu64K(asm.ALUMov, 1, 4),
		fn[:],
		alu64K(asm.ALUMov, 3, 10),
		asm.Instruction{OpCode: asm.OpCall, Imm: 181},
		st(asm.SizeDW, 10, -8, 1), // the caller's stack survives the callback
		ret(),
		// callback(i, arg): writes its own stack, returns i*arg.
		st(asm.SizeDW, 10, -8, 99),
		alu64X(asm.ALUMov, 0, 1),
		alu64X(asm.ALUMul, 0, 2),
		ret(),
	)
	p, err := New(insns, &Options{Helpers: helpers})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Run(nil); err != nil || got != 60 {
		t.Fatalf("r0 = %d, %v; want 0+10+20+30 = 60", got, err)
	}
	m := p.Machine()
	defer p.Release(m)
	if _, err := m.CallFunc(3, 0, 0, 0, 0, 0); !errors.Is(err, ErrBadCallback) {
		t.Errorf("CallFunc of a non-function: %v", err)
	}
}
