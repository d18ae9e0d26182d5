//go:build linux && amd64

package csum

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/kernel"
)

// The x86-64 semantics implemented here are only what the kernel computes
// on amd64, so the differential tests run there alone.

const (
	helperL3CsumReplace = 10
	helperL4CsumReplace = 11
	helperCsumDiff      = 28
)

func requireKernel(tb testing.TB) {
	tb.Helper()
	if err := kernel.Available(); err != nil {
		tb.Skipf("kernel oracle unavailable (the tests need root or CAP_BPF+CAP_NET_ADMIN): %v", err)
	}
}

func mov64Imm(dst asm.Register, imm int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcK, Dst: dst, Imm: imm}
}

func mov64Reg(dst, src asm.Register) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: dst, Src: src}
}

func add64Imm(dst asm.Register, imm int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUAdd | asm.SrcK, Dst: dst, Imm: imm}
}

func call(id int32) asm.Instruction { return asm.Instruction{OpCode: asm.OpCall, Imm: id} }

var exit = asm.Instruction{OpCode: asm.OpExit}

// diffProgram calls bpf_csum_diff in an XDP program on from and to, which
// lie back to back at the start of the packet, and stores the helper's
// 64-bit result in m.
func diffProgram(m *kernel.ValueMap, fs, ts int, seed uint32) asm.Instructions {
	p := asm.Instructions{
		asm.Instruction{OpCode: asm.ClassLDX | asm.ModeMEM | asm.SizeW, Dst: asm.R2, Src: asm.R1, Offset: 0},
		asm.Instruction{OpCode: asm.ClassLDX | asm.ModeMEM | asm.SizeW, Dst: asm.R3, Src: asm.R1, Offset: 4},
		mov64Reg(asm.R4, asm.R2),
		add64Imm(asm.R4, int32(fs+ts)),
		mov64Imm(asm.R0, 1),
		{OpCode: asm.ClassJMP | asm.JumpGT | asm.SrcX, Dst: asm.R4, Src: asm.R3, Offset: 13},
		mov64Reg(asm.R1, asm.R2),
		mov64Reg(asm.R3, asm.R2),
		add64Imm(asm.R3, int32(fs)),
		mov64Imm(asm.R2, int32(fs)),
		mov64Imm(asm.R4, int32(ts)),
	}
	ld := asm.LoadImm64(asm.R5, uint64(seed)|0xdead_beef_0000_0000)
	p = append(p, ld[:]...)
	p = append(p, call(helperCsumDiff))
	lv := m.LoadAddr(asm.R1, 0)
	p = append(p, lv[:]...)
	p = append(p,
		asm.Instruction{OpCode: asm.ClassSTX | asm.ModeMEM | asm.SizeDW, Dst: asm.R1, Src: asm.R0},
		mov64Imm(asm.R0, 2),
		exit,
		exit, // the bounds check's target, r0 = 1
	)
	return p
}

func runDiff(t *testing.T, m *kernel.ValueMap, from, to []byte, seed uint32) int64 {
	t.Helper()
	pkt := append(append([]byte(nil), from...), to...)
	res, val, err := m.Run(diffProgram(m, len(from), len(to), seed), pkt, 0xa5)
	if err != nil {
		t.Fatalf("from %d bytes, to %d bytes: %v", len(from), len(to), err)
	}
	if res.Retval != 2 {
		t.Fatalf("program returned %d, want 2", res.Retval)
	}
	return int64(binary.LittleEndian.Uint64(val))
}

func TestDiffKernel(t *testing.T) {
	requireKernel(t)
	m, err := kernel.NewValueMap(8)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	randBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = 0
			case 1:
				b[i] = 0xff
			default:
				b[i] = byte(rng.Uint32())
			}
		}
		return b
	}
	seeds := []uint32{0, 1, 0xffff, 0x10000, 0xffffffff, 0xfffffffe, 0x12345678}
	sizes := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 40, 64, 80, 100, 256, 512, 516, 1024}
	type tc struct {
		from, to []byte
		seed     uint32
	}
	var cases []tc
	for _, fs := range sizes {
		for _, ts := range []int{0, 4, 5, 8, 512} {
			cases = append(cases, tc{randBytes(fs), randBytes(ts), seeds[rng.IntN(len(seeds))]})
		}
	}
	for range 150 {
		fs, ts := 4*rng.IntN(12), 4*rng.IntN(12)
		if rng.IntN(4) == 0 {
			fs, ts = rng.IntN(40), rng.IntN(40)
		}
		seed := rng.Uint32()
		if rng.IntN(2) == 0 {
			seed = seeds[rng.IntN(len(seeds))]
		}
		cases = append(cases, tc{randBytes(fs), randBytes(ts), seed})
	}
	// All-zero and all-ones data hit the two representations of zero.
	for _, n := range []int{4, 8, 12} {
		for _, seed := range seeds {
			cases = append(cases,
				tc{make([]byte, n), make([]byte, n), seed},
				tc{bytes.Repeat([]byte{0xff}, n), nil, seed},
				tc{nil, bytes.Repeat([]byte{0xff}, n), seed},
				tc{make([]byte, n), nil, seed})
		}
	}
	for _, c := range cases {
		want := runDiff(t, m, c.from, c.to, c.seed)
		if got := Diff(c.from, c.to, c.seed); got != want {
			t.Errorf("Diff(%x, %x, %#x) = %#x, kernel %#x", c.from, c.to, c.seed, got, want)
		}
	}
}

