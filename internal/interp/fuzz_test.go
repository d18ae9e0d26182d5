package interp

import (
	"testing"

	"github.com/gbpf/gbpf/asm"
)

// FuzzRun feeds any bytes to the interpreter as a program: it must end
// with a result or an error, never a panic, a hang or a touch of memory it
// was not given.
func FuzzRun(f *testing.F) {
	f.Add(primeProgram().Encode(), []byte{})
	f.Add(prog(ldx(asm.SizeW, 0, 1, 2), ret()).Encode(), []byte{1, 2, 3, 4, 5, 6})
	f.Add(prog(atomicOp(asm.SizeDW, asm.AtomicCmpXchg, 10, 1, -8), ret()).Encode(), []byte{})
	f.Add(prog(asm.Instruction{OpCode: asm.OpCall, Src: asm.CallLocal, Imm: -1}, ret()).Encode(), []byte{})
	f.Add(prog(asm.Instruction{OpCode: asm.ClassLD | asm.ModeIND | asm.SizeW, Src: 1, Imm: 2}, ret()).Encode(), []byte{9, 9, 9})
	helpers := map[int32]Helper{1: func(m *Machine, r1, r2, r3, r4, r5 uint64) (uint64, error) {
		// Touches program memory the way real helpers will.
		if b, ok := m.Memory(r1, r2&0xff, true); ok && len(b) > 0 {
			b[0]++
		}
		return r1 + r2, nil
	}}
	f.Fuzz(func(t *testing.T, code, mem []byte) {
		insns, err := asm.DecodeAll(code[:len(code)/8*8])
		if err != nil {
			t.Fatal(err)
		}
		p, err := New(insns, &Options{Budget: 20_000, Helpers: helpers})
		if err != nil {
			return
		}
		for i := 0; i < 2; i++ { // twice: the second run sees a reused machine
			_, _ = p.Run(mem)
		}
	})
}
