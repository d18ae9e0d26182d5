package main

import (
	"fmt"
	"github.com/gbpf/gbpf"

	"github.com/gbpf/gbpf/internal/conformance"
	"github.com/gbpf/gbpf/internal/jit"
)

// defaultEngine is the engine --engine's default names: the fastest that
// runs here, the JIT where the process can have executable memory
// (amd64), else the interpreter.
func defaultEngine() string {
	if jit.Available() == nil {
		return "jit"
	}
	return "interp"
}

// engineByName picks the engine that runs programs with the conformance
// calling convention ("" for the default engine). Asked for by name, the
// JIT says why it cannot run where it cannot.
func engineByName(name string) (conformance.Engine, error) {
	if name == "" {
		name = defaultEngine()
	}
	switch name {
	case "interp":
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
	case "":
		return gbpf.EngineDefault, nil
	case "interp":
		return gbpf.EngineInterpreter, nil
	case "jit":
		return gbpf.EngineJIT, nil
	}
	return 0, usageError("engine %q is unknown (want interp, jit or kernel)", name)
}
