package maps

import "fmt"

// New creates an empty map, validating the spec like the kernel's
// map_create and map_alloc_check functions (the same cases give EINVAL or
// E2BIG). cpus is the number of possible CPUs, used by per-CPU types and perf
// event arrays.
func New(spec *Spec, cpus int) (Map, error) {
	if spec == nil || cpus < 1 {
		return nil, errInval
	}
	if spec.MapExtra != 0 && spec.Type != BloomFilter {
		return nil, errInval
	}
	// bpf_get_file_flag: read-only and write-only together make no sense.
	if spec.Flags&FlagRdonly != 0 && spec.Flags&FlagWronly != 0 {
		return nil, errInval
	}
	// map_check_btf: a bpf_spin_lock only in hash and array values.
	if spec.HasSpinLock && (spec.Type != Hash && spec.Type != Array || spec.SpinLockOff%4 != 0 || spec.SpinLockOff+4 > spec.ValueSize) {
		return nil, errOpNotSupp
	}
	switch spec.Type {
	case Array, PerCPUArray:
		return newArray(spec, cpus)
	case Hash, PerCPUHash:
		return newHash(spec, cpus)
	case LRUHash, LRUPerCPUHash:
		return newLRUHash(spec, cpus)
	case LPMTrie:
		return newLPM(spec, cpus)
	case Queue, Stack:
		return newQueue(spec, cpus)
	case BloomFilter:
		return newBloom(spec, cpus)
	case RingBuf:
		return newRingBuf(spec, cpus)
	case PerfEventArray:
		return newPerfEventArray(spec, cpus)
	case ProgArray:
		return newProgArray(spec, cpus)
	case ArrayOfMaps:
		return newArrayOfMaps(spec, cpus)
	case HashOfMaps:
		return newHashOfMaps(spec, cpus)
	case DevMap, DevMapHash, CPUMap:
		return newRedirectMap(spec, cpus)
	}
	return nil, fmt.Errorf("map type %s not supported by gbpf: %w", spec.Type, errInval)
}

// accessFlagsOK is bpf_map_flags_access_ok: a program cannot be both
// read-only and write-only.
func accessFlagsOK(flags uint32) bool {
	return flags&(FlagRdonlyProg|FlagWronlyProg) != FlagRdonlyProg|FlagWronlyProg
}
