package soundness

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/internal/verifier"
)

// Kinds of findings.
const (
	kindRuntime       = "runtime"        // accepted, then a runtime check fired
	kindBudget        = "budget"         // accepted, then ran out of instructions
	kindKernelRejects = "kernel-rejects" // accepted, the kernel rejects it
	kindVerifierPanic = "verifier-panic" // the verifier crashed
	kindInterpPanic   = "interp-panic"   // the interpreter crashed on an accepted program
	kindSlow          = "slow"           // the verifier does not finish (the kernel rejects quickly)
)

// runBudget bounds one run of an accepted program. Loop-free programs run
// at most as many instructions as the verifier processed, and bounded
// loops of real programs stay far below it.
const runBudget = 1 << 22

// Finding is a verifier soundness bug found for a candidate.
type Finding struct {
	Kind      string
	Detail    string // the runtime error, the kernel's reason, the panic
	Verifier  string // what the verifier concluded (processed insns)
	Kernel    string // the kernel's verdict, when asked
	InputSeed uint64 // the input that failed, for runtime findings
}

func (f *Finding) String() string {
	return fmt.Sprintf("%s: %s", f.Kind, f.Detail)
}

var digits = regexp.MustCompile(`(0x[0-9a-f]+|-?[0-9]+)`)

// Signature groups findings of one cause: the kind and the reason without
// numbers.
func (f *Finding) Signature() string {
	d := f.Detail
	if i := strings.Index(d, "\n"); i >= 0 {
		d = d[:i]
	}
	return f.Kind + ": " + digits.ReplaceAllString(d, "N")
}

// Outcome is what the oracles say about a candidate.
type Outcome struct {
	Accepted  bool
	Reject    error    // the verifier's reason when rejected
	Finding   *Finding // nil when nothing is wrong
	Runs      int      // runs in the interpreter
	Processed int      // instructions the verifier processed
	Skipped   string   // why the candidate could not be checked fully
}

// verify runs gbpf's verifier, turning a crash into a finding.
func verify(p *Prog) (res *verifier.Result, spec *ebpf.CollectionSpec, err error, f *Finding) {
	spec, err = p.Spec()
	if err != nil {
		return nil, nil, err, nil
	}
	lp, err := p.loaderProgram()
	if err != nil {
		return nil, nil, err, nil
	}
	cfg := verifier.ConfigFor(spec, spec.Programs[progName])
	func() {
		defer func() {
			if r := recover(); r != nil {
				f = &Finding{Kind: kindVerifierPanic, Detail: fmt.Sprintf("%v\n%s", r, debug.Stack())}
			}
		}()
		res, err = verifier.Verify(lp, cfg)
	}()
	return res, spec, err, f
}

// Options of a check.
type Options struct {
	Inputs int  // random inputs per accepted candidate
	Kernel bool // ask the kernel about accepted candidates
	Seed   uint64
}

// Check verifies p and, if gbpf accepts it, runs the oracles.
func Check(p *Prog, o Options) Outcome {
	res, spec, err, f := verify(p)
	if f != nil {
		return Outcome{Finding: f}
	}
	if err != nil {
		return Outcome{Reject: err}
	}
	out := Outcome{Accepted: true, Processed: res.Processed}
	concl := fmt.Sprintf("accepted (%d insns processed)", res.Processed)
	f, runs, skip := runInputs(spec, p, o.Seed, o.Inputs)
	out.Runs, out.Skipped = runs, skip
	if f == nil && o.Kernel {
		if acc, msg, ok := kernelVerdict(spec); ok && !acc {
			f = &Finding{Kind: kindKernelRejects, Detail: msg}
		}
	}
	if f != nil {
		f.Verifier = concl
		out.Finding = f
	}
	return out
}

// Input is one run's packet, context and map contents, made from a seed.
type Input struct {
	Data    []byte
	Context []byte
	Fill    func(coll *gbpf.Collection)
}

var interestingSizes = []int{14, 15, 16, 20, 22, 23, 24, 30, 32, 33, 34, 35, 38, 40, 41, 42, 54, 60, 64, 65, 128, 255, 256, 1500}

