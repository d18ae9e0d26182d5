//go:build ignore

/* Shared by the verifier twins: every rule has a safe program ok_<topic>
 * and a minimally broken twin bad_<topic> that the kernel rejects. */
#ifndef GBPF_TWINS_H
#define GBPF_TWINS_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* A function body written in BPF assembly only: the cases C cannot
 * express (or that clang would repair). */
#define NAKED __attribute__((naked))

/* Keep a value in a register the compiler knows nothing about. */
#define opaque(x) asm volatile("" : "+r"(x))

/* Make the compiler assume the object behind p is read and written. */
#define escape(p) asm volatile("" : : "r"(p) : "memory")

/* x86-64 struct pt_regs: 21 unsigned longs (168 bytes). */
struct regs21 {
	__u64 r[21];
};

#endif
