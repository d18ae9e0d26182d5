//go:build linux && amd64

package kfmt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/kernel"
)

const (
	helperSnprintf = 165
	helperStrncmp  = 182
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

func stxDW(dst, src asm.Register, off int16) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassSTX | asm.ModeMEM | asm.SizeDW, Dst: dst, Src: src, Offset: off}
}

func mapValue(dst asm.Register, m *ebpf.Map, off int) [2]asm.Instruction {
	return asm.LoadImm64Pseudo(dst, asm.PseudoMapValue, uint64(uint32(m.FD()))|uint64(off)<<32)
}

// frozenStrings puts NUL-terminated strings in the value of a map that
// programs may only read, as bpf_snprintf's format and bpf_strncmp's s2
// must be, and returns their offsets. internal/kernel has no such map, so
// the test builds it with cilium/ebpf directly.
func frozenStrings(t *testing.T, strs [][]byte) (*ebpf.Map, []int) {
	t.Helper()
	var val []byte
	var offs []int
	for _, s := range strs {
		offs = append(offs, len(val))
		val = append(append(val, s...), 0)
	}
	m, err := ebpf.NewMap(&ebpf.MapSpec{
		Type: ebpf.Array, KeySize: 4, ValueSize: uint32(len(val)), MaxEntries: 1,
		Flags: unix.BPF_F_RDONLY_PROG,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put(uint32(0), val); err != nil {
		t.Fatal(err)
	}
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, offs
}

// dataMap holds strings and addresses for %s and %pI4 arguments.
func dataMap(t *testing.T, data []byte) *ebpf.Map {
	t.Helper()
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: uint32(len(data)), MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put(uint32(0), data); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// arg is a bpf_snprintf argument: a value, or a pointer into the data map.
type arg struct {
	val   uint64
	isPtr bool
	off   int
}

const (
	dataSize  = 4096
	outOffset = 8 + 8*MaxArgs
	maxOut    = 1024
)

// snprintfProgram stores the arguments on the stack and in the output map
// (so that the test learns the data map's address), calls
// bpf_snprintf(out+outOffset, outSize, fmt, args, 8*len(args)) and stores
// its result at the start of the output map.
func snprintfProgram(out *kernel.ValueMap, fmtMap *ebpf.Map, fmtOff int, data *ebpf.Map, args []arg, outSize int) asm.Instructions {
	var p asm.Instructions
	ld := out.LoadAddr(asm.R9, 0)
	p = append(p, ld[:]...)
	for k, a := range args {
		if a.isPtr {
			ld = mapValue(asm.R1, data, a.off)
		} else {
			ld = asm.LoadImm64(asm.R1, a.val)
		}
		p = append(p, ld[:]...)
		p = append(p, stxDW(asm.R10, asm.R1, int16(-8*MaxArgs+8*k)), stxDW(asm.R9, asm.R1, int16(8+8*k)))
	}
	if outSize == 0 {
		p = append(p, mov64Imm(asm.R1, 0))
	} else {
		p = append(p, mov64Reg(asm.R1, asm.R9), add64Imm(asm.R1, outOffset))
	}
	p = append(p, mov64Imm(asm.R2, int32(outSize)))
	ld = mapValue(asm.R3, fmtMap, fmtOff)
	p = append(p, ld[:]...)
	if len(args) == 0 {
		p = append(p, mov64Imm(asm.R4, 0))
	} else {
		p = append(p, mov64Reg(asm.R4, asm.R10), add64Imm(asm.R4, -8*MaxArgs))
	}
	return append(p,
		mov64Imm(asm.R5, int32(8*len(args))),
		asm.Instruction{OpCode: asm.OpCall, Imm: helperSnprintf},
		stxDW(asm.R9, asm.R0, 0),
		mov64Imm(asm.R0, 2),
		asm.Instruction{OpCode: asm.OpExit},
	)
}

type snprintfCase struct {
	format  []byte
	args    []arg
	outSize int
}

// testData is the data map's value: strings of all kinds, a long one, and
// random bytes, ending in a NUL so that no string runs past the value.
func testData(rng *rand.Rand) []byte {
	d := make([]byte, dataSize)
	for i := range d {
		d[i] = byte(rng.Uint32())
		if rng.IntN(8) == 0 {
			d[i] = 0
		}
	}
	copy(d, "hello\x00world\x00\x00\t\x01\xff\x7f odd\x00")
	long := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz", 20)
	copy(d[100:], long)
	d[100+len(long)] = 0
	d[dataSize-1] = 0
	return d
}

// ptrOffsets are data offsets worth pointing at.
var ptrOffsets = []int{0, 6, 12, 13, 100, 150, 500, 799, 1000, 2000, dataSize - 16, dataSize - 1}

func neg(v uint64) uint64 { return -v }

func randArg(rng *rand.Rand, conv string) arg {
	isPtrConv := strings.Contains(conv, "s") || strings.Contains(conv, "pI") ||
		strings.Contains(conv, "pi")
	switch {
	case isPtrConv && rng.IntN(5) != 0:
		off := ptrOffsets[rng.IntN(len(ptrOffsets))]
		if rng.IntN(2) == 0 {
			off = rng.IntN(dataSize - 16)
		}
		return arg{isPtr: true, off: off}
	case conv == "p" || conv == "pK":
		// Other values are hashed by the kernel.
		return arg{val: []uint64{0, ^uint64(0), neg(4095), neg(22)}[rng.IntN(4)]}
	}
	switch rng.IntN(8) {
	case 0:
		return arg{val: uint64(rng.IntN(200))}
	case 1:
		return arg{val: neg(uint64(rng.IntN(200)))}
	case 2:
		return arg{val: []uint64{0, 1 << 31, 1<<31 - 1, 1 << 63, 1<<63 - 1, 1<<32 - 1, 1 << 32}[rng.IntN(7)]}
	case 3:
		return arg{val: uint64(rng.Uint32())}
	case 4:
		// Unreadable: NULL, a small user address, non-canonical.
		return arg{val: []uint64{0, 16, 0x8000_0000_0000_0000, 0xdead_0000_0000_0000}[rng.IntN(4)]}
	}
	return arg{val: rng.Uint64()}
}

var convs = []string{
	"d", "i", "u", "x", "X", "ld", "li", "lu", "lx", "lX", "lld", "lli", "llu", "llx", "llX",
	"c", "s", "p", "pK", "px", "ps", "pS", "pB", "pks", "pus", "pi4", "pI4", "pi6", "pI6",
}

// invalid pieces the kernel must refuse, or accept in surprising ways.
var oddPieces = []string{
	"%o", "%.3d", "%hd", "%hhd", "%#x", "%lc", "%ls", "%lp", "%q", "%zd", "%*d", "%5%", "%lllx",
	"%sx", "%pF", "%pe", "%pI", "%pI5", "%n", "\x01", "\x80", "%Ld", "%5.2s", "%pksx", "%",
	"%pI4x", "%pI6c", "%pxd", "%s\xa1",
}

func randFormat(rng *rand.Rand) ([]byte, []string) {
	var b strings.Builder
	var used []string
	pieces := 1 + rng.IntN(6)
	lastPlainP := false
	for range pieces {
		var piece string
		switch r := rng.IntN(20); {
		case r < 5:
			const lit = "abc XYZ:=,.;!()[]{}<>0123\t\n"
			n := 1 + rng.IntN(8)
			var l []byte
			for range n {
				l = append(l, lit[rng.IntN(len(lit))])
			}
			piece = string(l)
		case r < 6:
			piece = "%%"
		case r < 7:
			piece = oddPieces[rng.IntN(len(oddPieces))]
		default:
			var s strings.Builder
			s.WriteByte('%')
			for range rng.IntN(3) {
				s.WriteByte("0+- "[rng.IntN(4)])
			}
			if rng.IntN(2) == 0 {
				fmt.Fprint(&s, []int{1, 2, 5, 8, 10, 17, 20, 33, 64, 100, 300}[rng.IntN(11)])
			}
			conv := convs[rng.IntN(len(convs))]
			s.WriteString(conv)
			used = append(used, conv)
			piece = s.String()
		}
		// bpf_bprintf_prepare consumes the character after a plain %p,
		// so "%p%d" would make bstr_printf read an argument the kernel
		// never stored (stale per-CPU data). Keep them apart.
		if lastPlainP && strings.HasPrefix(piece, "%") {
			b.WriteByte(' ')
		}
		lastPlainP = strings.HasSuffix(piece, "p") && strings.HasPrefix(piece, "%") && !strings.HasSuffix(piece, "%p")
		lastPlainP = lastPlainP || strings.HasSuffix(piece, "%p") || piece == "%-p" || piece == "%020p"
		b.WriteString(piece)
	}
	return []byte(b.String()), used
}

// staleRisk reports whether f has a pre-formatted conversion followed by
// another conversion: with the output full, bstr_printf then reads
// arguments from where the pre-formatted one was, and beyond it, bytes the
// kernel may never have written.
func staleRisk(f []byte) bool {
	s := string(f)
	for _, p := range []string{"pI", "pi", "pks", "pus", "pB"} {
		if i := strings.Index(s, p); i >= 0 && strings.Contains(s[i:], "%") {
			return true
		}
	}
	return false
}

func runSnprintfCases(t *testing.T, cases []snprintfCase, data []byte) {
	t.Helper()
	out, err := kernel.NewValueMap(outOffset + maxOut)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	dm := dataMap(t, data)
	var formats [][]byte
	for _, c := range cases {
		formats = append(formats, c.format)
	}
	fm, offs := frozenStrings(t, formats)

	failures, skipped := 0, 0
	defer func() { t.Logf("%d cases, %d left out for reading stale kernel memory", len(cases), skipped) }()
	for k, c := range cases {
		_, val, err := out.Run(snprintfProgram(out, fm, offs[k], dm, c.args, c.outSize), nil, 0xa5)
		if err != nil {
			// The verifier runs bpf_bprintf_prepare on constant formats:
			// what it refuses would be -EINVAL at run time.
			var ve *kernel.VerifierError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), "Invalid format string") {
				t.Fatalf("format %q: %v", c.format, err)
			}
			args := make([]uint64, len(c.args))
			if got := Snprintf(nil, c.format, args, NoMemory); got != -int64(syscall.EINVAL) {
				failures++
				t.Errorf("bpf_snprintf(%q) with %d args: got %d, the verifier refuses the format", c.format, len(args), got)
			}
			continue
		}
		kret := int64(binary.LittleEndian.Uint64(val))
		kout := val[outOffset : outOffset+c.outSize]

		args := make([]uint64, len(c.args))
		var base uint64
		for j, a := range c.args {
			args[j] = binary.LittleEndian.Uint64(val[8+8*j:])
			if a.isPtr {
				base = args[j] - uint64(a.off)
			}
		}
		mem := func(addr uint64, n int) ([]byte, bool) {
			if base == 0 || addr < base || addr >= base+dataSize {
				return nil, false
			}
			o := int(addr - base)
			return data[o:min(o+n, dataSize)], true
		}
		gout := bytes.Repeat([]byte{0xa5}, c.outSize)
		gret := Snprintf(gout, c.format, args, mem)
		_, reach, _ := prepare(cut(c.format), args, mem)
		if (staleRisk(c.format) && gret > int64(c.outSize)) || reach > binArgsSize {
			skipped++
			continue
		}
		if gret != kret || !bytes.Equal(gout, kout) {
			failures++
			t.Errorf("bpf_snprintf(size %d, %q, %#x):\n  got %d %q\n want %d %q", c.outSize, c.format, args, gret, gout, kret, kout)
			if failures > 20 {
				t.FailNow()
			}
		}
	}
}

func TestSnprintfKernel(t *testing.T) {
	requireKernel(t)
	rng := rand.New(rand.NewPCG(7, 8))
	data := testData(rng)
	var cases []snprintfCase
	for range 1500 {
		f, used := randFormat(rng)
		n := len(used)
		switch rng.IntN(6) {
		case 0:
			n += rng.IntN(3)
		case 1:
			n -= rng.IntN(2)
		}
		n = max(0, min(n, MaxArgs))
		var args []arg
		for k := range n {
			conv := "x"
			if k < len(used) {
				conv = used[k]
			}
			args = append(args, randArg(rng, conv))
		}
		size := []int{0, 1, 2, 7, 16, 40, 128, 512}[rng.IntN(8)]
		if staleRisk(f) {
			// A full buffer would make the kernel read stale bytes.
			size = maxOut
		}
		cases = append(cases, snprintfCase{f, args, size})
	}
	runSnprintfCases(t, cases, data)
}

// TestSnprintfKernelEdges checks hand-picked corner cases: the argument
// buffer running out, strings truncated to it, and what a full output
// buffer does to pre-formatted arguments.
func TestSnprintfKernelEdges(t *testing.T) {
	requireKernel(t)
	rng := rand.New(rand.NewPCG(9, 10))
	data := testData(rng)
	ptr := func(off int) arg { return arg{isPtr: true, off: off} }
	val := func(v uint64) arg { return arg{val: v} }
	long := ptr(100) // 720 characters
	cases := []snprintfCase{
		{[]byte("%s"), []arg{long}, 512},
		{[]byte("%s%s"), []arg{long, ptr(0)}, 512},
		{[]byte("%s%c"), []arg{long, val('x')}, 512},
		{[]byte("%s%d"), []arg{long, val(5)}, 512},
		{[]byte("%s %pI4 %d"), []arg{ptr(600), ptr(0), val(1)}, 512},
		{[]byte("%s %pI6 %d"), []arg{ptr(600), ptr(0), val(1)}, 512},
		{[]byte("%s %pi4 %s %d"), []arg{ptr(604), ptr(0), ptr(0), val(1)}, 512},
		{[]byte("%s %pi4 %c %d"), []arg{ptr(604), ptr(0), val('z'), val(1)}, 512},
		{[]byte("%s %pB"), []arg{ptr(100 + 720 - 511), val(0x1234)}, 1024},
		{[]byte("%s %pB"), []arg{ptr(100 + 720 - 505), val(0x1234)}, 512},
		{[]byte("%s%pI4"), []arg{ptr(100 + 720 - 505), ptr(0)}, 1024},
		{[]byte("%pKabc|%p.|%p\xa1|%p\xa0|%-p|%020p|"), []arg{val(0), val(0), val(neg(1)), val(0), val(neg(2)), val(0)}, 128},
		{[]byte("%pI4 %d"), []arg{ptr(0), val(7)}, 0},
		{[]byte("%pI4 %d"), []arg{ptr(0), val(7)}, 3},
		{[]byte("ab%pks %d"), []arg{ptr(0), val(7)}, 2},
		{[]byte("%pB %d"), []arg{val(0), val(7)}, 0},
		{[]byte("%ps %pS %pB"), []arg{val(0), val(1), val(0)}, 64},
		{[]byte("%20ps|%-20pS|"), []arg{val(0x1234), val(0x1234)}, 64},
		{[]byte("%20pI4|%-20pi6|"), []arg{ptr(0), ptr(0)}, 128},
		{[]byte("%c%c%c%d"), []arg{val('a'), val(0), val(0x162), val(9)}, 64},
		{[]byte("%5c|%-5c|%05c"), []arg{val('a'), val('b'), val('c')}, 64},
		{[]byte("%d %d"), []arg{val(1)}, 64},
		{[]byte("%d"), nil, 64},
		{[]byte("100%%"), nil, 64},
		{[]byte("%px %px %-px %5px %020px"), []arg{val(0), val(0xabc), val(0xabc), val(0xabc), val(0xabc)}, 128},
		{[]byte("%p %pK %-20p| %020p"), []arg{val(0), val(neg(1)), val(0), val(neg(4095))}, 128},
		{[]byte("%-+5d|%+-5d|% d|%+ d|% +d|%0-5d|"), []arg{val(3), val(3), val(3), val(3), val(3), val(3)}, 128},
		{[]byte("%08x %-08x %08X %+x % x"), []arg{val(0xbeef), val(0xbeef), val(0xbeef), val(0xbeef), val(0xbeef)}, 128},
		{[]byte("%d %i %u %x"), []arg{val(neg(1)), val(1 << 32), val(neg(1)), val(neg(2))}, 128},
		{[]byte("%ld %lld %lu %llx"), []arg{val(1 << 63), val(neg(5)), val(neg(1)), val(neg(2))}, 128},
		{[]byte("%12345d"), []arg{val(1)}, 512},
		{[]byte("%2147483648d|"), []arg{val(1)}, 16},
		{[]byte("%16777217d|"), []arg{val(1)}, 16},
		{[]byte("%s"), []arg{val(0)}, 16},
		{[]byte("%s|%s|%s"), []arg{val(16), ptr(dataSize - 1), ptr(12)}, 64},
		{[]byte("%pI4 %pi6"), []arg{val(0), val(8)}, 128},
		{[]byte("\t\n\v\f\r ok"), nil, 32},
		{[]byte("tab\x7f"), nil, 32},
	}
	runSnprintfCases(t, cases, data)
}

// TestSnprintfKernelHashedPointer checks that hashed kernel pointers have
// the shape this package prints: sixteen lowercase hex digits.
func TestSnprintfKernelHashedPointer(t *testing.T) {
	requireKernel(t)
	out, err := kernel.NewValueMap(outOffset + maxOut)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	fm, offs := frozenStrings(t, [][]byte{[]byte("%p|%pK")})
	dm := dataMap(t, make([]byte, 16))
	args := []arg{{val: 0x1234}, {val: 0xffff_8880_0000_1000}}
	_, v, err := out.Run(snprintfProgram(out, fm, offs[0], dm, args, 64), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	kout := string(cut(v[outOffset : outOffset+64]))
	gout, err := Format([]byte("%p|%pK"), []uint64{0x1234, 0xffff_8880_0000_1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	shape := func(s string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune("0123456789abcdef", r) {
				return 'h'
			}
			return r
		}, s)
	}
	if shape(kout) != shape(gout) {
		t.Errorf("kernel printed %q, this package %q", kout, gout)
	}
}

func TestStrncmpKernel(t *testing.T) {
	requireKernel(t)
	rng := rand.New(rand.NewPCG(11, 12))
	alpha := []byte("aab\x00\xff\x01z")
	randStr := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return b
	}
	type tc struct{ s1, s2 []byte }
	var cases []tc
	for range 300 {
		s1 := randStr(1 + rng.IntN(12))
		s2 := bytes.TrimRight(randStr(rng.IntN(12)), "\x00")
		if i := bytes.IndexByte(s2, 0); i >= 0 {
			s2 = s2[:i]
		}
		if rng.IntN(3) == 0 {
			s2 = append([]byte(nil), s1...)
			if i := bytes.IndexByte(s2, 0); i >= 0 {
				s2 = s2[:i]
			}
		}
		cases = append(cases, tc{s1, s2})
	}
	cases = append(cases, tc{[]byte("abc"), []byte("abd")}, tc{[]byte("abd"), []byte("abc")},
		tc{[]byte("a"), []byte("\xff")}, tc{[]byte("z"), []byte("a")}, tc{[]byte("abc"), []byte("ab")})

	out, err := kernel.NewValueMap(8)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var s2s [][]byte
	var data []byte
	var s1offs []int
	for _, c := range cases {
		s2s = append(s2s, c.s2)
		s1offs = append(s1offs, len(data))
		data = append(data, c.s1...)
	}
	fm, offs := frozenStrings(t, s2s)
	dm := dataMap(t, data)
	for k, c := range cases {
		var p asm.Instructions
		for _, ld := range [][2]asm.Instruction{mapValue(asm.R1, dm, s1offs[k]), mapValue(asm.R3, fm, offs[k])} {
			p = append(p, ld[:]...)
		}
		p = append(p, mov64Imm(asm.R2, int32(len(c.s1))), asm.Instruction{OpCode: asm.OpCall, Imm: helperStrncmp})
		ld := out.LoadAddr(asm.R1, 0)
		p = append(p, ld[:]...)
		p = append(p, stxDW(asm.R1, asm.R0, 0), mov64Imm(asm.R0, 2), asm.Instruction{OpCode: asm.OpExit})
		_, v, err := out.Run(p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := int64(binary.LittleEndian.Uint64(v))
		if got := Strncmp(c.s1, c.s2); got != want {
			t.Errorf("Strncmp(%q, %q) = %d, kernel %d", c.s1, c.s2, got, want)
		}
	}
}
