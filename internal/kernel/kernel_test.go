package kernel

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/gbpf/gbpf/asm"
)

func requireKernel(tb testing.TB) {
	tb.Helper()
	if err := Available(); err != nil {
		tb.Skipf("kernel oracle unavailable: %v", err)
	}
}

func mov64(dst asm.Register, imm int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcK, Dst: dst, Imm: imm}
}

var exit = asm.Instruction{OpCode: asm.OpExit}

func TestRunXDPRetval(t *testing.T) {
	requireKernel(t)
	r, err := RunXDP(asm.Instructions{mov64(asm.R0, -7), exit}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Retval != 0xfffffff9 {
		t.Errorf("retval = %#x, want 0xfffffff9", r.Retval)
	}
	if len(r.DataOut) != MinDataSize {
		t.Errorf("data out has %d bytes, want %d", len(r.DataOut), MinDataSize)
	}
}

func TestRunXDPPacketStore(t *testing.T) {
	requireKernel(t)
	// r2 = ctx->data; r3 = ctx->data_end; if r2+1 > r3 goto out; *(u8 *)r2 = 0x5a.
	insns := asm.Instructions{
		{OpCode: asm.ClassLDX | asm.ModeMEM | asm.SizeW, Dst: asm.R2, Src: asm.R1, Offset: 0},
		{OpCode: asm.ClassLDX | asm.ModeMEM | asm.SizeW, Dst: asm.R3, Src: asm.R1, Offset: 4},
		mov64(asm.R0, 2),
		{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: asm.R4, Src: asm.R2},
		{OpCode: asm.ClassALU64 | asm.ALUAdd | asm.SrcK, Dst: asm.R4, Imm: 1},
		{OpCode: asm.ClassJMP | asm.JumpGT | asm.SrcX, Dst: asm.R4, Src: asm.R3, Offset: 1},
		{OpCode: asm.ClassST | asm.ModeMEM | asm.SizeB, Dst: asm.R2, Imm: 0x5a},
		exit,
	}
	r, err := RunXDP(insns, make([]byte, 20), 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Retval != 2 || len(r.DataOut) != 20 || r.DataOut[0] != 0x5a {
		t.Errorf("got retval %d, data %x; want 2 and 5a followed by zeros", r.Retval, r.DataOut)
	}
}

func TestVerifierErrorHasLog(t *testing.T) {
	requireKernel(t)
	// Reading r2 before writing it is refused.
	_, err := RunXDP(asm.Instructions{
		{OpCode: asm.ClassALU64 | asm.ALUMov | asm.SrcX, Dst: asm.R0, Src: asm.R2},
		exit,
	}, nil, 1)
	var ve *VerifierError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *VerifierError", err)
	}
	if !strings.Contains(err.Error(), "R2 !read_ok") {
		t.Errorf("error does not quote the verifier log:\n%v", err)
	}
}

func TestValueMap64BitResult(t *testing.T) {
	requireKernel(t)
	m, err := NewValueMap(16)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ld0 := asm.LoadImm64(asm.R0, 0x8000000000000001)
	ldm := m.LoadAddr(asm.R1, 8)
	insns := asm.Instructions{
		ld0[0], ld0[1],
		ldm[0], ldm[1],
		{OpCode: asm.ClassSTX | asm.ModeMEM | asm.SizeDW, Dst: asm.R1, Src: asm.R0},
		exit,
	}
	r, val, err := m.Run(insns, nil, 0xaa)
	if err != nil {
		t.Fatal(err)
	}
	if r.Retval != 1 {
		t.Errorf("retval = %#x, want 1", r.Retval)
	}
	if got := binary.LittleEndian.Uint64(val[8:]); got != 0x8000000000000001 {
		t.Errorf("map value[8:16] = %#x, want 0x8000000000000001", got)
	}
	if got := binary.LittleEndian.Uint64(val[:8]); got != 0xaaaaaaaaaaaaaaaa {
		t.Errorf("map value[0:8] = %#x, want the untouched sentinel", got)
	}
}

func TestPrime(t *testing.T) {
	requireKernel(t)
	r, err := RunXDP(PrimeProgram(), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Retval != 1 {
		t.Errorf("prime(67) = %d, want 1", r.Retval)
	}
}

// BenchmarkKernelPrime reports the kernel JIT's time per run of the
// conformance suite's prime program, as measured by the kernel itself over
// 10^6 repetitions. It is the reference number for docs/performance.md.
func BenchmarkKernelPrime(b *testing.B) {
	requireKernel(b)
	p, err := LoadXDP(PrimeProgram())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var total float64
	for b.Loop() {
		r, err := p.Run(nil, 1_000_000)
		if err != nil {
			b.Fatal(err)
		}
		total += float64(r.Duration.Nanoseconds())
	}
	b.ReportMetric(total/float64(b.N), "kernel-ns/run")
}

func TestKernelPrimeSpeed(t *testing.T) {
	requireKernel(t)
	if testing.Short() {
		t.Skip("timing run skipped in -short mode")
	}
	d, err := Benchmark(PrimeProgram(), nil, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kernel JIT, prime(67), repeat=1e6: %d ns/run", d.Nanoseconds())
}
