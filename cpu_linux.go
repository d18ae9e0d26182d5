package gbpf

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// currentCPU is the CPU the calling thread runs on, as the kernel's
// test-run uses the CPU it happens to be on; 0 if getcpu fails.
func currentCPU() int {
	var cpu, node uint32
	if _, _, e := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), uintptr(unsafe.Pointer(&node)), 0); e != 0 {
		return 0
	}
	return int(cpu)
}
