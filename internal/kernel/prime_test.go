package kernel

import (
	"testing"

	"github.com/gbpf/gbpf/asm"
)

// primeText is the "-- asm" section of bpf_conformance's tests/prime.data.
const primeText = `
mov %r1, 67
mov %r0, 0x1
mov %r2, 0x2
jgt %r1, 0x2, L3
L1:
ja exit
L2:
add %r2, 0x1
mov %r0, 0x1
jge %r2, %r1, exit
L3:
mov %r3, %r1
div %r3, %r2
mul %r3, %r2
mov %r4, %r1
sub %r4, %r3
mov %r0, 0x0
jne %r4, 0x0, L2
exit
`

// TestPrimeProgramMatchesConformance checks the hand-encoded PrimeProgram
// against the conformance suite's text, assembled by gbpf.
func TestPrimeProgramMatchesConformance(t *testing.T) {
	want, err := asm.Assemble(primeText, asm.SyntaxConformance)
	if err != nil {
		t.Fatal(err)
	}
	got := PrimeProgram()
	if len(got) != len(want) {
		t.Fatalf("PrimeProgram has %d slots, the conformance text %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("slot %d: PrimeProgram has %v, the conformance text %v", i, got[i], want[i])
		}
	}
}
