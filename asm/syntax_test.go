package asm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

var syntaxes = []Syntax{SyntaxLLVM, SyntaxConformance}

// mustHex decodes space-separated hex bytes.
func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// checkRoundTrip disassembles insns and checks that the text reassembles
// to the same bytes.
func checkRoundTrip(t testing.TB, insns Instructions, syn Syntax) string {
	t.Helper()
	text := Disassemble(insns, syn)
	got, err := Assemble(text, syn)
	if err != nil {
		t.Fatalf("%v: reassembling %x failed: %v\ntext:\n%s", syn, insns.Encode(), err, text)
	}
	if !bytes.Equal(got.Encode(), insns.Encode()) {
		t.Fatalf("%v: round trip changed the bytes\nin:   %x\nout:  %x\ntext:\n%s", syn, insns.Encode(), got.Encode(), text)
	}
	return text
}

// asmCase is one line of a syntax table: the text, the bytes it encodes
// and, if the disassembler prints it differently, the canonical text.
type asmCase struct {
	text  string
	hex   string
	canon string
}

func runAsmTable(t *testing.T, syn Syntax, cases []asmCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			insns, err := Assemble(c.text, syn)
			if err != nil {
				t.Fatalf("Assemble: %v", err)
			}
			want := mustHex(t, c.hex)
			if got := insns.Encode(); !bytes.Equal(got, want) {
				t.Fatalf("got  % x\nwant % x", got, want)
			}
			canon := c.canon
			if canon == "" {
				canon = c.text
			}
			text := checkRoundTrip(t, insns, syn)
			if text != canon+"\n" {
				t.Errorf("Disassemble = %q, want %q", text, canon+"\n")
			}
		})
	}
}

func TestParseSyntax(t *testing.T) {
	for _, syn := range syntaxes {
		got, err := ParseSyntax(syn.String())
		if err != nil || got != syn {
			t.Errorf("ParseSyntax(%q) = %v, %v", syn.String(), got, err)
		}
	}
	if _, err := ParseSyntax("gas"); err == nil {
		t.Error("ParseSyntax(\"gas\") succeeded")
	}
	if _, err := Assemble("exit", Syntax(7)); err == nil {
		t.Error("Assemble with an unknown syntax succeeded")
	}
}

func TestEncodeDecodeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var b [8]byte
	for range 100000 {
		ins := Instruction{
			OpCode: OpCode(r.Uint32()),
			Dst:    Register(r.IntN(16)),
			Src:    Register(r.IntN(16)),
			Offset: int16(r.Uint32()),
			Imm:    int32(r.Uint32()),
		}
		ins.Encode(b[:])
		got, err := Decode(b[:])
		if err != nil || got != ins {
			t.Fatalf("Decode(Encode(%+v)) = %+v, %v", ins, got, err)
		}
		if FromWord(ins.Word()) != ins {
			t.Fatalf("FromWord(Word(%+v)) = %+v", ins, FromWord(ins.Word()))
		}
	}
	for range 1000 {
		raw := make([]byte, 8*r.IntN(64))
		for i := range raw {
			raw[i] = byte(r.Uint32())
		}
		insns, err := DecodeAll(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(insns.Encode(), raw) {
			t.Fatalf("DecodeAll(%x).Encode() = %x", raw, insns.Encode())
		}
	}
}

// Interesting field values for enumerating instruction forms.
var (
	regPairs = [][2]Register{{0, 0}, {1, 2}, {10, 1}, {2, 10}, {11, 15}}
	offsets  = []int16{0, 1, -1, 8, 16, 32, 5, 0x7fff, -0x8000}
	imms     = []int32{
		0, 1, -1, 16, 32, 64, 17, 0x7fffffff, -0x80000000,
		AtomicAdd | AtomicFetch, AtomicOr, AtomicOr | AtomicFetch, AtomicAnd, AtomicAnd | AtomicFetch,
		AtomicXor, AtomicXor | AtomicFetch, AtomicXchg, AtomicXchg &^ AtomicFetch, AtomicCmpXchg, 0x02,
	}
	seconds = []Instruction{{}, {Imm: 1}, {Imm: -1}, {Imm: 0x7fffffff}, {OpCode: 0x95}, {Dst: 1}, {Src: 1}, {Offset: 1}, {OpCode: OpLoadImm64, Imm: 2}}
)

