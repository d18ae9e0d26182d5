package soundness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// knownUnsound are the cases of testdata/ that still reproduce: gbpf's
// verifier accepts them although they fail at run time or the kernel
// rejects them. They are logged, not failed; once one stops reproducing
// (the verifier was fixed), remove it here and it becomes a regression
// test.
var knownUnsound = map[string]string{
	// The kernel rejects it: gbpf's verifier is the more precise one
	// and proves what the kernel cannot.
	"neg-bounds-more-precise.case": "below a bound, the negation of a u32 is known to be 0 (the kernel keeps its unsigned bound only)",
}

// loadCases reads testdata/*.case.
func loadCases(t testing.TB) map[string]*Case {
	files, err := filepath.Glob("testdata/*.case")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]*Case{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCase(string(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases[filepath.Base(f)] = c
	}
	return cases
}

// slowCaseLimit is how long a known "slow" case is given before it counts
// as still reproducing (the kernel rejects those programs in well under a
// second).
const slowCaseLimit = 5 * time.Second

// reproduces says whether a kept case still shows its bug: gbpf accepts
// it and the oracle of its kind fires (for kernel rejections, when the
// kernel cannot be asked, acceptance alone counts: the kernel's verdict is
// recorded in the case). A "slow" case, where the verifier does not
// finish, is verified in a worker process; known says it is expected to
// hang, and then the worker gets slowCaseLimit.
func (c *Case) reproduces(path string, known bool) (bool, string) {
	if c.Kind == kindSlow {
		limit := time.Duration(math.MaxInt64)
		if known {
			limit = slowCaseLimit
		}
		var workers pool
		defer workers.close()
		rep, done, err := workers.call(request{Op: "verify", Name: path}, limit)
		switch {
		case err != nil:
			return false, err.Error()
		case !done:
			return true, "the verifier takes more than " + limit.String()
		case rep.Err != "":
			return false, rep.Err
		case rep.Outcome.Accepted:
			return true, "the verifier accepts it"
		}
		return false, "rejected: " + firstLine(rep.Reject)
	}
	_, spec, err, pf := verify(c.Prog)
	switch {
	case c.Kind == kindVerifierPanic:
		if pf != nil {
			return true, firstLine(pf.Detail)
		}
		return false, fmt.Sprintf("no panic (verdict: %v)", err)
	case pf != nil:
		return true, "verifier panics: " + firstLine(pf.Detail)
	case err != nil:
		return false, "rejected: " + firstLine(err.Error())
	}
	if c.Kind == kindKernelRejects {
		acc, msg, ok := kernelVerdict(spec)
		switch {
		case !ok:
			return true, "accepted (the kernel, not asked, rejects it)"
		case acc:
			return false, "accepted, and the kernel accepts it now"
		}
		return true, "accepted; kernel: " + firstLine(msg)
	}
	seeds := []uint64{c.Input}
	for i := range uint64(8) {
		seeds = append(seeds, c.Input+1+i)
	}
	for _, s := range seeds {
		if f := reproduceRuntime(c.Prog, s); f != nil {
			return true, "accepted; " + f.String()
		}
	}
	return false, "accepted, and runs without error"
}

// TestRegressions checks every kept case: fixed ones must be rejected (or
// run clean), known ones must still reproduce.
func TestRegressions(t *testing.T) {
	cases := loadCases(t)
	for name := range knownUnsound {
		if cases[name] == nil {
			t.Errorf("knownUnsound lists %s, which testdata/ does not have", name)
		}
	}
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		c := cases[name]
		t.Run(strings.TrimSuffix(name, ".case"), func(t *testing.T) {
			reason, known := knownUnsound[name]
			rep, why := c.reproduces(filepath.Join("testdata", name), known)
			switch {
			case known && rep:
				t.Logf("known unsound (%s): %s", reason, why)
			case known:
				t.Errorf("no longer reproduces (%s): remove it from knownUnsound, it is a regression test now", why)
			case rep:
				t.Errorf("verifier bug is back: %s\n%s", why, c.Prog.Text())
			}
		})
	}
}

