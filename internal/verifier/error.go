package verifier

import (
	"fmt"
	"strings"
)

// Error is a rejection: where, what and, when known, how to fix it.
type Error struct {
	Program    string
	PC         int    // slot index of the offending instruction (-1: the whole program)
	Source     string // "file.c:42" from BTF line info, or ""
	SourceText string // the source line itself, when the object has it
	Insn       string // the instruction in LLVM syntax
	Reason     string
	Hint       string   // the usual fix, when there is one
	Path       []string // with Config.Log: instructions, branch decisions and states that led here
	State      string   // registers and stack at the rejection
	// Unsupported: the program calls a helper or kfunc gbpf does not
	// implement (the kernel may accept it; gbpf cannot run it).
	Unsupported bool
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "program %s: ", e.Program)
	if e.PC >= 0 {
		fmt.Fprintf(&b, "instruction %d", e.PC)
		if e.Source != "" {
			fmt.Fprintf(&b, " (%s)", e.Source)
		}
		if e.Insn != "" {
			fmt.Fprintf(&b, " `%s`", e.Insn)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	if e.Hint != "" {
		fmt.Fprintf(&b, " (hint: %s)", e.Hint)
	}
	return b.String()
}

// Format implements fmt.Formatter: %+v adds the source line, the path and
// the states.
func (e *Error) Format(s fmt.State, verb rune) {
	switch {
	case verb == 'v' && s.Flag('+'):
		fmt.Fprint(s, e.Error())
		if e.SourceText != "" {
			fmt.Fprintf(s, "\n  source: %s", strings.TrimSpace(e.SourceText))
		}
		if e.State != "" {
			fmt.Fprintf(s, "\n  state: %s", e.State)
		}
		if len(e.Path) > 0 {
			fmt.Fprintf(s, "\n  path:")
			for _, p := range e.Path {
				fmt.Fprintf(s, "\n    %s", p)
			}
		}
	case verb == 'v' || verb == 's':
		fmt.Fprint(s, e.Error())
	case verb == 'q':
		fmt.Fprintf(s, "%q", e.Error())
	}
}
