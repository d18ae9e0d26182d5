package verifier

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
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
const selftestMinAgreement = 0.91

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
	gbpfNone bool // gbpf gave no verdict (stopped after the timeout, or crashed)
	gbpfTime time.Duration
	gbpfErr  string // gbpf's rejection
	cause    string // its group key (selftestCause)
	detail   string // the helper or kfunc concerned
	kernel   string // "accepted", "rejected", "error", or "" without a kernel
	kernErr  string // the kernel's reason for refusing it (last log line or load error)
	msgMatch bool   // the kernel's log matches the __msg patterns
	msgMiss  string
}

// selftestObjErr is an object cilium/ebpf cannot read, with the tests it
// holds (found from its ELF symbols and BTF instead).
type selftestObjErr struct {
	obj, err string
	tests    []*selftestSpec
}

// elfSelftestTags lists the programs of an object that cilium/ebpf cannot
// read, as libbpf finds them (the functions of executable sections other
// than .text), with their BTF decl tags.
func elfSelftestTags(obj string) (names []string, tags map[string][]string, err error) {
	f, err := elf.Open(obj)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, nil, err
	}
	types, err := btf.LoadSpec(obj)
	if err != nil {
		return nil, nil, err
	}
	tags = map[string][]string{}
	for _, sym := range syms {
		if elf.ST_TYPE(sym.Info) != elf.STT_FUNC || int(sym.Section) >= len(f.Sections) || sym.Section == elf.SHN_UNDEF {
			continue
		}
		sec := f.Sections[sym.Section]
		if sec.Flags&elf.SHF_EXECINSTR == 0 || sec.Name == ".text" {
			continue
		}
		var fn *btf.Func
		if err := types.TypeByName(sym.Name, &fn); err != nil {
			return nil, nil, fmt.Errorf("failed to find FUNC BTF type for %q: %v", sym.Name, err)
		}
		names = append(names, sym.Name)
		tags[sym.Name] = fn.Tags
	}
	return names, tags, nil
}

func (r *selftestResult) expectOK() bool { return !r.spec.expectFailure }

// agrees says whether gbpf gave the annotated verdict.
func (r *selftestResult) agrees() bool { return !r.gbpfNone && r.gbpfOK == r.expectOK() }

func (r *selftestResult) gbpfVerdict() string {
	if r.gbpfNone {
		return "none"
	}
	return verdict(r.gbpfOK)
}

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

	reselfProg       = regexp.MustCompile(`^program [A-Za-z_0-9]+: `)
	reselfKfunc      = regexp.MustCompile(`^calling kernel function ([a-z_0-9]+) is not allowed`)
	reselfHelperType = regexp.MustCompile(`^program of this type cannot use helper ([a-z_0-9]+)#`)
)