// ctxSize is the size of the context a program type's test run gets,
// covering every offset the verifier allows.
func ctxSize(t ebpf.ProgramType) int {
	switch t {
	case ebpf.Kprobe:
		return 168
	case ebpf.TracePoint:
		return 2048
	case ebpf.RawTracepoint:
		return 8 * 12
	case ebpf.PerfEvent:
		return 8*27 + 8
	case ebpf.Syscall:
		return 0xffff + 8
	}
	return 0
}

func packetType(t ebpf.ProgramType) bool {
	switch t {
	case ebpf.XDP, ebpf.SchedCLS, ebpf.SchedACT, ebpf.SocketFilter:
		return true
	}
	return false
}

func runnable(t ebpf.ProgramType) bool { return packetType(t) || ctxSize(t) > 0 }

// makeInput draws a run's inputs.
func makeInput(p *Prog, seed uint64) Input {
	rng := rand.New(rand.NewPCG(seed, 0x736f756e64))
	var in Input
	if packetType(p.Type) {
		var n int
		switch rng.IntN(10) {
		case 0, 1, 2, 3, 4:
			n = 14 + rng.IntN(90)
		case 5, 6:
			n = 14 + rng.IntN(1500-14+1)
		default:
			n = interestingSizes[rng.IntN(len(interestingSizes))]
		}
		in.Data = randomBytes(rng, n)
		if rng.IntN(3) == 0 {
			// A plausible IPv4/TCP frame makes header parsers go deeper.
			if n >= 14 {
				binary.BigEndian.PutUint16(in.Data[12:], 0x0800)
			}
			if n >= 34 {
				in.Data[14] = 0x45
				in.Data[23] = []byte{6, 17, 1}[rng.IntN(3)]
			}
		}
	} else if n := ctxSize(p.Type); n > 0 {
		in.Context = randomBytes(rng, n)
	}
	fillSeed := rng.Uint64()
	in.Fill = func(coll *gbpf.Collection) { fillMaps(coll, p, fillSeed) }
	return in
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	switch rng.IntN(4) {
	case 0: // zeros
	case 1:
		for i := range b {
			b[i] = 0xff
		}
	default:
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
	}
	return b
}

// fillMaps puts random entries into the candidate's ordinary maps (global
// data keeps its initial contents: the verifier may rely on .rodata).
func fillMaps(coll *gbpf.Collection, p *Prog, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, ms := range p.Maps {
		if strings.HasPrefix(ms.Name, ".") {
			continue
		}
		switch ms.Type {
		case ebpf.Array, ebpf.Hash, ebpf.LRUHash, ebpf.PerCPUArray, ebpf.PerCPUHash, ebpf.LRUCPUHash:
		default:
			continue
		}
		m := coll.Maps[ms.Name]
		if m == nil || ms.KeySize == 0 || ms.ValueSize == 0 || hasSpinLock(ms) {
			// A value with a lock: a random lock word would read as taken.
			continue
		}
		for range rng.IntN(5) {
			key := make([]byte, ms.KeySize)
			if rng.IntN(4) != 0 {
				k := rng.Uint64N(uint64(min(ms.MaxEntries, 8)) + 1)
				for i := 0; i < len(key) && i < 8; i++ {
					key[i] = byte(k >> (8 * i))
				}
			} else {
				key = randomBytes(rng, int(ms.KeySize))
			}
			val := randomBytes(rng, int(ms.ValueSize))
			if err := m.Update(key, val, gbpf.UpdateAny); err != nil {
				perCPU := make([]byte, 0, int(ms.ValueSize)*m.CPUs())
				for range m.CPUs() {
					perCPU = append(perCPU, val...)
				}
				_ = m.Update(key, perCPU, gbpf.UpdateAny)
			}
		}
	}
}

