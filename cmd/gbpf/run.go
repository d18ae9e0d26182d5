package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/cilium/ebpf"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/conformance"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/spf13/cobra"
)

// runResult is the JSON object of `gbpf run --json` (the CLI contract).
type runResult struct {
	Program    string                       `json:"program"`
	Type       string                       `json:"type"`
	Engine     string                       `json:"engine"`
	Retval     uint32                       `json:"retval"`
	R0         *uint64                      `json:"r0,omitempty"`
	DataOut    string                       `json:"data_out"`
	CtxOut     string                       `json:"ctx_out"`
	DurationNs int64                        `json:"duration_ns"`
	Maps       map[string][]json.RawMessage `json:"maps"`
	Output     []string                     `json:"output"`
	Error      string                       `json:"error,omitempty"`

	dataIn []byte // the packet before the runs, for the diff people see
	obj    *objectRun
	typ    ebpf.ProgramType
}

func newRunCommand() *cobra.Command {
	var (
		prog, dataFile, ctxFile, engine, syntax string
		repeat                                  int
		asJSON                                  bool
	)
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a program once or --repeat N times, like BPF_PROG_TEST_RUN",
		Long: `Runs a program of an ELF object (clang -target bpf) as the kernel's
BPF_PROG_TEST_RUN does: --data is the packet of XDP, tc and socket filter
programs, --ctx the context bytes. Maps start with their initial contents and
persist across the --repeat runs.

FILE may also be assembly text (LLVM or conformance syntax) or raw bytecode.
Such a program runs with the conformance calling convention: r1 holds the
address of the --data bytes (modified in place, shown after the run), r2 their
length, r10 the top of a 512-byte stack.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res := runResult{Engine: engine, Type: "raw", Maps: map[string][]json.RawMessage{}, Output: []string{}}
			res.Program = strings.TrimSuffix(filepath.Base(args[0]), filepath.Ext(args[0]))
			err := runProgram(cmd, args[0], prog, dataFile, ctxFile, syntax, repeat, &res)
			if asJSON {
				return emitJSON(cmd.OutOrStdout(), &res, &res.Error, err)
			}
			if err != nil {
				return err
			}
			printRunResult(cmd.OutOrStdout(), &res, repeat)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&prog, "prog", "", "program to run, by function name (ELF objects)")
	f.StringVar(&dataFile, "data", "", "file with the packet or memory the program gets")
	f.StringVar(&ctxFile, "ctx", "", "file with the context bytes (ELF programs)")
	f.IntVar(&repeat, "repeat", 1, "run this many times; the duration is the average")
	f.StringVar(&engine, "engine", "", "engine: interp, jit (where available, else interp with a note), or kernel (load and test-run in the Linux kernel); default: the fastest available, jit on amd64")
	f.StringVar(&syntax, "syntax", "", "syntax of an assembly FILE: llvm or conformance (default: detect)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func runProgram(cmd *cobra.Command, path, prog, dataFile, ctxFile, syntax string, repeat int, res *runResult) error {
	if repeat < 1 {
		return usageError("--repeat must be at least 1, not %d", repeat)
	}
	b, err := readInput(path, cmd.InOrStdin())
	if err != nil {
		return err
	}
	var data, ctx []byte
	if dataFile != "" {
		if data, err = readInput(dataFile, cmd.InOrStdin()); err != nil {
			return err
		}
	}
	if bytes.HasPrefix(b, elfMagic) {
		if ctxFile != "" {
			if ctx, err = readInput(ctxFile, cmd.InOrStdin()); err != nil {
				return err
			}
		}
		return runELF(path, b, prog, res, data, ctx, repeat, cmd.ErrOrStderr())
	}
	if ctxFile != "" {
		return usageError("--ctx applies to ELF programs with a context; %s runs with the raw calling convention", path)
	}
	if res.Engine == "" {
		res.Engine = defaultEngine()
	}
	switch res.Engine {
	case "interp", "jit":
	case "kernel":
		return usageError("engine kernel cannot run %s: raw programs run with the conformance calling convention (use interp or jit)", path)
	default:
		return usageError("engine %q is unknown (want interp, jit or kernel)", res.Engine)
	}
	insns, err := parseProgram(path, b, syntax)
	if err != nil {
		return err
	}
	run, err := rawRunner(insns, res, cmd.ErrOrStderr())
	if err != nil {
		return usageError("%s: %v", path, err)
	}
	mem := bytes.Clone(data)
	start := time.Now()
	var r0 uint64
	for i := 0; i < repeat; i++ {
		if r0, err = run(mem); err != nil {
			return runError(err)
		}
	}
	res.DurationNs = time.Since(start).Nanoseconds() / int64(repeat)
	res.R0, res.Retval = &r0, uint32(r0)
	res.DataOut = hex.EncodeToString(mem)
	res.dataIn = data
	return nil
}

// rawRunner prepares a raw program for res.Engine with the conformance
// helpers; where the JIT is not available the interpreter runs it, and a
// note says so.
func rawRunner(insns asm.Instructions, res *runResult, stderr io.Writer) (func([]byte) (uint64, error), error) {
	if res.Engine == "jit" {
		err := jit.Available()
		if err == nil {
			p, err := jit.New(insns, &jit.Options{Helpers: conformance.Helpers()})
			if err != nil {
				return nil, err
			}
			return p.Run, nil
		}
		fmt.Fprintf(stderr, "gbpf: note: the JIT is not available (%v); the interpreter runs the program\n", err)
		res.Engine = "interp"
	}
	p, err := interp.New(insns, &interp.Options{Helpers: conformance.Helpers()})
	if err != nil {
		return nil, err
	}
	return p.Run, nil
}

// runELF runs a program of an ELF object.
func runELF(path string, b []byte, prog string, res *runResult, data, ctx []byte, repeat int, stderr io.Writer) error {
	spec, err := loadObject(path, b)
	if err != nil {
		return err
	}
	ps, err := pickProgram(path, spec, prog)
	if err != nil {
		return err
	}
	res.Program, res.Type, res.typ = ps.Name, typeName(ps.Type), ps.Type
	obj, err := runObject(spec, ps, res.Engine, data, ctx, repeat, stderr)
	if err != nil {
		return err
	}
	obj.fill(res)
	res.dataIn, res.obj = data, obj
	return nil
}

func printRunResult(w io.Writer, res *runResult, repeat int) {
	fmt.Fprintf(w, "program:  %s (%s, engine %s)\n", res.Program, res.Type, res.Engine)
	if res.R0 != nil && res.obj == nil {
		fmt.Fprintf(w, "r0:       0x%x (%d)\n", *res.R0, int64(*res.R0))
	}
	if meaning := verdictName(res.typ, res.Retval); meaning != "" && res.obj != nil {
		fmt.Fprintf(w, "retval:   %d (%s)\n", res.Retval, meaning)
	} else {
		fmt.Fprintf(w, "retval:   %d\n", res.Retval)
	}
	if repeat > 1 {
		fmt.Fprintf(w, "duration: %d ns per run (average of %d)\n", res.DurationNs, repeat)
	} else {
		fmt.Fprintf(w, "duration: %d ns\n", res.DurationNs)
	}
	defer printObjectExtras(w, res)
	out, _ := hex.DecodeString(res.DataOut)
	if len(out) == 0 {
		return
	}
	if len(out) != len(res.dataIn) {
		fmt.Fprintf(w, "data:     %d bytes (was %d):\n", len(out), len(res.dataIn))
		for i := 0; i < len(out); i += 16 {
			fmt.Fprintf(w, "  %04x  % x\n", i, out[i:min(i+16, len(out))])
		}
		return
	}
	if bytes.Equal(out, res.dataIn) {
		fmt.Fprintf(w, "data:     %d bytes, unchanged\n", len(out))
		return
	}
	fmt.Fprintf(w, "data:     %d bytes, changed:\n", len(out))
	for i := 0; i < len(out); i += 16 {
		endAt := min(i+16, len(out))
		if bytes.Equal(out[i:endAt], res.dataIn[i:endAt]) {
			continue
		}
		fmt.Fprintf(w, "  %04x  - % x\n", i, res.dataIn[i:endAt])
		fmt.Fprintf(w, "  %04x  + % x\n", i, out[i:endAt])
	}
}

// emitJSON prints a command's one JSON object, with err's message in its
// "error" field, and returns err marked as already reported there.
func emitJSON(w io.Writer, v any, errField *string, err error) error {
	if err != nil {
		*errField = err.Error()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if encErr := enc.Encode(v); encErr != nil {
		return encErr
	}
	if err != nil {
		return &jsonReported{err: err}
	}
	return nil
}
