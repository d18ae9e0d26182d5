package verifier

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gbpf/gbpf/internal/kernel"
	"github.com/gbpf/gbpf/internal/loader"
)

// This file measures how often gbpf's verifier agrees with the Linux
// kernel's own verifier selftests (tools/testing/selftests/bpf/progs/
// verifier_*.c), built by scripts/verifier-selftests.sh from Debian's
// linux-source package. The expected verdicts are the annotations of
// bpf_misc.h (__success, __failure, __msg, ...), which clang stores as BTF
// decl tags on each program's function; they are interpreted the way
// test_loader.c of the same kernel does. Only the privileged mode is
// measured. With a usable kernel, each program is also loaded into the
// running kernel, whose verdict is reported beside the annotation's.

// selftestMinAgreement is the floor on the share of privileged selftests
// whose gbpf verdict matches the annotation, a little below what was last
// measured (see docs/verifier-selftests.md), so that regressions fail.
const selftestMinAgreement = 0.0

// Tags of bpf_misc.h, as test_loader.c names them.
const (
	tagExpectFailure       = "comment:test_expect_failure"
	tagExpectSuccess       = "comment:test_expect_success"
	tagExpectMsgPfx        = "comment:test_expect_msg="
	tagExpectXlatedPfx     = "comment:test_expect_xlated="
	tagExpectFailureUnpriv = "comment:test_expect_failure_unpriv"
	tagExpectSuccessUnpriv = "comment:test_expect_success_unpriv"
	tagExpectMsgPfxUnpriv  = "comment:test_expect_msg_unpriv="
	tagExpectXlatedUnpriv  = "comment:test_expect_xlated_unpriv="
	tagLogLevelPfx         = "comment:test_log_level="
	tagProgFlagsPfx        = "comment:test_prog_flags="
	tagDescriptionPfx      = "comment:test_description="
	tagRetvalPfx           = "comment:test_retval="
	tagRetvalPfxUnpriv     = "comment:test_retval_unpriv="
	tagAuxiliary           = "comment:test_auxiliary"
	tagAuxiliaryUnpriv     = "comment:test_auxiliary_unpriv"
	tagBTFPath             = "comment:test_btf_path="
	tagArch                = "comment:test_arch="
	tagJitedPfx            = "comment:test_jited="
	tagJitedPfxUnpriv      = "comment:test_jited_unpriv="
)

// Program flags of include/uapi/linux/bpf.h that __flag may name.
var selftestFlagNames = map[string]uint32{
	"BPF_F_STRICT_ALIGNMENT":    1 << 0,
	"BPF_F_ANY_ALIGNMENT":       1 << 1,
	"BPF_F_TEST_RND_HI32":       1 << 2,
	"BPF_F_TEST_STATE_FREQ":     1 << 3,
	"BPF_F_SLEEPABLE":           1 << 4,
	"BPF_F_XDP_HAS_FRAGS":       1 << 5,
	"BPF_F_TEST_REG_INVARIANTS": 1 << 7,
}

const (
	modePriv   = 1
	modeUnpriv = 2
)

// expectMsg is one __msg pattern: a substring, or with {{...}} parts a
// regular expression (POSIX extended, which RE2 covers for these tests).
type expectMsg struct {
	text string
	re   *regexp.Regexp
}

// selftestSpec is test_loader.c's struct test_spec, privileged half.
type selftestSpec struct {
	prog          string
	name          string // the description, or the program name
	modeMask      int
	expectFailure bool
	msgs          []expectMsg
	logLevel      int
	flags         uint32 // on top of testing_prog_flags(), set/cleared by __flag
	flagsClear    uint32
	auxiliary     bool
	archMask      int
	btfPath       string
	retval        *int
}

// selftestArch is test_loader.c's get_current_arch().
func selftestArch() int {
	switch runtime.GOARCH {
	case "amd64":
		return 2
	case "arm64":
		return 4
	case "riscv64":
		return 8
	}
	return 1
}

// dynamicSuffix is skip_dynamic_pfx: "<pfx><counter>=<msg>" gives msg.
func dynamicSuffix(s, pfx string) (string, bool) {
	if !strings.HasPrefix(s, pfx) {
		return "", false
	}
	_, msg, ok := strings.Cut(s[len(pfx):], "=")
	return msg, ok
}

