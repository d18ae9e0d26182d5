package progen

import (
	"encoding/binary"
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/kernel"
)

// Minimal programs for the kernel bugs the generator steers around (see
// gen.atomic). Each ends by storing r0 through the result pointer, so the
// full 64 bits are compared. The kernel's answer is only logged: whether
// a bug is present depends on the kernel, and the generator avoids both
// either way. gbpf must give the ISA answer.
var kernelQuirks = []struct {
	name string
	body asm.Instructions // the entry r1 is the XDP context; r6 = ingress_ifindex = 1 at run time
	want uint64           // r0 per RFC 9669
}{
	{
		// CVE-2026-43009, fixed upstream by 179ee84a8911: precision is not
		// propagated from r8 to the slot it was fetched from, so the path
		// with r7 = 1 is pruned as equal to the one with r7 = 0, and
		// "r0 = 1" is removed as dead code.
		name: "atomic fetch precision",
		body: asm.Instructions{
			ldx(asm.SizeW, asm.R6, asm.R1, 12), // r6 = ctx->ingress_ifindex
			movK(asm.R7, 1),
			jmpK(asm.JumpNE, asm.R6, 0, 10),
			movK(asm.R7, 0),
			// The verifier only checkpoints a state after 2 jumps and 8
			// instructions: make the join below a checkpoint.
			movK(asm.R7, 0), movK(asm.R7, 0), movK(asm.R7, 0), movK(asm.R7, 0),
			movK(asm.R7, 0), movK(asm.R7, 0), movK(asm.R7, 0), movK(asm.R7, 0),
			{OpCode: asm.OpJA},
			stx(asm.SizeDW, asm.RFP, asm.R7, -8),
			movK(asm.R8, 0),
			{OpCode: asm.OpAtomicDW, Dst: asm.RFP, Src: asm.R8, Offset: -8, Imm: asm.AtomicAdd | asm.AtomicFetch},
			movK(asm.R0, 0),
			jmpK(asm.JumpEq, asm.R8, 0, 1),
			movK(asm.R0, 1),
		},
		want: 1,
	},
	{
		// On x86-64 a successful 32-bit cmpxchg leaves r0's upper half
		// alone; the zero-extension the verifier adds is dropped when the
		// only 64-bit read of r0 lies beyond a pruned state.
		name: "cmpxchg32 zero extension",
		body: asm.Instructions{
			ldx(asm.SizeW, asm.R6, asm.R1, 12),
			movK(asm.R0, -1),
			{OpCode: asm.ClassST | asm.ModeMEM | asm.SizeW, Dst: asm.RFP, Offset: -4, Imm: -1},
			{OpCode: asm.ClassALU | asm.ALUMov | asm.SrcK, Dst: asm.R1},
			jmpK(asm.JumpNE, asm.R6, 0, 2),
			{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: asm.R0, Src: asm.R6},
			{OpCode: asm.OpJA, Offset: 1},
			{OpCode: asm.OpAtomicW, Dst: asm.RFP, Src: asm.R1, Offset: -4, Imm: asm.AtomicCmpXchg},
		},
		want: 0xffffffff,
	},
}

func movK(dst asm.Register, imm int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcK, Dst: dst, Imm: imm}
}

func jmpK(op asm.OpCode, dst asm.Register, imm int32, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassJMP | op | asm.SrcK, Dst: dst, Imm: imm, Offset: off}
}

// TestKernelQuirks reports which of the known kernel bugs this kernel has,
// and checks that gbpf computes the ISA result of the same programs.
func TestKernelQuirks(t *testing.T) {
	requireKernel(t)
	m, err := kernel.NewValueMap(8)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, q := range kernelQuirks {
		t.Run(q.name, func(t *testing.T) {
			ld := m.LoadAddr(asm.R1, 0)
			kprog := append(append(asm.Instructions(nil), q.body...), ld[0], ld[1],
				stx(asm.SizeDW, asm.R1, asm.R0, 0), asm.Instruction{OpCode: asm.OpExit})
			_, val, err := m.Run(kprog, nil, sentinel)
			if err != nil {
				t.Fatal(err)
			}
			got := binary.LittleEndian.Uint64(val)
			if got == q.want {
				t.Logf("kernel computes r0 = %#x, as the ISA says: this kernel does not have the bug", got)
			} else {
				t.Logf("kernel computes r0 = %#x, the ISA says %#x: this kernel has the bug", got, q.want)
			}

			// gbpf: mem plays the context (ingress_ifindex at offset 12
			// is 1) and the result buffer at once.
			gprog := append(append(asm.Instructions{movX(asm.R9, asm.R1)}, q.body...),
				stx(asm.SizeDW, asm.R9, asm.R0, 16), asm.Instruction{OpCode: asm.OpExit})
			ip, err := interp.New(gprog, nil)
			if err != nil {
				t.Fatal(err)
			}
			mem := make([]byte, 24)
			binary.LittleEndian.PutUint32(mem[12:], 1)
			if _, err := ip.Run(mem); err != nil {
				t.Fatal(err)
			}
			if got := binary.LittleEndian.Uint64(mem[16:]); got != q.want {
				t.Errorf("gbpf computes r0 = %#x, want %#x", got, q.want)
			}
		})
	}
}

func movX(dst, src asm.Register) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: dst, Src: src}
}
