package soundness

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The campaign checks candidates in a child process (this test binary
// running TestWorker), so that a candidate the verifier takes too long on
// costs a restart of the child, not a goroutine spinning for the rest of
// the campaign.

// request asks the worker to check, or to check and minimize, candidate
// seed of generator gen.
type request struct {
	Op     string // "check" or "minimize"
	Gen    int
	Seed   uint64
	OutDir string // minimize: where to write the case
	Name   string // minimize: the case file's name
	Extra  []string
}

type reply struct {
	Outcome Outcome
	Reject  string
	Err     string
	Exiting bool // the worker exits after this reply
}

// leaked counts checks abandoned in this process (still running).
var leaked atomic.Int32

// within runs fn, giving up after limit; an abandoned fn keeps running.
func within[T any](limit time.Duration, fn func() T) (T, bool) {
	ch := make(chan T, 1)
	go func() { ch <- fn() }()
	select {
	case v := <-ch:
		return v, true
	case <-time.After(limit):
		leaked.Add(1)
		var zero T
		return zero, false
	}
}

// TestWorker serves requests on stdin when SOUNDNESS_WORKER is set.
func TestWorker(t *testing.T) {
	if os.Getenv("SOUNDNESS_WORKER") == "" {
		t.Skip("only run as the campaign's worker")
	}
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		var req request
		var rep reply
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			rep.Err = err.Error()
		} else {
			rep = serve(req)
		}
		rep.Exiting = leaked.Load() > 0
		b, _ := json.Marshal(rep)
		fmt.Fprintf(out, "@@ %s\n", b)
		out.Flush()
		if rep.Exiting {
			os.Exit(0) // the parent starts a fresh worker
		}
	}
}

func serve(req request) reply {
	if req.Op == "warm" {
		only := map[string]bool{}
		for _, k := range req.Extra {
			only[k] = true
		}
		seeds, skipped := loadCorpusSeeds(only)
		corpusSeeds = func() ([]seedProg, string) { return seeds, skipped }
		return reply{}
	}
	if req.Op == "verify" {
		b, err := os.ReadFile(req.Name)
		if err != nil {
			return reply{Err: err.Error()}
		}
		c, err := ParseCase(string(b))
		if err != nil {
			return reply{Err: err.Error()}
		}
		_, _, err, pf := verify(c.Prog)
		rep := reply{Outcome: Outcome{Accepted: err == nil && pf == nil, Finding: pf}}
		if err != nil {
			rep.Reject = err.Error()
		}
		return rep
	}
	p := Generate(req.Gen, req.Seed)
	out := Check(p, Options{Inputs: 6, Kernel: true, Seed: req.Seed})
	rep := reply{Outcome: out}
	if out.Reject != nil {
		rep.Reject = out.Reject.Error()
		rep.Outcome.Reject = nil
	}
	if req.Op == "minimize" && out.Finding != nil {
		f := out.Finding
		m := Minimize(p, f)
		writeCase(filepath.Join(req.OutDir, req.Name), m, f, req.Extra, true)
	}
	return rep
}

// writeCase writes a finding as a case file, with the verifier's log of
// the program when withLog.
func writeCase(path string, p *Prog, f *Finding, extra []string, withLog bool) error {
	c := &Case{Prog: p, Kind: f.Kind, Input: f.InputSeed, Comments: append(describe(p, f), extra...)}
	text := c.Format()
	if withLog {
		if l, ok := within(30*time.Second, func() string { return verifierLog(p) }); ok && strings.TrimSpace(l) != "" {
			text += "\n# verifier log of the program:\n"
			for line := range strings.SplitSeq(l, "\n") {
				text += "## " + line + "\n"
			}
		}
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// worker is the parent's handle on a child process.
type worker struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
}

func startWorker() (*worker, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorker$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), "SOUNDNESS_WORKER=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := &worker{cmd: cmd, in: in, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			if l, ok := strings.CutPrefix(sc.Text(), "@@ "); ok {
				w.lines <- l
			}
		}
		close(w.lines)
	}()
	return w, nil
}

func (w *worker) stop() {
	w.in.Close()
	w.cmd.Process.Kill()
	w.cmd.Wait()
}

// pool keeps one worker and restarts it when it dies or hangs.
type pool struct {
	w      *worker
	warmed bool // the worker has the corpus seeds
}

// call sends req and waits up to limit for the reply. ok is false when
// the worker hung (it is killed) or died.
func (p *pool) call(req request, limit time.Duration) (rep reply, ok bool, err error) {
	if p.w == nil {
		if p.w, err = startWorker(); err != nil {
			return rep, false, err
		}
		p.warmed = false
	}
	if !p.warmed && req.Op != "verify" && req.Op != "warm" {
		// Loading the corpus seeds takes a while: not part of a check.
		p.warmed = true
		seeds, _ := corpusSeeds()
		var keys []string
		for _, s := range seeds {
			keys = append(keys, s.name)
		}
		if _, ok, err := p.call(request{Op: "warm", Extra: keys}, 10*time.Minute); !ok || err != nil {
			return rep, false, fmt.Errorf("starting a worker: %v", err)
		}
	}
	b, _ := json.Marshal(req)
	if _, err := fmt.Fprintf(p.w.in, "%s\n", b); err != nil {
		p.w.stop()
		p.w = nil
		return p.call(req, limit)
	}
	select {
	case l, alive := <-p.w.lines:
		if !alive {
			p.w.stop()
			p.w = nil
			return rep, false, nil
		}
		if err := json.Unmarshal([]byte(l), &rep); err != nil {
			return rep, false, err
		}
		if rep.Exiting {
			p.w.stop()
			p.w = nil
		}
		return rep, true, nil
	case <-time.After(limit):
		p.w.stop()
		p.w = nil
		return rep, false, nil
	}
}

func (p *pool) close() {
	if p.w != nil {
		p.w.stop()
	}
}
