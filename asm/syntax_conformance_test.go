package asm

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConformanceSyntaxTable(t *testing.T) {
	runAsmTable(t, SyntaxConformance, []asmCase{
		{"mov32 %r0, 1", "b4 00 00 00 01 00 00 00", ""},
		{"mov %r0, 1", "b7 00 00 00 01 00 00 00", ""},
		{"mov64 %r0, 1", "b7 00 00 00 01 00 00 00", "mov %r0, 1"},
		{"mov %r0, %r1", "bf 10 00 00 00 00 00 00", ""},
		{"add %r0, %r1", "0f 10 00 00 00 00 00 00", ""},
		{"add32 %r2, -1", "04 02 00 00 ff ff ff ff", ""},
		{"sub %r1, 0xffffffff", "17 01 00 00 ff ff ff ff", "sub %r1, -1"},
		{"mul %r1, 0x10", "27 01 00 00 10 00 00 00", "mul %r1, 16"},
		{"div32 %r0, %r1", "3c 10 00 00 00 00 00 00", ""},
		{"sdiv32 %r0, -3", "34 00 01 00 fd ff ff ff", ""},
		{"smod %r0, %r1", "9f 10 01 00 00 00 00 00", ""},
		{"or %r0, %r9", "4f 90 00 00 00 00 00 00", ""},
		{"and32 %r0, 7", "54 00 00 00 07 00 00 00", ""},
		{"lsh %r0, 60", "67 00 00 00 3c 00 00 00", ""},
		{"rsh32 %r0, %r1", "7c 10 00 00 00 00 00 00", ""},
		{"mod %r0, 3", "97 00 00 00 03 00 00 00", ""},
		{"xor32 %r0, %r1", "ac 10 00 00 00 00 00 00", ""},
		{"arsh %r0, -1", "c7 00 00 00 ff ff ff ff", ""},
		{"movsx864 %r0, %r1", "bf 10 08 00 00 00 00 00", ""},
		{"movsx1664 %r0, %r1", "bf 10 10 00 00 00 00 00", ""},
		{"movsx3264 %r0, %r1", "bf 10 20 00 00 00 00 00", ""},
		{"movsx832 %r2, %r3", "bc 32 08 00 00 00 00 00", ""},
		{"movsx1632 %r2, %r3", "bc 32 10 00 00 00 00 00", ""},
		{"neg %r0", "87 00 00 00 00 00 00 00", ""},
		{"neg32 %r3", "84 03 00 00 00 00 00 00", ""},
		{"be16 %r0", "dc 00 00 00 10 00 00 00", ""},
		{"be64 %r0", "dc 00 00 00 40 00 00 00", ""},
		{"le32 %r0", "d4 00 00 00 20 00 00 00", ""},
		{"bswap64 %r0", "d7 00 00 00 40 00 00 00", ""},
		{"swap16 %r1", "d7 01 00 00 10 00 00 00", "bswap16 %r1"},
		{"ldxw %r0, [%r1+2]", "61 10 02 00 00 00 00 00", ""},
		{"ldxb %r0, [%r1]", "71 10 00 00 00 00 00 00", ""},
		{"ldxb %r0, [%r1+0]", "71 10 00 00 00 00 00 00", "ldxb %r0, [%r1]"},
		{"ldxdw %r0, [%r10-8]", "79 a0 f8 ff 00 00 00 00", ""},
		{"ldxh %r0, [%r1-0x10]", "69 10 f0 ff 00 00 00 00", "ldxh %r0, [%r1-16]"},
		{"ldxh %r0, [ %r1 + 0x2 ]", "69 10 02 00 00 00 00 00", "ldxh %r0, [%r1+2]"},
		{"ldxh r0,[r1+2]", "69 10 02 00 00 00 00 00", "ldxh %r0, [%r1+2]"},
		{"ldxsb %r0, [%r1+1]", "91 10 01 00 00 00 00 00", ""},
		{"ldxsh %r0, [%r1+1]", "89 10 01 00 00 00 00 00", ""},
		{"ldxsw %r0, [%r1+1]", "81 10 01 00 00 00 00 00", ""},
		{"stxdw [%r10-8], %r1", "7b 1a f8 ff 00 00 00 00", ""},
		{"stxb [%r1+2], %r3", "73 31 02 00 00 00 00 00", ""},
		{"stb [%r1+2], 0x11", "72 01 02 00 11 00 00 00", "stb [%r1+2], 17"},
		{"sth [%r1+2], 1", "6a 01 02 00 01 00 00 00", ""},
		{"stw [%r10-4], -1", "62 0a fc ff ff ff ff ff", ""},
		{"stdw [%r1-32768], 1", "7a 01 00 80 01 00 00 00", ""},
		{"lddw %r0, 0x1122334455667788", "18 00 00 00 88 77 66 55 00 00 00 00 44 33 22 11", ""},
		{"lddw %r0, -1", "18 00 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff", "lddw %r0, 0xffffffffffffffff"},
		{"lddw %r0, 18446744073709551615", "18 00 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff", "lddw %r0, 0xffffffffffffffff"},
		{"lddw %r0, 0", "18 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "lddw %r0, 0x0"},
		{"jeq %r1, 0x2, +3", "15 01 03 00 02 00 00 00", "jeq %r1, 2, +3"},
		{"jne32 %r1, %r2, +3", "5e 21 03 00 00 00 00 00", ""},
		{"jsle %r1, -1, -2", "d5 01 fe ff ff ff ff ff", ""},
		{"jset %r1, 4, +0", "45 01 00 00 04 00 00 00", ""},
		{"jgt %r1, %r2, 1", "2d 21 01 00 00 00 00 00", "jgt %r1, %r2, +1"},
		{"jslt32 %r1, 5, -1", "c6 01 ff ff 05 00 00 00", ""},
		{"ja +1", "05 00 01 00 00 00 00 00", ""},
		{"ja32 -1", "06 00 00 00 ff ff ff ff", ""},
		{"call 5", "85 00 00 00 05 00 00 00", ""},
		{"call helper 5", "85 00 00 00 05 00 00 00", "call 5"},
		{"call %r2", "8d 02 00 00 00 00 00 00", ""},
		{"call local +2", "85 10 00 00 02 00 00 00", ""},
		{"call local -7", "85 10 00 00 f9 ff ff ff", ""},
		{"call runtime 7", "85 20 00 00 07 00 00 00", ""},
		{"call runtime 7, 2", "85 20 02 00 07 00 00 00", ""},
		{"exit", "95 00 00 00 00 00 00 00", ""},
		{"lock add [%r10-8], %r1", "db 1a f8 ff 00 00 00 00", ""},
		{"lock fetch add32 [%r10-8], %r1", "c3 1a f8 ff 01 00 00 00", ""},
		{"lock xchg [%r1], %r2", "db 21 00 00 e1 00 00 00", ""},
		{"lock fetch xchg [%r1], %r2", "db 21 00 00 e1 00 00 00", "lock xchg [%r1], %r2"},
		{"lock cmpxchg32 [%r1+4], %r2", "c3 21 04 00 f1 00 00 00", ""},
		{"lock fetch or [%r1], %r2", "db 21 00 00 41 00 00 00", ""},
		{"lock and32 [%r1], %r2", "c3 21 00 00 50 00 00 00", ""},
		{"lock fetch xor [%r1], %r2", "db 21 00 00 a1 00 00 00", ""},
		{"lock or64 [%r1], %r2", "db 21 00 00 40 00 00 00", "lock or [%r1], %r2"},
		{"lddw %r1, map_fd 5", "18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00", ""},
		{"lddw %r1, map_value 5 16", "18 21 00 00 05 00 00 00 00 00 00 00 10 00 00 00", ""},
		{"lddw %r1, map_value 5, -16", "18 21 00 00 05 00 00 00 00 00 00 00 f0 ff ff ff", "lddw %r1, map_value 5 -16"},
		{"lddw %r1, btf_id 7", "18 31 00 00 07 00 00 00 00 00 00 00 00 00 00 00", ""},
		{"lddw %r1, func +3", "18 41 00 00 03 00 00 00 00 00 00 00 00 00 00 00", ""},
		{"lddw %r1, map_idx 0", "18 51 00 00 00 00 00 00 00 00 00 00 00 00 00 00", ""},
		{"lddw %r1, map_idx_value 0 8", "18 61 00 00 00 00 00 00 00 00 00 00 08 00 00 00", ""},
		{"ldabsb 12", "30 00 00 00 0c 00 00 00", ""},
		{"ldabsh 12", "28 00 00 00 0c 00 00 00", ""},
		{"ldabsw -1", "20 00 00 00 ff ff ff ff", ""},
		{"ldindb %r1, 12", "50 10 00 00 0c 00 00 00", ""},
		{"ldindh %r1, 12", "48 10 00 00 0c 00 00 00", ""},
		{"ldindw %r1, 12", "40 10 00 00 0c 00 00 00", ""},
		{".insn 0x0000000000000095", "95 00 00 00 00 00 00 00", "exit"},
		{".insn 0xffffffffffffffff", "ff ff ff ff ff ff ff ff", ""},
		{"mov %r11, 1", "b7 0b 00 00 01 00 00 00", ""},
		{"mov %r15, %r15", "bf ff 00 00 00 00 00 00", ""},
	})
}

// conformanceDir holds the bpf_conformance suite's tests, shared between
// the project's worktrees.
var conformanceDir = filepath.Join("..", "..", "shared", "conformance", "bpf_conformance", "tests")

// conformanceAsm returns the "-- asm" section of a .data file, read with
// the suite's own parser rules: everything from "#" is cut, and any line
// containing "--" starts a section.
func conformanceAsm(t testing.TB, path string) string {
	t.Helper()
	text, err := readConformanceAsm(path)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func readConformanceAsm(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	inAsm := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if strings.Contains(line, "--") {
			inAsm = strings.Contains(line, "asm")
			continue
		}
		if inAsm {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String(), sc.Err()
}

func conformanceFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.data"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no conformance tests in %s (the shared bpf_conformance checkout is absent)", conformanceDir)
	}
	return files
}