// tcRun loads insns as a tc (SCHED_CLS) program and test-runs it once on
// pkt, returning r0 and the packet afterwards. internal/kernel only runs
// XDP programs, which cannot call the skb checksum helpers.
func tcRun(t *testing.T, insns asm.Instructions, pkt []byte) (int32, []byte) {
	t.Helper()
	cinsns, err := casm.AppendInstructions(nil, bytes.NewReader(insns.Encode()), binary.LittleEndian, "linux")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.SchedCLS, Instructions: cinsns, License: "GPL"})
	if err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("cannot load tc programs: %v", err)
		}
		t.Fatal(err)
	}
	defer prog.Close()
	out := make([]byte, len(pkt)+64)
	ret, err := prog.Run(&ebpf.RunOptions{Data: pkt, DataOut: out})
	if err != nil {
		t.Fatal(err)
	}
	return int32(ret), out[:len(pkt)]
}

// replaceProgram calls helper(skb, offset, from, to, flags) and returns its
// result.
func replaceProgram(helper int32, offset uint32, from, to, flags uint64) asm.Instructions {
	p := asm.Instructions{mov64Imm(asm.R2, int32(offset))}
	for _, ld := range [][2]asm.Instruction{
		asm.LoadImm64(asm.R3, from), asm.LoadImm64(asm.R4, to), asm.LoadImm64(asm.R5, flags),
	} {
		p = append(p, ld[:]...)
	}
	if offset > 1<<31-1 {
		ld := asm.LoadImm64(asm.R2, uint64(offset))
		p = append(p, ld[:]...)
	}
	return append(p, call(helper), exit)
}

func TestReplaceKernel(t *testing.T) {
	requireKernel(t)
	rng := rand.New(rand.NewPCG(3, 4))
	const pktLen = 64
	word := func() uint64 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return 0xffff
		case 2:
			return 0xffffffff
		case 3:
			return rng.Uint64()
		}
		return uint64(rng.Uint32())
	}
	flagChoices := []uint64{0, 2, 4, 1, 3, 8, 0xf}
	extra := []uint64{0, FPseudoHdr, FMarkMangled0, FMarkEnforce, FIPv6, FMarkMangled0 | FMarkEnforce,
		FPseudoHdr | FMarkMangled0, FPseudoHdr | FIPv6, 0x100, 1 << 40}
	for i := range 600 {
		l4 := i%2 == 1
		helper := int32(helperL3CsumReplace)
		if l4 {
			helper = helperL4CsumReplace
		}
		pkt := make([]byte, pktLen)
		for j := range pkt {
			pkt[j] = byte(rng.Uint32())
		}
		offset := uint32(2 * rng.IntN(pktLen/2))
		switch rng.IntN(12) {
		case 0:
			offset = uint32(rng.IntN(pktLen + 4))
		case 1:
			offset = []uint32{pktLen - 1, pktLen, 0xffff, 0x10000, 0xfffffffe}[rng.IntN(5)]
		}
		// Zero fields exercise BPF_F_MARK_MANGLED_0.
		if rng.IntN(4) == 0 && uint64(offset)+2 <= pktLen {
			pkt[offset], pkt[offset+1] = 0, 0
		}
		flags := flagChoices[rng.IntN(len(flagChoices))] | extra[rng.IntN(len(extra))]
		from, to := word(), word()
		if flags&FHdrFieldMask == 0 && rng.IntN(4) != 0 {
			from = 0
		}
		ret, out := tcRun(t, replaceProgram(helper, offset, from, to, flags), pkt)

		got := append([]byte(nil), pkt...)
		var gret int64
		if l4 {
			gret = L4ReplaceAt(got, offset, from, to, flags)
		} else {
			gret = L3ReplaceAt(got, offset, from, to, flags)
		}
		if gret != int64(ret) || !bytes.Equal(got, out) {
			t.Errorf("l4=%v offset %d from %#x to %#x flags %#x on %x:\n got %d %x\nkernel %d %x",
				l4, offset, from, to, flags, pkt, gret, got, ret, out)
		}
	}
}
