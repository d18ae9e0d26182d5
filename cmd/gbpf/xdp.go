package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gbpf/gbpf"
	"github.com/gbpf/gbpf/internal/kernel"
)

// xdpResult is the JSON object of `gbpf xdp --json`.
type xdpResult struct {
	Program          string                       `json:"program"`
	Type             string                       `json:"type"`
	Engine           string                       `json:"engine"`
	Packets          int                          `json:"packets"`
	Verdicts         map[string]int               `json:"verdicts"`
	PacketsPerSecond float64                      `json:"packets_per_second"`
	DurationNs       int64                        `json:"duration_ns"`
	Written          int                          `json:"written,omitempty"`
	Maps             map[string][]json.RawMessage `json:"maps"`
	Output           []string                     `json:"output"`
	Error            string                       `json:"error,omitempty"`
}

func newXDPCommand() *cobra.Command {
	var (
		prog, in, out, engine string
		asJSON                bool
	)
	cmd := &cobra.Command{
		Use:   "xdp OBJECT --pcap IN",
		Short: "Run an XDP program over every packet of a pcap file",
		Long: `Runs an XDP program over every packet of a pcap (or pcapng) file of Ethernet
frames, with maps persisting across packets, and prints the count of each
verdict, packets per second and the maps at the end. --out writes the packets
that passed or were transmitted (XDP_PASS, XDP_TX), after the program's
changes, to a new pcap file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res := xdpResult{Engine: engine, Type: "xdp", Verdicts: map[string]int{}, Maps: map[string][]json.RawMessage{}, Output: []string{}}
			obj, err := runXDP(cmd, args[0], prog, in, out, asJSON, &res)
			if asJSON {
				return emitJSON(cmd.OutOrStdout(), &res, &res.Error, err)
			}
			if err != nil {
				return err
			}
			printXDPResult(cmd.OutOrStdout(), &res, obj)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&prog, "prog", "", "program to run, by function name")
	f.StringVar(&in, "pcap", "", "pcap or pcapng file of Ethernet frames (required)")
	f.StringVar(&out, "out", "", "write the packets that passed or were transmitted to this pcap file")
	f.StringVar(&engine, "engine", "", "engine: interp, jit (where available, else interp with a note), or kernel (test-run every packet in the Linux kernel); default: the fastest available, jit on amd64")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// packetRunner runs the program over one packet.
type packetRunner interface {
	run(data []byte) (verdict uint32, out []byte, err error)
	maps() (map[string][]gbpf.MapEntry, error)
	output() []string
	close()
}

func runXDP(cmd *cobra.Command, path, prog, in, out string, asJSON bool, res *xdpResult) (*objectRun, error) {
	if in == "" {
		return nil, usageError("--pcap is required")
	}
	b, err := readInput(path, cmd.InOrStdin())
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, elfMagic) {
		return nil, usageError("%s is not an ELF object", path)
	}
	spec, err := loadObject(path, b)
	if err != nil {
		return nil, err
	}
	ps, err := pickProgram(path, spec, prog)
	if err != nil {
		return nil, err
	}
	if ps.Type != ebpf.XDP {
		return nil, usageError("program %s is a %s program, not xdp", ps.Name, typeName(ps.Type))
	}
	res.Program = ps.Name

	packets, link, snaplen, err := readPcap(in)
	if err != nil {
		return nil, err
	}
	if link != layers.LinkTypeEthernet {
		return nil, usageError("%s: link type %s; XDP programs see Ethernet frames", in, link)
	}

	runner, engine, err := newPacketRunner(spec, ps, res.Engine, cmd.ErrOrStderr())
	if err != nil {
		return nil, err
	}
	res.Engine = engine
	defer runner.close()

	var w *pcapgo.Writer
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return nil, usageError("create %s: %v", out, err)
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		defer bw.Flush()
		w = pcapgo.NewWriter(bw)
		if err := w.WriteFileHeader(snaplen, layers.LinkTypeEthernet); err != nil {
			return nil, fmt.Errorf("write %s: %w", out, err)
		}
	}

	var bar *progressbar.ProgressBar
	if !asJSON && len(packets) >= 10_000 && isTerminal(cmd.ErrOrStderr()) {
		bar = progressbar.NewOptions(len(packets), progressbar.OptionSetWriter(cmd.ErrOrStderr()),
			progressbar.OptionSetDescription("packets"), progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	var elapsed time.Duration
	for i, p := range packets {
		start := time.Now()
		verdict, data, err := runner.run(p.data)
		elapsed += time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("packet %d: %w", i+1, err)
		}
		name := verdictName(ebpf.XDP, verdict)
		if name == "" {
			name = fmt.Sprint(verdict)
		}
		res.Verdicts[name]++
		if w != nil && (verdict == 2 || verdict == 3) {
			ci := p.info
			ci.CaptureLength, ci.Length = len(data), len(data)
			if err := w.WritePacket(ci, data); err != nil {
				return nil, fmt.Errorf("write %s: %w", out, err)
			}
			res.Written++
		}
		if bar != nil && i%1024 == 0 {
			bar.Set(i)
		}
	}
	if bar != nil {
		bar.Finish()
	}
	res.Packets = len(packets)
	res.DurationNs = elapsed.Nanoseconds()
	if elapsed > 0 {
		res.PacketsPerSecond = float64(len(packets)) / elapsed.Seconds()
	}
	entries, err := runner.maps()
	if err != nil {
		return nil, err
	}
	obj := &objectRun{maps: entries, spec: spec, output: runner.output()}
	var tmp runResult
	tmp.Maps = res.Maps
	obj.fill(&tmp)
	res.Output = append(res.Output, obj.output...)
	return obj, nil
}

type packet struct {
	info gopacket.CaptureInfo
	data []byte
}

// readPcap reads every packet of a pcap or pcapng file.
func readPcap(path string) ([]packet, layers.LinkType, uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, usageError("open %s: %v", path, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, _ := br.Peek(4)
	var (
		src interface {
			ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
		}
		link    layers.LinkType
		snaplen uint32 = 65535
	)
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, 0, 0, usageError("%s: %v", path, err)
		}
		src, link = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, 0, 0, usageError("%s: %v", path, err)
		}
		src, link, snaplen = r, r.LinkType(), r.Snaplen()
	}
	var packets []packet
	for {
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, 0, usageError("%s: packet %d: %v", path, len(packets)+1, err)
		}
		packets = append(packets, packet{info: ci, data: append([]byte(nil), data...)})
	}
	return packets, link, snaplen, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newPacketRunner(spec *gbpf.CollectionSpec, ps *gbpf.ProgramSpec, engine string, stderr io.Writer) (packetRunner, string, error) {
	if engine == "kernel" {
		kc, err := loadKernelCollection(spec)
		if err != nil {
			return nil, "", err
		}
		return &kernelRunner{kc: kc, prog: ps.Name}, engine, nil
	}
	coll, err := newCollectionFor(spec, ps.Name, engine, stderr)
	if err != nil {
		return nil, "", err
	}
	return &gbpfRunner{coll: coll, prog: coll.Programs[ps.Name]}, coll.Engine().String(), nil
}

type gbpfRunner struct {
	coll  *gbpf.Collection
	prog  *gbpf.Program
	lines []string
}

func (r *gbpfRunner) run(data []byte) (uint32, []byte, error) {
	res, err := r.prog.Run(&gbpf.RunOptions{Data: data})
	if err != nil {
		var re *gbpf.RunError
		if errors.As(err, &re) {
			return 0, nil, runError(err)
		}
		return 0, nil, usageError("%v", err)
	}
	r.lines = append(r.lines, res.Output...)
	return res.ReturnValue, res.DataOut[res.MetaLen:], nil
}

func (r *gbpfRunner) maps() (map[string][]gbpf.MapEntry, error) {
	out := map[string][]gbpf.MapEntry{}
	for name, m := range r.coll.Maps {
		es, err := m.Entries()
		if err != nil {
			return nil, err
		}
		out[name] = es
	}
	return out, nil
}

func (r *gbpfRunner) output() []string { return r.lines }
func (r *gbpfRunner) close()           { r.coll.Close() }

type kernelRunner struct {
	kc   *kernel.Collection
	prog string
}

func (r *kernelRunner) run(data []byte) (uint32, []byte, error) {
	res, err := r.kc.Run(r.prog, kernel.RunOptions{Data: data})
	if err != nil {
		return 0, nil, usageError("kernel test run: %v", err)
	}
	return res.Retval, res.DataOut, nil
}

func (r *kernelRunner) maps() (map[string][]gbpf.MapEntry, error) {
	return kernelMaps(r.kc)
}

func (r *kernelRunner) output() []string { return nil }
func (r *kernelRunner) close()           { r.kc.Close() }

func printXDPResult(w io.Writer, res *xdpResult, obj *objectRun) {
	fmt.Fprintf(w, "program:  %s (xdp, engine %s)\n", res.Program, res.Engine)
	fmt.Fprintf(w, "packets:  %d in %s (%.0f packets/s)\n", res.Packets, time.Duration(res.DurationNs).Round(time.Microsecond), res.PacketsPerSecond)
	names := make([]string, 0, len(res.Verdicts))
	for v := range res.Verdicts {
		names = append(names, v)
	}
	sort.Slice(names, func(i, j int) bool { return res.Verdicts[names[i]] > res.Verdicts[names[j]] })
	parts := make([]string, len(names))
	for i, v := range names {
		parts[i] = fmt.Sprintf("%s %d", v, res.Verdicts[v])
	}
	fmt.Fprintf(w, "verdicts: %s\n", strings.Join(parts, ", "))
	if res.Written > 0 {
		fmt.Fprintf(w, "written:  %d packets\n", res.Written)
	}
	printMaps(w, obj.spec, obj.maps)
	for _, line := range obj.output {
		fmt.Fprintf(w, "trace:    %s\n", line)
	}
}
