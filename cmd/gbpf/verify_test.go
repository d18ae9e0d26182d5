package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestVerifyCommand(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"verify", "../../testdata/xdp_firewall.o"}, exitOK, ""},
		{[]string{"verify", "../../testdata/harness/rej_null.o"}, exitRejected, "instruction 7 (rej_null.c:17) `r0 = *(u64 *)(r0 + 0)`"},
		{[]string{"verify", "../../testdata/harness/rej_pkt.o", "--log"}, exitRejected, "invalid access to packet"},
		{[]string{"verify", "../../testdata/harness/rej_pkt.o", "--prog", "nope"}, exitUsage, "no program"},
		{[]string{"verify", "/nonexistent.o"}, exitUsage, "read"},
	} {
		var out, errb bytes.Buffer
		code := execute(tc.args, nil, &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errb.String(), tc.code, tc.stderr)
		}
	}
}
