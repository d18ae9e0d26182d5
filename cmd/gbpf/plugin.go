package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gbpf/gbpf/asm"
	"github.com/spf13/cobra"
)

// pluginExit ends conformance-plugin with a status after it has printed
// its own output (the protocol puts errors on stdout, not stderr).
type pluginExit struct{ code int }

func (e *pluginExit) Error() string { return "exit " + strconv.Itoa(e.code) }

func newPluginCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "conformance-plugin [MEM] [options...]",
		Short: "Run one program with the bpf_conformance plugin protocol",
		Long: `Reads a program as hex bytes on stdin, runs it with r1 = a copy of MEM (hex
bytes in the first argument, when it does not start with "-"), r2 = its length,
and prints r0 as 0x-prefixed hex. On failure prints the error and exits 1.
Options other than --engine are ignored, as the suite's runner passes its own.`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			fail := func(format string, a ...any) error {
				fmt.Fprintf(out, format+"\n", a...)
				return &pluginExit{code: exitRejected}
			}
			var mem []byte
			if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
				b, err := parseHexBytes(args[0])
				if err != nil {
					return fail("bad memory argument: %v", err)
				}
				mem, args = b, args[1:]
			}
			engine := ""
			for i := 0; i < len(args); i++ {
				switch a := args[i]; {
				case a == "--engine" && i+1 < len(args):
					engine = args[i+1]
					i++
				case strings.HasPrefix(a, "--engine="):
					engine = strings.TrimPrefix(a, "--engine=")
				}
			}
			run, err := engineByName(engine)
			if err != nil {
				return fail("%v", err)
			}
			text, err := io.ReadAll(cmd.InOrStdin())
			if err != nil {
				return fail("read program: %v", err)
			}
			code, err := parseHexBytes(string(text))
			if err != nil {
				return fail("bad program: %v", err)
			}
			insns, err := asm.DecodeAll(code)
			if err != nil {
				return fail("bad program: %v", err)
			}
			r0, err := run(insns, mem)
			if err != nil {
				return fail("%v", err)
			}
			fmt.Fprintf(out, "0x%x\n", r0)
			return nil
		},
	}
}

// parseHexBytes reads whitespace-separated hex bytes ("aa  bb 11"); a
// token may also hold several bytes written together ("aabb11").
func parseHexBytes(s string) ([]byte, error) {
	var out []byte
	for _, f := range strings.Fields(s) {
		f = strings.TrimPrefix(strings.TrimPrefix(f, "0x"), "0X")
		if len(f)%2 == 1 {
			f = "0" + f
		}
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.ParseUint(f[i:i+2], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("%q is not a hex byte", f[i:i+2])
			}
			out = append(out, byte(v))
		}
	}
	return out, nil
}