// selftestCause turns a gbpf rejection into a group key (the reason with
// numbers and registers blanked out, or a named family of reasons) and a
// detail (the helper or kfunc concerned).
func selftestCause(err error) (cause, detail string) {
	var ve *Error
	if !errors.As(err, &ve) {
		return "loader: " + reselfNum.ReplaceAllString(err.Error(), "N"), ""
	}
	r := ve.Reason
	if m := reselfFunc.FindStringSubmatch(r); m != nil {
		return "helper not implemented", m[1]
	}
	if m := reselfKfunc.FindStringSubmatch(r); m != nil {
		return "kfunc calls not supported", m[1]
	}
	if strings.Contains(r, "kfunc") {
		return "kfunc calls not supported", ""
	}
	if m := reselfHelperType.FindStringSubmatch(r); m != nil {
		return "helper not allowed for the program type (gbpf's table)", m[1]
	}
	if strings.HasPrefix(r, "unknown opcode") {
		return r, ""
	}
	r = reselfReg.ReplaceAllString(r, "Rx")
	r = reselfNum.ReplaceAllString(r, "N")
	r = reselfSpc.ReplaceAllString(r, " ")
	if len(r) > 90 {
		r = r[:90] + "..."
	}
	return r, ""
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
func selftestKernel(spec *ebpf.CollectionSpec, sp *selftestSpec, aux map[string]bool, testFlags uint32, dir string) (verdict, reason, log string) {
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
	if sp.btfPath != "" {
		// __btf_path: CO-RE relocations against that object's BTF instead
		// of the kernel's (a path relative to the test runner's directory,
		// where the objects are).
		types, err := btf.LoadSpec(filepath.Join(dir, sp.btfPath))
		if err != nil {
			return "error", fmt.Sprintf("__btf_path: %v", err), ""
		}
		opts.Programs.KernelTypes = types
	}
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
		if last == "" {
			// Refused before verification started ("processed 0 insns").
			return "error", err.Error(), strings.Join(ve.Log, "\n")
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

// loadSelftestSpec reads an object with the fix-ups libbpf applies before
// creating maps that cilium/ebpf does not: ring buffer sizes rounded up to
// a power-of-two number of pages (adjust_ringbuf_sz).
func loadSelftestSpec(obj string) (*ebpf.CollectionSpec, error) {
	spec, err := ebpf.LoadCollectionSpec(obj)
	if err != nil {
		return nil, err
	}
	// clang gives the parameters of __naked functions no names, which
	// the kernel refuses in a FUNC ("Invalid arg#1"); libbpf then loads
	// the object without BTF. Naming them keeps the BTF (line info for
	// gbpf's messages) and changes no verdict.
	for _, ps := range spec.Programs {
		for i := range ps.Instructions {
			fn := btf.FuncMetadata(&ps.Instructions[i])
			if fn == nil {
				continue
			}
			if proto, ok := fn.Type.(*btf.FuncProto); ok {
				for j := range proto.Params {
					if proto.Params[j].Name == "" {
						proto.Params[j].Name = fmt.Sprintf("arg%d", j)
					}
				}
			}
		}
	}
	page := uint32(os.Getpagesize())
	for _, ms := range spec.Maps {
		if ms.Type != ebpf.RingBuf && ms.Type != ebpf.UserRingbuf {
			continue
		}
		sz := page
		for sz < ms.MaxEntries {
			sz <<= 1
		}
		ms.MaxEntries = sz
	}
	return spec, nil
}

// gbpf's verifier runs in a child process (the test binary running
// TestSelftestWorker), so that a program it spins on or crashes on can be
// stopped and reported without losing the rest of the run.
const (
	selftestWorkerEnv = "GBPF_SELFTEST_WORKER" // object path, then program names, newline-separated
	selftestLinePfx   = "gbpf-selftest: "
)

type selftestWorkerLine struct {
	Start     string `json:",omitempty"` // the program about to be verified
	Prog      string `json:",omitempty"`
	OK        bool
	Err       string        `json:",omitempty"`
	NoVerdict bool          `json:",omitempty"` // stopped or crashed
	Cause     string        `json:",omitempty"`
	Detail    string        `json:",omitempty"`
	Time      time.Duration `json:",omitempty"`
}

// TestSelftestWorker is the child process of TestKernelSelftests; it
// skips unless started by it.
func TestSelftestWorker(t *testing.T) {
	job := os.Getenv(selftestWorkerEnv)
	if job == "" {
		t.Skip("runs only as a child process of TestKernelSelftests")
	}
	lines := strings.Split(job, "\n")
	spec, err := loadSelftestSpec(lines[0])
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(os.Stdout)
	emit := func(l selftestWorkerLine) {
		os.Stdout.WriteString(selftestLinePfx)
		enc.Encode(l)
	}
	for _, name := range lines[1:] {
		ps := spec.Programs[name]
		if ps == nil {
			t.Fatalf("no program %s in %s", name, lines[0])
		}
		emit(selftestWorkerLine{Start: name})
		t0 := time.Now()
		err := selftestVerify(spec, ps)
		l := selftestWorkerLine{Prog: name, OK: err == nil, Time: time.Since(t0)}
		if err != nil {
			l.Err = err.Error()
			l.Cause, l.Detail = selftestCause(err)
		}
		emit(l)
	}
}

// selftestGbpf verifies progs of obj with gbpf in child processes. A
// program without a verdict after timeout, or on which the child dies, is
// reported as a rejection with that cause, and the rest continue in a new
// child.
func selftestGbpf(obj string, progs []string, timeout time.Duration) map[string]selftestWorkerLine {
	out := map[string]selftestWorkerLine{}
	for len(progs) > 0 {
		cur, err := selftestWorkerRun(obj, progs, timeout, out)
		if cur == "" {
			// Everything reported (or the child could not start).
			if err != nil {
				for _, p := range progs {
					if _, ok := out[p]; !ok {
						out[p] = selftestWorkerLine{Prog: p, NoVerdict: true, Err: err.Error(), Cause: "test harness: " + err.Error()}
					}
				}
			}
			return out
		}
		out[cur] = selftestWorkerLine{Prog: cur, NoVerdict: true, Err: err.Error(), Cause: reselfNum.ReplaceAllString(err.Error(), "N")}
		i := slices.Index(progs, cur)
		progs = progs[i+1:]
	}
	return out
}

// selftestWorkerRun runs one child over progs and fills out. It returns
// the program it stopped on, with why, or "" when all were reported.
func selftestWorkerRun(obj string, progs []string, timeout time.Duration, out map[string]selftestWorkerLine) (string, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestSelftestWorker$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), selftestWorkerEnv+"="+obj+"\n"+strings.Join(progs, "\n"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	lines := make(chan selftestWorkerLine)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			text, ok := strings.CutPrefix(sc.Text(), selftestLinePfx)
			if !ok {
				continue
			}
			var l selftestWorkerLine
			if json.Unmarshal([]byte(text), &l) == nil {
				lines <- l
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	cur := ""
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				werr := cmd.Wait()
				if cur == "" {
					return "", nil
				}
				msg := strings.TrimSpace(stderr.String())
				if i := strings.Index(msg, "\n"); i >= 0 {
					msg = msg[:i]
				}
				return cur, fmt.Errorf("gbpf's verifier crashed (%v): %s", werr, msg)
			}
			if l.Start != "" {
				cur = l.Start
				timer.Reset(timeout)
				continue
			}
			out[l.Prog] = l
			cur = ""
		case <-timer.C:
			cmd.Process.Kill()
			for range lines {
			}
			cmd.Wait()
			if cur == "" {
				return "", errors.New("gbpf's worker process stalled")
			}
			return cur, fmt.Errorf("gbpf's verifier gave no verdict within %v (stopped)", timeout)
		}
	}
}

// TestSelftestAnnotations checks the reading of bpf_misc.h's tags against
// test_loader.c's rules, without the objects.
func TestSelftestAnnotations(t *testing.T) {
	for _, c := range []struct {
		tags                []string
		mode                int
		fail, aux, thisArch bool
		name                string
		msgs                int
		flags, clear        uint32
		bad                 bool
	}{
		// No annotation: a privileged test expected to load.
		{tags: nil, mode: modePriv, name: "p", thisArch: true},
		{tags: []string{tagExpectFailure, tagExpectMsgPfx + "0=R1 invalid"}, mode: modePriv, fail: true, name: "p", msgs: 1, thisArch: true},
		// Only unprivileged expectations: not a privileged test.
		{tags: []string{tagExpectFailureUnpriv, tagExpectMsgPfxUnpriv + "3=x"}, mode: modeUnpriv, name: "p", thisArch: true},
		{tags: []string{tagExpectSuccess, tagExpectFailureUnpriv, tagDescriptionPfx + "unpriv: d"}, mode: modePriv | modeUnpriv, name: "unpriv: d", thisArch: true},
		// __retval and __xlated imply the privileged mode.
		{tags: []string{tagRetvalPfx + "POINTER_VALUE", tagExpectFailureUnpriv}, mode: modePriv | modeUnpriv, name: "p", thisArch: true},
		{tags: []string{tagExpectXlatedPfx + "1=r0 = 0"}, mode: modePriv, name: "p", thisArch: true},
		{tags: []string{tagAuxiliary}, mode: modePriv, aux: true, name: "p", thisArch: true},
		{tags: []string{tagProgFlagsPfx + "BPF_F_ANY_ALIGNMENT", tagProgFlagsPfx + "!BPF_F_TEST_RND_HI32", tagProgFlagsPfx + "0x40"}, mode: modePriv, name: "p", flags: 2 | 0x40, clear: 4, thisArch: true},
		{tags: []string{tagArch + "ARM64", tagJitedPfx + "1=ret"}, mode: modePriv, name: "p", thisArch: runtime.GOARCH == "arm64"},
		{tags: []string{tagExpectMsgPfx + "1=a{{[0-9]+}}b"}, mode: modePriv, name: "p", msgs: 1, thisArch: true},
		{tags: []string{tagJitedPfx + "1=ret"}, bad: true},
		{tags: []string{tagExpectMsgPfx + "1=a{{[0-9]+b"}, bad: true},
		{tags: []string{tagRetvalPfx + "12x"}, bad: true},
		{tags: []string{tagArch + "MIPS"}, bad: true},
	} {
		sp, err := parseSelftestSpec("p", c.tags)
		if c.bad {
			if err == nil {
				t.Errorf("%q: parsed, want an error", c.tags)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.tags, err)
			continue
		}
		thisArch := sp.archMask&selftestArch() != 0
		if sp.modeMask != c.mode || sp.expectFailure != c.fail || sp.auxiliary != c.aux || sp.name != c.name ||
			len(sp.msgs) != c.msgs || sp.flags != c.flags || sp.flagsClear != c.clear || thisArch != c.thisArch {
			t.Errorf("%q: got mode %d fail %v aux %v name %q msgs %d flags %#x/%#x this arch %v", c.tags,
				sp.modeMask, sp.expectFailure, sp.auxiliary, sp.name, len(sp.msgs), sp.flags, sp.flagsClear, thisArch)
		}
	}
	// Patterns match in order, each after the previous match.
	re, err := compileSelftestPattern("R{{[0-9]}} (x)")
	if err != nil {
		t.Fatal(err)
	}
	msgs := []expectMsg{{text: "first"}, {text: "R{{[0-9]}} (x)", re: re}}
	log := "R1 (x)\nfirst\nR2 (x)\n"
	if miss, ok := matchSelftestMsgs(log, msgs); !ok {
		t.Errorf("patterns in order not found: %q", miss)
	}
	if _, ok := matchSelftestMsgs("R1 (x)\nfirst\n", msgs); ok {
		t.Error("a pattern found only before the previous one matched")
	}
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
	timeout := 20 * time.Second
	if v := os.Getenv("GBPF_SELFTESTS_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("GBPF_SELFTESTS_TIMEOUT: %v", err)
		}
		timeout = d
	}
	// GBPF_SELFTESTS_ONLY restricts the run to the tests whose
	// object/program key matches a regular expression; their kernel logs
	// are then printed in full.
	var only *regexp.Regexp
	if v := os.Getenv("GBPF_SELFTESTS_ONLY"); v != "" {
		re, err := regexp.Compile(v)
		if err != nil {
			t.Fatalf("GBPF_SELFTESTS_ONLY: %v", err)
		}
		only = re
	}
	start := time.Now()
	var gbpfTime, kernelTime, workerTime time.Duration

	var results []*selftestResult
	var unloadable []selftestObjErr
	skipped := map[string]int{}
	for _, obj := range objs {
		base := strings.TrimSuffix(filepath.Base(obj), ".bpf.o")
		spec, err := loadSelftestSpec(obj)
		if err != nil {
			u := selftestObjErr{obj: base, err: err.Error()}
			names, tags, err := elfSelftestTags(obj)
			if err != nil {
				t.Errorf("%s: can't list the tests of an object cilium/ebpf cannot read: %v", base, err)
			}
			for _, name := range names {
				sp, err := parseSelftestSpec(name, tags[name])
				if err != nil {
					t.Errorf("%s/%s: can't parse test spec: %v", base, name, err)
					continue
				}
				if !sp.auxiliary && sp.modeMask&modePriv != 0 && sp.archMask&selftestArch() != 0 &&
					(only == nil || only.MatchString(base+"/"+name)) {
					u.tests = append(u.tests, sp)
				}
			}
			unloadable = append(unloadable, u)
			t.Logf("%s: not loadable by cilium/ebpf (%d tests): %v", base, len(u.tests), u.err)
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
		var tests []*ebpf.ProgramSpec
		for _, ps := range progs {
			sp := specs[ps.Name]
			switch {
			case sp == nil:
				continue
			case only != nil && !only.MatchString(base+"/"+ps.Name):
				continue
			case sp.auxiliary:
				skipped["auxiliary (loaded with the tests, not a test)"]++
				continue
			case sp.modeMask&modePriv == 0:
				skipped["unprivileged-only"]++
				continue
			case sp.archMask&selftestArch() == 0:
				skipped["for another architecture"]++
				t.Logf("%s/%s: skipped: for another architecture", base, ps.Name)
				continue
			}
			tests = append(tests, ps)
		}
		var names []string
		for _, ps := range tests {
			names = append(names, ps.Name)
		}
		t1 := time.Now()
		gv := selftestGbpf(obj, names, timeout)
		workerTime += time.Since(t1)
		for _, ps := range tests {
			sp := specs[ps.Name]
			key := base + "/" + ps.Name
			g := gv[ps.Name]
			gbpfTime += g.Time
			r := &selftestResult{key: key, name: sp.name, spec: sp, typ: ps.Type, section: ps.SectionName,
				gbpfOK: g.OK, gbpfNone: g.NoVerdict, gbpfTime: g.Time, gbpfErr: g.Err, cause: g.Cause, detail: g.Detail}
			if live {
				var klog string
				t0 := time.Now()
				r.kernel, r.kernErr, klog = selftestKernel(spec, sp, aux, testFlags, dir)
				kernelTime += time.Since(t0)
				r.msgMiss, r.msgMatch = matchSelftestMsgs(klog, sp.msgs)
				if only != nil {
					t.Logf("%s: kernel log:\n%s", key, klog)
				}
			}
			results = append(results, r)
			line := fmt.Sprintf("%s (%q, %s): want %s, gbpf %s", key, sp.name, ps.SectionName, verdict(r.expectOK()), r.gbpfVerdict())
			if live {
				line += ", kernel " + r.kernel
			}
			if !r.agrees() {
				line += "  DISAGREE"
			}
			if r.gbpfErr != "" {
				line += "\n\tgbpf: " + r.gbpfErr
			}
			if r.kernErr != "" {
				line += "\n\tkernel: " + r.kernErr
			}
			if live && r.kernel != "error" && (r.kernel == "accepted") == r.expectOK() && !r.msgMatch {
				line += fmt.Sprintf("\n\tkernel log lacks __msg %q", r.msgMiss)
			}
			t.Log(line)
		}
	}
	if len(results) == 0 {
		t.Fatalf("no selftest ran (%d objects, %d not loadable)", len(objs), len(unloadable))
	}
	selftestSummary(t, results, unloadable, skipped, live)
	t.Logf("time: %v in all; %v in gbpf's child processes, of which %v in its verifier; %v loading into the kernel (maps created and programs verified)",
		time.Since(start).Round(time.Millisecond), workerTime.Round(time.Millisecond), gbpfTime.Round(time.Millisecond), kernelTime.Round(time.Millisecond))

	agree := 0
	for _, r := range results {
		if r.agrees() {
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
		if r.agrees() {
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
	nu, nuOK := 0, 0
	for _, u := range unloadable {
		ok := 0
		for _, sp := range u.tests {
			if !sp.expectFailure {
				ok++
			}
		}
		nu += len(u.tests)
		nuOK += ok
		p("not loadable by cilium/ebpf, so by gbpf: %s, %d tests (%d expected to load): %s\n", u.obj, len(u.tests), ok, u.err)
	}
	p("gbpf agrees with the annotations: %d of %d (%s)\n", agree, total, pct(agree, total))
	if nu > 0 {
		// gbpf refuses what it cannot read: right for the tests expected
		// to fail, wrong for the others.
		p("  counting the %d tests of unreadable objects as gbpf rejections: %d of %d (%s)\n", nu, agree+nu-nuOK, total+nu, pct(agree+nu-nuOK, total+nu))
	}

	if live {
		acc, rej, kAgree, annAgree, annLoose, msgOK, msgTotal := 0, 0, 0, 0, 0, 0, 0
		kerrs := map[string][]*selftestResult{}
		for _, r := range results {
			kOK := r.kernel == "accepted"
			if kOK == r.expectOK() {
				annLoose++
			}
			if r.kernel == "error" {
				why := reselfProg.ReplaceAllString(r.kernErr, "")
				why = strings.TrimSuffix(why, " (MEMLOCK may be too low, consider rlimit.RemoveMemlock)")
				kerrs[why] = append(kerrs[why], r)
				continue
			}
			if kOK {
				acc++
			} else {
				rej++
			}
			if !r.gbpfNone && r.gbpfOK == kOK {
				kAgree++
			}
			if kOK == r.expectOK() {
				annAgree++
				if len(r.spec.msgs) > 0 {
					msgTotal++
					if r.msgMatch {
						msgOK++
					}
				}
			}
		}
		p("the running kernel: %d accepted, %d rejected by its verifier, %d refused before verification\n", acc, rej, countGroups(kerrs))
		p("gbpf agrees with the running kernel: %d of %d (%s)\n", kAgree, acc+rej, pct(kAgree, acc+rej))
		p("the running kernel agrees with the annotations: %d of %d (%s); counting refusals as failures, as test_loader does: %d of %d (%s)\n",
			annAgree, acc+rej, pct(annAgree, acc+rej), annLoose, total, pct(annLoose, total))
		p("__msg patterns found in the kernel's log: %d of the %d agreeing tests that have them\n", msgOK, msgTotal)
		if len(kerrs) > 0 {
			p("\n-- the running kernel refused %d programs before verifying them --\n", countGroups(kerrs))
			writeGroups(&b, kerrs, false)
		}
	}

	// gbpf rejects what should load.
	groups := map[string][]*selftestResult{}
	for _, r := range results {
		if !r.gbpfOK && !r.gbpfNone && r.expectOK() {
			groups[r.cause] = append(groups[r.cause], r)
		}
	}
	p("\n-- gbpf rejects %d programs the annotations accept, by cause --\n", countGroups(groups))
	writeGroups(&b, groups, true)

	var none []*selftestResult
	for _, r := range results {
		if r.gbpfNone {
			none = append(none, r)
		}
	}
	p("\n-- gbpf gives no verdict on %d programs (counted as disagreements) --\n", len(none))
	for _, r := range none {
		p("%s (%q, want %s): %s\n", r.key, r.name, verdict(r.expectOK()), r.gbpfErr)
	}
	slow := slices.Clone(results)
	sort.Slice(slow, func(i, j int) bool { return slow[i].gbpfTime > slow[j].gbpfTime })
	p("\n-- the slowest verdicts of gbpf --\n")
	for _, r := range slow[:min(5, len(slow))] {
		if r.gbpfNone {
			continue
		}
		p("%v %s (gbpf %s)\n", r.gbpfTime.Round(time.Millisecond), r.key, r.gbpfVerdict())
	}

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
		p(": expected %s", strings.Join(ms, ", "))
		if r.spec.flags != 0 {
			p(" (with prog flags %#x)", r.spec.flags)
		}
		p("\n")
		if r.kernErr != "" {
			p("\tkernel says: %s\n", r.kernErr)
		}
	}

	// Where gbpf rejects a program expected to fail, the reasons may differ
	// from the kernel's, but the verdict is right: nothing to list.

	if live {
		var kd []*selftestResult
		for _, r := range results {
			if r.kernel != "error" && (r.kernel == "accepted") != r.expectOK() {
				kd = append(kd, r)
			}
		}
		p("\n-- the running kernel's verifier differs from the annotations on %d programs --\n", len(kd))
		for _, r := range kd {
			p("%s (%q): want %s, kernel %s: %s\n", r.key, r.name, verdict(r.expectOK()), r.kernel, r.kernErr)
		}
		var gk []*selftestResult
		for _, r := range results {
			if r.kernel != "error" && !r.gbpfNone && r.gbpfOK != (r.kernel == "accepted") && (r.kernel == "accepted") != r.expectOK() {
				gk = append(gk, r)
			}
		}
		p("\n-- of those, where gbpf sides with the annotation against the running kernel: %d --\n", len(gk))
		for _, r := range gk {
			p("%s: gbpf %s, kernel %s\n", r.key, r.gbpfVerdict(), r.kernel)
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

func writeGroups(b *strings.Builder, g map[string][]*selftestResult, showDetail bool) {
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
		types := map[string]int{}
		for _, r := range rs {
			types[r.typ.String()]++
		}
		var ts []string
		for _, ty := range slices.Sorted(maps.Keys(types)) {
			ts = append(ts, fmt.Sprintf("%s %d", ty, types[ty]))
		}
		fmt.Fprintf(b, "%4d  %s\n      program types: %s\n", len(rs), k, strings.Join(ts, ", "))
		details := map[string]int{}
		for _, r := range rs {
			if r.detail != "" {
				details[r.detail]++
			}
		}
		if showDetail && len(details) > 0 {
			var ds []string
			for _, d := range slices.Sorted(maps.Keys(details)) {
				ds = append(ds, fmt.Sprintf("%s %d", d, details[d]))
			}
			fmt.Fprintf(b, "      which: %s\n", strings.Join(ds, ", "))
		}
		fmt.Fprintf(b, "      e.g. %s\n", strings.Join(ex, ", "))
	}
}
