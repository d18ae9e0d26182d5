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
		{"Dyn[1][3][2]", uintptr(unsafe.Pointer(&c.Dyn[1][3][2])) - uintptr(unsafe.Pointer(&c)), uintptr(offDynBound(1, 3, 2))},
		{"CtxKey", unsafe.Offsetof(c.CtxKey), offCtxKey},
		{"CtxVal", unsafe.Offsetof(c.CtxVal), offCtxVal},
		{"Class[3][1][2]", uintptr(unsafe.Pointer(&c.Class[3][1][2])) - uintptr(unsafe.Pointer(&c)), uintptr(offClassBound(3, 1, 2))},
		{"CPU", unsafe.Offsetof(c.CPU), offCPU},
		{"MinFP", unsafe.Offsetof(c.MinFP), offMinFP},
		{"CtxStKey", unsafe.Offsetof(c.CtxStKey), offCtxStKey},
		{"CtxDirty", unsafe.Offsetof(c.CtxDirty), offCtxDirty},
		{"PktLo", unsafe.Offsetof(c.PktLo), offPktLo},
		{"PktLen", unsafe.Offsetof(c.PktLen), offPktLen},
		{"ResumeAddr", unsafe.Offsetof(c.ResumeAddr), offResume},
		{"CtxStMask", unsafe.Offsetof(c.CtxStMask), offCtxStMsk},
		{"size", unsafe.Sizeof(c), offCtxStMsk + 4*(CtxStoreSlots+1)},
	} {
		if f.got != f.want {
			t.Errorf("Context.%s at %d, the code assumes %d", f.name, f.got, f.want)
		}
	}
}
