package jit

import (
	"flag"
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// childEnv names the test a child process runs for real.
const childEnv = "GBPF_JIT_CHILD"

// isolated runs the calling top-level test (or fuzz target's seeds) in a
// child process, so that a JIT bug that crashes native code fails the
// test instead of killing the test binary. It returns true in the parent,
// which should then return; in the child it returns false.
func isolated(tb testing.TB) bool {
	tb.Helper()
	if os.Getenv(childEnv) == tb.Name() {
		return false
	}
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return false // fuzzing: the fuzzer itself reports crashing inputs
	}
	runInChild(tb, tb.Name())
	return true
}

// runInChild runs the top-level test name in a child process and fails
// tb if it fails or crashes.
func runInChild(tb testing.TB, name string) {
	tb.Helper()
	args := []string{"-test.run=^" + regexp.QuoteMeta(name) + "$", "-test.bench=^$", "-test.count=1", "-test.v"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s in a child process: %v\n%s", name, err, out)
	}
	if testing.Verbose() {
		tb.Logf("child process output:\n%s", out)
	}
}
