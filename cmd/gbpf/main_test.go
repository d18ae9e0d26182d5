package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/conformance"
	"github.com/gbpf/gbpf/internal/jit"
)

// gbpf runs the command line in-process and returns stdout, stderr and the
// exit status.
func cli(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := execute(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// hexArg writes bytes the way the bpf_conformance runner does: two hex
// digits and two spaces per byte.
func hexArg(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, "%02x  ", c)
	}
	return s.String()
}

func suiteDir(t *testing.T) string {
	dir := os.Getenv("GBPF_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance", "bpf_conformance", "tests")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("bpf_conformance suite not found at %s: %v", dir, err)
	}
	return dir
}

// TestPluginSuite drives conformance-plugin over the whole suite exactly
// as the suite's runner does: MEM as the first argument when the test has
// memory, runner options after it, the program as one hex line on stdin,
// and r0 parsed from stdout as hex.
func TestPluginSuite(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(suiteDir(t), "*.data"))
	passed := 0
	for _, f := range files {
		tc, err := conformance.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		insns, err := tc.Program()
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		var args []string
		args = append(args, "conformance-plugin")
		if len(tc.Mem) > 0 {
			args = append(args, hexArg(tc.Mem))
		}
		args = append(args, "--engine", "interp", "--some-runner-option")
		out, _, code := cli(t, hexArg(insns.Encode())+"\n", args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.Name, code, out)
			continue
		}
		got, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "0x")), 16, 64)
		if err != nil || got != tc.Result {
			t.Errorf("%s: output %q, want 0x%x", tc.Name, out, tc.Result)
			continue
		}
		passed++
	}
	t.Logf("conformance-plugin: %d passed, %d failed", passed, len(files)-passed)
}

func TestPluginErrors(t *testing.T) {
	// A read past the 2-byte memory: the error goes to stdout, exit 1.
	prog := asm.Instructions{{OpCode: asm.ClassLDX | asm.ModeMEM | asm.SizeW, Dst: 0, Src: 1}, {OpCode: asm.OpExit}}
	out, _, code := cli(t, hexArg(prog.Encode()), "conformance-plugin", "01  02  ")
	if code != 1 || !strings.Contains(out, "instruction 0") || !strings.Contains(out, "invalid memory access") {
		t.Errorf("memory fault: exit %d, output %q", code, out)
	}
	out, _, code = cli(t, "ff 00 00 00 00 00 00 00", "conformance-plugin")
	if code != 1 || !strings.Contains(out, "unknown opcode 0xff") {
		t.Errorf("bad opcode: exit %d, output %q", code, out)
	}
	loop := asm.Instructions{{OpCode: asm.OpJA, Offset: -1}}
	out, _, code = cli(t, hexArg(loop.Encode()), "conformance-plugin")
	if code != 1 || !strings.Contains(out, "budget") {
		t.Errorf("infinite loop: exit %d, output %q", code, out)
	}
	out, _, code = cli(t, "b7 00 00 00 07 00 00 00 95 00 00 00 00 00 00 00", "conformance-plugin", "--engine", "warp")
	if code != 1 || !strings.Contains(out, "unknown engine") {
		t.Errorf("bad engine: exit %d, output %q", code, out)
	}
}

// TestPluginBinary runs the built command as a separate process, as the
// suite's runner does, to check exit codes and output end to end.
func TestPluginBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gbpf binary")
	}
	bin := filepath.Join(t.TempDir(), "gbpf")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(stdin string, args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	// ldxb r0, [r1+2]; exit — over memory aa bb 11 cc dd.
	if out, code := run("71  10  02  00  00  00  00  00  95  00  00  00  00  00  00  00  \n", "conformance-plugin", "aa  bb  11  cc  dd  "); code != 0 || out != "0x11\n" {
		t.Errorf("ldxb: exit %d, output %q", code, out)
	}
	// mov r0, -1; exit, no memory and a runner option first.
	if out, code := run("b7 00 00 00 ff ff ff ff 95 00 00 00 00 00 00 00\n", "conformance-plugin", "--elf-ignored"); code != 0 || out != "0xffffffffffffffff\n" {
		t.Errorf("mov: exit %d, output %q", code, out)
	}
	// The suite's runner with --plugin_path gbpf --plugin_options
	// conformance-plugin puts the memory before the subcommand.
	if out, code := run("71 10 02 00 00 00 00 00 95 00 00 00 00 00 00 00\n", "aa  bb  11  cc  dd  ", "conformance-plugin", "--engine", "interp"); code != 0 || out != "0x11\n" {
		t.Errorf("memory first: exit %d, output %q", code, out)
	}
	if out, code := run("71 10 08 00 00 00 00 00 95 00 00 00 00 00 00 00\n", "conformance-plugin", "aa"); code != 1 || !strings.Contains(out, "invalid memory access") {
		t.Errorf("fault: exit %d, output %q", code, out)
	}
}

