//go:build ignore

/* Shared by the map and helper benchmarks: every program runs the same
 * bounded loop of N iterations around one operation, so that the cost of
 * the operation is (run time - baseline run time) / N. Each program returns
 * XDP_PASS when every operation did what the benchmark expects (a lookup
 * hit, an update succeeded, ...) and XDP_ABORTED otherwise. */
#ifndef GBPF_BENCH_H
#define GBPF_BENCH_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Iterations per run. */
#define N 1024
/* Keys the maps are filled with (from Go, before the runs); iteration i
 * uses key i % NKEYS. */
#define NKEYS 64

/* A plain bounded loop; the verifier walks it, both engines run it as is. */
#define LOOP                                             \
	_Pragma("clang loop unroll(disable)")            \
	for (__u32 i = 0; i < N; i++)

/* Keeps the compiler from folding or dropping a loop-carried value. */
#define KEEP(x) asm volatile("" : "+r"(x))

#endif
