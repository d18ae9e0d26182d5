package kfmt

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// memAt serves data at address base.
func memAt(base uint64, data []byte) Memory {
	return func(addr uint64, n int) ([]byte, bool) {
		if addr < base || addr >= base+uint64(len(data)) {
			return nil, false
		}
		o := int(addr - base)
		return data[o:min(o+n, len(data))], true
	}
}

const base = 0x1000

var testMem = memAt(base, []byte("hello\x00\x01\x02\x03\x04\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01unterminated"))

const (
	hello  = base
	ip4    = base + 6
	ip6    = base + 10
	unterm = base + 26
)

func TestFormat(t *testing.T) {
	neg := func(v uint64) uint64 { return -v }
	for _, c := range []struct {
		format string
		args   []uint64
		want   string
	}{
		{"plain text\t\n", nil, "plain text\t\n"},
		{"100%%", nil, "100%"},
		{"caf\xc3\xa9", nil, "caf\xc3\xa9"},
		{"%d|%i|%u|%x|%X", []uint64{neg(1), neg(2), neg(1), 0xabc, 0xabc}, "-1|-2|4294967295|abc|ABC"},
		{"%d", []uint64{1 << 32}, "0"},
		{"%ld|%lld|%lu|%llx", []uint64{1 << 63, neg(5), neg(1), neg(2)}, "-9223372036854775808|-5|18446744073709551615|fffffffffffffffe"},
		{"%5d|%-5d|%05d|%+d|% d|%+ d", []uint64{42, 42, 42, 42, 42, 42}, "   42|42   |00042|+42| 42|+42"},
		{"%05d|%-05d|%+05d", []uint64{neg(42), 42, 42}, "-0042|42   |+0042"},
		{"%+x|% x|%08x|%-8X|", []uint64{0xbeef, 0xbeef, 0xbeef, 0xbeef}, "beef|beef|0000beef|BEEF    |"},
		{"%c%c|%3c|%-3c|%03c", []uint64{'o', 0x16b, 'a', 'b', 'c'}, "ok|  a|b  |  c"},
		{"%s|%7s|%-7s|", []uint64{hello, hello, hello}, "hello|  hello|hello  |"},
		{"[%s]", []uint64{0}, "[]"},
		{"[%s]", []uint64{unterm}, "[]"},
		{"[%pks]", []uint64{hello}, "[hello]"},
		{"[%pus]", []uint64{hello}, "[]"},
		{"%pI4 %pi4", []uint64{ip4, ip4}, "1.2.3.4 001.002.003.004"},
		{"%pI6", []uint64{ip6}, "2001:0db8:0000:0000:0000:0000:0000:0001"},
		{"%pi6", []uint64{ip6}, "20010db8000000000000000000000001"},
		{"%pI4 %pI6", []uint64{0, 8}, "0.0.0.0 0000:0000:0000:0000:0000:0000:0000:0000"},
		// Pre-formatted arguments ignore the width and swallow letters.
		{"%20pI4|%pI4abc|%pI6c", []uint64{ip4, ip4, ip6}, "1.2.3.4|1.2.3.4|2001:0db8:0000:0000:0000:0000:0000:0001"},
		{"%px|%5px|%-20px|", []uint64{0xabc, 0xabc, 0xabc}, "0000000000000abc|  abc|abc                 |"},
		{"%p|%pK|%p", []uint64{0, neg(1), neg(4095)}, "0000000000000000|ffffffffffffffff|fffffffffffff001"},
		{"%p.|%p\xa1", []uint64{0, 0}, "0000000000000000.|0000000000000000\xa1"},
		{"%ps|%pS|%pB|%10ps|", []uint64{0x1234, 0, 0x1234, 0x1}, "0x1234|0x0|0x1234|       0x1|"},
		{"%pxd|%pKabc", []uint64{1, 0}, "0000000000000001|0000000000000000"},
		{"%s%%", []uint64{hello}, "hello%"},
		// Latin-1 punctuation may end a %s: the kernel's ctype knows it.
		{"%s\xa1", []uint64{hello}, "hello\xa1"},
		{"%12345d", []uint64{1}, strings.Repeat(" ", 12344) + "1"},
	} {
		got, err := Format([]byte(c.format), c.args, testMem)
		if err != nil || got != c.want {
			t.Errorf("Format(%q) = %q, %v; want %q", c.format, got, err, c.want)
		}
	}
}