func hasSpinLock(ms *ebpf.MapSpec) bool {
	st, ok := btf.UnderlyingType(ms.Value).(*btf.Struct)
	if !ok {
		return false
	}
	for _, m := range st.Members {
		if s, ok := btf.UnderlyingType(m.Type).(*btf.Struct); ok && s.Name == "bpf_spin_lock" {
			return true
		}
	}
	return false
}

// newCollection loads a candidate for the checked interpreter. It is
// verified already: the collection must not verify it again, nor run it on
// an engine that trusts the verifier.
func newCollection(spec *ebpf.CollectionSpec) (*gbpf.Collection, error) {
	return gbpf.NewCollectionWithOptions(spec, gbpf.CollectionOptions{Budget: runBudget, Engine: gbpf.EngineInterpreter, Unverified: true})
}

// runInputs runs an accepted candidate with n inputs.
func runInputs(spec *ebpf.CollectionSpec, p *Prog, seed uint64, n int) (f *Finding, runs int, skipped string) {
	if !runnable(p.Type) || n == 0 {
		return nil, 0, "not runnable"
	}
	coll, err := newCollection(spec)
	if err != nil {
		return nil, 0, "load: " + err.Error()
	}
	defer coll.Close()
	prog := coll.Programs[progName]
	for i := range n {
		inSeed := seed*1000003 + uint64(i)
		rf := runOne(coll, prog, p, inSeed)
		runs++
		if rf != nil {
			rf.InputSeed = inSeed
			return rf, runs, ""
		}
	}
	return nil, runs, ""
}

// runOne runs one input and classifies how the run ended.
func runOne(coll *gbpf.Collection, prog *gbpf.Program, p *Prog, inSeed uint64) (f *Finding) {
	in := makeInput(p, inSeed)
	in.Fill(coll)
	defer func() {
		if r := recover(); r != nil {
			f = &Finding{Kind: kindInterpPanic, Detail: fmt.Sprintf("%v\n%s", r, debug.Stack())}
		}
	}()
	_, err := prog.Run(&gbpf.RunOptions{Data: in.Data, Context: in.Context})
	if err == nil {
		return nil
	}
	var re *interp.RuntimeError
	if !errors.As(err, &re) {
		return nil // the input does not fit the program type: not a run
	}
	if errors.Is(re.Err, interp.ErrBudgetExceeded) {
		return &Finding{Kind: kindBudget, Detail: re.Error()}
	}
	return &Finding{Kind: kindRuntime, Detail: re.Error()}
}

// Reproduce runs the failing input of a runtime finding again.
func reproduceRuntime(p *Prog, inSeed uint64) *Finding {
	spec, err := p.Spec()
	if err != nil {
		return nil
	}
	coll, err := newCollection(spec)
	if err != nil {
		return nil
	}
	defer coll.Close()
	return runOne(coll, coll.Programs[progName], p, inSeed)
}

var kernelOnce = sync.OnceValue(func() bool { return kernel.Available() == nil })

// kernelVerdict loads the candidate into the running kernel. ok is false
// when the kernel could not give a verdict.
func kernelVerdict(spec *ebpf.CollectionSpec) (accepted bool, msg string, ok bool) {
	if !kernelOnce() {
		return false, "", false
	}
	c, err := kernel.LoadCollection(spec)
	if err == nil {
		c.Close()
		return true, "", true
	}
	var ve *kernel.VerifierError
	if !errors.As(err, &ve) {
		return false, err.Error(), false
	}
	return false, kernelReason(ve), true
}

// kernelReason is the line of the kernel's log that says why, followed by
// the rest of its tail.
func kernelReason(ve *kernel.VerifierError) string {
	log := ve.Log
	for len(log) > 0 && (strings.TrimSpace(log[len(log)-1]) == "" || strings.HasPrefix(log[len(log)-1], "processed ") || strings.HasPrefix(log[len(log)-1], "verification time")) {
		log = log[:len(log)-1]
	}
	reason := fmt.Sprint(ve.Err)
	if len(log) > 0 {
		reason = strings.TrimSpace(log[len(log)-1])
	}
	tail := log[max(0, len(log)-12):]
	return reason + "\n" + strings.Join(tail, "\n")
}
