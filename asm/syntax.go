package asm

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Syntax selects one of the two text forms of eBPF assembly that Assemble
// reads and Disassemble writes.
//
// Both syntaxes share these rules: one instruction per line; a line may
// start with one or more labels ("name:"); comments run from "#", ";" or
// "//" to the end of the line; numbers are signed decimal or 0x hex; jump
// and call targets are labels or relative slot offsets written +N or -N.
// Both accept the raw slot directive ".insn 0x0123456789abcdef", whose
// operand is the slot as a 64-bit little-endian word (Instruction.Word),
// so the low byte is the opcode. The disassembler uses it for any slot its
// syntax cannot express, which makes its output reassemble to the same
// bytes for every input, malformed or not.
type Syntax int

const (
	// SyntaxLLVM is the C-like syntax that llvm-objdump prints for BPF and
	// clang's BPF assembler reads (the strings of LLVM's BPFInstrInfo.td).
	// rN names a register as 64 bits and wN as 32 bits; the width picks the
	// ALU or ALU64 class, and JMP or JMP32. Immediates print as signed
	// decimal, except lddw's, in hex; hex and decimal are accepted on input.
	// Lines as llvm-objdump prints them, "  12:\t85 00 00 00 05 00 00 00\tcall 5",
	// are accepted: the address and bytes are dropped, "goto +3 <LBB0_2>"
	// loses its "<...>", and a symbol heading "0000000000000000 <entry>:"
	// becomes the label "entry".
	//
	//	r0 = 1; w0 = w1; r0 += 1; w0 -= w1; *= /= s/= %= s%= |= &= ^= <<= >>= s>>=
	//	r0 = -r0; r0 = (s8)r1; r0 = (s16)r1; r0 = (s32)r1; w0 = (s8)w1
	//	r0 = be16 r0; r0 = le32 r0; r0 = bswap64 r0
	//	r1 = 0x1122334455667788 ll
	//	r0 = *(u32 *)(r1 + 4); r0 = *(s16 *)(r1 - 2)
	//	*(u64 *)(r10 - 8) = r1; *(u32 *)(r10 - 8) = 5
	//	if r1 > r2 goto +2; if w1 s< 5 goto -3; == != > >= < <= s> s>= s< s<= &
	//	goto +5; gotol +5; call 5; callx r2; exit
	//	lock *(u64 *)(r10 - 8) += r1  (and &= |= ^=)
	//	r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)  (and _and _or _xor)
	//	r1 = xchg_64(r10 - 8, r1); w1 = xchg32_32(r10 - 8, w1)
	//	r0 = cmpxchg_64(r10 - 8, r0, r1); w0 = cmpxchg32_32(r10 - 8, w0, w1)
	//
	// Jump and call targets may also be labels ("goto out"). Where LLVM has no
	// spelling of its own, gbpf uses these:
	//
	//	call pc+3, call pc-3          local (bpf-to-bpf) call; llvm-objdump
	//	                              prints "call -1", which reads as a helper
	//	call kfunc 1234               kfunc call; "call kfunc 1234, 2" with a
	//	                              nonzero offset (module BTF index)
	//	r1 = map_fd(5) ll             lddw with src 1..6; the parenthesized
	//	r1 = map_value(5) + 16 ll     number is the low immediate (a target for
	//	r1 = btf_id(7) ll             func), "+ N" the high one
	//	r1 = func(+3) ll
	//	r1 = map_idx(0) ll
	//	r1 = map_idx_value(0) + 8 ll
	//	r0 = *(u8 *)skb[12]           LD_ABS (as LLVM prints it)
	//	r0 = *(u16 *)skb[r1 + 12]     LD_IND (LLVM prints no immediate)
	//	.insn 0x0000000000000095      one raw slot
	SyntaxLLVM Syntax = iota

	// SyntaxConformance is the mnemonic syntax of the bpf_conformance suite's
	// assembler (itself uBPF's): "mnemonic operand, operand, ...", registers
	// %r0 to %r10 (%r11 to %r15 are accepted for negative tests), memory
	// operands [%r1+2], [%r1-0x10] or [%r1], and "exit" predefined as a label
	// for the first exit instruction. Every "-- asm" section of the suite
	// assembles. gbpf is more lenient than the suite: spaces may appear inside
	// operands ("[%r1 + 2]"), the "%" of a register and the commas between
	// operands are optional, and immediates may be negative hex.
	//
	// Instruction forms (a 32 suffix selects the 32-bit class, none or 64 the
	// 64-bit one):
	//
	//	add sub mul div or and lsh rsh mod xor mov arsh  dst, src|imm
	//	sdiv smod                                         dst, src|imm  (offset 1)
	//	movsx864 movsx1664 movsx3264 movsx832 movsx1632   dst, src      (offset 8/16/32)
	//	neg                                               dst
	//	le16 le32 le64 be16 be32 be64                     dst           (0xd4, 0xdc)
	//	bswap16 bswap32 bswap64 (or swapNN)               dst           (0xd7)
	//	ldxb ldxh ldxw ldxdw ldxsb ldxsh ldxsw            dst, [src+off]
	//	stb sth stw stdw                                  [dst+off], imm
	//	stxb stxh stxw stxdw                              [dst+off], src
	//	lddw                                              dst, imm64
	//	jeq jgt jge jset jne jsgt jsge jlt jle jslt jsle  dst, src|imm, target
	//	ja target; ja32 target (0x06, the offset in imm)
	//	call N (or call helper N); call %rN (callx); call local target; call runtime N
	//	lock [fetch] add|and|or|xor [dst+off], src; lock xchg|cmpxchg [dst+off], src
	//	exit
	//
	// Extensions, so that every instruction form can be written:
	//
	//	lddw %r1, map_fd 5            lddw src 1..6: map_fd, map_value, btf_id,
	//	lddw %r1, map_value 5 16      func, map_idx, map_idx_value; the first
	//	lddw %r1, func +3             number is the low immediate (func takes a
	//	lddw %r1, map_idx_value 0 8   target), the optional second the high one
	//	ldabsb 12, ldabsh, ldabsw     legacy packet loads (uBPF spelling)
	//	ldindb %r1, 12, ldindh, ...
	//	call runtime 7, 2             kfunc call with a nonzero offset (the
	//	                              index of the module BTF)
	//	.insn 0x0000000000000095      one raw slot
	SyntaxConformance
)

