//go:build amd64 && unix

package jit

import (
	"testing"

	"github.com/gbpf/gbpf/asm"
)

func TestSmoke(t *testing.T) {
	if isolated(t) {
		return
	}
	requireJIT(t)
	for _, c := range []struct {
		src  string
		mem  []byte
		want uint64
	}{
		{"mov %r0, 42\nexit\n", nil, 42},
		{"mov %r0, 1\nadd %r0, %r2\nexit\n", []byte{1, 2, 3}, 4},
		{"ldxb %r0, [%r1+2]\nexit\n", []byte{1, 2, 3}, 3},
	} {
		insns, err := asm.Assemble(c.src, asm.SyntaxConformance)
		if err != nil {
			t.Fatal(err)
		}
		p, err := New(insns, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Run(c.mem)
		if err != nil || got != c.want {
			t.Errorf("%q: got %d, %v; want %d", c.src, got, err, c.want)
		}
	}
}

func requireJIT(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("the JIT cannot run here: %v", err)
	}
}