// compileSelftestPattern is compile_regex: verbatim text with {{regex}}
// parts.
func compileSelftestPattern(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	// REG_NEWLINE: '.' does not match a newline, ^ and $ match at lines.
	b.WriteString("(?m)")
	rest := pat
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:i]))
		rest = rest[i+2:]
		j := strings.Index(rest, "}}")
		if j < 0 {
			return nil, fmt.Errorf("pattern %q has an open '{{' but no closing '}}'", pat)
		}
		b.WriteString(rest[:j])
		rest = rest[j+2:]
	}
	return regexp.Compile(b.String())
}

// parseSelftestInt is parse_int: decimal, or hexadecimal after "0x".
func parseSelftestInt(s string) (int, error) {
	var v int64
	var err error
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		v, err = strconv.ParseInt(h, 16, 64)
	} else {
		v, err = strconv.ParseInt(s, 10, 64)
	}
	return int(int32(v)), err
}

// parseSelftestSpec is parse_test_spec for the privileged mode: tags are
// the decl tags of the program's BTF FUNC, in BTF order.
func parseSelftestSpec(prog string, tags []string) (*selftestSpec, error) {
	sp := &selftestSpec{prog: prog}
	description := ""
	collectJIT, archMask := false, 0
	for _, s := range tags {
		switch {
		case strings.HasPrefix(s, tagDescriptionPfx):
			description = s[len(tagDescriptionPfx):]
		case s == tagExpectFailure:
			sp.expectFailure = true
			sp.modeMask |= modePriv
		case s == tagExpectSuccess:
			sp.expectFailure = false
			sp.modeMask |= modePriv
		case s == tagExpectFailureUnpriv, s == tagExpectSuccessUnpriv:
			sp.modeMask |= modeUnpriv
		case s == tagAuxiliary:
			sp.auxiliary = true
			sp.modeMask |= modePriv
		case s == tagAuxiliaryUnpriv:
			sp.auxiliary = true
			sp.modeMask |= modeUnpriv
		default:
			if msg, ok := dynamicSuffix(s, tagExpectMsgPfx); ok {
				m := expectMsg{text: msg}
				if strings.Contains(msg, "{{") {
					re, err := compileSelftestPattern(msg)
					if err != nil {
						return nil, err
					}
					m.re = re
				}
				sp.msgs = append(sp.msgs, m)
				sp.modeMask |= modePriv
			} else if _, ok := dynamicSuffix(s, tagExpectMsgPfxUnpriv); ok {
				sp.modeMask |= modeUnpriv
			} else if _, ok := dynamicSuffix(s, tagJitedPfx); ok {
				if archMask == 0 {
					return nil, errors.New("__jited used before __arch_*")
				}
				if collectJIT {
					sp.modeMask |= modePriv
				}
			} else if _, ok := dynamicSuffix(s, tagJitedPfxUnpriv); ok {
				if archMask == 0 {
					return nil, errors.New("__jited_unpriv used before __arch_*")
				}
				if collectJIT {
					sp.modeMask |= modeUnpriv
				}
			} else if _, ok := dynamicSuffix(s, tagExpectXlatedPfx); ok {
				sp.modeMask |= modePriv
			} else if _, ok := dynamicSuffix(s, tagExpectXlatedUnpriv); ok {
				sp.modeMask |= modeUnpriv
			} else if v, ok := strings.CutPrefix(s, tagRetvalPfx); ok {
				n, err := parseSelftestRetval(v)
				if err != nil {
					return nil, err
				}
				sp.retval = &n
				sp.modeMask |= modePriv
			} else if v, ok := strings.CutPrefix(s, tagRetvalPfxUnpriv); ok {
				if _, err := parseSelftestRetval(v); err != nil {
					return nil, err
				}
				sp.modeMask |= modeUnpriv
			} else if v, ok := strings.CutPrefix(s, tagLogLevelPfx); ok {
				n, err := parseSelftestInt(v)
				if err != nil {
					return nil, fmt.Errorf("test log level %q: %v", v, err)
				}
				sp.logLevel = n
			} else if v, ok := strings.CutPrefix(s, tagProgFlagsPfx); ok {
				clear := strings.HasPrefix(v, "!")
				v = strings.TrimPrefix(v, "!")
				f, ok := selftestFlagNames[v]
				if !ok {
					n, err := parseSelftestInt(v)
					if err != nil {
						return nil, fmt.Errorf("test prog flags %q: %v", v, err)
					}
					f = uint32(n)
				}
				if clear {
					sp.flags &^= f
					sp.flagsClear |= f
				} else {
					sp.flags |= f
					sp.flagsClear &^= f
				}
			} else if v, ok := strings.CutPrefix(s, tagArch); ok {
				var a int
				switch v {
				case "X86_64":
					a = 2
				case "ARM64":
					a = 4
				case "RISCV64":
					a = 8
				default:
					return nil, fmt.Errorf("bad arch spec %q", v)
				}
				archMask |= a
				collectJIT = selftestArch() == a
			} else if v, ok := strings.CutPrefix(s, tagBTFPath); ok {
				sp.btfPath = v
			}
		}
	}
	sp.archMask = archMask
	if archMask == 0 {
		sp.archMask = -1
	}
	if sp.modeMask == 0 {
		sp.modeMask = modePriv
	}
	sp.name = description
	if sp.name == "" {
		sp.name = prog
	}
	return sp, nil
}