// TestEveryFormRoundTrips disassembles every opcode with many field
// combinations in both syntaxes and checks the text reassembles to the same
// slots. Valid instructions must print as real instructions, not ".insn".
func TestEveryFormRoundTrips(t *testing.T) {
	insns := make(Instructions, 2)
	for op := range 256 {
		for _, regs := range regPairs {
			for _, off := range offsets {
				for _, imm := range imms {
					ins := Instruction{OpCode: OpCode(op), Dst: regs[0], Src: regs[1], Offset: off, Imm: imm}
					insns[0] = ins
					nexts := seconds[:1]
					if ins.IsLoadImm64() {
						nexts = seconds
					}
					for _, next := range nexts {
						insns[1] = next
						for _, syn := range syntaxes {
							text, width := FormatInstruction(insns, 0, syn)
							got, err := Assemble(text, syn)
							if err != nil || len(got) != width || !bytes.Equal(got.Encode(), insns[:width].Encode()) {
								t.Fatalf("%v: %x formatted as %q (width %d), which assembles to %x, %v", syn, insns.Encode(), text, width, got.Encode(), err)
							}
							valid := ins.check() == ""
							if ins.IsLoadImm64() {
								valid = valid && next.OpCode == 0 && next.Dst == 0 && next.Src == 0 && next.Offset == 0
							}
							if valid && (strings.HasPrefix(text, ".insn") || width != ins.Width()) {
								t.Errorf("%v: valid instruction %x printed as %q", syn, insns[:ins.Width()].Encode(), text)
							}
						}
					}
				}
			}
		}
	}
}

// TestRandomProgramsRoundTrip disassembles random slots, biased towards
// real opcodes and small fields.
func TestRandomProgramsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var known []OpCode
	for op := range 256 {
		if (Instruction{OpCode: OpCode(op), Imm: 16}).check() == "" || (Instruction{OpCode: OpCode(op), Src: 1}).check() == "" {
			known = append(known, OpCode(op))
		}
	}
	for range 2000 {
		insns := make(Instructions, 1+r.IntN(16))
		for i := range insns {
			w := r.Uint64()
			if r.IntN(4) != 0 {
				// Small fields make valid forms likely.
				w = uint64(known[r.IntN(len(known))]) | uint64(r.IntN(256))<<8 | uint64(r.IntN(5)-2)<<16&0xffff0000 | uint64(r.IntN(3))<<32
			}
			insns[i] = FromWord(w)
		}
		for _, syn := range syntaxes {
			checkRoundTrip(t, insns, syn)
		}
	}
}

func TestMalformedRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		hex  string
	}{
		{"lddw last slot", "18 01 00 00 05 00 00 00"},
		{"lddw bad second slot", "18 01 00 00 05 00 00 00 95 00 00 00 00 00 00 00"},
		{"lddw nonzero offset", "18 01 01 00 05 00 00 00 00 00 00 00 00 00 00 00"},
		{"lddw src 7", "18 71 00 00 05 00 00 00 00 00 00 00 00 00 00 00"},
		{"lddw then lddw", "18 01 00 00 05 00 00 00 18 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"unknown opcode", "ff ff ff ff ff ff ff ff"},
		{"register 15", "bf ff 00 00 00 00 00 00"},
		{"reserved imm on mov X", "bf 10 00 00 01 00 00 00"},
		{"reserved src on exit", "95 10 00 00 00 00 00 00"},
		{"bad byte swap width", "dc 00 00 00 11 00 00 00"},
		{"bad atomic op", "db 1a f8 ff 02 00 00 00"},
		{"xchg without fetch", "db 1a f8 ff e0 00 00 00"},
		{"sdiv offset 2", "3f 10 02 00 00 00 00 00"},
		{"zero slot", "00 00 00 00 00 00 00 00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			insns, err := DecodeAll(mustHex(t, c.hex))
			if err != nil {
				t.Fatal(err)
			}
			for _, syn := range syntaxes {
				checkRoundTrip(t, insns, syn)
			}
		})
	}
	// A lddw whose pair does not print falls back to one .insn per slot.
	insns, _ := DecodeAll(mustHex(t, "18 01 00 00 05 00 00 00 95 00 00 00 00 00 00 00"))
	if got, want := Disassemble(insns, SyntaxLLVM), ".insn 0x0000000500000118\nexit\n"; got != want {
		t.Errorf("Disassemble = %q, want %q", got, want)
	}
}

