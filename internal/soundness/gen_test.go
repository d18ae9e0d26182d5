package soundness

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/progen"
)

// Generators of candidates.
const (
	genCorpus  = iota // a mutated program of testdata/*.o and testdata/harness/*.o
	genProgen         // a mutated progen program
	genGrammar        // a grammar program, maybe mutated
	numGens
)

var genNames = [numGens]string{"corpus", "progen", "grammar"}

// seedProg is a corpus program gbpf and the kernel accept as it is.
type seedProg struct {
	name string
	prog *Prog
}

// maxSeedProcessed leaves out corpus programs that take the verifier
// long: their mutants would take most of the time.
const maxSeedProcessed = 100_000

var corpusSeeds = sync.OnceValues(func() ([]seedProg, string) { return loadCorpusSeeds(nil) })

// loadCorpusSeeds converts the corpus programs the fuzzer can mutate: the
// ones gbpf's verifier accepts, the kernel accepts (when it can be asked)
// and that run without a runtime error on a few inputs. With only, it
// takes the programs named there without checking them again.
func loadCorpusSeeds(only map[string]bool) ([]seedProg, string) {
	var objs []string
	for _, pat := range []string{"../../testdata/*.o", "../../testdata/harness/*.o"} {
		m, _ := filepath.Glob(pat)
		objs = append(objs, m...)
	}
	sort.Strings(objs)
	var seeds []seedProg
	var skipped []string
	for _, obj := range objs {
		base := filepath.Base(obj)
		if strings.HasPrefix(base, "rej_") {
			continue
		}
		spec, err := ebpf.LoadCollectionSpec(obj)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", base, err))
			continue
		}
		var names []string
		for n := range spec.Programs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			key := base + "/" + name
			p, err := fromSpec(spec, name)
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("%s: %v", key, err))
				continue
			}
			p.Origin = key
			if only != nil {
				if only[key] {
					seeds = append(seeds, seedProg{key, p})
				}
				continue
			}
			out := Check(p, Options{Inputs: 3, Kernel: true, Seed: 1})
			switch {
			case !out.Accepted:
				skipped = append(skipped, fmt.Sprintf("%s: gbpf rejects it: %v", key, firstLine(fmt.Sprint(out.Reject))))
			case out.Finding != nil:
				skipped = append(skipped, fmt.Sprintf("%s: unmutated: %s", key, firstLine(out.Finding.String())))
			case out.Processed > maxSeedProcessed:
				skipped = append(skipped, fmt.Sprintf("%s: too slow to verify many mutants (%d insns processed)", key, out.Processed))
			default:
				seeds = append(seeds, seedProg{key, p})
			}
		}
	}
	return seeds, strings.Join(skipped, "\n")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Generate makes candidate number seed of generator gen.
func Generate(gen int, seed uint64) *Prog { return generate(gen, seed, true) }

// generate makes a candidate; without loops, it uses no corpus program
// and no grammar snippet with a backward jump (a mutated loop may make
// the verifier work long, which the campaign finds, but which a quick
// test must not depend on).
func generate(gen int, seed uint64, loops bool) *Prog {
	rng := rand.New(rand.NewPCG(seed, uint64(gen)))
	switch gen {
	case genCorpus:
		seeds, _ := corpusSeeds()
		if !loops {
			seeds = loopFree(seeds)
		}
		if len(seeds) == 0 {
			return grammarProg(rng, seed, loops)
		}
		s := seeds[rng.IntN(len(seeds))]
		return Mutate(s.prog, rng, mutationCount(rng))
	case genProgen:
		return progenProg(rng, seed)
	default:
		p := grammarProg(rng, seed, loops)
		n := mutationCount(rng)
		if rng.IntN(4) == 0 {
			n = 0
		}
		return Mutate(p, rng, n)
	}
}

func loopFree(seeds []seedProg) []seedProg {
	var out []seedProg
	for _, s := range seeds {
		if !hasBackJump(s.prog.Insns) {
			out = append(out, s)
		}
	}
	return out
}

// hasBackJump reports a jump backwards or a callback (bpf_loop and the
// like run it repeatedly).
func hasBackJump(insns asm.Instructions) bool {
	for i, ins := range insns {
		if t, ok := ins.JumpTarget(i); ok && (t <= i || ins.IsLoadImm64()) {
			return true
		}
	}
	return false
}

func mutationCount(rng *rand.Rand) int {
	switch r := rng.IntN(10); {
	case r < 5:
		return 1
	case r < 8:
		return 2
	default:
		return 3 + rng.IntN(2)
	}
}

