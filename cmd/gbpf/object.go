package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/btffmt"
	"github.com/gbpf/gbpf/internal/kernel"
)

// loadObject parses an ELF object; a malformed one is unusable input.
func loadObject(path string, b []byte) (*gbpf.CollectionSpec, error) {
	spec, err := gbpf.LoadCollectionSpecFromReader(bytes.NewReader(b))
	if err != nil {
		return nil, usageError("%s: %v", path, err)
	}
	return spec, nil
}

// pickProgram finds the program --prog names, or the object's only one.
func pickProgram(path string, spec *gbpf.CollectionSpec, name string) (*gbpf.ProgramSpec, error) {
	if name != "" {
		if ps := spec.Programs[name]; ps != nil {
			return ps, nil
		}
		return nil, usageError("%s has no program %q (it has %s)", path, name, programList(spec))
	}
	if len(spec.Programs) == 1 {
		for _, ps := range spec.Programs {
			return ps, nil
		}
	}
	if len(spec.Programs) == 0 {
		return nil, usageError("%s holds no programs", path)
	}
	return nil, usageError("%s holds several programs (%s): pick one with --prog", path, programList(spec))
}

func programList(spec *gbpf.CollectionSpec) string {
	names := make([]string, 0, len(spec.Programs))
	for n := range spec.Programs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// typeName is the program type as the CLI prints it: libbpf's section
// prefix for the common ones.
func typeName(t ebpf.ProgramType) string {
	switch t {
	case ebpf.XDP:
		return "xdp"
	case ebpf.SocketFilter:
		return "socket"
	case ebpf.SchedCLS:
		return "tc"
	case ebpf.SchedACT:
		return "action"
	case ebpf.RawTracepoint:
		return "raw_tracepoint"
	case ebpf.TracePoint:
		return "tracepoint"
	case ebpf.Kprobe:
		return "kprobe"
	case ebpf.Syscall:
		return "syscall"
	case ebpf.PerfEvent:
		return "perf_event"
	}
	return strings.ToLower(t.String())
}

// mapEntryJSON is one map entry of the --json output.
type mapEntryJSON struct {
	Key    string   `json:"key"`
	Value  *string  `json:"value,omitempty"`
	Values []string `json:"values,omitempty"`
	Name   string   `json:"name,omitempty"`
}

// objectRun is what running an object produced, from either engine.
type objectRun struct {
	retval   uint32
	r0       *uint64
	dataOut  []byte
	ctxOut   []byte
	duration time.Duration
	maps     map[string][]gbpf.MapEntry
	output   []string
	spec     *gbpf.CollectionSpec // for BTF-typed map output
	engine   string               // the engine that ran, when not the one asked for
}

// runObject runs program ps of spec with the chosen engine; notes (the
// JIT falling back to the interpreter) go to stderr.
func runObject(spec *gbpf.CollectionSpec, ps *gbpf.ProgramSpec, engine string, data, ctx []byte, repeat int, stderr io.Writer) (*objectRun, error) {
	if engine == "kernel" {
		return runInKernel(spec, ps, data, ctx, repeat)
	}
	coll, err := newCollectionFor(spec, ps.Name, engine, stderr)
	if err != nil {
		return nil, err
	}
	defer coll.Close()
	// Loading and verifying left garbage; collect it now, so that the
	// collector does not run beside the timed runs (on a machine with
	// few cores it slows them down through shared caches).
	runtime.GC()
	res, err := coll.Programs[ps.Name].Run(&gbpf.RunOptions{Data: data, Context: ctx, Repeat: uint32(repeat)})
	if err != nil {
		var re *gbpf.RunError
		if errors.As(err, &re) {
			return nil, runError(err)
		}
		if errors.Is(err, gbpf.ErrNotSupported) {
			return nil, usageError("%v", err)
		}
		return nil, usageError("%v", err)
	}
	out := &objectRun{retval: res.ReturnValue, r0: &res.R0, dataOut: res.DataOut, ctxOut: res.ContextOut, duration: res.Duration, output: res.Output, spec: spec, maps: map[string][]gbpf.MapEntry{}, engine: coll.Engine().String()}
	for name, m := range coll.Maps {
		es, err := m.Entries()
		if err != nil {
			return nil, err
		}
		out.maps[name] = es
	}
	return out, nil
}

// loadKernelCollection loads spec into the Linux kernel: a verifier
// rejection is the program's failure (exit 1), anything else unusable
// input or an unavailable kernel (exit 2).
func loadKernelCollection(spec *gbpf.CollectionSpec) (*kernel.Collection, error) {
	if err := kernel.Available(); err != nil {
		return nil, usageError("%v", err)
	}
	kc, err := kernel.LoadCollection(spec)
	if err != nil {
		var ve *kernel.VerifierError
		if errors.As(err, &ve) {
			return nil, runError(err)
		}
		return nil, usageError("%v", err)
	}
	return kc, nil
}

func runInKernel(spec *gbpf.CollectionSpec, ps *gbpf.ProgramSpec, data, ctx []byte, repeat int) (*objectRun, error) {
	kc, err := loadKernelCollection(spec)
	if err != nil {
		return nil, err
	}
	defer kc.Close()
	res, err := kc.Run(ps.Name, kernel.RunOptions{Data: data, Context: ctx, Repeat: repeat})
	if err != nil {
		return nil, usageError("kernel test run: %v", err)
	}
	maps, err := kernelMaps(kc)
	if err != nil {
		return nil, err
	}
	return &objectRun{retval: res.Retval, dataOut: res.DataOut, ctxOut: res.ContextOut, duration: res.Duration, spec: spec, maps: maps}, nil
}

// kernelMaps lists a kernel collection's maps as gbpf's entries.
func kernelMaps(kc *kernel.Collection) (map[string][]gbpf.MapEntry, error) {
	km, err := kc.Maps()
	if err != nil {
		return nil, err
	}
	out := map[string][]gbpf.MapEntry{}
	for name, es := range km {
		list := make([]gbpf.MapEntry, len(es))
		for i, e := range es {
			list[i] = gbpf.MapEntry{Key: e.Key, Value: e.Value, Values: e.Values, Name: e.Name}
		}
		out[name] = list
	}
	return out, nil
}

// newCollectionFor loads spec for running program name on engine
// (interp or jit). A sibling program calling a helper gbpf lacks is left
// out rather than failing the run, unless a program array of the object
// refers to it. When the JIT cannot run, a note says so on stderr and
// the interpreter runs.
func newCollectionFor(spec *gbpf.CollectionSpec, name, engine string, stderr io.Writer) (*gbpf.Collection, error) {
	e, err := collectionEngine(engine)
	if err != nil {
		return nil, err
	}
	spec = spec.Copy()
	for {
		coll, err := gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Engine: e})
		if err == nil {
			if err := coll.EngineFallback(); err != nil {
				fmt.Fprintf(stderr, "gbpf: note: %v\n", err)
			}
			return coll, nil
		}
		var uh *gbpf.UnsupportedHelperError
		if errors.As(err, &uh) && uh.Program != name && spec.Programs[uh.Program] != nil {
			delete(spec.Programs, uh.Program)
			continue
		}
		if errors.Is(err, gbpf.ErrNotSupported) {
			return nil, usageError("%v", err)
		}
		return nil, runError(err)
	}
}

