package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gbpf/gbpf/testdata"
)

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunObjectJSON(t *testing.T) {
	pkt := writeFile(t, "pkt", testdata.UDP("192.0.2.1", "198.51.100.2", 40000, 1900))
	out, errOut, code := cli(t, "", "run", "../../examples/xdp_stats.o", "--data", pkt, "--json", "--repeat", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Program, Type, Engine string
		Retval                uint32
		DataOut               string `json:"data_out"`
		Maps                  map[string][]struct{ Key, Value string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("bad JSON %v:\n%s", err, out)
	}
	if res.Program != "xdp_stats" || res.Type != "xdp" || res.Engine != defaultEngine() || res.Retval != 1 {
		t.Errorf("SSDP not dropped: %+v", res)
	}
	// Three runs dropped three packets: .bss holds the counter, key 0.
	bss := res.Maps[".bss"]
	if len(bss) != 1 || bss[0].Key != "00000000" || !strings.HasPrefix(bss[0].Value, "03000000") {
		t.Errorf(".bss entries %+v", bss)
	}
	if len(res.Maps["proto_stats"]) != 1 {
		t.Errorf("proto_stats entries %+v", res.Maps["proto_stats"])
	}
}

func TestRunObjectForPeople(t *testing.T) {
	pkt := writeFile(t, "pkt", testdata.TCP("192.0.2.1", "198.51.100.2", 40000, 80))
	out, errOut, code := cli(t, "", "run", "../../examples/xdp_stats.o", "--data", pkt)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"retval:   2 (XDP_PASS)", "map proto_stats (hash, 1 entries)", "6: {packets = 1, bytes = 60}", "blocked_udp_port = 1900"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunObjectErrors(t *testing.T) {
	pkt := writeFile(t, "pkt", testdata.TCP("192.0.2.1", "198.51.100.2", 40000, 80))
	junk := writeFile(t, "junk.o", append([]byte("\x7fELF"), make([]byte, 60)...))
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run", "../../testdata/xdp_firewall.o", "--prog", "nope", "--data", pkt}, 2, "has no program \"nope\""},
		{[]string{"run", "../../testdata/tc_skb.o", "--data", pkt}, 2, "pick one with --prog"},
		{[]string{"run", junk}, 2, "gbpf: "},
		{[]string{"run", "../../examples/xdp_stats.o", "--data", writeFile(t, "short", []byte{1, 2})}, 2, "less than an Ethernet header"},
		{[]string{"xdp", "../../testdata/tc_skb.o", "--prog", "tc_rewrite", "--pcap", "../../examples/traffic.pcap"}, 2, "not xdp"},
		{[]string{"xdp", "../../examples/xdp_stats.o"}, 2, "--pcap is required"},
	}
	for _, c := range cases {
		_, errOut, code := cli(t, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) || !strings.HasPrefix(errOut, "gbpf: ") {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, errOut, c.msg)
		}
	}
}

func TestXDPCommand(t *testing.T) {
	outPcap := filepath.Join(t.TempDir(), "out.pcap")
	out, errOut, code := cli(t, "", "xdp", "../../examples/xdp_stats.o", "--pcap", "../../examples/traffic.pcap", "--out", outPcap, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Packets  int
		Verdicts map[string]int
		Written  int
		Maps     map[string][]json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("bad JSON %v:\n%s", err, out)
	}
	if res.Packets != 300 || res.Verdicts["XDP_PASS"] != 274 || res.Verdicts["XDP_DROP"] != 26 || res.Written != 274 {
		t.Errorf("result %+v", res)
	}
	if st, err := os.Stat(outPcap); err != nil || st.Size() < 24 {
		t.Errorf("--out pcap: %v", err)
	}
	// The written capture runs again: every packet passes now.
	out, _, code = cli(t, "", "xdp", "../../examples/xdp_stats.o", "--pcap", outPcap)
	if code != 0 || !strings.Contains(out, "verdicts: XDP_PASS 274") {
		t.Errorf("rerun over --out: exit %d\n%s", code, out)
	}
}

func TestOneLineErrors(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain",
		"load: rejected\nlog:\n  R1 offset is outside of the packet\n  processed 2 insns": "load: rejected (R1 offset is outside of the packet)",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
