package gbpf

import "golang.org/x/sys/unix"

// defaultCPU is the CPU runs happen on unless RunOptions.CPU says: the
// first CPU the process may use. The kernel test-runs on the caller's CPU;
// pinning the kernel engine and gbpf to the same first allowed CPU makes
// per-CPU map slots and bpf_get_smp_processor_id agree between the two,
// and under taskset it is the CPU the kernel would use too.
func defaultCPU() int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 0
	}
	for cpu := 0; cpu < len(set)*64; cpu++ {
		if set.IsSet(cpu) {
			return cpu
		}
	}
	return 0
}
