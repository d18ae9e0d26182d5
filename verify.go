package gbpf

import (
	"errors"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/loader"
	"github.com/gbpf/gbpf/internal/verifier"
)

// VerifierError is a program the verifier rejected: the program, the
// instruction index, its source line (from BTF line info), the
// instruction in LLVM syntax, the reason in plain words and, where the fix
// is a known pattern, a hint. Format it with %+v for the registers and
// stack at the rejection (and the path that led there when the collection
// was loaded with VerifierLog).
type VerifierError = verifier.Error

// verifyProgram proves ps safe the way the kernel's verifier does, for a
// privileged loader. A program that calls a helper or kfunc gbpf does not
// implement is left to loadProgram, which reports it as an
// UnsupportedHelperError. A proof (non-nil) says the verifier proved ps
// safe, so the JIT may leave out the checks it made redundant.
func (c *Collection) verifyProgram(spec *ebpf.CollectionSpec, ps *ebpf.ProgramSpec, lp *loader.Program) (proof *verifier.Result, err error) {
	if c.opts.Unverified {
		return nil, nil
	}
	cfg := verifier.ConfigFor(spec, ps)
	cfg.Log = c.opts.VerifierLog
	cfg.CPUs = c.opts.CPUs
	proof, err = verifier.Verify(lp, cfg)
	var ve *verifier.Error
	if errors.As(err, &ve) && ve.Unsupported {
		return nil, nil
	}
	return proof, err
}