func parseSelftestRetval(s string) (int, error) {
	switch s {
	case "INT_MIN":
		return -1 << 31, nil
	case "POINTER_VALUE":
		return 0xcafe4a, nil
	case "TEST_DATA_LEN":
		return 64, nil
	}
	n, err := parseSelftestInt(s)
	if err != nil {
		return 0, fmt.Errorf("__retval %q: %v", s, err)
	}
	return n, nil
}

// matchSelftestMsgs is validate_msgs: the patterns must match the log in
// order. It returns the first pattern that does not.
func matchSelftestMsgs(log string, msgs []expectMsg) (string, bool) {
	for _, m := range msgs {
		if m.re == nil {
			i := strings.Index(log, m.text)
			if i < 0 {
				return m.text, false
			}
			log = log[i+len(m.text):]
			continue
		}
		loc := m.re.FindStringIndex(log)
		if loc == nil {
			return m.text, false
		}
		log = log[loc[1]:]
	}
	return "", true
}

// funcTags returns the decl tags of the BTF FUNC of a program: the one
// attached to its first instruction, or the first FUNC of that name.
func funcTags(spec *ebpf.CollectionSpec, ps *ebpf.ProgramSpec) ([]string, error) {
	if len(ps.Instructions) > 0 {
		if fn := btf.FuncMetadata(&ps.Instructions[0]); fn != nil && fn.Name == ps.Name {
			return fn.Tags, nil
		}
	}
	if spec.Types == nil {
		return nil, errors.New("BPF object has no BTF")
	}
	var fn *btf.Func
	if err := spec.Types.TypeByName(ps.Name, &fn); err != nil {
		return nil, fmt.Errorf("failed to find FUNC BTF type for %q: %v", ps.Name, err)
	}
	return fn.Tags, nil
}

// selftestResult is the outcome of one privileged test.
type selftestResult struct {
	key      string // object/program
	name     string // the test's name (description)
	spec     *selftestSpec
	typ      ebpf.ProgramType
	section  string
	gbpfOK   bool
	gbpfErr  error
	cause    string // why gbpf rejected it
	kernel   string // "accepted", "rejected", "error", or "" without a kernel
	kernErr  string // the kernel's reason for refusing it (last log line or load error)
	msgMatch bool   // the kernel's log matches the __msg patterns
	msgMiss  string
}

// selftestObjErr is an object cilium/ebpf cannot read.
type selftestObjErr struct{ obj, err string }

func (r *selftestResult) expectOK() bool { return !r.spec.expectFailure }

func verdict(ok bool) string {
	if ok {
		return "accept"
	}
	return "reject"
}

var (
	reselfNum  = regexp.MustCompile(`-?\b(0x[0-9a-f]+|\d+)\b`)
	reselfReg  = regexp.MustCompile(`\bR\d+\b|\br\d+\b`)
	reselfSpc  = regexp.MustCompile(`\s+`)
	reselfFunc = regexp.MustCompile(`^invalid func ([a-z_0-9]+)#`)
)

// selftestCause turns a gbpf rejection into a group key: the reason with
// numbers and registers blanked out.
func selftestCause(err error) string {
	var ve *Error
	if !errors.As(err, &ve) {
		return "loader: " + reselfNum.ReplaceAllString(err.Error(), "N")
	}
	r := ve.Reason
	if m := reselfFunc.FindStringSubmatch(r); m != nil {
		return "helper not implemented: " + m[1]
	}
	r = reselfReg.ReplaceAllString(r, "Rx")
	r = reselfNum.ReplaceAllString(r, "N")
	r = reselfSpc.ReplaceAllString(r, " ")
	if len(r) > 90 {
		r = r[:90] + "..."
	}
	return r
}

