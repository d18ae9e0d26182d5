package gbpf

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/env"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/jit"
	"github.com/gbpf/gbpf/internal/jit/amd64"
	"github.com/gbpf/gbpf/internal/maps"
)

// Engine is what runs a collection's programs.
type Engine int

const (
	// EngineDefault is the project's default engine, the fastest that
	// runs here: the JIT on amd64 unix systems that give executable
	// memory, else the interpreter.
	EngineDefault Engine = iota
	// EngineInterpreter is the checked interpreter: runs everywhere.
	EngineInterpreter
	// EngineJIT compiles programs to machine code (amd64 on unix systems).
	// Where the process cannot have executable memory, or for a program
	// the JIT cannot compile, the interpreter runs instead; the
	// collection's EngineFallback says why.
	EngineJIT
)

// String is the engine's name as the command line spells it: "interp",
// "jit" ("default" for EngineDefault).
func (e Engine) String() string {
	switch e {
	case EngineDefault:
		return "default"
	case EngineInterpreter:
		return "interp"
	case EngineJIT:
		return "jit"
	}
	return fmt.Sprintf("Engine(%d)", int(e))
}

// ErrJITUnavailable is wrapped by a collection's EngineFallback when the
// JIT was asked for and the interpreter runs instead.
var ErrJITUnavailable = errors.New("the JIT is not available")

// engineState is what a collection decided about engines.
type engineState struct {
	resolved bool
	engine   Engine // EngineInterpreter or EngineJIT, once resolved
	fallback error
}

// Engine is the engine the collection's programs run on: EngineJIT or
// EngineInterpreter (also when the JIT was asked for but is not
// available; see EngineFallback).
func (c *Collection) Engine() Engine {
	c.resolveEngine()
	if c.engine.engine == EngineJIT {
		for _, p := range c.Programs {
			if p.jit == nil {
				return EngineInterpreter
			}
		}
	}
	return c.engine.engine
}

// EngineFallback says why programs run on the interpreter although the
// JIT was asked for (it wraps ErrJITUnavailable), or is nil.
func (c *Collection) EngineFallback() error {
	c.resolveEngine()
	return c.engine.fallback
}

func (c *Collection) resolveEngine() {
	if c.engine.resolved {
		return
	}
	c.engine.resolved = true
	switch c.opts.Engine {
	case EngineDefault:
		c.engine.engine = EngineInterpreter
		if jit.Available() == nil {
			c.engine.engine = EngineJIT
		}
	case EngineJIT:
		if err := jit.Available(); err != nil {
			c.engine.engine = EngineInterpreter
			c.engine.fallback = fmt.Errorf("%w: %w; programs run on the interpreter", ErrJITUnavailable, err)
			return
		}
		c.engine.engine = EngineJIT
	default:
		c.engine.engine = EngineInterpreter
	}
}

// newCode makes the runnable form of a program's resolved instructions
// for the collection's engine. It sets p.jit when the JIT compiled it;
// the interpreter's form is returned either way (tail calls name it).
func (c *Collection) newCode(p *Program, insns asm.Instructions) (*interp.Program, error) {
	c.resolveEngine()
	budget := c.opts.Budget
	if budget == 0 {
		budget = DefaultBudget
		if p.verified {
			budget = interp.Unbounded
		}
	}
	if c.engine.engine == EngineJIT {
		jp, err := jit.New(insns, &jit.Options{Budget: budget, Helpers: env.Helpers, ArrayMaps: inlineArray, IndexedMaps: inlineIndexed, LinuxHelpers: true, Verified: p.verified, CtxAccess: p.ctxAccess})
		if err == nil {
			p.jit = jp
			return jp.Interp(), nil
		}
		code, ierr := interp.New(insns, &interp.Options{Budget: budget, Helpers: env.Helpers})
		if ierr != nil {
			return nil, ierr // not a JIT problem: the code is invalid
		}
		if c.engine.fallback == nil && c.opts.Engine == EngineJIT {
			c.engine.fallback = fmt.Errorf("%w for program %s: %w; it runs on the interpreter", ErrJITUnavailable, p.name, err)
		}
		return code, nil
	}
	return interp.New(insns, &interp.Options{Budget: budget, Helpers: env.Helpers})
}

