#include "textflag.h"

// func Enter(code uintptr, ctx *Context)
//
// Enter saves Go's stack and frame pointers in ctx, switches to the JIT
// stack saved in ctx.NativeSP and jumps to code (the entry stub), which
// loads the BPF registers and returns into the resume address on top of
// that stack. Native code comes back by restoring the saved pointers and
// returning, so to Go this is an ordinary call. It is ABI0 and frameless:
// the ABI wrapper restores R14 (g) and X15, which native code may use.
TEXT ·Enter(SB), NOSPLIT|NOFRAME, $0-16
	MOVQ code+0(FP), AX
	MOVQ ctx+8(FP), R12
	MOVQ SP, 0(R12)
	MOVQ BP, 8(R12)
	MOVQ 16(R12), SP
	JMP  AX
