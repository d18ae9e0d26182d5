package kfmt

import (
	"syscall"
	"testing"
)

func TestStrtox(t *testing.T) {
	einval, erange := -int64(syscall.EINVAL), -int64(syscall.ERANGE)
	cases := []struct {
		in    string
		flags uint64
		v     int64
		n     int64
	}{
		{"123abc", 10, 123, 3},
		{"  -42 ", 0, -42, 5},
		{"0x1fg", 0, 31, 4},
		{"0x", 0, 0, 1},   // "0" then "x": octal zero
		{"017", 0, 15, 3}, // octal
		{"ff", 16, 255, 2},
		{"0xff", 16, 255, 4},
		{"9", 8, 0, einval},
		{"", 10, 0, einval},
		{"   ", 10, 0, einval},
		{"-", 10, 0, einval},
		{"12", 7, 0, einval},
		{"12", 10 | 1<<5, 0, einval},
		{"9223372036854775807", 10, 9223372036854775807, 19},
		{"9223372036854775808", 10, 0, erange},
		{"-9223372036854775808", 10, -9223372036854775808, 20},
		{"99999999999999999999", 10, 0, erange},
	}
	for _, c := range cases {
		v, n := Strtol([]byte(c.in), c.flags)
		if v != c.v || n != c.n {
			t.Errorf("Strtol(%q, %d) = %d, %d; want %d, %d", c.in, c.flags, v, n, c.v, c.n)
		}
	}
	if _, n := Strtoul([]byte("-1"), 10); n != einval {
		t.Errorf("Strtoul(-1): %d", n)
	}
	if v, n := Strtoul([]byte("18446744073709551615"), 10); v != 1<<64-1 || n != 20 {
		t.Errorf("Strtoul(max): %d, %d", v, n)
	}
}
