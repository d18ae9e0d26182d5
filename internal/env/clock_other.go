//go:build !linux

package env

import (
	"os"
	"sync"
	"time"
)

var start = time.Now()

// Without Linux's clocks, all three count from the process start.
func monotonicNs() uint64 { return uint64(time.Since(start).Nanoseconds()) + 1 }
func boottimeNs() uint64  { return monotonicNs() }
func coarseNs() uint64    { return monotonicNs() }

func gettid() int { return os.Getpid() }

var comm = sync.OnceValue(func() []byte { return []byte(truncatedName()) })

func taiNs() uint64 { return uint64(time.Now().UnixNano()) }
