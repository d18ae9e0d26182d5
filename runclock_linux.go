package gbpf

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// runClock times the runs of one Program.Run call the way the kernel
// times BPF_PROG_TEST_RUN: the time the runs spend on a CPU. The kernel
// runs them with preemption off and stops its clock while it yields the
// CPU; gbpf keeps the goroutine on one thread and reads that thread's CPU
// clock, so time the thread spends descheduled (other processes running
// on a busy machine) counts in neither figure.
type runClock struct{ start int64 }

// startRunClock locks the goroutine to its thread until stop.
func startRunClock() runClock {
	runtime.LockOSThread()
	return runClock{start: threadTime()}
}

// elapsed is the thread's CPU time since startRunClock.
func (c runClock) elapsed() time.Duration { return time.Duration(threadTime() - c.start) }

func (c runClock) stop() { runtime.UnlockOSThread() }

func threadTime() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return time.Now().UnixNano() // no thread clock: wall time
	}
	return ts.Nano()
}
