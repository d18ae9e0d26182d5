//go:build !linux

package gbpf

func defaultCPU() int { return 0 }