func TestFormatInstruction(t *testing.T) {
	insns := MustAssemble("r1 = 0x1122334455667788 ll\nexit", SyntaxLLVM)
	if text, w := FormatInstruction(insns, 0, SyntaxConformance); text != "lddw %r1, 0x1122334455667788" || w != 2 {
		t.Errorf("FormatInstruction(0) = %q, %d", text, w)
	}
	if text, w := FormatInstruction(insns, 2, SyntaxLLVM); text != "exit" || w != 1 {
		t.Errorf("FormatInstruction(2) = %q, %d", text, w)
	}
	// The second slot alone is not a valid instruction.
	if text, w := FormatInstruction(insns, 1, SyntaxLLVM); text != ".insn 0x1122334400000000" || w != 1 {
		t.Errorf("FormatInstruction(1) = %q, %d", text, w)
	}
	if text, w := FormatInstruction(insns, 3, SyntaxLLVM); text != "" || w != 0 {
		t.Errorf("FormatInstruction(3) = %q, %d", text, w)
	}
}

func TestInstructionString(t *testing.T) {
	for _, c := range []struct {
		ins  Instruction
		want string
	}{
		{Instruction{OpCode: OpExit}, "exit"},
		{Instruction{OpCode: ClassALU64 | ALUMov | SrcK, Dst: R0, Imm: -1}, "r0 = -1"},
		{Instruction{OpCode: ClassLDX | ModeMEM | SizeW, Dst: R0, Src: R1, Offset: 4}, "r0 = *(u32 *)(r1 + 4)"},
		{Instruction{OpCode: OpLoadImm64, Dst: R1, Imm: 0x55667788}, "r1 = 0x55667788 ll"},
		{Instruction{OpCode: OpLoadImm64, Dst: R1, Src: PseudoMapFD, Imm: 3}, "r1 = map_fd(3) ll"},
		{Instruction{OpCode: 0xff}, ".insn 0x00000000000000ff"},
	} {
		if got := c.ins.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.ins, got, c.want)
		}
	}
}

