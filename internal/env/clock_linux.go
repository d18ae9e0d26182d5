package env

import (
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// The kernel's clocks are the host's: ktime_get_ns is CLOCK_MONOTONIC,
// ktime_get_boot_ns CLOCK_BOOTTIME, the coarse variant its coarse clock.
func clockNs(id int32) uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		return 0
	}
	return uint64(ts.Sec)*1e9 + uint64(ts.Nsec)
}

func monotonicNs() uint64 { return clockNs(unix.CLOCK_MONOTONIC) }
func boottimeNs() uint64  { return clockNs(unix.CLOCK_BOOTTIME) }
func coarseNs() uint64    { return clockNs(unix.CLOCK_MONOTONIC_COARSE) }

func gettid() int { return unix.Gettid() }

// comm is the process's task name, as the kernel keeps it (15 bytes).
var comm = sync.OnceValue(func() []byte {
	b, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		return []byte(truncatedName())
	}
	return []byte(strings.TrimSuffix(string(b), "\n"))
})

func taiNs() uint64 { return clockNs(unix.CLOCK_TAI) }