// progenProg is a mutated progen program: XDP, results stored into an
// array map value.
func progenProg(rng *rand.Rand, seed uint64) *Prog {
	cfg := progen.Config{BodyLen: 10 + rng.IntN(60), SubprogLen: 5 + rng.IntN(20), MaxSubprogs: rng.IntN(3) - 1, StackSize: 8 * (1 + rng.IntN(8))}
	if cfg.MaxSubprogs == 0 {
		cfg.MaxSubprogs = -1
	}
	g := progen.Generate(int64(seed), cfg)
	out := &ebpf.MapSpec{Name: "out", Type: ebpf.Array, KeySize: 4, ValueSize: uint32(g.ResultSize()), MaxEntries: 1}
	load := asm.LoadImm64Pseudo(asm.R1, asm.PseudoMapValue, 0)
	p := &Prog{Origin: fmt.Sprintf("progen seed %d %+v", seed, cfg), Type: ebpf.XDP, Maps: []*ebpf.MapSpec{out}, Insns: g.Kernel(load)}
	return Mutate(p, rng, mutationCount(rng))
}

// grammar builds small programs around the verifier's features, in LLVM
// assembly text.
type grammar struct {
	rng    *rand.Rand
	b      strings.Builder
	labels int
	typ    ebpf.ProgramType
	valSz  [2]int // value sizes of maps 0 (array) and 1 (hash)
	subs   []string
	loops  bool // snippets with loops and callbacks allowed
}

func (g *grammar) line(format string, args ...any) { fmt.Fprintf(&g.b, format+"\n", args...) }

func (g *grammar) label() string {
	g.labels++
	return fmt.Sprintf("l%d", g.labels)
}

func (g *grammar) dataOffs() (int, int) {
	if g.typ == ebpf.XDP {
		return 0, 4
	}
	return 76, 80
}

var sizeNames = map[int]string{1: "u8", 2: "u16", 4: "u32", 8: "u64"}

func (g *grammar) size() int { return pick(g.rng, []int{1, 2, 4, 8}) }

// skipUnless jumps to out unless "a op b" holds, in one of the spellings
// compilers use.
func (g *grammar) bound(ptr, end, out string) {
	switch g.rng.IntN(4) {
	case 0:
		g.line("if %s > %s goto %s", ptr, end, out)
	case 1:
		g.line("if %s < %s goto %s", end, ptr, out)
	case 2:
		ok := g.label()
		g.line("if %s <= %s goto %s", ptr, end, ok)
		g.line("goto %s", out)
		g.line("%s:", ok)
	default:
		ok := g.label()
		g.line("if %s >= %s goto %s", end, ptr, ok)
		g.line("goto %s", out)
		g.line("%s:", ok)
	}
}

func (g *grammar) loadPkt() {
	d, e := g.dataOffs()
	g.line("r2 = *(u32 *)(r6 + %d)", d)
	g.line("r3 = *(u32 *)(r6 + %d)", e)
}

// access reads or writes size bytes at reg+off.
func (g *grammar) access(reg string, off, size int) {
	if g.rng.IntN(3) == 0 {
		g.line("*(%s *)(%s + %d) = r9", sizeNames[size], reg, off)
		return
	}
	g.line("r1 = *(%s *)(%s + %d)", sizeNames[size], reg, off)
	g.line("r9 += r1")
}

// boundedScalar leaves in reg a scalar the verifier knows to be in
// [0, limit] (or tries to).
func (g *grammar) boundedScalar(reg string, limit int, out string) {
	switch g.rng.IntN(7) {
	case 0:
		mask := 1
		for mask*2-1 <= limit {
			mask *= 2
		}
		g.line("%s &= %d", reg, mask-1)
	case 1:
		g.line("if %s > %d goto %s", reg, limit, out)
	case 2:
		g.line("if %s s> %d goto %s", reg, limit, out)
		g.line("if %s s< 0 goto %s", reg, out)
	case 3:
		g.line("%s %%= %d", reg, limit+1)
	case 4:
		g.line("w%s &= %d", reg[1:], limit)
	case 5:
		g.line("if w%s > %d goto %s", reg[1:], limit, out)
		g.line("w%s = w%s", reg[1:], reg[1:])
	default:
		g.line("if %s >= %d goto %s", reg, limit+1, out)
	}
}

func (g *grammar) scalarSource(reg string) {
	switch g.rng.IntN(3) {
	case 0:
		g.line("call 7")
		g.line("%s = r0", reg)
	case 1: // ingress_ifindex, len
		off := 12
		if g.typ != ebpf.XDP {
			off = 0
		}
		g.line("%s = *(u32 *)(r6 + %d)", reg, off)
	default:
		g.line("%s = r9", reg)
	}
}