func TestLabels(t *testing.T) {
	for _, c := range []struct {
		syn  Syntax
		text string
		hex  string
	}{
		{SyntaxConformance, "ja L\nmov %r0, 1\nL:\nexit", "05 00 01 00 00 00 00 00 b7 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxConformance, "back: mov %r0, 1\nja back", "b7 00 00 00 01 00 00 00 05 00 fe ff 00 00 00 00"},
		// "exit" is predefined as the first exit instruction.
		{SyntaxConformance, "jeq %r1, 0, exit\nexit\nexit", "15 01 00 00 00 00 00 00 95 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"},
		// ...unless it is defined.
		{SyntaxConformance, "jeq %r1, 0, exit\nexit\nexit:\nexit", "15 01 01 00 00 00 00 00 95 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxConformance, "ja32 end\nlddw %r0, 1\nend: exit", "06 00 00 00 02 00 00 00 18 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxConformance, "call local f\nexit\nf:\nexit", "85 10 00 00 01 00 00 00 95 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxConformance, "lddw %r1, func f\nf: exit", "18 41 00 00 01 00 00 00 00 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxLLVM, "if r1 > 2 goto out\nr0 = 1\nout:\nexit", "25 01 01 00 02 00 00 00 b7 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxLLVM, "gotol out\nout: exit", "06 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxLLVM, "call f\nexit\nf: r0 = 0\nexit", "85 10 00 00 01 00 00 00 95 00 00 00 00 00 00 00 b7 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxLLVM, "r1 = func(f) ll\nf: exit", "18 41 00 00 01 00 00 00 00 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00"},
		{SyntaxLLVM, "a: b: exit\ngoto b", "95 00 00 00 00 00 00 00 05 00 fe ff 00 00 00 00"},
	} {
		insns, err := Assemble(c.text, c.syn)
		if err != nil {
			t.Errorf("%v %q: %v", c.syn, c.text, err)
			continue
		}
		if got, want := insns.Encode(), mustHex(t, c.hex); !bytes.Equal(got, want) {
			t.Errorf("%v %q:\ngot  % x\nwant % x", c.syn, c.text, got, want)
		}
	}
}

func TestAssembleErrors(t *testing.T) {
	far := "ja far\n" + strings.Repeat("exit\n", 1<<15) + "far: exit"
	for _, c := range []struct {
		syn  Syntax
		text string
		want string
	}{
		{SyntaxConformance, "mov %r0, 1\nexit\nfoo %r1", `line 3: unknown mnemonic "foo"`},
		{SyntaxConformance, "mov %r16, 1", `line 1: bad register "%r16"`},
		{SyntaxConformance, "mov %rx, 1", `line 1: bad register "%rx"`},
		{SyntaxConformance, "\n\nmov %r0, 0x100000000", "line 3: immediate 0x100000000 out of 32-bit range"},
		{SyntaxConformance, "mov %r0, -2147483649", "line 1: immediate -2147483649 out of 32-bit range"},
		{SyntaxConformance, "ldxw %r0, [%r1+32768]", "line 1: offset +32768 out of 16-bit range"},
		{SyntaxConformance, "jeq %r1, 1, +40000", "line 1: offset +40000 out of 16-bit range"},
		{SyntaxConformance, "lddw %r0, 0x10000000000000000", "line 1: number 0x10000000000000000 out of 64-bit range"},
		{SyntaxConformance, "mov %r0, 1\nja nowhere", `line 2: undefined label "nowhere"`},
		{SyntaxConformance, "ja exit", `line 1: undefined label "exit"`},
		{SyntaxConformance, "a:\nexit\n a :\nexit", `line 3: duplicate label "a" (first defined on line 1)`},
		{SyntaxConformance, "jeq %r1, 1", "line 1: expected a label or a relative offset such as +2, found end of line"},
		{SyntaxConformance, "exit 1", `line 1: unexpected "1" after the instruction`},
		{SyntaxConformance, "lock sub [%r1], %r2", `line 1: unknown atomic operation "sub"`},
		{SyntaxConformance, "lddw %r1, map 5", `line 1: unknown lddw source "map" (want a number or map_fd, map_value, btf_id, func, map_idx, map_idx_value)`},
		{SyntaxConformance, "mov %r0, 08x", `line 1: bad number "08x"`},
		{SyntaxConformance, "mov %r0, @", `line 1: unexpected character '@'`},
		{SyntaxConformance, far, `line 1: label "far" is 32768 slots away, out of range for a 16-bit jump offset`},
		{SyntaxLLVM, "r0 = 1\nfoo r1", `line 2: unknown mnemonic "foo"`},
		{SyntaxLLVM, "r16 = 1", `line 1: bad register "r16"`},
		{SyntaxLLVM, "r0 = 0x100000000", `line 1: immediate 0x100000000 out of 32-bit range (write "0x100000000 ll" for a 64-bit load)`},
		{SyntaxLLVM, "r0 = *(u32 *)(r1 + 40000)", "line 1: offset +40000 out of 16-bit range"},
		{SyntaxLLVM, "goto nowhere", `line 1: undefined label "nowhere"`},
		{SyntaxLLVM, "goto exit", `line 1: undefined label "exit"`},
		{SyntaxLLVM, "x:\nx:", `line 2: duplicate label "x" (first defined on line 1)`},
		{SyntaxLLVM, "w0 += r1", "line 1: cannot mix 32-bit (wN) and 64-bit (rN) registers"},
		{SyntaxLLVM, "if r1 > w2 goto +1", "line 1: cannot mix 32-bit (wN) and 64-bit (rN) registers"},
		{SyntaxLLVM, "r1 = -r2", "line 1: the negated register must be r1, not r2"},
		{SyntaxLLVM, "r1 = be16 r2", "line 1: the swapped register must be r1, not r2"},
		{SyntaxLLVM, "r1 = xchg_64(r10 - 8, r2)", "line 1: the value operand must be the result register r1"},
		{SyntaxLLVM, "r1 = cmpxchg_64(r10 - 8, r0, r2)", "line 1: cmpxchg always loads into r0"},
		{SyntaxLLVM, "r1 = *(u8 *)skb[1]", "line 1: packet loads always load into r0"},
		{SyntaxLLVM, "if r1 ~ r2 goto +1", "line 1: unexpected character '~'"},
		{SyntaxLLVM, "if r1 > r2 goto", "line 1: expected a label or a relative offset such as +2, found end of line"},
		{SyntaxLLVM, "w1 = 1 ll", "line 1: a 64-bit load needs an rN register"},
		{SyntaxLLVM, "lock *(u16 *)(r1 + 0) += r2", "line 1: atomic operations take u32 or u64"},
		{SyntaxLLVM, "r0 = *(u32 *)(r1 + 4) + 1", `line 1: unexpected "+" after the instruction`},
	} {
		_, err := Assemble(c.text, c.syn)
		var se *SyntaxError
		if err == nil || !errors.As(err, &se) || err.Error() != c.want {
			name := c.text
			if len(name) > 40 {
				name = name[:40] + "..."
			}
			t.Errorf("%v %q: error %v, want %q", c.syn, name, err, c.want)
		}
	}
}

// Registers 11 to 15 assemble, as in the conformance suite, but do not
// validate.
func TestHighRegisters(t *testing.T) {
	for _, c := range []struct {
		syn  Syntax
		text string
	}{{SyntaxConformance, "mov %r11, 1\nexit"}, {SyntaxLLVM, "r11 = 1\nexit"}} {
		insns, err := Assemble(c.text, c.syn)
		if err != nil {
			t.Fatalf("%v: %v", c.syn, err)
		}
		if insns[0].Dst != 11 {
			t.Errorf("%v: dst = %d", c.syn, insns[0].Dst)
		}
		if err := insns.Validate(); !errors.Is(err, ErrInvalidInstruction) {
			t.Errorf("%v: Validate = %v", c.syn, err)
		}
	}
}

func TestCommentsAndBlankLines(t *testing.T) {
	for _, c := range []struct {
		syn  Syntax
		text string
	}{
		{SyntaxConformance, "# comment\n\n  mov %r0, 1 # trailing\r\n\texit ; also\n// line\n"},
		{SyntaxLLVM, "; comment\n\n  r0 = 1 // trailing\r\n\texit # also\n"},
	} {
		insns, err := Assemble(c.text, c.syn)
		if err != nil {
			t.Fatalf("%v: %v", c.syn, err)
		}
		if got, want := insns.Encode(), mustHex(t, "b7 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00"); !bytes.Equal(got, want) {
			t.Errorf("%v: got % x", c.syn, got)
		}
	}
	if insns, err := Assemble("", SyntaxLLVM); err != nil || len(insns) != 0 {
		t.Errorf("Assemble(\"\") = %v, %v", insns, err)
	}
}

func TestMustAssemblePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("MustAssemble did not panic")
		}
	}()
	MustAssemble("bogus", SyntaxLLVM)
}
