package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SuiteDir returns the bpf_conformance tests directory: $GBPF_CONFORMANCE_DIR,
// or ../shared/conformance beside the repository. It skips the test when
// the suite is absent, as on a user's clone.
func suiteDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GBPF_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance", "bpf_conformance", "tests")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("bpf_conformance suite not found at %s (set GBPF_CONFORMANCE_DIR to run it): %v", dir, err)
	}
	return dir
}

func TestSuiteInterpreter(t *testing.T) {
	dir := suiteDir(t)
	outcomes, err := RunDir(dir, Interpreter)
	if err != nil {
		t.Fatal(err)
	}
	passed := 0
	for _, o := range outcomes {
		t.Run(o.Name, func(t *testing.T) {
			if !o.Passed {
				t.Error(o.Detail)
			}
		})
		if o.Passed {
			passed++
		}
	}
	t.Logf("conformance through the interpreter: %d passed, %d failed", passed, len(outcomes)-passed)
	if len(outcomes) != 313 {
		t.Errorf("found %d tests, the suite has 313", len(outcomes))
	}
}

func TestParse(t *testing.T) {
	const file = `# comment
-- asm
mov %r0, 1 # trailing comment
exit
-- mem
aa  bb
11
-- result
0x1
`
	tc, err := Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if tc.Asm != "mov %r0, 1 \nexit\n" || string(tc.Mem) != "\xaa\xbb\x11" || !tc.HasResult || tc.Result != 1 {
		t.Fatalf("parsed %+v", tc)
	}
	for _, c := range []struct {
		text string
		want uint64
	}{{"-1", 1<<64 - 1}, {"0", 0}, {"0xffffffffffffffff", 1<<64 - 1}, {"12", 12}} {
		tc, err := Parse(strings.NewReader("-- asm\nexit\n-- result\n" + c.text + "\n"))
		if err != nil || tc.Result != c.want {
			t.Errorf("result %q: got %#x, %v; want %#x", c.text, tc.Result, err, c.want)
		}
	}
	if _, err := Parse(strings.NewReader("-- options\n")); err == nil {
		t.Error("unknown directive accepted")
	}
	tc, err = Parse(strings.NewReader("-- raw\n0x5566778800000018 0x1122334400000000\n0x95\n-- result\n0x1122334455667788\n"))
	if err != nil {
		t.Fatal(err)
	}
	insns, err := tc.Program()
	if err != nil || len(insns) != 3 || !insns[0].IsLoadImm64() {
		t.Fatalf("raw program: %v, %v", insns, err)
	}
	if o := tc.Check(Interpreter); !o.Passed {
		t.Fatalf("raw program: %s", o.Detail)
	}
}
