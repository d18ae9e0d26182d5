//go:build !linux

package gbpf

func currentCPU() int { return 0 }
