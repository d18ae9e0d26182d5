//go:build ignore

/* More scalar bounds: what each ALU operation and jump teaches. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct slots16 {
	__u8 b[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slots16);
} bytes16 SEC(".maps");

/* r6 = the 16-byte value (or exit 2), r7 = an unknown u64. */
#define PROLOGUE                                \
	"r1 = 0;"                               \
	"*(u32 *)(r10 - 4) = r1;"               \
	"r2 = r10;"                             \
	"r2 += -4;"                             \
	"r1 = %[bytes16] ll;"                   \
	"call 1;"                               \
	"if r0 == 0 goto 9f;"                   \
	"r6 = r0;"                              \
	"call 7;"                               \
	"r7 = r0;"                              \
	"r0 = *(u64 *)(r10 - 16);"              \
	"r7 ^= r0;"
/* load byte r6[r7] and exit */
#define EPILOGUE                                \
	"r6 += r7;"                             \
	"r0 = *(u8 *)(r6 + 0);"                 \
	"exit;"                                 \
	"9: r0 = 2;"                            \
	"exit;"
#define MAP_IMM [bytes16] "i"(&bytes16)

/* A branch on a bit test (JSET) clears the tested bits. */
SEC("xdp")
NAKED int ok_bounds_jset(void)
{
	asm volatile(PROLOGUE
		     "if r7 & -16 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_jset(void)
{
	asm volatile(PROLOGUE
		     "if r7 & -32 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

/* Sums of bounded values: 0..7 + 0..8 = 0..15. */
SEC("xdp")
NAKED int ok_bounds_sum(void)
{
	asm volatile(PROLOGUE
		     "r8 = r7;"
		     "r8 >>= 8;"
		     "r7 &= 7;"
		     "if r8 > 8 goto 9f;"
		     "r7 += r8;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_sum(void)
{
	asm volatile(PROLOGUE
		     "r8 = r7;"
		     "r8 >>= 8;"
		     "r7 &= 7;"
		     "if r8 > 9 goto 9f;"
		     "r7 += r8;"
		     EPILOGUE :: MAP_IMM);
}

/* Subtracting 1 from a value that may be 0 wraps around. */
SEC("xdp")
NAKED int ok_bounds_sub(void)
{
	asm volatile(PROLOGUE
		     "if r7 > 16 goto 9f;"
		     "if r7 == 0 goto 9f;"
		     "r7 -= 1;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_sub(void)
{
	asm volatile(PROLOGUE
		     "if r7 > 16 goto 9f;"
		     "r7 -= 1;"
		     EPILOGUE :: MAP_IMM);
}

/* Equality with a constant makes a constant; inequality teaches
 * nothing. */
SEC("xdp")
NAKED int ok_bounds_eq(void)
{
	asm volatile(PROLOGUE
		     "if r7 != 15 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_eq(void)
{
	asm volatile(PROLOGUE
		     "if r7 == 15 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

/* A bound learned from a register that is itself bounded. */
SEC("xdp")
NAKED int ok_bounds_reg_reg(void)
{
	asm volatile(PROLOGUE
		     "r8 = r7;"
		     "r8 >>= 32;"
		     "r8 &= 15;"
		     "if r7 >= r8 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_reg_reg(void)
{
	asm volatile(PROLOGUE
		     "r8 = r7;"
		     "r8 >>= 32;"
		     "r8 &= 31;"
		     "if r7 >= r8 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

/* Signed comparisons: s< 16 with s>= 0. */
SEC("xdp")
NAKED int ok_bounds_signed_cmp(void)
{
	asm volatile(PROLOGUE
		     "if r7 s> 15 goto 9f;"
		     "if r7 s< 0 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_signed_cmp(void)
{
	asm volatile(PROLOGUE
		     "if r7 s> 15 goto 9f;"
		     "if r7 s< -1 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

/* A 32-bit signed comparison of a zero-extended value. */
SEC("xdp")
NAKED int ok_bounds_jmp32_signed(void)
{
	asm volatile(PROLOGUE
		     "w7 = w7;"
		     "if w7 s> 15 goto 9f;"
		     "if w7 s< 0 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_jmp32_signed(void)
{
	asm volatile(PROLOGUE
		     "w7 = w7;"
		     "if w7 s> 15 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

/* Arithmetic right shift of a value below 2^63 >> 59 is below 16. */
SEC("xdp")
NAKED int ok_bounds_arsh(void)
{
	asm volatile(PROLOGUE
		     "r7 >>= 1;"
		     "r7 s>>= 59;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_arsh(void)
{
	asm volatile(PROLOGUE
		     "r7 s>>= 60;"
		     EPILOGUE :: MAP_IMM);
}

/* Modulo: the kernel keeps no bounds for it. A mask does. */
SEC("xdp")
NAKED int ok_bounds_mod(void)
{
	asm volatile(PROLOGUE
		     "r7 &= 15;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_mod(void)
{
	asm volatile(PROLOGUE
		     "r7 %%= 16;"
		     EPILOGUE :: MAP_IMM);
}

/* 32-bit arithmetic wraps in 32 bits and zero-extends. */
SEC("xdp")
NAKED int ok_bounds_alu32(void)
{
	asm volatile(PROLOGUE
		     "w7 &= 7;"
		     "w7 += 8;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_alu32(void)
{
	asm volatile(PROLOGUE
		     "w7 &= 7;"
		     "w7 += -8;"
		     EPILOGUE :: MAP_IMM);
}

/* Multiplication keeps bounds while nothing overflows. */
SEC("xdp")
NAKED int ok_bounds_mul(void)
{
	asm volatile(PROLOGUE
		     "r7 &= 3;"
		     "r7 *= 5;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_mul(void)
{
	asm volatile(PROLOGUE
		     "r7 &= 3;"
		     "r7 *= 6;"
		     EPILOGUE :: MAP_IMM);
}

/* OR with a constant sets bits: 0..7 | 8 is 8..15. */
SEC("xdp")
NAKED int ok_bounds_or(void)
{
	asm volatile(PROLOGUE
		     "r7 &= 7;"
		     "r7 |= 8;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_or(void)
{
	asm volatile(PROLOGUE
		     "r7 &= 7;"
		     "r7 |= 16;"
		     EPILOGUE :: MAP_IMM);
}

/* A copy shares bounds learned after the copy (same id). */
SEC("xdp")
NAKED int ok_bounds_linked(void)
{
	asm volatile(PROLOGUE
		     "r8 = r7;"
		     "if r8 > 15 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_linked(void)
{
	asm volatile(PROLOGUE
		     "r8 = r7;"
		     "if r8 > 16 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

/* ... also when a constant was added to the copy (Linux 6.11+). */
SEC("xdp")
NAKED int ok_bounds_linked_off(void)
{
	asm volatile(PROLOGUE
		     "r7 &= 0xff;"
		     "r8 = r7;"
		     "r8 += 1;"
		     "if r8 > 16 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}

SEC("xdp")
NAKED int bad_bounds_linked_off(void)
{
	asm volatile(PROLOGUE
		     "r7 &= 0xff;"
		     "r8 = r7;"
		     "r8 += 1;"
		     "if r8 > 17 goto 9f;"
		     EPILOGUE :: MAP_IMM);
}
