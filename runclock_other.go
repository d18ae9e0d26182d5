//go:build !linux

package gbpf

import "time"

// runClock times the runs of one Program.Run call; without Linux's
// thread CPU clock it is wall time.
type runClock struct{ start time.Time }

func startRunClock() runClock             { return runClock{start: time.Now()} }
func (c runClock) elapsed() time.Duration { return time.Since(c.start) }
func (c runClock) stop()                  {}
