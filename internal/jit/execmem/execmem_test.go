//go:build unix

package execmem

import (
	"errors"
	"testing"
)

func TestCode(t *testing.T) {
	if err := Available(); err != nil {
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("probe error %v does not wrap ErrUnavailable", err)
		}
		t.Skipf("no executable memory here: %v", err)
	}
	c, err := New([]byte{0x90, 0xc3})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr() == 0 || c.Bytes()[0] != 0x90 || c.Bytes()[2] != 0xcc {
		t.Errorf("mapped code: % x", c.Bytes()[:4])
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal("second close:", err)
	}
}

func TestBlock(t *testing.T) {
	b, err := NewBlock(10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Data) < 10000 {
		t.Fatalf("block of %d bytes", len(b.Data))
	}
	b.Data[0], b.Data[len(b.Data)-1] = 1, 2
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}
