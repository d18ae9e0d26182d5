package harness_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	td "github.com/gbpf/gbpf/testdata"
)

// tcase is one differential run: the same object, program, packet, context
// and repeat count through `gbpf run --json` with the interpreter and with
// the kernel engine.
type tcase struct {
	name   string
	obj    string // object in this directory
	prog   string
	data   []byte
	ctx    []byte
	repeat int
	// knownGap, when set, names a known gbpf gap: a disagreement is logged
	// instead of failing the test.
	knownGap string
}

// result is the part of `gbpf run --json` both engines must agree on.
type result struct {
	Retval  uint32                       `json:"retval"`
	DataOut string                       `json:"data_out"`
	CtxOut  string                       `json:"ctx_out"`
	Maps    map[string][]json.RawMessage `json:"maps"`
	Error   string                       `json:"error"`
	code    int
}

var (
	buildOnce sync.Once
	gbpfBin   string
	buildErr  error
)

// TestMain removes the gbpf binary built for the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if gbpfBin != "" {
		os.RemoveAll(filepath.Dir(gbpfBin))
	}
	os.Exit(code)
}

func gbpf(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gbpf-harness-")
		if err != nil {
			buildErr = err
			return
		}
		gbpfBin = filepath.Join(dir, "gbpf")
		out, err := exec.Command("go", "build", "-o", gbpfBin, "github.com/gbpf/gbpf/cmd/gbpf").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return gbpfBin
}

func here(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "harness", name)
}

func run(t *testing.T, dir string, c tcase, engine string) result {
	t.Helper()
	args := []string{"run", here(c.obj), "--prog", c.prog, "--json", "--engine", engine}
	if c.data != nil {
		p := filepath.Join(dir, "data")
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--data", p)
	}
	if c.ctx != nil {
		p := filepath.Join(dir, "ctx")
		if err := os.WriteFile(p, c.ctx, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--ctx", p)
	}
	if c.repeat > 0 {
		args = append(args, "--repeat", fmt.Sprint(c.repeat))
	}
	cmd := exec.Command(gbpf(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var r result
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if jerr := json.Unmarshal(stdout.Bytes(), &r); jerr != nil && r.code == 0 {
		t.Fatalf("%s: bad JSON: %v\n%s\n%s", engine, jerr, stdout.Bytes(), stderr.Bytes())
	}
	if r.Error == "" {
		r.Error = strings.TrimSpace(stderr.String())
	}
	if len(r.Error) > 400 {
		r.Error = r.Error[:200] + " ... " + r.Error[len(r.Error)-400:]
	}
	return r
}

// canonMaps renders maps with entries sorted, since their order is free.
func canonMaps(m map[string][]json.RawMessage) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		es := make([]string, 0, len(m[n]))
		for _, e := range m[n] {
			var v any
			if err := json.Unmarshal(e, &v); err != nil {
				es = append(es, string(e))
				continue
			}
			s, _ := json.Marshal(v) // sorted keys, no spaces
			es = append(es, string(s))
		}
		sort.Strings(es)
		fmt.Fprintf(&b, "%s:\n", n)
		for _, e := range es {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	return b.String()
}

func diff(got, want result) []string {
	var d []string
	if got.code != want.code {
		return []string{fmt.Sprintf("exit code: gbpf %d (%s), kernel %d (%s)", got.code, got.Error, want.code, want.Error)}
	}
	if want.code != 0 {
		return nil
	}
	if got.Retval != want.Retval {
		d = append(d, fmt.Sprintf("retval: gbpf %#x, kernel %#x", got.Retval, want.Retval))
	}
	if got.DataOut != want.DataOut {
		d = append(d, fmt.Sprintf("data_out:\n  gbpf   %s\n  kernel %s", got.DataOut, want.DataOut))
	}
	if got.CtxOut != want.CtxOut {
		d = append(d, fmt.Sprintf("ctx_out:\n  gbpf   %s\n  kernel %s", got.CtxOut, want.CtxOut))
	}
	if g, w := canonMaps(got.Maps), canonMaps(want.Maps); g != w {
		d = append(d, fmt.Sprintf("maps:\n gbpf:\n%s kernel:\n%s", g, w))
	}
	return d
}

// engines are gbpf's engines the cases run on, each compared with the
// kernel: the interpreter and the JIT (which `gbpf run` replaces with the
// interpreter, saying so, where it cannot run).
var engines = []string{"interp", "jit"}

func TestAgainstKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("kernel engine unavailable: not root (BPF_PROG_TEST_RUN needs CAP_BPF and CAP_NET_ADMIN)")
	}
	gbpf(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			want := run(t, dir, c, "kernel")
			if want.code == 2 && strings.Contains(want.Error, "kernel") && strings.Contains(want.Error, "unavailable") {
				t.Skipf("kernel engine unavailable: %s", want.Error)
			}
			if want.code != 0 {
				t.Logf("kernel: exit %d: %s", want.code, want.Error)
			}
			var d []string
			for _, engine := range engines {
				for _, line := range diff(run(t, dir, c, engine), want) {
					d = append(d, engine+": "+line)
				}
			}
			if len(d) == 0 {
				if c.knownGap != "" {
					t.Logf("known gap %q no longer shows: remove the mark", c.knownGap)
				}
				return
			}
			msg := strings.Join(d, "\n")
			if c.knownGap != "" {
				t.Logf("known gap (%s):\n%s", c.knownGap, msg)
				return
			}
			t.Error(msg)
		})
	}
}

func TestCasesCoverObjects(t *testing.T) {
	objs, _ := filepath.Glob(here("*.o"))
	used := map[string]bool{}
	for _, c := range cases {
		used[c.obj] = true
		if _, err := os.Stat(here(c.obj)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, o := range objs {
		if !used[filepath.Base(o)] {
			t.Errorf("no case runs %s", filepath.Base(o))
		}
	}
}

var _ = td.TCP
