package amd64

import (
	"testing"
	"unsafe"
)

func TestContextLayout(t *testing.T) {
	var c Context
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"GoSP", unsafe.Offsetof(c.GoSP), offGoSP},
		{"GoBP", unsafe.Offsetof(c.GoBP), offGoBP},
		{"NativeSP", unsafe.Offsetof(c.NativeSP), offNativeSP},
		{"Regs", unsafe.Offsetof(c.Regs), offRegs},
		{"Budget", unsafe.Offsetof(c.Budget), offBudget},
		{"ExitCode", unsafe.Offsetof(c.ExitCode), offExitCode},
		{"ExitPC", unsafe.Offsetof(c.ExitPC), offExitPC},
		{"ExitArg", unsafe.Offsetof(c.ExitArg), offExitArg},
		{"Depth", unsafe.Offsetof(c.Depth), offDepth},
		{"MaxDepth", unsafe.Offsetof(c.MaxDepth), offMaxDepth},
		{"Bounds", unsafe.Offsetof(c.Bounds), offBounds},
		{"Bounds[1][2][1]", uintptr(unsafe.Pointer(&c.Bounds[1][2][1])) - uintptr(unsafe.Pointer(&c)), uintptr(offBound(1, 2, 1))},
	} {
		if f.got != f.want {
			t.Errorf("Context.%s at %d, the code assumes %d", f.name, f.got, f.want)
		}
	}
}