// lookup leaves a map value pointer, null-checked, in r0; out is where a
// null result goes.
func (g *grammar) lookup(m int, out string) {
	g.line("r1 = 0")
	g.line("*(u64 *)(r10 - 8) = r1")
	g.line("*(u32 *)(r10 - 8) = %d", g.rng.IntN(4))
	g.line("r2 = r10")
	g.line("r2 += -8")
	g.line("r1 = map_fd(%d) ll", m)
	g.line("call 1")
	if g.rng.IntN(2) == 0 {
		g.line("if r0 == 0 goto %s", out)
	} else {
		ok := g.label()
		g.line("if r0 != 0 goto %s", ok)
		g.line("goto %s", out)
		g.line("%s:", ok)
	}
}

func (g *grammar) snippet() {
	out := g.label()
	choice := g.rng.IntN(20)
	if !g.loops && (choice == 10 || choice == 17) {
		choice = 11
	}
	if g.typ == ebpf.SocketFilter && (choice <= 1 || choice == 6 || choice == 9 || choice == 15 || choice == 18) {
		choice = 19 // no direct packet access: legacy loads instead
	}
	switch choice {
	case 0: // packet, constant bound
		n := 1 + g.rng.IntN(64)
		size := min(g.size(), n)
		for sizeNames[size] == "" {
			size--
		}
		g.loadPkt()
		g.line("r4 = r2")
		g.line("r4 += %d", n)
		g.bound("r4", "r3", out)
		g.access("r2", g.rng.IntN(n-size+1), size)
	case 1: // packet, variable offset
		g.loadPkt()
		g.line("r4 = r2")
		g.line("r4 += 1")
		g.bound("r4", "r3", out)
		g.line("r5 = *(u8 *)(r2 + 0)")
		g.boundedScalar("r5", pick(g.rng, []int{7, 15, 31, 63, 255}), out)
		g.line("r2 += r5")
		n := 1 + g.rng.IntN(16)
		g.line("r4 = r2")
		g.line("r4 += %d", n)
		g.bound("r4", "r3", out)
		g.access("r2", 0, pick(g.rng, []int{1, 1, 2}))
	case 2, 3: // map value, constant offset
		m := g.rng.IntN(2)
		g.lookup(m, out)
		size := g.size()
		for size > g.valSz[m] {
			size /= 2
		}
		g.access("r0", g.rng.IntN(g.valSz[m]-size+1)&^(size-1), size)
	case 4: // map value, variable offset
		m := g.rng.IntN(2)
		g.lookup(m, out)
		g.line("r7 = r0")
		g.scalarSource("r8")
		g.boundedScalar("r8", g.valSz[m]-1, out)
		g.line("r7 += r8")
		g.access("r7", 0, 1)
	case 5: // spill and fill a map value pointer
		m := g.rng.IntN(2)
		g.lookup(m, out)
		slot := 16 + 8*g.rng.IntN(4)
		g.line("*(u64 *)(r10 - %d) = r0", slot)
		g.line("r0 = 0")
		g.line("r7 = *(u64 *)(r10 - %d)", slot)
		g.access("r7", 0, min(8, g.valSz[m]))
	case 6: // spill and fill a packet pointer and a bounded scalar
		g.loadPkt()
		g.line("r4 = r2")
		g.line("r4 += 8")
		g.bound("r4", "r3", out)
		g.line("*(u64 *)(r10 - 16) = r2")
		g.line("r5 = *(u8 *)(r2 + 0)")
		g.line("r5 &= 7")
		g.line("*(u64 *)(r10 - 24) = r5")
		g.line("r7 = *(u64 *)(r10 - 16)")
		g.line("r8 = *(u64 *)(r10 - 24)")
		g.line("r7 += r8")
		g.access("r7", 0, 1)
	case 7: // stack, variable offset
		n := 8 * (1 + g.rng.IntN(8))
		for off := 8; off <= n; off += 8 {
			g.line("*(u64 *)(r10 - %d) = r9", off)
		}
		g.scalarSource("r8")
		g.boundedScalar("r8", n-1, out)
		g.line("r7 = r10")
		g.line("r7 += -%d", n)
		g.line("r7 += r8")
		g.line("r1 = *(u8 *)(r7 + 0)")
		g.line("r9 += r1")
	case 8: // helper with a memory and size pair on the stack
		n := 8 * (1 + g.rng.IntN(8))
		for off := 8; off <= n; off += 8 {
			g.line("*(u64 *)(r10 - %d) = r9", off)
		}
		switch g.rng.IntN(3) {
		case 0: // bpf_probe_read_kernel(dst, size, NULL)
			g.line("r1 = r10")
			g.line("r1 += -%d", n)
			g.line("r2 = %d", 1+g.rng.IntN(n))
			g.line("r3 = 0")
			g.line("call 113")
		case 1: // bpf_csum_diff(from, size, NULL, 0, 0)
			g.line("r1 = r10")
			g.line("r1 += -%d", n)
			g.line("r2 = %d", 4*(1+g.rng.IntN(n/4)))
			g.line("r3 = 0")
			g.line("r4 = 0")
			g.line("r5 = 0")
			g.line("call 28")
		default: // bpf_ringbuf_output(rb, data, size, 0)
			g.line("r1 = map_fd(2) ll")
			g.line("r2 = r10")
			g.line("r2 += -%d", n)
			g.line("r3 = %d", 1+g.rng.IntN(n))
			g.line("r4 = 0")
			g.line("call 130")
		}
		g.line("r9 += r0")
	case 9: // load packet bytes into the stack, variable length
		g.scalarSource("r4")
		g.boundedScalar("r4", 15, out)
		g.line("r4 += 1")
		g.line("r1 = r6")
		g.line("r2 = %d", g.rng.IntN(16))
		g.line("r3 = r10")
		g.line("r3 += -16")
		if g.typ == ebpf.XDP {
			g.line("call 189")
		} else {
			g.line("call 26")
		}
		g.line("r9 += r0")
	case 10: // bounded loop
		g.line("r1 = 0")
		loop := g.label()
		g.line("%s:", loop)
		g.line("r9 += r1")
		g.line("r1 += 1")
		g.line("if r1 < %d goto %s", 1+g.rng.IntN(20), loop)
	case 11: // map update from the stack
		m := g.rng.IntN(2)
		vs := (g.valSz[m] + 7) &^ 7
		g.line("r1 = 0")
		g.line("*(u64 *)(r10 - 8) = r1")
		for off := 16; off <= 8+vs; off += 8 {
			g.line("*(u64 *)(r10 - %d) = r9", off)
		}
		g.line("r1 = map_fd(%d) ll", m)
		g.line("r2 = r10")
		g.line("r2 += -8")
		g.line("r3 = r10")
		g.line("r3 += -%d", 8+vs)
		g.line("r4 = 0")
		g.line("call 2")
		g.line("r9 += r0")
	case 12: // ring buffer record: reserve, write, submit or discard
		size := 8 * (1 + g.rng.IntN(8))
		g.line("r1 = map_fd(2) ll")
		g.line("r2 = %d", size)
		g.line("r3 = 0")
		g.line("call 131")
		g.line("if r0 == 0 goto %s", out)
		g.line("*(u64 *)(r0 + %d) = r9", 8*g.rng.IntN(size/8))
		g.line("r1 = r0")
		g.line("r2 = 0")
		g.line("call %d", pick(g.rng, []int{132, 133}))
	case 13: // bpf-to-bpf call with a pointer to the caller's stack
		sub := g.label()
		g.line("*(u64 *)(r10 - 8) = r9")
		g.line("*(u64 *)(r10 - 16) = r9")
		g.line("r1 = r10")
		g.line("r1 += -16")
		g.line("r2 = %d", g.rng.IntN(16))
		g.line("call %s", sub)
		g.line("r9 += r0")
		body := fmt.Sprintf("%s:\n", sub)
		if g.rng.IntN(2) == 0 {
			body += fmt.Sprintf("r0 = *(u64 *)(r1 + %d)\n", 8*g.rng.IntN(2))
		} else {
			body += "r2 &= 15\nr1 += r2\nr0 = *(u8 *)(r1 + 0)\n"
		}
		g.subs = append(g.subs, body+"exit\n")
	case 14: // bpf-to-bpf call with a map value pointer
		m := g.rng.IntN(2)
		sub := g.label()
		g.lookup(m, out)
		g.line("r1 = r0")
		g.line("call %s", sub)
		g.line("r9 += r0")
		size := min(g.size(), g.valSz[m])
		for size > g.valSz[m] || sizeNames[size] == "" {
			size /= 2
		}
		g.subs = append(g.subs, fmt.Sprintf("%s:\nr0 = *(%s *)(r1 + %d)\nexit\n", sub, sizeNames[size], g.rng.IntN(g.valSz[m]-size+1)&^(size-1)))
	case 15: // packet length by pointer subtraction (the kernel learns no range from it)
		n := 1 + g.rng.IntN(40)
		g.loadPkt()
		g.line("r4 = r3")
		g.line("r4 -= r2")
		g.line("if r4 < %d goto %s", n, out)
		g.line("r1 = *(u8 *)(r2 + %d)", n-1)
		g.line("r9 += r1")
	case 16: // scalar tricks, then pointer arithmetic on a map value
		m := g.rng.IntN(2)
		g.lookup(m, out)
		g.line("r7 = r0")
		g.scalarSource("r8")
		switch g.rng.IntN(7) {
		case 0:
			g.line("r8 <<= 32")
			g.line("r8 s>>= 32")
		case 1:
			g.line("r8 = -r8")
		case 2:
			g.line("r8 *= 3")
		case 3:
			g.line("w8 = w8")
		case 4:
			g.line("r8 = (s8)r8")
		case 5:
			g.line("r8 ^= 255")
		default:
			g.line("r8 >>= %d", 56+g.rng.IntN(8))
		}
		g.boundedScalar("r8", g.valSz[m]-1, out)
		g.line("r7 += r8")
		g.access("r7", 0, 1)
	case 17: // bpf_loop with a callback reading the caller's stack
		cb := g.label()
		g.line("*(u64 *)(r10 - 8) = r9")
		g.line("r1 = %d", 1+g.rng.IntN(8))
		g.line("r2 = func(%s) ll", cb)
		g.line("r3 = r10")
		g.line("r3 += -8")
		g.line("r4 = 0")
		g.line("call 181")
		g.line("r9 += r0")
		g.subs = append(g.subs, fmt.Sprintf("%s:\nr0 = *(u64 *)(r2 + 0)\n*(u64 *)(r2 + 0) = r1\nr0 = %d\nexit\n", cb, g.rng.IntN(2)))
	case 18: // atomic update of a map value
		m := 0
		g.lookup(m, out)
		g.line("r1 = 1")
		if g.rng.IntN(2) == 0 {
			g.line("lock *(u64 *)(r0 + %d) += r1", 8*g.rng.IntN(g.valSz[m]/8))
		} else {
			g.line("r1 = atomic_fetch_add((u64 *)(r0 + %d), r1)", 8*g.rng.IntN(g.valSz[m]/8))
			g.line("r9 += r1")
		}
	case 19: // legacy packet loads (r6 is the context)
		if g.typ == ebpf.XDP {
			g.line("r9 += 1")
			break
		}
		g.line("r0 = *(%s *)skb[%d]", pick(g.rng, []string{"u8", "u16", "u32"}), g.rng.IntN(64))
		g.line("r9 += r0")
		g.scalarSource("r7")
		g.line("r7 &= 63")
		g.line("r0 = *(u8 *)skb[r7 + %d]", g.rng.IntN(16))
		g.line("r9 += r0")
	}
	g.line("%s:", out)
}

