//go:build ignore

/* Control flow and register states, in assembly: clang would never emit
 * the broken twins. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

/* CFG: every instruction reachable. The twin jumps over one. */
SEC("xdp")
NAKED int ok_cfg_reach(void)
{
	asm volatile("call 7;"            /* bpf_get_prandom_u32 */
		     "if r0 > 5 goto +1;"
		     "r0 = 1;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_cfg_reach(void)
{
	asm volatile("call 7;"
		     "goto +1;"
		     "r0 = 1;"
		     "exit;");
}

/* CFG: the last instruction must be an exit (or a jump back). */
SEC("xdp")
NAKED int ok_cfg_end(void)
{
	asm volatile("r0 = 2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_cfg_end(void)
{
	asm volatile("r0 = 2;"
		     "if r1 == 0 goto +1;"
		     "exit;"
		     "r0 = 1;");
}

/* Registers: r0 must be set before exit. */
SEC("xdp")
NAKED int ok_reg_r0(void)
{
	asm volatile("r0 = 0;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_reg_r0(void)
{
	asm volatile("r2 = 0;"
		     "exit;");
}

/* Registers: only r1 (ctx) and r10 are set at entry. */
SEC("xdp")
NAKED int ok_reg_uninit(void)
{
	asm volatile("r2 = 1;"
		     "r0 = r2;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_reg_uninit(void)
{
	asm volatile("r3 = 1;"
		     "r0 = r2;"
		     "exit;");
}

/* Registers: a helper call clobbers r1-r5; r6-r9 survive. */
SEC("xdp")
NAKED int ok_reg_clobber(void)
{
	asm volatile("r6 = 1;"
		     "call 7;"
		     "r0 = r6;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_reg_clobber(void)
{
	asm volatile("r1 = 1;"
		     "call 7;"
		     "r0 = r1;"
		     "exit;");
}

/* Registers: r10 is read only. */
SEC("xdp")
NAKED int ok_reg_fp(void)
{
	asm volatile("r1 = r10;"
		     "r1 += -8;"
		     "r0 = 0;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_reg_fp(void)
{
	asm volatile("r10 += -8;"
		     "r0 = 0;"
		     "exit;");
}

/* Legacy packet loads: socket filters and tc only. */
SEC("socket")
NAKED int ok_cfg_ld_abs(void)
{
	asm volatile("r6 = r1;"
		     "r0 = *(u8 *)skb[12];"
		     "exit;");
}

SEC("xdp")
NAKED int bad_cfg_ld_abs(void)
{
	asm volatile("r6 = r1;"
		     "r0 = *(u8 *)skb[12];"
		     "exit;");
}

/* ALU: division by a zero immediate is rejected (by a register is not). */
SEC("xdp")
NAKED int ok_alu_div(void)
{
	asm volatile("r0 = 10;"
		     "r1 = 0;"
		     "r0 /= r1;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_alu_div(void)
{
	asm volatile("r0 = 10;"
		     "r0 /= 0;"
		     "exit;");
}

/* ALU: shifts by a constant must be below the width. */
SEC("xdp")
NAKED int ok_alu_shift(void)
{
	asm volatile("r0 = 1;"
		     "w0 <<= 31;"
		     "exit;");
}

SEC("xdp")
NAKED int bad_alu_shift(void)
{
	asm volatile("r0 = 1;"
		     "w0 <<= 32;"
		     "exit;");
}