// knownSignatures are the signatures of the known cases' findings, so
// that the fuzz tests log rather than fail on bugs already recorded.
func knownSignatures(t testing.TB) map[string]string {
	sigs := map[string]string{}
	for name, c := range loadCases(t) {
		if _, ok := knownUnsound[name]; !ok {
			continue
		}
		for _, cm := range c.Comments {
			if s, ok := strings.CutPrefix(cm, "signature: "); ok {
				sigs[s] = name
			}
		}
	}
	return sigs
}

type stats struct {
	candidates, accepted, runs, findings int
	perGen                               [numGens][2]int // candidates, accepted
}

func (s *stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d candidates, %d accepted, %d runs, %d findings", s.candidates, s.accepted, s.runs, s.findings)
	for g := range numGens {
		fmt.Fprintf(&b, "; %s %d/%d accepted", genNames[g], s.perGen[g][1], s.perGen[g][0])
	}
	return b.String()
}

// TestSoundness checks a fixed set of candidates of every generator.
func TestSoundness(t *testing.T) {
	seeds, skipped := corpusSeeds()
	t.Logf("corpus: %d programs to mutate; not used:\n%s", len(seeds), skipped)
	known := knownSignatures(t)
	n := 100
	if testing.Short() {
		n = 30
	}
	var st stats
	for gen := range numGens {
		for seed := uint64(1); seed <= uint64(n); seed++ {
			p := generate(gen, seed, false)
			out, done := within(time.Minute, func() Outcome { return Check(p, Options{Inputs: 4, Kernel: true, Seed: seed}) })
			if !done {
				t.Fatalf("%s seed %d: the check takes more than a minute\n%s\n%s", genNames[gen], seed, p.Origin, p.Text())
			}
			st.add(gen, out)
			if f := out.Finding; f != nil {
				if name, ok := known[f.Signature()]; ok {
					t.Logf("%s seed %d: known (%s): %s", genNames[gen], seed, name, firstLine(f.Detail))
					continue
				}
				t.Errorf("%s seed %d: %s\n%s\nprogram (%s):\n%s", genNames[gen], seed, f.Signature(), f.Detail, p.Origin, p.Text())
			}
		}
	}
	t.Log(&st)
}

func (s *stats) add(gen int, out Outcome) {
	s.candidates++
	s.perGen[gen][0]++
	if out.Accepted || out.Finding != nil {
		s.accepted++
		s.perGen[gen][1]++
	}
	s.runs += out.Runs
	if out.Finding != nil {
		s.findings++
	}
}

// FuzzSoundness explores candidates: gen picks the generator, seed the
// program and its mutations. Programs with loops are left out unless
// SOUNDNESS_LOOPS is set: while loop-never-ends.case is unfixed, mutated
// loops keep the verifier busy for minutes, which the fuzzer reports as a
// hang (TestCampaign copes with them in a worker process).
func FuzzSoundness(f *testing.F) {
	loops := os.Getenv("SOUNDNESS_LOOPS") != ""
	for gen := range numGens {
		for _, seed := range []uint64{1000, 2000, 3000} {
			f.Add(uint8(gen), seed)
		}
	}
	known := knownSignatures(f)
	f.Fuzz(func(t *testing.T, gen uint8, seed uint64) {
		p := generate(int(gen)%numGens, seed, loops)
		out := Check(p, Options{Inputs: 4, Kernel: true, Seed: seed})
		if f := out.Finding; f != nil {
			if name, ok := known[f.Signature()]; ok {
				t.Logf("known (%s): %s", name, firstLine(f.Detail))
				return
			}
			t.Fatalf("%s\n%s\nprogram (%s):\n%s", f.Signature(), f.Detail, p.Origin, p.Text())
		}
	})
}