func TestConformanceCommand(t *testing.T) {
	out, _, code := cli(t, "", "conformance", suiteDir(t))
	if code != 0 || !strings.HasSuffix(out, "313 passed, 0 failed\n") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestAsmDisasmRoundTrip(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "checksum.bin")
	if _, errOut, code := cli(t, "", "asm", "../../examples/checksum.s", "-o", bin); code != 0 {
		t.Fatalf("asm: exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, syn := range []string{"llvm", "conformance"} {
		text, errOut, code := cli(t, "", "disasm", bin, "--syntax", syn)
		if code != 0 {
			t.Fatalf("disasm %s: exit %d: %s", syn, code, errOut)
		}
		src := filepath.Join(dir, syn+".s")
		if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		again := filepath.Join(dir, syn+".bin")
		if _, errOut, code := cli(t, "", "asm", src, "--syntax", syn, "-o", again); code != 0 {
			t.Fatalf("reassemble %s: exit %d: %s", syn, code, errOut)
		}
		got, _ := os.ReadFile(again)
		if !bytes.Equal(got, want) {
			t.Errorf("%s round trip changed the bytes:\n%s", syn, text)
		}
	}
}

func TestRun(t *testing.T) {
	out, errOut, code := cli(t, "", "run", "../../examples/checksum.s", "--data", "../../examples/ipv4-header.bin")
	if code != 0 || !strings.Contains(out, "r0:       0xb861") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	}
	out, _, code = cli(t, "", "run", "../../examples/checksum.s", "--data", "../../examples/ipv4-header.bin", "--json", "--repeat", "10")
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 {
		t.Fatalf("exit %d, bad JSON %v:\n%s", code, err, out)
	}
	for _, key := range []string{"program", "type", "engine", "retval", "data_out", "ctx_out", "duration_ns", "maps", "output"} {
		if _, ok := res[key]; !ok {
			t.Errorf("JSON lacks %q: %s", key, out)
		}
	}
	if res["retval"] != float64(0xb861) || res["program"] != "checksum" || res["engine"] != defaultEngine() {
		t.Errorf("JSON: %s", out)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	fault := filepath.Join(dir, "fault.s")
	os.WriteFile(fault, []byte("r0 = *(u64 *)(r1 + 0)\nexit\n"), 0o644)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run", filepath.Join(dir, "missing.s")}, 2, "gbpf: read"},
		{[]string{"run", fault}, 1, "gbpf: instruction 0: invalid memory access"},
		{[]string{"run", fault, "--json"}, 1, "gbpf: instruction 0"},
		{[]string{"run", fault, "--repeat", "0"}, 2, "gbpf: --repeat"},
		{[]string{"run", fault, "--engine", "warp"}, 2, "gbpf: engine"},
		{[]string{"disasm", fault, "--syntax", "nope"}, 2, "gbpf: "},
		{[]string{"run"}, 2, "gbpf: "},
		{[]string{"frobnicate"}, 2, "gbpf: "},
	}
	for _, c := range cases {
		out, errOut, code := cli(t, "", c.args...)
		if code != c.code || !strings.HasPrefix(errOut, c.msg) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d (want %d), stderr %q (want prefix %q), stdout %q", c.args, code, c.code, errOut, c.msg, out)
		}
	}
}

// TestRunJIT runs a raw program and an object with --engine jit: the same
// results as the interpreter, and the engine named in the JSON (the
// interpreter's, with a note, where the JIT cannot run).
func TestRunJIT(t *testing.T) {
	want := "jit"
	if jit.Available() != nil {
		want = "interp"
	}
	runs := [][]string{
		{"run", "../../examples/checksum.s", "--data", "../../examples/ipv4-header.bin", "--json", "--repeat", "3"},
		{"run", "../../examples/xdp_stats.o", "--data", "../../examples/ipv4-header.bin", "--json", "--repeat", "3"},
	}
	for _, args := range runs {
		var results [2]map[string]any
		for i, engine := range []string{"interp", "jit"} {
			out, errOut, code := cli(t, "", append(args, "--engine", engine)...)
			if err := json.Unmarshal([]byte(out), &results[i]); err != nil || code != 0 {
				t.Fatalf("%v --engine %s: exit %d, bad JSON %v:\n%s\n%s", args, engine, code, err, out, errOut)
			}
			if engine == "jit" && (results[i]["engine"] != want || (want == "interp") != strings.Contains(errOut, "note:")) {
				t.Errorf("--engine jit: engine %v, stderr %q", results[i]["engine"], errOut)
			}
			delete(results[i], "engine")
			delete(results[i], "duration_ns")
		}
		a, _ := json.Marshal(results[0])
		b, _ := json.Marshal(results[1])
		if !bytes.Equal(a, b) {
			t.Errorf("%v: interp and jit differ:\n%s\n%s", args, a, b)
		}
	}
	out, errOut, code := cli(t, "", "xdp", "../../examples/xdp_stats.o", "--pcap", "../../examples/traffic.pcap", "--json", "--engine", "jit")
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res["engine"] != want {
		t.Fatalf("xdp --engine jit: exit %d, %v:\n%s\n%s", code, err, out, errOut)
	}
}

// TestDisasmJIT lists the x86-64 code under each BPF instruction.
func TestDisasmJIT(t *testing.T) {
	out, errOut, code := cli(t, "", "disasm", "../../examples/xdp_stats.o", "--jit")
	if code != 0 || !strings.Contains(out, "bytes of x86-64 code") || !strings.Contains(out, "ret") || !strings.Contains(out, "; xdp_stats:") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}
