package kernel

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/gbpf/gbpf/testdata"
)

func loadObject(t *testing.T, name string) *Collection {
	t.Helper()
	requireKernel(t)
	spec, err := ebpf.LoadCollectionSpec(testdata.Path(name))
	if err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	c, err := LoadCollection(spec)
	if err != nil {
		var ve *VerifierError
		if errors.As(err, &ve) {
			t.Skipf("the kernel refuses %s: %v", name, err)
		}
		t.Fatalf("loading %s: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func findCase(name string) (testdata.Case, bool) {
	i := slices.IndexFunc(testdata.Cases, func(c testdata.Case) bool { return c.Name == name })
	if i < 0 {
		return testdata.Case{}, false
	}
	return testdata.Cases[i], true
}

func runCase(c *Collection, tc testdata.Case) (RunResult, error) {
	return c.Run(tc.Program, RunOptions{Data: tc.Data, Context: tc.Context, Repeat: tc.Repeat})
}

// TestCorpusCases runs every case of testdata.Cases in the kernel, each on
// a freshly loaded object, and checks the return value.
func TestCorpusCases(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range testdata.Cases {
		if seen[tc.Name] {
			t.Fatalf("duplicate case name %s", tc.Name)
		}
		seen[tc.Name] = true
		t.Run(tc.Name, func(t *testing.T) {
			c := loadObject(t, tc.Object)
			for _, b := range tc.Before {
				bc, ok := findCase(b)
				if !ok || bc.Object != tc.Object {
					t.Fatalf("before-case %q is not a case of %s", b, tc.Object)
				}
				if _, err := runCase(c, bc); err != nil {
					t.Fatalf("before-case %s: %v", b, err)
				}
			}
			res, err := runCase(c, tc)
			if tc.NoTestRun {
				if !errors.Is(err, ErrNoTestRun) {
					t.Fatalf("Run = %v, want an error wrapping ErrNoTestRun", err)
				}
				t.Logf("loaded and verified; %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Retval != tc.Retval {
				t.Errorf("retval = %d (%#x), want %d", res.Retval, res.Retval, tc.Retval)
			}
			if len(tc.Data) > 0 && !slices.Equal(res.DataOut, tc.Data) {
				t.Logf("data out: %x", res.DataOut)
			}
			if res.ContextOut != nil {
				t.Logf("ctx out: %x", res.ContextOut)
			}
			maps, err := c.Maps()
			if err != nil {
				t.Fatal(err)
			}
			t.Log(formatMaps(maps))
		})
	}
}

func formatMaps(maps map[string][]Entry) string {
	names := make([]string, 0, len(maps))
	for n := range maps {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "\n%s:", n)
		for _, e := range maps[n] {
			b.WriteString(" {")
			if e.Key != nil {
				fmt.Fprintf(&b, "%s:", hex.EncodeToString(e.Key))
			}
			switch {
			case e.Name != "":
				b.WriteString(e.Name)
			case e.Values != nil:
				for i, v := range e.Values {
					if i > 0 {
						b.WriteByte('|')
					}
					b.WriteString(hex.EncodeToString(v))
				}
			default:
				b.WriteString(hex.EncodeToString(e.Value))
			}
			b.WriteString("}")
		}
	}
	return b.String()
}

func TestMapsQueueStackAreRestored(t *testing.T) {
	c := loadObject(t, "maps_tour.o")
	tc, _ := findCase("maps_tour")
	if _, err := runCase(c, tc); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		maps, err := c.Maps()
		if err != nil {
			t.Fatal(err)
		}
		// 60, 61, 62 pushed; the queue lost 60 and the stack 62 to pops.
		want := map[string][]uint32{"fifo": {61, 62}, "lifo": {61, 60}}
		for name, vals := range want {
			var got []uint32
			for _, e := range maps[name] {
				got = append(got, uint32(e.Value[0]))
			}
			if !slices.Equal(got, vals) {
				t.Errorf("%s = %v, want %v", name, got, vals)
			}
		}
		if got := maps["by_id"]; len(got) != 1 || got[0].Name != "inner_named" {
			t.Errorf("by_id = %+v, want key 7 -> inner_named", got)
		}
	}
}

func TestRingbufPeekThenRead(t *testing.T) {
	c := loadObject(t, "ringbuf_perf.o")
	tc, _ := findCase("ringbuf_events")
	if _, err := runCase(c, tc); err != nil {
		t.Fatal(err)
	}
	maps, err := c.Maps()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(maps["events"]); n != 2 {
		t.Fatalf("Maps shows %d ring buffer records, want 2 (the discarded one left out)", n)
	}
	recs, err := c.ReadRingbuf("events")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || !slices.Equal(recs[1], maps["events"][1].Value) {
		t.Fatalf("ReadRingbuf = %x, want the 2 records Maps showed", recs)
	}
	maps, err = c.Maps()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(maps["events"]); n != 0 {
		t.Errorf("after ReadRingbuf, Maps shows %d records, want 0", n)
	}
}

func TestRunErrors(t *testing.T) {
	c := loadObject(t, "tracing.o")
	if _, err := c.Run("nope", RunOptions{}); err == nil {
		t.Error("running an unknown program succeeded")
	}
	if _, err := c.Run("rawtp_probe", RunOptions{Data: make([]byte, 20), Context: testdata.U64s(1, 0)}); err == nil {
		t.Error("a raw tracepoint took packet data")
	}
	if _, err := c.Run("kp_openat", RunOptions{}); !errors.Is(err, ErrNoTestRun) {
		t.Errorf("kprobe run: %v, want ErrNoTestRun", err)
	}
}

// TestExampleXDPStats runs the bundled example over the bundled pcap, as
// `gbpf xdp examples/xdp_stats.o --pcap examples/traffic.pcap` would.
func TestExampleXDPStats(t *testing.T) {
	c := loadObject(t, "../examples/xdp_stats.o")
	f, err := os.Open(testdata.Path("../examples/traffic.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[uint32]int{}
	total := 0
	for {
		pkt, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Run("xdp_stats", RunOptions{Data: pkt})
		if err != nil {
			t.Fatal(err)
		}
		verdicts[res.Retval]++
		total++
	}
	maps, err := c.Maps()
	if err != nil {
		t.Fatal(err)
	}
	counted := 0
	for _, e := range maps["proto_stats"] {
		counted += int(binary.LittleEndian.Uint64(e.Value))
	}
	dropped := binary.LittleEndian.Uint64(maps[".bss"][0].Value)
	t.Logf("%d packets: verdicts %v, SSDP dropped %d, %s", total, verdicts, dropped, formatMaps(map[string][]Entry{"proto_stats": maps["proto_stats"]}))
	if counted != total {
		t.Errorf("proto_stats counts %d packets, want %d", counted, total)
	}
	if verdicts[1] != int(dropped) || dropped == 0 || verdicts[2]+verdicts[1] != total {
		t.Errorf("verdicts %v and %d dropped do not add up", verdicts, dropped)
	}
}
