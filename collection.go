package gbpf

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/loader"
	"github.com/gbpf/gbpf/internal/maps"
)

// CollectionOptions tune how a collection is made. The zero value is what
// NewCollection uses.
type CollectionOptions struct {
	// CPUs is the number of possible CPUs per-CPU maps and perf event
	// arrays are sized for; 0 means the host's, as the kernel does.
	CPUs int
	// Budget is the most instructions one run may execute, counting
	// callbacks and tail calls. 0 means no bound for verified programs,
	// as in the kernel (the verifier proved they end), and DefaultBudget
	// for programs loaded Unverified.
	Budget uint64
	// Engine picks what runs the programs: the interpreter or the JIT
	// (see Engine); the zero value is EngineDefault.
	Engine Engine
	// Unverified skips the verifier: programs the kernel would refuse
	// load and run with every memory access checked (either engine),
	// which still stops any access outside the memory a run owns. By default every program is
	// verified at load, as the kernel does, and a rejection fails the
	// load with a *VerifierError.
	Unverified bool
	// VerifierLog records the path to a rejection and the states along
	// it in the *VerifierError (printed with %+v).
	VerifierLog bool
	// TraceOutput receives every bpf_trace_printk line as it is printed,
	// from any run of the collection's programs. It must be safe for
	// concurrent use. RunResult.Output also collects each run's lines.
	TraceOutput func(line string)
}

// DefaultBudget bounds one run of an unverified program: far more than
// the kernel's verifier lets a program do in practice (a bpf_loop of a
// million iterations of a small callback fits), yet a runaway unverified
// program stops within a second.
const DefaultBudget = 1 << 28

// Collection is a set of loaded programs and the maps they share.
type Collection struct {
	Programs  map[string]*Program
	Maps      map[string]*Map
	Variables map[string]*Variable
	opts      CollectionOptions
	cpu       int          // runs' default CPU
	cpuLocks  []sync.Mutex // a CPU runs one program at a time, as in the kernel
	// gate: runs hold it shared; a repeated run that finds no other
	// holds it alone and runs code without locked atomics.
	gate   sync.RWMutex
	engine engineState
}

// acquireCPU claims a CPU for a run: want if given, else the default CPU
// or, when a concurrent run holds it, any free one, so that runs from many
// goroutines proceed in parallel while per-CPU data stays private to one
// run at a time, as the kernel's non-preemptible runs guarantee.
func (c *Collection) acquireCPU(want *int) int {
	if want != nil {
		c.cpuLocks[*want].Lock()
		return *want
	}
	if c.cpuLocks[c.cpu].TryLock() {
		return c.cpu
	}
	for cpu := range c.cpuLocks {
		if c.cpuLocks[cpu].TryLock() {
			return cpu
		}
	}
	c.cpuLocks[c.cpu].Lock()
	return c.cpu
}

func (c *Collection) releaseCPU(cpu int) { c.cpuLocks[cpu].Unlock() }

// NewCollection creates the maps of spec, fills them with their initial
// contents (global data with any variables set on spec), and loads every
// program.
func NewCollection(spec *CollectionSpec) (*Collection, error) {
	return NewCollectionWithOptions(spec, CollectionOptions{})
}

// NewCollectionWithOptions is NewCollection with options.
func NewCollectionWithOptions(spec *CollectionSpec, opts CollectionOptions) (_ *Collection, err error) {
	if spec == nil {
		return nil, errors.New("new collection: nil spec")
	}
	if opts.CPUs <= 0 {
		opts.CPUs = possibleCPUs()
	}
	c := &Collection{Programs: map[string]*Program{}, Maps: map[string]*Map{}, opts: opts, cpu: min(defaultCPU(), opts.CPUs-1), cpuLocks: make([]sync.Mutex, opts.CPUs)}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	for _, name := range sortedKeys(spec.Maps) {
		m, err := newMap(name, spec.Maps[name], opts.CPUs)
		if err != nil {
			return nil, err
		}
		c.Maps[name] = m
	}
	for _, name := range sortedKeys(spec.Maps) {
		if err := c.fillMap(name, spec.Maps[name], spec.Variables, false); err != nil {
			return nil, err
		}
	}
	c.loadVariables(spec.Variables)
	for _, name := range sortedKeys(spec.Programs) {
		ps := spec.Programs[name]
		lp, err := loader.ConvertProgram(ps)
		if err != nil {
			return nil, err
		}
		proof, err := c.verifyProgram(spec, ps, lp)
		if err != nil {
			return nil, err
		}
		p, err := c.loadProgram(ps, lp, proof)
		if err != nil {
			return nil, err
		}
		c.Programs[name] = p
	}
	// Program arrays refer to programs, so they are filled last; then
	// read-only data is frozen, as libbpf and cilium/ebpf do.
	for _, name := range sortedKeys(spec.Maps) {
		if err := c.fillMap(name, spec.Maps[name], spec.Variables, true); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Close releases the collection's maps. Programs of a closed collection
// must not run again.
func (c *Collection) Close() {
	for _, m := range c.Maps {
		m.Close()
	}
	for _, p := range c.Programs {
		p.closeCode()
	}
}

// fillMap writes a map's initial contents: data and maps of maps in the
// first pass, program arrays in the second, which also freezes.
func (c *Collection) fillMap(name string, ms *ebpf.MapSpec, vars map[string]*ebpf.VariableSpec, second bool) error {
	m := c.Maps[name]
	isProgArray := ms.Type == ebpf.ProgramArray
	if isProgArray != second {
		if second && ms.Flags&maps.FlagRdonlyProg != 0 {
			if err := m.m.Freeze(); err != nil {
				return fmt.Errorf("map %s: freeze: %w", name, err)
			}
		}
		return nil
	}
	contents, err := loader.MapContents(name, ms, vars)
	if err != nil {
		return err
	}
	for _, kv := range contents {
		var err error
		switch ref := kv.Value.(type) {
		case string:
			err = c.updateByName(m, kv.Key, ref)
		default:
			err = m.Update(kv.Key, kv.Value, UpdateAny)
		}
		if err != nil {
			return fmt.Errorf("map %s: initial contents: %w", name, err)
		}
	}
	return nil
}

// updateByName puts the program or map named ref into m at key, as the
// ELF's initialised program arrays and maps of maps ask.
func (c *Collection) updateByName(m *Map, key any, ref string) error {
	if m.Type() == ebpf.ProgramArray {
		p := c.Programs[ref]
		if p == nil {
			return fmt.Errorf("no program %q", ref)
		}
		return m.Update(key, p, UpdateAny)
	}
	inner := c.Maps[ref]
	if inner == nil {
		return fmt.Errorf("no map %q", ref)
	}
	return m.Update(key, inner, UpdateAny)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func possibleCPUs() int {
	if n, err := ebpf.PossibleCPU(); err == nil && n > 0 {
		return n
	}
	return runtime.NumCPU()
}