var syntaxNames = [...]string{SyntaxLLVM: "llvm", SyntaxConformance: "conformance"}

func (s Syntax) String() string {
	if s >= 0 && int(s) < len(syntaxNames) {
		return syntaxNames[s]
	}
	return "Syntax(" + strconv.Itoa(int(s)) + ")"
}

// ParseSyntax returns the syntax called name: "llvm" or "conformance".
func ParseSyntax(name string) (Syntax, error) {
	for s, n := range syntaxNames {
		if n == name {
			return Syntax(s), nil
		}
	}
	return 0, fmt.Errorf("unknown assembly syntax %q (want \"llvm\" or \"conformance\")", name)
}

func (s Syntax) valid() bool { return s == SyntaxLLVM || s == SyntaxConformance }

// SyntaxError is an assembly error, located by its 1-based line number.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Assemble parses a whole program text into instruction slots. A lddw
// yields two slots. Registers r11 to r15 are accepted, as the conformance
// suite's assembler accepts them for its negative tests: Validate rejects
// them. Errors in the text are *SyntaxError values naming the line.
func Assemble(text string, syn Syntax) (Instructions, error) {
	if !syn.valid() {
		return nil, fmt.Errorf("unknown assembly syntax %v", syn)
	}
	var (
		insns     Instructions
		fixups    []stmt             // statements that refer to a label
		labels    = map[string]int{} // name -> slot index
		labelLine = map[string]int{}
		firstExit = -1
	)
	for i, raw := range strings.Split(text, "\n") {
		lineNo := i + 1
		line := stripComment(raw)
		if syn == SyntaxLLVM {
			var sym string
			line, sym = stripObjdump(line)
			if sym != "" {
				line = sym + ":" + line
			}
		}
		for {
			name, rest, ok := cutLabel(line)
			if !ok {
				break
			}
			if first, dup := labelLine[name]; dup {
				return nil, &SyntaxError{Line: lineNo, Msg: fmt.Sprintf("duplicate label %q (first defined on line %d)", name, first)}
			}
			labels[name], labelLine[name] = len(insns), lineNo
			line = rest
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		st, err := parseLine(line, syn)
		if err != nil {
			return nil, &SyntaxError{Line: lineNo, Msg: err.Error()}
		}
		st.line, st.pc = lineNo, len(insns)
		if firstExit < 0 && len(st.slots) == 1 && st.slots[0].OpCode == OpExit {
			firstExit = st.pc
		}
		insns = append(insns, st.slots...)
		if st.target != "" {
			fixups = append(fixups, st)
		}
	}
	// The conformance suite predefines "exit" as the first exit instruction.
	if _, ok := labels["exit"]; !ok && syn == SyntaxConformance && firstExit >= 0 {
		labels["exit"] = firstExit
	}
	for _, st := range fixups {
		target, ok := labels[st.target]
		if !ok {
			return nil, &SyntaxError{Line: st.line, Msg: fmt.Sprintf("undefined label %q", st.target)}
		}
		rel := int64(target) - int64(st.pc) - 1
		ins := &insns[st.pc]
		if st.immTarget {
			ins.Imm = int32(rel) // programs are far shorter than 2^31 slots
			continue
		}
		if rel < -1<<15 || rel >= 1<<15 {
			return nil, &SyntaxError{Line: st.line, Msg: fmt.Sprintf("label %q is %d slots away, out of range for a 16-bit jump offset", st.target, rel)}
		}
		ins.Offset = int16(rel)
	}
	return insns, nil
}

// MustAssemble is like Assemble but panics on error. It is meant for
// programs written into tests and examples.
func MustAssemble(text string, syn Syntax) Instructions {
	insns, err := Assemble(text, syn)
	if err != nil {
		panic("asm: " + err.Error())
	}
	return insns
}

// Disassemble formats a program in the given syntax, one instruction per
// line (a lddw is one line for its two slots). Jumps print relative
// offsets, never labels, so that every line stands alone. The text
// reassembles to exactly the same slots for any input: whatever the syntax
// cannot express is printed as a ".insn" raw slot.
func Disassemble(insns Instructions, syn Syntax) string {
	var b strings.Builder
	for pc := 0; pc < len(insns); {
		text, width := FormatInstruction(insns, pc, syn)
		b.WriteString(text)
		b.WriteByte('\n')
		pc += width
	}
	return b.String()
}

// FormatInstruction formats the instruction at insns[pc] in the given
// syntax and returns the text and the number of slots it covers: 2 for a
// lddw formatted with its second slot, else 1. Assembling the text yields
// exactly those slots. It returns "", 0 if pc is out of range.
func FormatInstruction(insns Instructions, pc int, syn Syntax) (text string, width int) {
	if pc < 0 || pc >= len(insns) {
		return "", 0
	}
	ins := insns[pc]
	var next *Instruction
	if pc+1 < len(insns) {
		next = &insns[pc+1]
	}
	var ok bool
	switch syn {
	case SyntaxLLVM:
		text, width, ok = formatLLVM(ins, next)
	case SyntaxConformance:
		text, width, ok = formatConformance(ins, next)
	}
	// The formatters print what the opcode means and may drop fields it
	// does not use; reassembling proves nothing was lost.
	if ok && reproduces(text, syn, insns[pc:pc+width]) {
		return text, width
	}
	return insnDirective(ins), 1
}

// String formats the single slot in LLVM syntax. A lddw is shown with a
// zero second slot, that is with only its low 32 bits.
func (ins Instruction) String() string {
	text, _ := FormatInstruction(Instructions{ins, {}}, 0, SyntaxLLVM)
	return text
}

func reproduces(text string, syn Syntax, want Instructions) bool {
	got, err := Assemble(text, syn)
	if err != nil || len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func insnDirective(ins Instruction) string { return fmt.Sprintf(".insn 0x%016x", ins.Word()) }

// stmt is one assembled line.
type stmt struct {
	slots     []Instruction
	target    string // label whose relative offset the first slot needs, or ""
	immTarget bool   // the offset goes in Imm (ja32, local call, lddw func) rather than Offset
	line, pc  int
}

func one(ins Instruction) stmt { return stmt{slots: []Instruction{ins}} }

// setTarget points the statement's first slot at a label or at a relative
// offset already known.
func (st *stmt) setTarget(label string, rel number, inImm bool) error {
	if label != "" {
		st.target, st.immTarget = label, inImm
		return nil
	}
	if inImm {
		v, err := rel.rel32()
		st.slots[0].Imm = v
		return err
	}
	v, err := rel.off16()
	st.slots[0].Offset = v
	return err
}

func parseLine(line string, syn Syntax) (stmt, error) {
	toks, err := lex(line)
	if err != nil {
		return stmt{}, err
	}
	p := &parser{toks: toks}
	if p.accept(".insn") {
		n, err := p.number()
		if err != nil {
			return stmt{}, err
		}
		w, err := n.imm64()
		if err != nil {
			return stmt{}, err
		}
		return one(FromWord(w)), p.done()
	}
	if syn == SyntaxConformance {
		return parseConformance(p)
	}
	return parseLLVM(p)
}

// stripComment drops everything from the first "#", ";" or "//".
func stripComment(line string) string {
	if i := strings.IndexAny(line, "#;"); i >= 0 {
		line = line[:i]
	}
	if i := strings.Index(line, "//"); i >= 0 {
		line = line[:i]
	}
	return line
}

var (
	// "  12:\t85 00 00 00 05 00 00 00\tcall 5" as llvm-objdump prints it.
	objdumpInsn = regexp.MustCompile(`^\s*[0-9]+:[ \t]*(?:[0-9a-fA-F]{2}[ \t]+)*`)
	// "0000000000000000 <entry>:", a symbol heading.
	objdumpSym = regexp.MustCompile(`^\s*[0-9a-fA-F]+\s+<([A-Za-z_.$][A-Za-z0-9_.$]*)>:\s*$`)
	// "goto +3 <LBB0_2>", the target's symbol after a jump.
	objdumpTarget = regexp.MustCompile(`\s*<[^<>]*>\s*$`)
)

// stripObjdump removes what llvm-objdump adds around an instruction, and
// turns a symbol heading into a label name.
func stripObjdump(line string) (rest, label string) {
	if m := objdumpSym.FindStringSubmatch(line); m != nil {
		return "", m[1]
	}
	line = objdumpInsn.ReplaceAllLiteralString(line, "")
	return objdumpTarget.ReplaceAllLiteralString(line, ""), ""
}

// cutLabel splits "name: rest" into its label and the rest of the line.
func cutLabel(line string) (name, rest string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i < 0 {
		return "", line, false
	}
	name = strings.TrimSpace(line[:i])
	if !isLabel(name) {
		return "", line, false
	}
	return name, line[i+1:], true
}

func isLabel(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '$'
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokNum
	tokPunct
)

type token struct {
	kind tokKind
	text string
}

func (t token) String() string {
	if t.kind == tokEOF {
		return "end of line"
	}
	return strconv.Quote(t.text)
}

// puncts lists the operators of both syntaxes, longest first so that
// lexing is greedy.
var puncts = []string{
	">>=", "<<=",
	"==", "!=", ">=", "<=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=",
	"=", ">", "<", "&", "+", "-", "*", "/", "%", "|", "^", "(", ")", "[", "]", ",",
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f':
			i++
			continue
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, token{tokIdent, s[i:j]})
			i = j
			continue
		case isDigit(c):
			j := i + 1
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, token{tokNum, s[i:j]})
			i = j
			continue
		}
		found := false
		for _, p := range puncts {
			if strings.HasPrefix(s[i:], p) {
				toks = append(toks, token{tokPunct, p})
				i += len(p)
				found = true
				break
			}
		}
		if !found {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, fmt.Errorf("unexpected character %q", r)
		}
	}
	return toks, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{}
}