func TestFormatHashedPointer(t *testing.T) {
	got, err := Format([]byte("%p|%-p|"), []uint64{0x1234, 0x1234}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 16+1+16+1 || !strings.HasPrefix(got, "00000000") || strings.Contains(got, "1234") {
		t.Errorf("hashed pointers printed as %q", got)
	}
}

func TestFormatErrors(t *testing.T) {
	long := strings.Repeat("x", 600) + "\x00"
	longMem := memAt(base, []byte(long))
	for _, c := range []struct {
		format string
		args   []uint64
		mem    Memory
		want   error
	}{
		{"%d", nil, nil, ErrInvalid},
		{"%d %d", []uint64{1}, nil, ErrInvalid},
		{"%", []uint64{1}, nil, ErrInvalid},
		{"abc%", []uint64{1}, nil, ErrInvalid},
		{"%o", []uint64{1}, nil, ErrInvalid},
		{"%.3d", []uint64{1}, nil, ErrInvalid},
		{"%*d", []uint64{1, 2}, nil, ErrInvalid},
		{"%hd", []uint64{1}, nil, ErrInvalid},
		{"%#x", []uint64{1}, nil, ErrInvalid},
		{"%zd", []uint64{1}, nil, ErrInvalid},
		{"%lllx", []uint64{1}, nil, ErrInvalid},
		{"%lc", []uint64{1}, nil, ErrInvalid},
		{"%ls", []uint64{1}, nil, ErrInvalid},
		{"%n", []uint64{1}, nil, ErrInvalid},
		{"%5%", []uint64{1}, nil, ErrInvalid},
		{"%sx", []uint64{hello}, testMem, ErrInvalid},
		{"%pksx", []uint64{hello}, testMem, ErrInvalid},
		{"%pF", []uint64{1}, nil, ErrInvalid},
		{"%pI", []uint64{1}, nil, ErrInvalid},
		{"%pI5", []uint64{1}, nil, ErrInvalid},
		{"%p\x80", []uint64{1}, nil, ErrInvalid},
		{"%p%%", []uint64{1, 2}, nil, ErrInvalid},
		{"bell\a", nil, nil, ErrInvalid},
		{"del\x7f", nil, nil, ErrInvalid},
		{"%s%s", []uint64{base, base}, longMem, ErrNoSpace},
		{"%s%d", []uint64{base, 1}, longMem, ErrNoSpace},
		{"%s%c", []uint64{base, 1}, longMem, ErrNoSpace},
		{"%d", make([]uint64, MaxArgs+1), nil, ErrInvalid},
	} {
		_, err := Format([]byte(c.format), c.args, c.mem)
		if !errors.Is(err, c.want) {
			t.Errorf("Format(%q): error %v, want %v", c.format, err, c.want)
		}
	}
	// The string is truncated to the 512-byte buffer, NUL included.
	got, err := Format([]byte("%s"), []uint64{base}, longMem)
	if err != nil || got != long[:511] {
		t.Errorf("long string: %d bytes, %v; want 511", len(got), err)
	}
}

func TestSnprintf(t *testing.T) {
	out := []byte("xxxxxxxx")
	if n := Snprintf(out[:4], []byte("%d-%s"), []uint64{12345, hello}, testMem); n != 12 {
		t.Errorf("returned %d, want 12", n)
	}
	if string(out) != "123\x00xxxx" {
		t.Errorf("wrote %q", out)
	}
	if n := Snprintf(nil, []byte("%d"), []uint64{7}, nil); n != 2 {
		t.Errorf("size 0: returned %d, want 2", n)
	}
	if n := Snprintf(out, []byte("%q"), []uint64{7}, nil); n != -int64(syscall.EINVAL) {
		t.Errorf("bad format: returned %d", n)
	}
	// With the buffer full, a pre-formatted argument counts for nothing.
	if n := Snprintf(nil, []byte("%pI4"), []uint64{ip4}, testMem); n != 1 {
		t.Errorf("%%pI4 into nothing: returned %d, want 1", n)
	}
	if n := Snprintf(make([]byte, 64), []byte("%pI4"), []uint64{ip4}, testMem); n != 8 {
		t.Errorf("%%pI4: returned %d, want 8", n)
	}
	// The format ends at its NUL.
	if n := Snprintf(out, []byte("ab\x00%d"), nil, nil); n != 3 || string(out[:3]) != "ab\x00" {
		t.Errorf("NUL-terminated format: %d %q", n, out)
	}
}

func TestTracePrintk(t *testing.T) {
	line, ret := TracePrintk([]byte("pid %d: %s\n\x00"), [3]uint64{42, hello}, testMem)
	if line != "pid 42: hello\n" || ret != 14 {
		t.Errorf("got %q, %d", line, ret)
	}
	// Unused arguments are fine: all three are always there.
	if line, ret := TracePrintk([]byte("no args\x00"), [3]uint64{}, nil); line != "no args" || ret != 7 {
		t.Errorf("got %q, %d", line, ret)
	}
	if _, ret := TracePrintk([]byte("%d %d %d %d\x00"), [3]uint64{}, nil); ret != -int64(syscall.EINVAL) {
		t.Errorf("four conversions: %d", ret)
	}
	if _, ret := TracePrintk([]byte("no NUL"), [3]uint64{}, nil); ret != -int64(syscall.EINVAL) {
		t.Errorf("unterminated: %d", ret)
	}
	// The event stops at a NUL from %c, and the buffer holds 1023 bytes.
	if line, ret := TracePrintk([]byte("a%cb\x00"), [3]uint64{0}, nil); line != "a" || ret != 3 {
		t.Errorf("got %q, %d", line, ret)
	}
	line, ret = TracePrintk([]byte("%2000d\x00"), [3]uint64{1}, nil)
	if len(line) != 1023 || ret != 2000 {
		t.Errorf("got %d bytes, %d", len(line), ret)
	}
	if line, ret := TraceVprintk([]byte("%d%d%d%d\x00"), []uint64{1, 2, 3, 4}, nil); line != "1234" || ret != 4 {
		t.Errorf("vprintk: %q, %d", line, ret)
	}
}

func TestArgs(t *testing.T) {
	if a, ok := Args([]byte{1, 0, 0, 0, 0, 0, 0, 0x80}); !ok || len(a) != 1 || a[0] != 0x8000000000000001 {
		t.Errorf("got %#x, %v", a, ok)
	}
	if _, ok := Args(make([]byte, 12)); ok {
		t.Error("12 bytes accepted")
	}
	if _, ok := Args(make([]byte, 8*MaxArgs+8)); ok {
		t.Error("13 arguments accepted")
	}
}

func TestStrncmp(t *testing.T) {
	for _, c := range []struct {
		s1, s2 string
		want   int64
	}{
		{"abc", "abc", 0}, {"abc", "abd", -1}, {"abd", "abc", 1}, {"abc", "ab", 1},
		{"ab", "abc", 0}, {"a\x00x", "a", 0}, {"a", "\xff", -1}, {"z", "a", 1}, {"", "x", 0},
	} {
		if got := Strncmp([]byte(c.s1), []byte(c.s2)); got != c.want {
			t.Errorf("Strncmp(%q, %q) = %d, want %d", c.s1, c.s2, got, c.want)
		}
	}
}

func FuzzFormat(f *testing.F) {
	for _, s := range []string{"%d %s %pI4", "%p%d", "%-5c%020px", "%pks%pB%lli", "%s %pB %s", "%%", "%"} {
		f.Add([]byte(s), uint64(base), uint64(ip4), uint64(0), uint8(3))
	}
	f.Fuzz(func(t *testing.T, format []byte, a, b, c uint64, n uint8) {
		args := []uint64{a, b, c, a ^ b, 0, 1, a, b, c, 2, 3, 4, 5}[:int(n)%14]
		s, err := Format(format, args, testMem)
		if err == nil && len(s) > MaxArgs*(fieldWidthMax+600)+len(format) {
			t.Fatalf("output of %d bytes", len(s))
		}
		out := make([]byte, int(n)%40)
		r := Snprintf(out, format, args, testMem)
		if err == nil && r < 1 {
			t.Fatalf("Snprintf returned %d after Format succeeded", r)
		}
		var a3 [3]uint64
		copy(a3[:], args)
		TracePrintk(format, a3, testMem)
	})
}

// TestCheck validates formats as the kernel's verifier does for
// bpf_snprintf: enough arguments for every conversion, known conversions
// only; more arguments than conversions are fine.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		format string
		nargs  int
		ok     bool
	}{
		{"plain text", 0, true},
		{"%u-%u", 2, true},
		{"%u-%u", 1, false},
		{"%u-%u", 5, true},
		{"100%%", 0, true},
		{"%s=%pI4 %llx %c", 4, true},
		{"%s=%pI4 %llx %c", 3, false},
		{"%f", 1, false},
		{"%.3d", 1, false},
		{"%pZ", 1, false},
		{"tab\there", 0, true},
		{"bell\a", 0, false},
	} {
		err := Check(append([]byte(tc.format), 0), tc.nargs)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%q, %d) = %v, want ok %v", tc.format, tc.nargs, err, tc.ok)
		}
	}
}
