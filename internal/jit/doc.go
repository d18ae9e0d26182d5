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
//     the Context, switches to the native stack and jumps to an entry
//     stub, which loads the registers and jumps to the resume address on
//     top of that stack (or calls it, for a run's entry frame or a
//     callback, whose exit then returns into the stub). Native code never
//     calls Go: a helper call, an access the inline check refuses, a
//     legacy packet load, the budget running out or the call depth limit
//     store an exit code, push where to resume and jump to the exit stub,
//     whose ret returns from Enter (so calls and returns stay paired for
//     the CPU's predictions); the loop in run.go handles the exit and
//     enters again (saving the Go SP again: the goroutine stack may have
//     moved).
//   - Every memory access is checked inline unless proven safe: accesses
//     within the current frame of an r10 the program never writes, those
//     a verifier marks in Options.Safe, and for a program the verifier
//     accepted (Options.Verified) all that cannot go through the context,
//     which is converted, not memory (verified.go). A checked access is
//     tried first against the region
//     the compiler predicts from where the base register's value came
//     from (amd64 region classes: the stack, the region holding a
//     context field's value such as the packet, an inlined array map,
//     the region the last helper handed out), then the first
//     amd64.Slots regions of the run, then out of line the helpers'
//     recent regions (Context.Dyn); the rest goes to Go, which does the
//     access through the helpers' *interp.Machine view (the converted
//     context, faults).
//   - 4-byte loads from a register that may hold the context compare it
//     with the context's address and take the converted field (e.g.
//     xdp_md.data as a 64-bit pointer) from a table Go fills before the
//     run and after helpers that may change it.
//   - bpf_map_lookup_elem on an array map named by a constant runs
//     inline (Options.ArrayMaps), and so does bpf_get_smp_processor_id
//     (Options.LinuxHelpers).
//   - The budget is charged per basic block on entry (a block ending in
//     goto pays for its target's too); a block the budget cannot pay for
//     runs in the interpreter (interp.Machine.RunBlock), which stops at
//     the same instruction with the same memory.
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
