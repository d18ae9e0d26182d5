// Command gbpf assembles, disassembles, verifies and runs eBPF programs in
// user space. Its commands, flags, outputs and exit codes are a contract
// (docs/cli.md in the shared design notes): scripts depend on them.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses of the contract.
const (
	exitOK       = 0
	exitRejected = 1 // rejected by the verifier or failed at run time
	exitUsage    = 2 // bad usage or unusable input
)

// exitError carries the exit status an error should end the command with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks bad usage or unusable input (exit 2).
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// runError marks a program that failed at run time (exit 1).
func runError(err error) error { return &exitError{code: exitRejected, err: err} }

func main() {
	os.Exit(execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// execute runs the command line and returns the exit status; tests call
// it directly.
func execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand(stdin, stdout, stderr)
	root.SetArgs(pluginArgs(args))
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var pe *pluginExit
	if errors.As(err, &pe) {
		return pe.code
	}
	var jsonDone *jsonReported
	if errors.As(err, &jsonDone) {
		err = jsonDone.err
	}
	fmt.Fprintf(stderr, "gbpf: %s\n", oneLine(err.Error()))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Errors cobra raises itself (unknown flag, wrong argument count) are usage errors.
	return exitUsage
}

// pluginArgs lets the bpf_conformance runner drive gbpf directly: it puts
// the test's memory before its plugin options, so with
// --plugin_path gbpf --plugin_options conformance-plugin the command line
// is `gbpf "aa  bb  " conformance-plugin`. Move the subcommand to the front.
func pluginArgs(args []string) []string {
	if len(args) < 2 || !isHexMemory(args[0]) {
		return args
	}
	for i, a := range args[1:] {
		if a == "conformance-plugin" {
			out := []string{a, args[0]}
			out = append(out, args[1:i+1]...)
			return append(out, args[i+2:]...)
		}
	}
	return args
}

// isHexMemory reports whether s is hex bytes separated by whitespace.
func isHexMemory(s string) bool {
	digits := 0
	for _, c := range s {
		switch {
		case c == ' ' || c == '\t' || c == '\n':
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			digits++
		default:
			return false
		}
	}
	return digits > 0
}

// oneLine keeps the contract's one-line errors for messages that carry
// more (the kernel verifier's log): the first line, and the last line
// that says why (the log ends with statistics).
func oneLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	for i := len(lines) - 1; i > 0; i-- {
		why := strings.TrimSpace(lines[i])
		if why != "" && !strings.HasPrefix(why, "processed ") && !strings.HasPrefix(why, "verification time") {
			return lines[0] + " (" + why + ")"
		}
	}
	return lines[0]
}

// jsonReported wraps an error that a --json command already put into its
// JSON output; it is still printed to stderr.
type jsonReported struct{ err error }

func (e *jsonReported) Error() string { return e.err.Error() }
func (e *jsonReported) Unwrap() error { return e.err }

func newRootCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "gbpf",
		Short:         "Run, verify, assemble and disassemble eBPF programs in user space",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newPluginCommand(),
		newConformanceCommand(),
		newAsmCommand(),
		newDisasmCommand(),
		newRunCommand(),
		newXDPCommand(),
		newVerifyCommand(),
	)
	return root
}
