package main

import (
	"fmt"
	"github.com/gbpf/gbpf"

	"github.com/gbpf/gbpf/internal/conformance"
	"github.com/gbpf/gbpf/internal/jit"
)

// engineByName picks the engine that runs programs with the conformance
// calling convention. The interpreter is the default; the JIT runs where
// the process can have executable memory on amd64, and says why not
// elsewhere.
func engineByName(name string) (conformance.Engine, error) {
	switch name {
	case "", "interp":
		return conformance.Interpreter, nil
	case "jit":
		if err := jit.Available(); err != nil {
			return nil, fmt.Errorf("engine %q is not available here (use interp): %w", name, err)
		}
		return jit.Conformance, nil
	}
	return nil, fmt.Errorf("unknown engine %q (want interp or jit)", name)
}

// collectionEngine maps the --engine of run and xdp (other than kernel)
// to the Go API's engine.
func collectionEngine(name string) (gbpf.Engine, error) {
	switch name {
	case "", "interp":
		return gbpf.EngineInterpreter, nil
	case "jit":
		return gbpf.EngineJIT, nil
	}
	return 0, usageError("engine %q is unknown (want interp, jit or kernel)", name)
}
