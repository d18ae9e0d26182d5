package maps

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// lookupProg loads an XDP program that looks up the u32 key at the start of
// the packet in the map fd, which sets the LRU reference bit in the kernel.
func lookupProg(t *testing.T, fd int) *ebpf.Program {
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.LoadMem(asm.R2, asm.R6, 0, asm.Word),
		asm.LoadMem(asm.R3, asm.R6, 4, asm.Word),
		asm.Mov.Reg(asm.R4, asm.R2),
		asm.Add.Imm(asm.R4, 4),
		asm.JGT.Reg(asm.R4, asm.R3, "out"),
		asm.LoadMem(asm.R5, asm.R2, 0, asm.Word),
		asm.StoreMem(asm.RFP, -4, asm.R5, asm.Word),
		asm.LoadMapPtr(asm.R1, fd),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.Mov.Imm(asm.R0, 2).WithSymbol("out"),
		asm.Return(),
	}
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.XDP, Instructions: insns, License: "GPL"})
	if err != nil {
		t.Skipf("cannot load an XDP program: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestKernelLRUReferenced mixes program lookups (run in the kernel with
// BPF_PROG_TEST_RUN on CPU 0, and ProgLookup on CPU 0 here) into random
// host operations: the reference bits must steer eviction identically.
func TestKernelLRUReferenced(t *testing.T) {
	needKernel(t)
	for _, s := range []Spec{
		{Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 16},
		{Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 300},
		{Type: LRUHash, KeySize: 4, ValueSize: 8, MaxEntries: 16, Flags: FlagNoCommonLRU},
		{Type: LRUPerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 16},
		{Type: LRUPerCPUHash, KeySize: 4, ValueSize: 8, MaxEntries: 32, Flags: FlagNoCommonLRU},
	} {
		t.Run(fmt.Sprintf("%v_%d_%x", s.Type, s.MaxEntries, s.Flags), func(t *testing.T) {
			onCPU0(t)
			for seed := uint64(1); seed <= 3; seed++ {
				p := newPair(t, s)
				prog := lookupProg(t, p.k.(*kmap).fd)
				r := rand.New(rand.NewPCG(seed, 11))
				pkt := make([]byte, 64)
				for i := 0; i < 3000; i++ {
					key := make([]byte, 4)
					key[0] = byte(r.IntN(int(s.MaxEntries) * 2))
					switch op := r.IntN(10); {
					case op < 4:
						copy(pkt, key)
						if _, err := prog.Run(&ebpf.RunOptions{Data: pkt}); err != nil {
							if errors.Is(err, ebpf.ErrNotSupported) {
								t.Skip("BPF_PROG_TEST_RUN not supported")
							}
							t.Fatal(err)
						}
						p.g.(Values).ProgLookup(key, 0)
						p.trace = append(p.trace, fmt.Sprintf("prog lookup %x", key))
					case op < 8:
						p.update(key, make([]byte, p.vsize), []uint64{UpdateAny, UpdateNoExist, UpdateExist}[r.IntN(3)])
					case op < 9:
						p.lookup(key)
					default:
						p.delete(key)
					}
				}
				p.contents()
			}
		})
	}
}
