// Package conformance reads the bpf_conformance suite's .data files (with
// the same rules as the suite's own parser) and runs them against an
// engine.
package conformance

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/interp"
)

// Test is one parsed .data file.
type Test struct {
	Name      string
	Asm       string   // the "-- asm" section
	Raw       []uint64 // the "-- raw" section; replaces Asm when present
	Mem       []byte   // the "-- mem" section
	Result    uint64   // expected r0
	HasResult bool
	Error     string // expected error text, when the test expects one
	HasError  bool
}

// ParseFile reads a .data file.
func ParseFile(path string) (*Test, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t.Name = strings.TrimSuffix(filepath.Base(path), ".data")
	return t, nil
}

// Parse reads a test in the suite's format: "-- section" headers, "#"
// comments, and per-section lines. Like the suite's parser, any line that
// contains "--" is a header, chosen by substring.
func Parse(r io.Reader) (*Test, error) {
	t := &Test{}
	var asmText strings.Builder
	var resultLine, errorLine string
	cur := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if strings.Contains(line, "--") {
			switch {
			case strings.Contains(line, "asm"):
				cur = "asm"
			case strings.Contains(line, "result"):
				cur = "result"
			case strings.Contains(line, "mem"):
				cur = "mem"
			case strings.Contains(line, "raw"):
				cur = "raw"
			case strings.Contains(line, "no register offset"), strings.Contains(line, " c"):
				cur = "ignored"
			case strings.Contains(line, "error"):
				cur = "error"
			default:
				return nil, fmt.Errorf("unknown directive %q", strings.TrimSpace(line))
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		switch cur {
		case "asm":
			asmText.WriteString(line)
			asmText.WriteByte('\n')
		case "result":
			resultLine = strings.TrimSpace(line)
		case "error":
			errorLine = strings.TrimSpace(line)
		case "mem":
			for _, f := range strings.Fields(line) {
				v, err := strconv.ParseUint(f, 16, 32)
				if err != nil {
					return nil, fmt.Errorf("bad memory byte %q", f)
				}
				t.Mem = append(t.Mem, byte(v))
			}
		case "raw":
			for _, f := range strings.Fields(line) {
				v, err := strconv.ParseUint(f, 0, 64)
				if err != nil {
					return nil, fmt.Errorf("bad raw instruction %q", f)
				}
				t.Raw = append(t.Raw, v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	t.Asm = asmText.String()
	if resultLine != "" {
		v, err := parseResult(resultLine)
		if err != nil {
			return nil, err
		}
		t.Result, t.HasResult = v, true
	}
	if errorLine != "" {
		t.Error, t.HasError = errorLine, true
	}
	return t, nil
}

// parseResult follows the suite: hex when the text contains "0x", else a
// decimal that may be negative (-1 means 2^64-1).
func parseResult(s string) (uint64, error) {
	if strings.Contains(s, "0x") {
		v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
		if err != nil {
			return 0, fmt.Errorf("bad result %q", s)
		}
		return v, nil
	}
	if strings.HasPrefix(s, "-") {
		v, err := strconv.ParseInt(s, 10, 64)
		return uint64(v), err
	}
	return strconv.ParseUint(s, 10, 64)
}

// Program returns the test's instructions: the raw words if there are
// any, else the assembled text.
func (t *Test) Program() (asm.Instructions, error) {
	if len(t.Raw) > 0 {
		insns := make(asm.Instructions, len(t.Raw))
		for i, w := range t.Raw {
			insns[i] = asm.FromWord(w)
		}
		return insns, nil
	}
	return asm.Assemble(t.Asm, asm.SyntaxConformance)
}

// Helpers are the helpers the suite's programs may call: id 5, the
// kernel's bpf_ktime_get_ns.
func Helpers() map[int32]interp.Helper {
	return map[int32]interp.Helper{
		5: func(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
			return uint64(time.Now().UnixNano()), nil
		},
	}
}

// Engine runs a program with the suite's calling convention (r1 = a
// private copy of mem, r2 = its length) and returns r0.
type Engine func(insns asm.Instructions, mem []byte) (uint64, error)

// Interpreter is the Engine of gbpf's checked interpreter.
func Interpreter(insns asm.Instructions, mem []byte) (uint64, error) {
	p, err := interp.New(insns, &interp.Options{Helpers: Helpers()})
	if err != nil {
		return 0, err
	}
	return p.Run(append([]byte(nil), mem...))
}

// Outcome is the result of one test.
type Outcome struct {
	Name   string
	Passed bool
	Detail string // why it failed
}

// Check runs one test with the engine and compares the result.
func (t *Test) Check(run Engine) Outcome {
	o := Outcome{Name: t.Name}
	if !t.HasResult && !t.HasError {
		o.Detail = "test has no result or error"
		return o
	}
	insns, err := t.Program()
	if err != nil {
		o.Detail = "assemble: " + err.Error()
		return o
	}
	r0, err := run(insns, t.Mem)
	switch {
	case err != nil && t.HasError && err.Error() == t.Error:
		o.Passed = true
	case err != nil:
		o.Detail = "error: " + err.Error()
	case t.HasError:
		o.Detail = fmt.Sprintf("got r0 = 0x%x, want error %q", r0, t.Error)
	case r0 != t.Result:
		o.Detail = fmt.Sprintf("got r0 = 0x%x, want 0x%x", r0, t.Result)
	default:
		o.Passed = true
	}
	return o
}

// RunDir runs every *.data file of dir, in name order.
func RunDir(dir string, run Engine) ([]Outcome, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.data"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.data files in %s", dir)
	}
	sort.Strings(files)
	var out []Outcome
	for _, f := range files {
		t, err := ParseFile(f)
		if err != nil {
			out = append(out, Outcome{Name: strings.TrimSuffix(filepath.Base(f), ".data"), Detail: err.Error()})
			continue
		}
		out = append(out, t.Check(run))
	}
	return out, nil
}
