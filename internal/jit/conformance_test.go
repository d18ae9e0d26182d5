//go:build amd64 && unix

package jit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gbpf/gbpf/internal/conformance"
)

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

func TestConformance(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	outcomes, err := conformance.RunDir(suiteDir(t), Conformance)
	if err != nil {
		t.Fatal(err)
	}
	passed := 0
	for _, o := range outcomes {
		if o.Passed {
			passed++
		} else {
			t.Errorf("%s: %s", o.Name, o.Detail)
		}
	}
	t.Logf("conformance through the JIT: %d passed, %d failed", passed, len(outcomes)-passed)
	if len(outcomes) != 313 {
		t.Errorf("found %d tests, the suite has 313", len(outcomes))
	}
}