// grammarProg is a program of 1 to 4 snippets.
func grammarProg(rng *rand.Rand, seed uint64, loops bool) *Prog {
	g := &grammar{rng: rng, loops: loops, typ: pick(rng, []ebpf.ProgramType{ebpf.XDP, ebpf.XDP, ebpf.XDP, ebpf.SchedCLS, ebpf.SchedCLS, ebpf.SocketFilter})}
	g.valSz = [2]int{pick(rng, []int{8, 16, 24, 32, 48, 64}), pick(rng, []int{4, 8, 12, 16, 40})}
	g.line("r6 = r1")
	g.line("r9 = 0")
	for range 1 + rng.IntN(4) {
		g.snippet()
	}
	switch rng.IntN(3) {
	case 0:
		g.line("r0 = r9")
		g.line("r0 &= 3")
	default:
		g.line("r0 = %d", rng.IntN(4))
	}
	g.line("exit")
	for _, sub := range g.subs {
		g.b.WriteString(sub)
	}
	insns, err := asm.Assemble(g.b.String(), asm.SyntaxLLVM)
	if err != nil {
		panic(fmt.Sprintf("grammar: %v\n%s", err, g.b.String()))
	}
	return &Prog{
		Origin: fmt.Sprintf("grammar seed %d", seed),
		Type:   g.typ,
		Maps: []*ebpf.MapSpec{
			{Name: "arr", Type: ebpf.Array, KeySize: 4, ValueSize: uint32(g.valSz[0]), MaxEntries: 4},
			{Name: "hash", Type: ebpf.Hash, KeySize: 4, ValueSize: uint32(g.valSz[1]), MaxEntries: 8},
			{Name: "rb", Type: ebpf.RingBuf, MaxEntries: 4096},
		},
		Insns: insns,
	}
}
