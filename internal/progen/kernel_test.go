package progen

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/kernel"
)

var (
	flagSeed = flag.Int64("progen.seed", envInt("PROGEN_SEED", 1), "base seed of generated programs (env PROGEN_SEED)")
	flagN    = flag.Int("progen.n", int(envInt("PROGEN_N", 5000)), "number of generated programs (env PROGEN_N)")
)

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 0, 64); err == nil {
		return v
	}
	return def
}

// shape is a family of generated programs the kernel tests run.
type shape struct {
	name  string
	cfg   Config
	share int // runs -progen.n / share programs of this shape
}

var shapes = []shape{
	{"default", Config{}, 1},
	{"small", Config{BodyLen: 24, SubprogLen: 12, MaxSubprogs: 2, StackSize: 16, MaxNesting: 2}, 5},
	{"large", Config{BodyLen: 200, SubprogLen: 60, MaxSubprogs: 5, StackSize: 48, MaxNesting: 4}, 10},
}

// count is how many programs of the shape to run: -progen.n / share, and
// at most 500 in -short mode.
func (s shape) count() int {
	n := max(*flagN/s.share, 1)
	if testing.Short() {
		n = min(n, 500/s.share)
	}
	return n
}

func requireKernel(t *testing.T) {
	t.Helper()
	if err := kernel.Available(); err != nil {
		t.Skipf("kernel oracle unavailable, test skipped: %v", err)
	}
}

// maxResultSize bounds Program.ResultSize for every Config.
const maxResultSize = 10*8 + 512

// forEachSeed calls fn for n seeds from -progen.seed on, on one worker per
// CPU. Each worker owns a result map. fn returns false to stop the run.
func forEachSeed(t *testing.T, n int, fn func(seed int64, m *kernel.ValueMap) bool) {
	t.Helper()
	base := *flagSeed
	t.Logf("programs: %d, seeds %d..%d (rerun with -run '%s' -args -progen.seed=%d -progen.n=N)",
		n, base, base+int64(n)-1, t.Name(), base)
	var (
		mu   sync.Mutex
		next int
		stop bool
		wg   sync.WaitGroup
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		m, err := kernel.NewValueMap(maxResultSize)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				done := stop || i >= n
				mu.Unlock()
				if done {
					return
				}
				if !fn(base+int64(i), m) {
					mu.Lock()
					stop = true
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestKernelAcceptsGenerated loads every generated program into the kernel
// verifier: the generator must only produce programs the kernel accepts.
func TestKernelAcceptsGenerated(t *testing.T) {
	requireKernel(t)
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				rejected int
			)
			forEachSeed(t, s.count(), func(seed int64, m *kernel.ValueMap) bool {
				p := Generate(seed, s.cfg)
				insns := p.Kernel(m.LoadAddr(asm.R1, 0))
				kp, err := kernel.LoadXDP(insns)
				if err == nil {
					kp.Close()
					return true
				}
				mu.Lock()
				defer mu.Unlock()
				rejected++
				if rejected <= 3 {
					t.Errorf("seed %d: %v\nprogram:\n%s", seed, err, listing(insns))
				}
				return rejected < 20
			})
			if rejected > 0 {
				t.Errorf("%d programs rejected", rejected)
			}
		})
	}
}

// listing prints a program one instruction per line: slot index, raw hex
// and LLVM-style text.
func listing(insns asm.Instructions) string {
	var b strings.Builder
	for pc := 0; pc < len(insns); {
		text, w := asm.FormatInstruction(insns, pc, asm.SyntaxLLVM)
		if w == 0 {
			break
		}
		var raw [16]byte
		for i := 0; i < w; i++ {
			insns[pc+i].Encode(raw[8*i:])
		}
		fmt.Fprintf(&b, "%4d: %-32s %s\n", pc, hex.EncodeToString(raw[:8*w]), text)
		pc += w
	}
	return b.String()
}

// describe names an instruction's form: opcode plus the fields that select
// a variant (signed division, sign extension width, swap width, atomic op,
// local call).
func describe(ins asm.Instruction) string {
	op := ins.OpCode
	s := fmt.Sprintf("op=%#02x", uint8(op))
	switch {
	case op.IsALU() && (op.ALUOp() == asm.ALUDiv || op.ALUOp() == asm.ALUMod) && ins.Offset != 0:
		s += fmt.Sprintf(" off=%d", ins.Offset)
	case op.IsALU() && op.ALUOp() == asm.ALUMov && op.Source() == asm.SrcX && ins.Offset != 0:
		s += fmt.Sprintf(" off=%d", ins.Offset)
	case op.IsALU() && op.ALUOp() == asm.ALUEnd:
		s += fmt.Sprintf(" imm=%d", ins.Imm)
	case op.Class() == asm.ClassSTX && op.Mode() == asm.ModeATOMIC:
		s += fmt.Sprintf(" imm=%#02x", uint32(ins.Imm))
	case op == asm.OpCall:
		s += fmt.Sprintf(" src=%d", ins.Src)
	}
	return s
}

// coverage counts instruction forms (see describe) over programs.
type coverage struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *coverage) add(insns asm.Instructions) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	for i := 0; i < len(insns); i++ {
		c.counts[describe(insns[i])]++
		if insns[i].IsLoadImm64() {
			i++
		}
	}
}

func (c *coverage) String() string {
	keys := make([]string, 0, len(c.counts))
	for k := range c.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%d instruction forms:\n", len(keys))
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-22s %8d\n", k, c.counts[k])
	}
	return b.String()
}