// TestCampaign runs the fuzzer for SOUNDNESS_MINUTES minutes from seed
// SOUNDNESS_SEED, minimizes the first findings of each cause and writes
// them as cases to SOUNDNESS_OUT (default: a temporary directory), with a
// summary. False rejections (gbpf rejects, the kernel accepts) are
// sampled too.
func TestCampaign(t *testing.T) {
	minutes, _ := strconv.ParseFloat(os.Getenv("SOUNDNESS_MINUTES"), 64)
	if minutes <= 0 {
		t.Skip("set SOUNDNESS_MINUTES to run the campaign")
	}
	outDir := os.Getenv("SOUNDNESS_OUT")
	if outDir == "" {
		outDir = t.TempDir()
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	seed, _ := strconv.ParseUint(os.Getenv("SOUNDNESS_SEED"), 10, 64)
	if seed == 0 {
		seed = 1_000_000
	}
	seeds, _ := corpusSeeds()
	t.Logf("corpus: %d programs to mutate", len(seeds))
	deadline := time.Now().Add(time.Duration(minutes * float64(time.Minute)))
	var st stats
	bySig := map[string]int{}
	falseRej := map[string]int{}
	var falseRejExamples []string
	summary := func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s\n\nfindings by signature:\n", &st)
		var sigs []string
		for s := range bySig {
			sigs = append(sigs, s)
		}
		sort.Strings(sigs)
		for _, s := range sigs {
			fmt.Fprintf(&b, "%6d  %s\n", bySig[s], s)
		}
		b.WriteString("\nfalse rejections (sampled, gbpf reason):\n")
		var fr []string
		for s := range falseRej {
			fr = append(fr, s)
		}
		sort.Strings(fr)
		for _, s := range fr {
			fmt.Fprintf(&b, "%6d  %s\n", falseRej[s], s)
		}
		b.WriteString("\nexamples:\n" + strings.Join(falseRejExamples, "\n"))
		return b.String()
	}
	var workers pool
	defer workers.close()
	for i := uint64(0); time.Now().Before(deadline); i++ {
		gen := int(i % numGens)
		s := seed + i
		rep, done, err := workers.call(request{Op: "check", Gen: gen, Seed: s}, slowLimit)
		if err != nil {
			t.Fatal(err)
		}
		if !done {
			// The verifier (or a run) took too long, or crashed the worker.
			p := Generate(gen, s)
			sig := "slow: verifier or run takes more than " + slowLimit.String()
			bySig[sig]++
			name := fmt.Sprintf("slow-%d.case", s)
			c := &Case{Prog: p, Kind: kindSlow, Comments: []string{"origin: " + p.Origin, "signature: " + sig}}
			_ = os.WriteFile(filepath.Join(outDir, name), []byte(c.Format()), 0o644)
			t.Logf("slow: %s (%s seed %d)", name, genNames[gen], s)
			continue
		}
		out := rep.Outcome
		st.add(gen, out)
		if f := out.Finding; f != nil {
			sig := f.Signature()
			bySig[sig]++
			if bySig[sig] <= 3 {
				name := fmt.Sprintf("%s-%s-%d.case", f.Kind, shortHash(sig), bySig[sig])
				extra := []string{"signature: " + sig, fmt.Sprintf("found by: %s seed %d", genNames[gen], s)}
				_, done, err := workers.call(request{Op: "minimize", Gen: gen, Seed: s, OutDir: outDir, Name: name, Extra: extra}, 5*time.Minute)
				if err != nil || !done {
					_ = writeCase(filepath.Join(outDir, name), Generate(gen, s), f, append(extra, "(not minimized)"), false)
				}
				t.Logf("finding %s (%s seed %d): %s", name, genNames[gen], s, sig)
			}
		} else if !out.Accepted && rep.Reject != "" && s%16 == 0 {
			p := Generate(gen, s)
			spec, err := p.Spec()
			if err == nil {
				if acc, _, ok := kernelVerdict(spec); ok && acc {
					why := digits.ReplaceAllString(firstLine(rep.Reject), "N")
					falseRej[why]++
					if falseRej[why] <= 2 {
						falseRejExamples = append(falseRejExamples, fmt.Sprintf("--- %s seed %d: %s\n%s", genNames[gen], s, firstLine(rep.Reject), p.Text()))
					}
				}
			}
		}
		if i%500 == 499 {
			t.Logf("%d: %s", i+1, &st)
			_ = os.WriteFile(filepath.Join(outDir, "summary.txt"), []byte(summary()), 0o644)
		}
	}
	t.Log(summary())
	if err := os.WriteFile(filepath.Join(outDir, "summary.txt"), []byte(summary()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// slowLimit is how long the campaign waits for one candidate's check.
const slowLimit = 20 * time.Second

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}