func (p *parser) peekAt(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return token{}
}

func (p *parser) next() token {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

// is reports whether the next token is the identifier or operator text.
func (p *parser) is(text string) bool {
	t := p.peek()
	return t.kind != tokEOF && t.kind != tokNum && t.text == text
}

func (p *parser) accept(text string) bool {
	if p.is(text) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(text string) error {
	if p.accept(text) {
		return nil
	}
	return fmt.Errorf("expected %q, found %v", text, p.peek())
}

// done checks that the whole line was consumed.
func (p *parser) done() error {
	if t := p.peek(); t.kind != tokEOF {
		return fmt.Errorf("unexpected %v after the instruction", t)
	}
	return nil
}

// number is a parsed integer literal with its sign kept apart, so that
// each use can apply its own range.
type number struct {
	neg  bool
	mag  uint64
	text string
}

func (n number) String() string { return n.text }

// atNumber reports whether a number (possibly signed) starts here.
func (p *parser) atNumber() bool {
	if p.peek().kind == tokNum {
		return true
	}
	return (p.is("-") || p.is("+")) && p.peekAt(1).kind == tokNum
}

// number reads an optionally signed decimal or 0x-hex literal.
func (p *parser) number() (number, error) {
	var n number
	if p.accept("-") {
		n.neg = true
		n.text = "-"
	} else if p.accept("+") {
		n.text = "+"
	}
	t := p.next()
	if t.kind != tokNum {
		return n, fmt.Errorf("expected a number, found %v", t)
	}
	n.text += t.text
	var err error
	if len(t.text) > 2 && (t.text[:2] == "0x" || t.text[:2] == "0X") {
		n.mag, err = strconv.ParseUint(t.text[2:], 16, 64)
	} else {
		n.mag, err = strconv.ParseUint(t.text, 10, 64)
	}
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return n, fmt.Errorf("number %s out of 64-bit range", n.text)
		}
		return n, fmt.Errorf("bad number %q", t.text)
	}
	return n, nil
}

