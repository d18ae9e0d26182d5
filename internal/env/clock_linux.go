package env

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"
	_ "unsafe" // for go:linkname

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

// monotonicNs is CLOCK_MONOTONIC through the runtime's vDSO clock, which
// costs nanoseconds where clock_gettime as a system call costs microseconds.
func monotonicNs() uint64 { return uint64(nanotime()) }

// boottimeNs is CLOCK_BOOTTIME: monotonic plus the time spent suspended,
// which is read again at most once a second.
func boottimeNs() uint64 {
	now := nanotime()
	if off := bootOffset.Load(); off != nil && now-off.at < 1e9 {
		return uint64(now + off.delta)
	}
	// Read the monotonic clock first, so the offset errs high by the
	// syscall's time rather than low: boot time is never behind monotonic.
	delta := -now + int64(clockNs(unix.CLOCK_BOOTTIME))
	bootOffset.Store(&clockOffset{at: now, delta: delta})
	return uint64(now + delta)
}

type clockOffset struct{ at, delta int64 }

var bootOffset atomic.Pointer[clockOffset]

// coarseNs is CLOCK_MONOTONIC_COARSE: the monotonic clock at the last
// timer tick (4 ms at the usual 250 Hz).
func coarseNs() uint64 {
	const tick = 4_000_000
	return monotonicNs() / tick * tick
}

//go:linkname nanotime runtime.nanotime
func nanotime() int64

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