// inlineArray describes the array map at a map address for the JIT,
// which then runs bpf_map_lookup_elem on it inline: the values of a CPU
// are one block of memory, MaxEntries slots apart by the stride.
func inlineArray(addr uint64) (jit.ArrayMap, bool) {
	mp, ok := env.MapAt(addr)
	if !ok {
		return jit.ArrayMap{}, false
	}
	spec := mp.Spec()
	arr, ok := mp.(maps.ArrayMemory)
	if !ok || (spec.Type != maps.Array && spec.Type != maps.PerCPUArray) || spec.MaxEntries == 0 {
		return jit.ArrayMap{}, false
	}
	stride := uint32((spec.ValueSize + 7) &^ 7)
	if spec.MaxEntries > 1 {
		v0, v1 := arr.Value(0, 0), arr.Value(1, 0)
		if len(v0) == 0 || len(v1) == 0 {
			return jit.ArrayMap{}, false
		}
		stride = uint32(regionAddr(v1) - regionAddr(v0))
	}
	size := int(spec.MaxEntries) * int(stride)
	return jit.ArrayMap{
		MaxEntries: spec.MaxEntries,
		ValueSize:  spec.ValueSize,
		Stride:     stride,
		PerCPU:     spec.Type == maps.PerCPUArray,
		SpinLock:   spec.HasSpinLock,
		Values: func(cpu int) []byte {
			v := arr.Value(0, cpu)
			if v == nil {
				return nil
			}
			return unsafe.Slice(unsafe.SliceData(v), size)
		},
		Writable: spec.Flags&maps.FlagRdonlyProg == 0,
		Name:     spec.Name,
	}, true
}

// inlineIndexed describes the hash map or LPM trie at a map address for
// the JIT, which then runs bpf_map_lookup_elem on it inline in verified
// programs.
func inlineIndexed(addr uint64) (jit.IndexedMap, bool) {
	mp, ok := env.MapAt(addr)
	if !ok {
		return jit.IndexedMap{}, false
	}
	if nh, ok := mp.(maps.NativeHash); ok {
		if l, ok := nh.Layout(); ok {
			return jit.IndexedMap{
				Hash: &amd64.HashMap{Buckets: l.Buckets, Mask: l.Mask, Seed: l.Seed, KeySize: l.KeySize,
					ValueOffset: l.ValueOffset, CPUStride: l.CPUStride, SetRef: l.LRU},
				Arena: l.Arena, Writable: l.Writable, Name: l.Name,
			}, true
		}
	}
	if nl, ok := mp.(maps.NativeLPM); ok {
		if l, ok := nl.LPMLayout(); ok {
			return jit.IndexedMap{
				LPM:   &amd64.LPMMap{Root: l.Root, DataSize: l.DataSize, MaxPrefix: l.MaxPrefix, ValueOffset: l.ValueOffset},
				Arena: l.Arena, Writable: l.Writable, Name: l.Name,
			}, true
		}
	}
	return jit.IndexedMap{}, false
}

// machine is one run's machine, of either engine.
type machine interface {
	AddRegion(buf []byte, writable bool, name string) uint64
	SetContext(addr, size uint64, c interp.Context)
	SetPacketFrame(buf []byte, data, mac, net int)
	Run(r1, r2 uint64) (uint64, error)
}

// runMachine holds the machine of a run and knows its engine.
type runMachine struct {
	machine
	im *interp.Machine
	jm *jit.Machine
	jp *jit.Program // the code jm runs
}

// acquireMachine readies a machine for run; exclusive says no other run
// of the collection happens meanwhile, so the JIT's code without locked
// atomics may run.
func (p *Program) acquireMachine(run *env.Run, exclusive bool) (runMachine, error) {
	if p.jit != nil {
		code := p.jit
		if exclusive {
			if x := p.jit.Exclusive(); x != nil {
				code = x
			}
		}
		m, err := code.Machine()
		if err != nil {
			return runMachine{}, fmt.Errorf("program %s: %w", p.name, err)
		}
		m.Env = run
		m.CPU = run.CPU
		return runMachine{machine: m, jm: m, jp: code}, nil
	}
	m := p.prog.Code.Machine()
	m.Env = run
	return runMachine{machine: m, im: m}, nil
}

func (p *Program) releaseMachine(m runMachine) {
	if m.jm != nil {
		m.jp.Release(m.jm)
	} else {
		p.prog.Code.Release(m.im)
	}
}

// rearm readies the machine for the next of repeated runs.
func (m runMachine) rearm(p *Program) {
	if m.jm != nil {
		m.jm.Rearm()
	} else {
		m.im.Rearm(p.prog.Code)
	}
}

// finish ends a run: reserved records and held locks are released.
func (m runMachine) finish(run *env.Run) {
	if m.jm != nil {
		run.Finish(m.jm.Viewed()) // nil when no helper ran: nothing to release
	} else {
		run.Finish(m.im)
	}
}

// closeCode releases the program's machine code.
func (p *Program) closeCode() {
	if p.jit != nil {
		p.jit.Close()
	}
}