// imm32 accepts -2^31 to 2^32-1: unsigned values such as 0xffffffff are
// the bit pattern of a negative immediate.
func (n number) imm32() (int32, error) {
	if n.neg {
		if n.mag > 1<<31 {
			return 0, fmt.Errorf("immediate %s out of 32-bit range", n.text)
		}
		return int32(-int64(n.mag)), nil
	}
	if n.mag > 1<<32-1 {
		return 0, fmt.Errorf("immediate %s out of 32-bit range", n.text)
	}
	return int32(uint32(n.mag)), nil
}

// rel32 accepts a signed 32-bit relative offset.
func (n number) rel32() (int32, error) {
	if n.neg && n.mag <= 1<<31 {
		return int32(-int64(n.mag)), nil
	}
	if !n.neg && n.mag < 1<<31 {
		return int32(n.mag), nil
	}
	return 0, fmt.Errorf("offset %s out of 32-bit range", n.text)
}

// off16 accepts a signed 16-bit offset.
func (n number) off16() (int16, error) {
	if n.neg && n.mag <= 1<<15 {
		return int16(-int64(n.mag)), nil
	}
	if !n.neg && n.mag < 1<<15 {
		return int16(n.mag), nil
	}
	return 0, fmt.Errorf("offset %s out of 16-bit range", n.text)
}

