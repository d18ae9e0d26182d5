package btffmt

import (
	"testing"

	"github.com/cilium/ebpf/btf"
)

func TestFormat(t *testing.T) {
	u32 := &btf.Int{Name: "u32", Size: 4}
	s16 := &btf.Int{Name: "s16", Size: 2, Encoding: btf.Signed}
	char := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	boolean := &btf.Int{Name: "bool", Size: 1, Encoding: btf.Bool}
	enum := &btf.Enum{Name: "verdict", Size: 4, Values: []btf.EnumValue{{Name: "PASS", Value: 2}}}
	flow := &btf.Struct{Name: "flow", Size: 12, Members: []btf.Member{
		{Name: "count", Type: u32, Offset: 0},
		{Name: "delta", Type: s16, Offset: 32},
		{Name: "ok", Type: boolean, Offset: 48},
		{Name: "tag", Type: char, Offset: 56},
		{Name: "v", Type: enum, Offset: 64},
	}}
	cases := []struct {
		name string
		typ  btf.Type
		b    []byte
		want string
	}{
		{"u32", u32, []byte{1, 1, 0, 0}, "257"},
		{"negative", s16, []byte{0xfe, 0xff}, "-2"},
		{"struct", flow, []byte{3, 0, 0, 0, 0xff, 0xff, 1, 'x', 2, 0, 0, 0}, "{count = 3, delta = -1, ok = true, tag = 'x', v = PASS}"},
		{"char array", &btf.Array{Type: char, Nelems: 8}, []byte("eth0\x00\x00\x00\x00"), `"eth0"`},
		{"u32 array", &btf.Array{Type: u32, Nelems: 2}, []byte{1, 0, 0, 0, 2, 0, 0, 0}, "[1, 2]"},
		{"typedef", &btf.Typedef{Name: "__u32", Type: u32}, []byte{7, 0, 0, 0}, "7"},
		{"no type", nil, []byte{0xab, 0x01}, "ab 01"},
		{"size mismatch", u32, []byte{1, 2}, "01 02"},
		{"empty", nil, nil, "(empty)"},
	}
	for _, c := range cases {
		if got := Format(c.typ, c.b); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestFormatDatasec(t *testing.T) {
	u16 := &btf.Int{Name: "u16", Size: 2}
	sec := &btf.Datasec{Name: ".rodata", Size: 4, Vars: []btf.VarSecinfo{
		{Type: &btf.Var{Name: "port", Type: u16}, Offset: 0, Size: 2},
		{Type: &btf.Var{Name: "ttl", Type: u16}, Offset: 2, Size: 2},
	}}
	if got, want := Format(sec, []byte{0x6c, 0x07, 64, 0}), "port = 1900, ttl = 64"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
