package verifier

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/gbpf/gbpf/asm"
)

// Global (non-static) functions are verified as the kernel does it: once,
// on their own, from what their BTF prototype says about the arguments
// (a number, the context, or memory of the pointee's size that may be
// NULL), not from what each caller passes. A call checks the caller's
// arguments against the prototype and returns an unknown number.

type paramKind uint8

const (
	paramScalar paramKind = iota
	paramCtx
	paramMem // memory of size bytes, or NULL
)

type param struct {
	kind paramKind
	size int
}

// globalFunc is the BTF prototype of the global function starting at
// slot pc, or nil when the function is static (or there is no BTF).
func (v *verifier) globalFunc(pc int) *btf.Func {
	fn := v.p.FuncTypes[pc]
	if fn == nil || fn.Linkage != btf.GlobalFunc || pc == 0 {
		return nil
	}
	return fn
}

// ctxTypeNames are the context structs of the program types, as BTF
// names them.
var ctxTypeNames = map[ebpf.ProgramType][]string{
	ebpf.XDP:           {"xdp_md"},
	ebpf.SchedCLS:      {"__sk_buff"},
	ebpf.SchedACT:      {"__sk_buff"},
	ebpf.SocketFilter:  {"__sk_buff"},
	ebpf.CGroupSKB:     {"__sk_buff"},
	ebpf.Kprobe:        {"pt_regs", "bpf_user_pt_regs_t"},
	ebpf.PerfEvent:     {"bpf_perf_event_data"},
	ebpf.RawTracepoint: {"bpf_raw_tracepoint_args"},
}

// params classifies a global function's arguments.
func (v *verifier) params(fn *btf.Func) []param {
	proto, ok := fn.Type.(*btf.FuncProto)
	if !ok {
		v.reject("", "Global function %s() has no prototype in BTF", fn.Name)
	}
	if len(proto.Params) > 5 {
		v.reject("", "Global function %s() has %d arguments: at most 5 are supported", fn.Name, len(proto.Params))
	}
	switch btf.UnderlyingType(proto.Return).(type) {
	case *btf.Int, *btf.Enum, *btf.Void:
	default:
		v.reject("return an integer", "Global function %s() doesn't return scalar. Only those are supported.", fn.Name)
	}
	var ps []param
	for i, p := range proto.Params {
		switch t := btf.UnderlyingType(p.Type).(type) {
		case *btf.Int, *btf.Enum:
			ps = append(ps, param{kind: paramScalar})
		case *btf.Pointer:
			target := btf.UnderlyingType(t.Target)
			name := target.TypeName()
			if td, ok := t.Target.(*btf.Typedef); ok {
				name = td.Name
			}
			isCtx := false
			for _, n := range ctxTypeNames[v.cfg.Type] {
				if n == name || n == target.TypeName() {
					isCtx = true
				}
			}
			if isCtx {
				ps = append(ps, param{kind: paramCtx})
				continue
			}
			size, err := btf.Sizeof(target)
			if err != nil || size <= 0 {
				v.reject("give the argument a sized type, or make the function static", "arg#%d reference type('%s') size cannot be determined", i, target.TypeName())
			}
			ps = append(ps, param{kind: paramMem, size: size})
		default:
			v.reject("pass numbers or pointers, or make the function static", "arg#%d type %s in %s() is not supported", i, p.Type.TypeName(), fn.Name)
		}
	}
	return ps
}

// callGlobal checks a call of the global function at target.
func (v *verifier) callGlobal(fn *btf.Func, target int) {
	if v.st.lock != 0 {
		v.reject("release the spin lock first, or make the function static", "global function calls are not allowed while holding a lock")
	}
	ps := v.params(fn)
	regs := v.regs()
	for i, p := range ps {
		regno := asm.Register(i + 1)
		r := v.readReg(regno)
		switch p.kind {
		case paramScalar:
			if r.t != scalar {
				v.reject("", "R%d is not a scalar", regno)
			}
		case paramCtx:
			if r.t != ptrCtx || r.off != 0 || !r.varZero() {
				v.reject("", "arg#%d expects pointer to ctx", i)
			}
		case paramMem:
			if r.isConst() && r.tn.v == 0 {
				continue
			}
			if r.maybeNull {
				v.reject(hintNull, "R%d type=%s: arg#%d may be NULL only as the constant 0", regno, typeName(r), i)
			}
			v.checkPtrArg(regno, r, fn.Name, proto{})
			v.checkHelperMem(regno, p.size, false, false, true)
			v.checkHelperMem(regno, p.size, true, false, true)
		}
	}
	if !v.globalQueued[target] {
		v.globalQueued[target] = true
		v.globals = append(v.globals, target)
	}
	v.clobberArgs()
	regs[0] = unknownScalar()
	v.trail(fmt.Sprintf("%d: call global %s", v.pc, fn.Name))
	v.pc++
}

// verifyGlobals verifies each called global function on its own.
func (v *verifier) verifyGlobals() {
	for i := 0; i < len(v.globals); i++ {
		target := v.globals[i]
		fn := v.globalFunc(target)
		f := &frame{callsite: -1, subprog: v.subAt[target], global: true}
		if proto, ok := fn.Type.(*btf.FuncProto); ok {
			_, f.void = btf.UnderlyingType(proto.Return).(*btf.Void)
		}
		for j, p := range v.params(fn) {
			r := &f.regs[j+1]
			switch p.kind {
			case paramScalar:
				*r = unknownScalar()
			case paramCtx:
				*r = reg{t: ptrCtx}
				r.setConstVar(0)
			case paramMem:
				*r = reg{t: ptrMem, memSize: int32(p.size), maybeNull: true, id: v.newID()}
				r.setConstVar(0)
			}
		}
		f.regs[10] = reg{t: ptrStack}
		f.regs[10].setConstVar(0)
		v.worklist = append(v.worklist, pending{st: &state{frames: []*frame{f}}, pc: target})
		v.drain()
	}
}
