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
// Helpers get an *interp.Machine view of the run's memory (built on first
// use); the view's host is the JIT Machine, so helpers' callbacks
// (Machine.CallFunc: bpf_loop, for_each_map_elem) enter native code again
// below the helper's exit, in a nested exit loop that ends when the
// callback's frame returns into the finish stub, and tail calls
// (Machine.TailCall, to a program whose Interp form has the JIT's code
// attached) replace the resume address of the helper's exit. The program
// an exit came from is found from its resume address, since a tail call
// in a bpf-to-bpf callee returns into the caller's program.
package jit