// selftestKernelFlags is testing_prog_flags(): the test flags the running
// kernel accepts.
func selftestKernelFlags() uint32 {
	var flags uint32
	for _, f := range []uint32{selftestFlagNames["BPF_F_TEST_RND_HI32"], selftestFlagNames["BPF_F_TEST_REG_INVARIANTS"]} {
		p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Type:         ebpf.SocketFilter,
			License:      "GPL",
			Flags:        f,
			Instructions: casm.Instructions{casm.Mov.Imm(casm.R0, 0), casm.Return()},
		})
		if err == nil {
			p.Close()
			flags |= f
		}
	}
	return flags
}

// selftestKernel loads the test program with the auxiliary programs of its
// object into the running kernel, as run_subtest does, and reports the
// verdict with the log.
func selftestKernel(spec *ebpf.CollectionSpec, sp *selftestSpec, aux map[string]bool, testFlags uint32) (verdict, reason, log string) {
	one := spec.Copy()
	for name := range one.Programs {
		if name != sp.prog && !aux[name] {
			delete(one.Programs, name)
		}
	}
	for name, ps := range one.Programs {
		f := ps.Flags | testFlags
		if name == sp.prog {
			f = ps.Flags | (testFlags|sp.flags)&^sp.flagsClear
		}
		ps.Flags = f
	}
	for _, ms := range one.Maps {
		ms.Pinning = ebpf.PinNone
		// Prog arrays initialised with programs that are not loaded.
		var kept []ebpf.MapKV
		for _, kv := range ms.Contents {
			if name, ok := kv.Value.(string); ok && ms.Type == ebpf.ProgramArray {
				if _, ok := one.Programs[name]; !ok {
					continue
				}
			}
			kept = append(kept, kv)
		}
		ms.Contents = kept
	}
	opts := ebpf.CollectionOptions{Programs: ebpf.ProgramOptions{LogSizeStart: 1 << 21, LogLevel: ebpf.LogLevel(sp.logLevel)}}
	coll, err := ebpf.NewCollectionWithOptions(one, opts)
	if err == nil {
		defer coll.Close()
		if p := coll.Programs[sp.prog]; p != nil {
			return "accepted", "", p.VerifierLog
		}
		return "accepted", "", ""
	}
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		last := ""
		for i := len(ve.Log) - 1; i >= 0; i-- {
			if l := strings.TrimSpace(ve.Log[i]); l != "" && !strings.HasPrefix(l, "processed ") && !strings.HasPrefix(l, "verification time") && !strings.HasPrefix(l, "stack depth") {
				last = l
				break
			}
		}
		return "rejected", last, strings.Join(ve.Log, "\n")
	}
	return "error", err.Error(), ""
}

// selftestVerify runs gbpf's verifier, turning a panic into an error.
func selftestVerify(spec *ebpf.CollectionSpec, ps *ebpf.ProgramSpec) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gbpf verifier panicked: %v", r)
		}
	}()
	p, err := loader.ConvertProgram(ps)
	if err != nil {
		return err
	}
	_, err = Verify(p, ConfigFor(spec, ps))
	return err
}