// fill puts an object run into the JSON result.
func (o *objectRun) fill(res *runResult) {
	res.Retval = o.retval
	if o.r0 != nil {
		res.R0 = o.r0
	}
	res.DataOut = hex.EncodeToString(o.dataOut)
	res.CtxOut = hex.EncodeToString(o.ctxOut)
	res.DurationNs = o.duration.Nanoseconds()
	if o.engine != "" {
		res.Engine = o.engine
	}
	if o.output != nil {
		res.Output = o.output
	}
	for name, es := range o.maps {
		list := make([]json.RawMessage, 0, len(es))
		for _, e := range es {
			j := mapEntryJSON{Key: hex.EncodeToString(e.Key), Name: e.Name}
			switch {
			case e.Values != nil:
				for _, v := range e.Values {
					j.Values = append(j.Values, hex.EncodeToString(v))
				}
			case e.Name == "":
				v := hex.EncodeToString(e.Value)
				j.Value = &v
			}
			b, _ := json.Marshal(j)
			list = append(list, b)
		}
		res.Maps[name] = list
	}
}

// verdictName gives a return value its meaning for the program type.
func verdictName(t ebpf.ProgramType, v uint32) string {
	switch t {
	case ebpf.XDP:
		names := []string{"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"}
		if int(v) < len(names) {
			return names[v]
		}
	case ebpf.SchedCLS, ebpf.SchedACT:
		names := map[int32]string{-1: "TC_ACT_UNSPEC", 0: "TC_ACT_OK", 1: "TC_ACT_RECLASSIFY", 2: "TC_ACT_SHOT", 3: "TC_ACT_PIPE", 4: "TC_ACT_STOLEN", 5: "TC_ACT_QUEUED", 6: "TC_ACT_REPEAT", 7: "TC_ACT_REDIRECT", 8: "TC_ACT_TRAP"}
		if n, ok := names[int32(v)]; ok {
			return n
		}
	case ebpf.SocketFilter:
		if v == 0 {
			return "drop"
		}
		return fmt.Sprintf("keep %d bytes", v)
	}
	return ""
}

// printObjectExtras prints what an object run adds for people: the
// context after the run, the maps typed through BTF, trace output.
func printObjectExtras(w io.Writer, res *runResult) {
	o := res.obj
	if o == nil {
		return
	}
	if len(o.ctxOut) > 0 {
		fmt.Fprintf(w, "ctx:      % x\n", o.ctxOut)
	}
	printMaps(w, o.spec, o.maps)
	for _, line := range o.output {
		fmt.Fprintf(w, "trace:    %s\n", line)
	}
}

func mapTypeName(ms *ebpf.MapSpec) string {
	if ms == nil {
		return "?"
	}
	return strings.ToLower(ms.Type.String())
}

// printMaps prints maps for people, keys and values typed through BTF.
func printMaps(w io.Writer, spec *gbpf.CollectionSpec, entries map[string][]gbpf.MapEntry) {
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		es := entries[name]
		ms := spec.Maps[name]
		var kt, vt btf.Type
		if ms != nil {
			kt, vt = ms.Key, ms.Value
		}
		fmt.Fprintf(w, "map %s (%s, %d entries)\n", name, mapTypeName(ms), len(es))
		for _, e := range es {
			var val string
			switch {
			case e.Name != "":
				val = e.Name
			case e.Values != nil:
				parts := make([]string, len(e.Values))
				for cpu, v := range e.Values {
					parts[cpu] = fmt.Sprintf("cpu%d: %s", cpu, btffmt.Format(vt, v))
				}
				val = strings.Join(parts, ", ")
			default:
				val = btffmt.Format(vt, e.Value)
			}
			if e.Key == nil {
				fmt.Fprintf(w, "  %s\n", val)
				continue
			}
			fmt.Fprintf(w, "  %s: %s\n", btffmt.Format(kt, e.Key), val)
		}
	}
}
