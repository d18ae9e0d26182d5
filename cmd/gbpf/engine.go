package main

import (
	"fmt"

	"github.com/gbpf/gbpf/internal/conformance"
)

// engineByName picks the engine that runs programs with the conformance
// calling convention. The interpreter is the only in-process engine until
// the JIT lands, so it is the default.
func engineByName(name string) (conformance.Engine, error) {
	switch name {
	case "", "interp":
		return conformance.Interpreter, nil
	case "jit":
		return nil, fmt.Errorf("engine %q is not available in this build (the interpreter is)", name)
	}
	return nil, fmt.Errorf("unknown engine %q (want interp)", name)
}