// imm64 accepts -2^63 to 2^64-1.
func (n number) imm64() (uint64, error) {
	if n.neg {
		if n.mag > 1<<63 {
			return 0, fmt.Errorf("immediate %s out of 64-bit range", n.text)
		}
		return -n.mag, nil
	}
	return n.mag, nil
}

// target reads a jump or call target: a label, or a relative offset +N,
// -N or N.
// jump parses the target of an unconditional jump op (goto, gotol,
// may_goto): a label or a relative offset, 32 bits wide for gotol.
func (p *parser) jump(op OpCode) (stmt, error) {
	st := one(Instruction{OpCode: op})
	label, rel, err := p.target()
	if err != nil {
		return st, err
	}
	if err := st.setTarget(label, rel, op == OpJA32); err != nil {
		return st, err
	}
	return st, p.done()
}

func (p *parser) target() (label string, rel number, err error) {
	if t := p.peek(); t.kind == tokIdent {
		p.next()
		return t.text, number{}, nil
	}
	if !p.atNumber() {
		return "", number{}, fmt.Errorf("expected a label or a relative offset such as +2, found %v", p.peek())
	}
	rel, err = p.number()
	return "", rel, err
}

// parseRegNum parses the number of "r7" (prefix "r") or "w7" (prefix "w"),
// 0 to 15.
func parseRegNum(s, prefix string) (Register, bool) {
	d, ok := strings.CutPrefix(s, prefix)
	if !ok || d == "" || len(d) > 2 || (len(d) == 2 && d[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(d)
	if err != nil || n > 15 {
		return 0, false
	}
	return Register(n), true
}

// Size names shared by both syntaxes' tables.
var sizeSuffix = map[OpCode]string{SizeB: "b", SizeH: "h", SizeW: "w", SizeDW: "dw"}

// fmtRel prints a relative target: +N or -N.
func fmtRel[T int16 | int32](v T) string {
	if v < 0 {
		return strconv.FormatInt(int64(v), 10)
	}
	return "+" + strconv.FormatInt(int64(v), 10)
}

// Names of the lddw pseudo sources (src 1 to 6), shared by both syntaxes.
var pseudoNames = [...]string{
	PseudoMapFD:       "map_fd",
	PseudoMapValue:    "map_value",
	PseudoBTFID:       "btf_id",
	PseudoFunc:        "func",
	PseudoMapIdx:      "map_idx",
	PseudoMapIdxValue: "map_idx_value",
}

func pseudoByName(name string) (Register, bool) {
	for src, n := range pseudoNames {
		if n != "" && n == name {
			return Register(src), true
		}
	}
	return 0, false
}
