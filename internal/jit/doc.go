// Package jit runs eBPF programs as x86-64 machine code, with the
// interpreter's results: the same RFC 9669 semantics, region-checked
// memory, budget and errors (*interp.RuntimeError). Where the JIT cannot
// run (another architecture or OS, or no executable memory), Available
// says why and callers use the interpreter.
//
// How a run works:
//
//   - amd64.Compile translates the slots once. BPF registers live in
//     machine registers (the kernel's mapping); R12 holds the Context, R9
//     the budget, R10/R11 are scratch. The code is mapped W^X (execmem).
//   - A Machine owns one mmapped block: the native stack, the Context and
//     the 4 KiB BPF stack, between guard pages. Machines are pooled for
//     all programs.
//   - amd64.Enter (a NOSPLIT assembly trampoline) saves Go's SP and BP in
//     the Context, switches to the native stack and returns into the
//     resume address on top of it. Native code never calls Go: a helper
//     call, an access the inline check refuses, a legacy packet load, the
//     budget running out or the call depth limit store an exit code and
//     return to the loop in run.go, which handles the exit and enters
//     again (saving the Go SP again: the goroutine stack may have moved).
//   - Every memory access is checked inline against the first
//     amd64.Slots regions of the run; the rest (helpers' regions, the
//     converted context, faults) goes to Go, which does the access
//     through the helpers' *interp.Machine view. Accesses within the
//     current frame of an r10 the program never writes, and accesses a
//     verifier marks in Options.Safe, skip the check.
//   - The budget is charged per basic block on entry; blocks also end
//     after memory accesses, so a run that exceeds its budget stops at the
//     interpreter's instruction with the interpreter's memory.
//
// What is left before the root package can switch engines:
//
//   - Helpers get an *interp.Machine (the memory view), whose TailCall and
//     CallFunc drive the interpreter, not the JIT: tail calls must go
//     through Machine.TailCall (e.g. reached via Env) and callbacks
//     (bpf_loop, for_each_map_elem) are not supported until interp.Helper
//     takes an engine-neutral interface.
//   - Rearm (repeated runs on the same memory) is not mirrored yet.
package jit