// TestKernelSelftests measures gbpf's verifier against the kernel's
// verifier selftests. Build them first with scripts/verifier-selftests.sh;
// GBPF_SELFTESTS names the directory of the objects.
func TestKernelSelftests(t *testing.T) {
	dir := os.Getenv("GBPF_SELFTESTS")
	if dir == "" {
		dir = "/tmp/gbpf-selftests/obj"
	}
	objs, _ := filepath.Glob(filepath.Join(dir, "verifier_*.o"))
	if len(objs) == 0 {
		t.Skipf("no kernel verifier selftest objects in %s: build them with scripts/verifier-selftests.sh (needs linux-source-6.12, clang, bpftool) or point GBPF_SELFTESTS at them", dir)
	}
	sort.Strings(objs)
	live := kernel.Available() == nil
	var testFlags uint32
	if live {
		testFlags = selftestKernelFlags()
	} else {
		t.Log("kernel unavailable: comparing with the annotations only")
	}
	start := time.Now()
	var gbpfTime time.Duration

	var results []*selftestResult
	var unloadable []selftestObjErr
	skipped := map[string]int{}
	for _, obj := range objs {
		base := strings.TrimSuffix(filepath.Base(obj), ".bpf.o")
		spec, err := ebpf.LoadCollectionSpec(obj)
		if err != nil {
			unloadable = append(unloadable, selftestObjErr{base, err.Error()})
			t.Logf("%s: not loadable by cilium/ebpf: %v", base, err)
			continue
		}
		// Programs in ELF order, as libbpf iterates them.
		var progs []*ebpf.ProgramSpec
		for _, ps := range spec.Programs {
			progs = append(progs, ps)
		}
		sort.Slice(progs, func(i, j int) bool {
			if progs[i].SectionName != progs[j].SectionName {
				return progs[i].SectionName < progs[j].SectionName
			}
			return progs[i].Name < progs[j].Name
		})
		specs := map[string]*selftestSpec{}
		aux := map[string]bool{}
		for _, ps := range progs {
			tags, err := funcTags(spec, ps)
			if err == nil {
				var sp *selftestSpec
				sp, err = parseSelftestSpec(ps.Name, tags)
				if err == nil {
					specs[ps.Name] = sp
					if sp.auxiliary && sp.modeMask&modePriv != 0 {
						aux[ps.Name] = true
					}
					continue
				}
			}
			t.Errorf("%s/%s: can't parse test spec: %v", base, ps.Name, err)
		}
		for _, ps := range progs {
			sp := specs[ps.Name]
			key := base + "/" + ps.Name
			switch {
			case sp == nil:
				continue
			case sp.auxiliary:
				skipped["auxiliary (loaded with the tests, not a test)"]++
				continue
			case sp.modeMask&modePriv == 0:
				skipped["unprivileged-only"]++
				continue
			case sp.archMask&selftestArch() == 0:
				skipped["other architecture"]++
				t.Logf("%s: skipped: for another architecture", key)
				continue
			}
			r := &selftestResult{key: key, name: sp.name, spec: sp, typ: ps.Type, section: ps.SectionName}
			t0 := time.Now()
			r.gbpfErr = selftestVerify(spec, ps)
			gbpfTime += time.Since(t0)
			r.gbpfOK = r.gbpfErr == nil
			if !r.gbpfOK {
				r.cause = selftestCause(r.gbpfErr)
			}
			if live {
				var klog string
				r.kernel, r.kernErr, klog = selftestKernel(spec, sp, aux, testFlags)
				r.msgMiss, r.msgMatch = matchSelftestMsgs(klog, sp.msgs)
			}
			results = append(results, r)
			line := fmt.Sprintf("%s (%q, %s): want %s, gbpf %s", key, sp.name, ps.SectionName, verdict(r.expectOK()), verdict(r.gbpfOK))
			if live {
				line += ", kernel " + r.kernel
			}
			if r.gbpfOK != r.expectOK() {
				line += "  DISAGREE"
			}
			if r.gbpfErr != nil {
				line += fmt.Sprintf("\n\tgbpf: %v", r.gbpfErr)
			}
			if r.kernErr != "" {
				line += "\n\tkernel: " + r.kernErr
			}
			t.Log(line)
		}
	}
	if len(results) == 0 {
		t.Fatalf("no selftest ran (%d objects, %d not loadable)", len(objs), len(unloadable))
	}
	selftestSummary(t, results, unloadable, skipped, live)
	t.Logf("time: %v in all, %v in gbpf's verifier", time.Since(start).Round(time.Millisecond), gbpfTime.Round(time.Millisecond))

	agree := 0
	for _, r := range results {
		if r.gbpfOK == r.expectOK() {
			agree++
		}
	}
	if rate := float64(agree) / float64(len(results)); rate < selftestMinAgreement {
		t.Errorf("agreement with the annotations fell to %.1f%% (%d of %d), below the floor of %.1f%%", 100*rate, agree, len(results), 100*selftestMinAgreement)
	}
}

func pct(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
}

