//go:build amd64

package amd64

// Enter runs native code at code (a compiled program's entry stub) with
// ctx until it exits; see enter_amd64.s. ctx.NativeSP must point at the
// address to resume at.
//
//go:noescape
func Enter(code uintptr, ctx *Context)