// Every "-- asm" section of the conformance suite assembles, and its
// disassembly in either syntax assembles back to the same bytes.
func TestConformanceSuiteAssembles(t *testing.T) {
	files := conformanceFiles(t)
	for _, path := range files {
		text := conformanceAsm(t, path)
		insns, err := Assemble(text, SyntaxConformance)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
			continue
		}
		if len(insns) == 0 {
			t.Errorf("%s: no instructions", filepath.Base(path))
			continue
		}
		for _, syn := range syntaxes {
			out := checkRoundTrip(t, insns, syn)
			if strings.Contains(out, ".insn") {
				t.Errorf("%s: %v disassembly fell back to raw slots:\n%s", filepath.Base(path), syn, out)
			}
		}
	}
	t.Logf("%d files", len(files))
}

// lddw.data carries a "-- raw" section too: the asm must match it.
func TestConformanceRawMatchesAsm(t *testing.T) {
	conformanceFiles(t)
	insns, err := Assemble(conformanceAsm(t, filepath.Join(conformanceDir, "lddw.data")), SyntaxConformance)
	if err != nil {
		t.Fatal(err)
	}
	raw := Instructions{FromWord(0x5566778800000018), FromWord(0x1122334400000000), FromWord(0x0000000000000095)}
	if !bytes.Equal(insns.Encode(), raw.Encode()) {
		t.Errorf("lddw.data: asm gives %x, raw is %x", insns.Encode(), raw.Encode())
	}
}