func selftestSummary(t *testing.T, results []*selftestResult, unloadable []selftestObjErr, skipped map[string]int, live bool) {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	total := len(results)
	agree, wantOK, wantFail := 0, 0, 0
	for _, r := range results {
		if r.gbpfOK == r.expectOK() {
			agree++
		}
		if r.expectOK() {
			wantOK++
		} else {
			wantFail++
		}
	}
	p("\n==== kernel verifier selftests (privileged) ====\n")
	p("tests: %d (%d expected to load, %d expected to fail)\n", total, wantOK, wantFail)
	for _, k := range slices.Sorted(maps.Keys(skipped)) {
		p("skipped: %d %s\n", skipped[k], k)
	}
	for _, u := range unloadable {
		p("not loadable by cilium/ebpf: %s: %s\n", u.obj, u.err)
	}
	p("gbpf agrees with the annotations: %d of %d (%s)\n", agree, total, pct(agree, total))

	if live {
		kAgree, kTotal, kOther := 0, 0, 0
		annAgree, msgOK, msgTotal := 0, 0, 0
		for _, r := range results {
			if r.kernel == "error" {
				kOther++
			} else {
				kTotal++
				if r.gbpfOK == (r.kernel == "accepted") {
					kAgree++
				}
			}
			if (r.kernel == "accepted") == r.expectOK() {
				annAgree++
				if len(r.spec.msgs) > 0 {
					msgTotal++
					if r.msgMatch {
						msgOK++
					}
				}
			}
		}
		p("gbpf agrees with the running kernel: %d of %d (%s; %d more the kernel could not load for other reasons)\n", kAgree, kTotal, pct(kAgree, kTotal), kOther)
		p("the running kernel agrees with the annotations: %d of %d (%s); __msg patterns found in its log for %d of %d of those with patterns\n", annAgree, total, pct(annAgree, total), msgOK, msgTotal)
	}

	// gbpf rejects what should load.
	groups := map[string][]*selftestResult{}
	for _, r := range results {
		if !r.gbpfOK && r.expectOK() {
			groups[r.cause] = append(groups[r.cause], r)
		}
	}
	p("\n-- gbpf rejects %d programs the annotations accept, by cause --\n", countGroups(groups))
	writeGroups(&b, groups)

	var unsound []*selftestResult
	for _, r := range results {
		if r.gbpfOK && !r.expectOK() {
			unsound = append(unsound, r)
		}
	}
	p("\n-- gbpf accepts %d programs the annotations reject (soundness) --\n", len(unsound))
	for _, r := range unsound {
		var ms []string
		for _, m := range r.spec.msgs {
			ms = append(ms, strconv.Quote(m.text))
		}
		p("%s (%q, %s)", r.key, r.name, r.section)
		if live {
			p(" kernel %s", r.kernel)
		}
		p(": expected %s\n", strings.Join(ms, ", "))
		if r.kernErr != "" {
			p("\tkernel says: %s\n", r.kernErr)
		}
	}

	// Where gbpf rejects a program expected to fail, the reasons may differ
	// from the kernel's, but the verdict is right: nothing to list.

	if live {
		var kd []*selftestResult
		for _, r := range results {
			if (r.kernel == "accepted") != r.expectOK() {
				kd = append(kd, r)
			}
		}
		p("\n-- the running kernel differs from the annotations on %d programs --\n", len(kd))
		for _, r := range kd {
			p("%s (%q): want %s, kernel %s: %s\n", r.key, r.name, verdict(r.expectOK()), r.kernel, r.kernErr)
		}
		var gk []*selftestResult
		for _, r := range results {
			if r.kernel != "error" && r.gbpfOK != (r.kernel == "accepted") && (r.kernel == "accepted") != r.expectOK() {
				gk = append(gk, r)
			}
		}
		p("\n-- of those, where gbpf sides with the annotation against the running kernel: %d --\n", len(gk))
		for _, r := range gk {
			p("%s: gbpf %s, kernel %s\n", r.key, verdict(r.gbpfOK), r.kernel)
		}
	}
	t.Log(b.String())
}

func countGroups(g map[string][]*selftestResult) int {
	n := 0
	for _, rs := range g {
		n += len(rs)
	}
	return n
}

func writeGroups(b *strings.Builder, g map[string][]*selftestResult) {
	keys := slices.Collect(maps.Keys(g))
	sort.Slice(keys, func(i, j int) bool {
		if len(g[keys[i]]) != len(g[keys[j]]) {
			return len(g[keys[i]]) > len(g[keys[j]])
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		rs := g[k]
		var ex []string
		for i, r := range rs {
			if i == 4 {
				ex = append(ex, "...")
				break
			}
			ex = append(ex, r.key)
		}
		fmt.Fprintf(b, "%4d  %s\n      e.g. %s\n", len(rs), k, strings.Join(ex, ", "))
	}
}
