package kfmt

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// This file follows lib/vsprintf.c: format_decode, bstr_printf, number and
// the pointer formats bpf_bprintf_prepare lets through.

// Format types of struct printf_spec.
const (
	typeNone = iota
	typeWidth
	typePrecision
	typeChar
	typeStr
	typePtr
	typePercent
	typeInvalid
	typeLongLong
	typeULong
	typeLong
	typeUByte
	typeByte
	typeUShort
	typeShort
	typeUInt
	typeInt
	typeSizeT
	typePtrdiff
)

// printf_spec flags.
const (
	flagSign    = 1
	flagLeft    = 2
	flagPlus    = 4
	flagSpace   = 8
	flagZeropad = 16
	flagSmall   = 32
	flagSpecial = 64
)

const (
	fieldWidthMax = 1<<23 - 1
	precisionMax  = 1<<15 - 1
)

// spec is struct printf_spec. The kernel keeps the width in 24 bits and the
// precision in 16, clamping what does not fit.
type spec struct {
	typ   int
	width int
	flags uint8
	base  int
	prec  int
}

// skipAtoi is skip_atoi, wrapping on overflow like the kernel's int.
func skipAtoi(f []byte, i *int) int32 {
	var n int32
	for {
		n = n*10 + int32(f[*i]-'0')
		*i++
		if *i >= len(f) || !isdigit(f[*i]) {
			return n
		}
	}
}

// decode is format_decode: it reads one piece of f from i and returns its
// length.
func decode(f []byte, i int, s *spec) int {
	at := func(k int) byte {
		if k < len(f) {
			return f[k]
		}
		return 0
	}
	start := i
	switch s.typ {
	case typeWidth:
		// The width came from an argument.
		if s.width < 0 {
			s.width = -s.width
			s.flags |= flagLeft
		}
		s.typ = typeNone
		goto precision
	case typePrecision:
		if s.prec < 0 {
			s.prec = 0
		}
		s.typ = typeNone
		goto qualifier
	}
	s.typ = typeNone
	for i < len(f) && f[i] != '%' {
		i++
	}
	if i != start || i >= len(f) {
		return i - start
	}

	s.flags = 0
	for {
		i++
		switch at(i) {
		case '-':
			s.flags |= flagLeft
			continue
		case '+':
			s.flags |= flagPlus
			continue
		case ' ':
			s.flags |= flagSpace
			continue
		case '#':
			s.flags |= flagSpecial
			continue
		case '0':
			s.flags |= flagZeropad
			continue
		}
		break
	}
	s.width = -1
	if isdigit(at(i)) {
		s.width = clampWidth(skipAtoi(f, &i))
	} else if at(i) == '*' {
		s.typ = typeWidth
		return i + 1 - start
	}

precision:
	s.prec = -1
	if at(i) == '.' {
		i++
		if isdigit(at(i)) {
			s.prec = clampPrecision(skipAtoi(f, &i))
		} else if at(i) == '*' {
			s.typ = typePrecision
			return i + 1 - start
		}
	}

qualifier:
	var q byte
	if c := at(i); c == 'h' || c == 'l' || c == 'L' || c == 'z' || c == 't' {
		q = c
		i++
		if at(i) == q {
			switch q {
			case 'l':
				q = 'L'
				i++
			case 'h':
				q = 'H'
				i++
			}
		}
	}

	s.base = 10
	switch at(i) {
	case 'c':
		s.typ = typeChar
		return i + 1 - start
	case 's':
		s.typ = typeStr
		return i + 1 - start
	case 'p':
		s.typ = typePtr
		return i + 1 - start
	case '%':
		s.typ = typePercent
		return i + 1 - start
	case 'o':
		s.base = 8
	case 'x':
		s.flags |= flagSmall
		s.base = 16
	case 'X':
		s.base = 16
	case 'd', 'i':
		s.flags |= flagSign
	case 'u':
	default:
		// Includes %n. The kernel stops formatting here.
		s.typ = typeInvalid
		return i - start
	}
	sign := int(s.flags & flagSign)
	switch q {
	case 'L':
		s.typ = typeLongLong
	case 'l':
		s.typ = typeULong + sign
	case 'z':
		s.typ = typeSizeT
	case 't':
		s.typ = typePtrdiff
	case 'H':
		s.typ = typeUByte + sign
	case 'h':
		s.typ = typeUShort + sign
	default:
		s.typ = typeUInt + sign
	}
	return i + 1 - start
}

// writer is the output side of vsnprintf: bytes at or past size are
// counted but not stored.
type writer struct {
	out  []byte
	str  int
	size int
}

func (w *writer) putc(c byte) {
	if w.str < w.size {
		w.out = append(w.out, c)
	}
	w.str++
}

func (w *writer) full() bool { return w.str >= w.size }

// reader walks the binary arguments like bstr_printf's get_arg.
type reader struct {
	bin *scratch
	pos int
}

func (r *reader) arg(size int) uint64 {
	if size == 8 {
		r.pos = alignUp(r.pos, 4)
	} else {
		r.pos = alignUp(r.pos, size)
	}
	var b [8]byte
	for k := range size {
		b[k] = r.bin.get(r.pos + k)
	}
	r.pos += size
	return binary.LittleEndian.Uint64(b[:])
}

// cstring returns the NUL-terminated string at the reader's position.
func (r *reader) cstring() []byte {
	var s []byte
	for k := r.pos; k < len(r.bin) && r.bin[k] != 0; k++ {
		s = append(s, r.bin[k])
	}
	return s
}

// bstrPrintf is bstr_printf(buf, size, f, bin): it returns the output
// stored (at most size bytes, NUL-terminated when size > 0) and the length
// of the full output, without the NUL.
func bstrPrintf(f []byte, bin *scratch, size int) ([]byte, int) {
	w := &writer{size: size}
	r := &reader{bin: bin}
	var s spec
	i := 0
loop:
	for i < len(f) {
		start := i
		i += decode(f, i, &s)
		switch s.typ {
		case typeNone:
			for _, c := range f[start:i] {
				w.putc(c)
			}
		case typeWidth:
			s.width = clampWidth(int32(r.arg(4)))
		case typePrecision:
			s.prec = clampPrecision(int32(r.arg(4)))
		case typeChar:
			if s.flags&flagLeft == 0 {
				for s.width--; s.width > 0; s.width-- {
					w.putc(' ')
				}
			}
			w.putc(byte(r.arg(1)))
			for s.width--; s.width > 0; s.width-- {
				w.putc(' ')
			}
		case typeStr:
			str := r.cstring()
			r.pos += len(str) + 1
			stringNoCheck(w, str, s)
		case typePtr:
			c := byte(0)
			if i < len(f) {
				c = f[i]
			}
			switch {
			case c == 'S' || c == 's' || c == 'F' || c == 'f' || c == 'x' || c == 'K' || !isalnum(c):
				pointer(w, c, r.arg(8), s)
			default:
				// Formatted by prepare already. The kernel skips it,
				// without consuming it, once the buffer is full.
				if !w.full() {
					str := r.cstring()
					for _, b := range str {
						w.putc(b)
					}
					r.pos += len(str) + 1
				}
			}
			for i < len(f) && isalnum(f[i]) {
				i++
			}
		case typePercent:
			w.putc('%')
		case typeInvalid:
			break loop
		default:
			number(w, numArg(r, s.typ), s)
		}
	}
	n := w.str
	if size > 0 {
		if w.str < size {
			w.out = append(w.out, 0)
		} else {
			w.out[size-1] = 0
		}
	}
	return w.out, n
}

func clampWidth(v int32) int {
	return int(max(-fieldWidthMax, min(fieldWidthMax, v)))
}

func clampPrecision(v int32) int {
	return int(max(0, min(precisionMax, v)))
}

// numArg reads an integer argument of type t, widened as bstr_printf does.
func numArg(r *reader, t int) uint64 {
	switch t {
	case typeLongLong, typeULong, typeLong, typeSizeT, typePtrdiff:
		return r.arg(8)
	case typeUByte:
		return uint64(uint8(r.arg(1)))
	case typeByte:
		return uint64(int8(r.arg(1)))
	case typeUShort:
		return uint64(uint16(r.arg(2)))
	case typeShort:
		return uint64(int16(r.arg(2)))
	case typeInt:
		return uint64(int32(r.arg(4)))
	}
	return uint64(uint32(r.arg(4)))
}

// number is lib/vsprintf.c number().
func number(w *writer, num uint64, s spec) {
	const digits = "0123456789ABCDEF"
	needPfx := s.flags&flagSpecial != 0 && s.base != 10
	isZero := num == 0
	width, prec := s.width, s.prec
	locase := s.flags & flagSmall
	if s.flags&flagLeft != 0 {
		s.flags &^= flagZeropad
	}
	var sign byte
	if s.flags&flagSign != 0 {
		switch {
		case int64(num) < 0:
			sign = '-'
			num = -num
			width--
		case s.flags&flagPlus != 0:
			sign = '+'
			width--
		case s.flags&flagSpace != 0:
			sign = ' '
			width--
		}
	}
	if needPfx {
		if s.base == 16 {
			width -= 2
		} else if !isZero {
			width--
		}
	}
	var tmp []byte // reversed digits
	for {
		tmp = append(tmp, digits[num%uint64(s.base)]|locase)
		num /= uint64(s.base)
		if num == 0 {
			break
		}
	}
	n := len(tmp)
	if n > prec {
		prec = n
	}
	width -= prec
	if s.flags&(flagZeropad|flagLeft) == 0 {
		for width--; width >= 0; width-- {
			w.putc(' ')
		}
	}
	if sign != 0 {
		w.putc(sign)
	}
	if needPfx {
		if s.base == 16 || !isZero {
			w.putc('0')
		}
		if s.base == 16 {
			w.putc('X' | locase)
		}
	}
	if s.flags&flagLeft == 0 {
		c := byte(' ') + s.flags&flagZeropad
		for width--; width >= 0; width-- {
			w.putc(c)
		}
	}
	for prec--; n <= prec; prec-- {
		w.putc('0')
	}
	for k := n - 1; k >= 0; k-- {
		w.putc(tmp[k])
	}
	for width--; width >= 0; width-- {
		w.putc(' ')
	}
}

// stringNoCheck is string_nocheck with widen_string: at most precision
// bytes of str, padded with spaces to the width.
func stringNoCheck(w *writer, str []byte, s spec) {
	if s.prec >= 0 && len(str) > s.prec {
		str = str[:s.prec]
	}
	if n := len(str); n < s.width && s.flags&flagLeft == 0 {
		for range s.width - n {
			w.putc(' ')
		}
	}
	for _, c := range str {
		w.putc(c)
	}
	if n := len(str); n < s.width && s.flags&flagLeft != 0 {
		for range s.width - n {
			w.putc(' ')
		}
	}
}

// pointer prints the pointer formats bstr_printf handles itself. Symbols
// cannot be resolved outside the kernel, so %ps, %pS and %pB print what the
// kernel prints for an address that is no symbol.
func pointer(w *writer, c byte, ptr uint64, s spec) {
	switch c {
	case 'S', 's':
		stringNoCheck(w, []byte(symbolText(ptr)), s)
	case 'x':
		pointerString(w, ptr, s)
	default:
		// %p, and %pK under kptr_restrict 0: NULL and error values print
		// as they are, other pointers as a 32-bit ID.
		if ptr != 0 && ptr < ^uint64(maxErrno-1) {
			ptr = pointerID(ptr)
		}
		pointerString(w, ptr, s)
	}
}

// maxErrno is MAX_ERRNO: the top 4095 values are error pointers.
const maxErrno = 4095

// pointerID stands in for the kernel's pointer hash, a keyed siphash
// truncated to 32 bits that cannot be reproduced outside the kernel. A
// fixed mix of the pointer has the same width, so outputs have the same
// length as the kernel's (but for the one in sixteen hashes whose top hex
// digit is zero, which print shorter when not zero-padded).
func pointerID(p uint64) uint64 {
	p ^= p >> 33
	p *= 0xff51afd7ed558ccd
	p ^= p >> 33
	p *= 0xc4ceb9fe1a85ec53
	p ^= p >> 33
	return p&0x0fffffff | 0x80000000
}

// pointerString is pointer_string: hex, zero-padded to 16 digits unless a
// width was given.
func pointerString(w *writer, ptr uint64, s spec) {
	s.base = 16
	s.flags |= flagSmall
	if s.width == -1 {
		s.width = 16
		s.flags |= flagZeropad
	}
	number(w, ptr, s)
}

// symbolText is what the kernel prints for an address that names no
// kernel symbol.
func symbolText(addr uint64) string { return "0x" + strconv.FormatUint(addr, 16) }

// ipText formats an address as %pI4, %pi4, %pI6 or %pi6.
func ipText(kind byte, ip []byte) string {
	var b []byte
	if len(ip) == 4 {
		for k, v := range ip {
			if k > 0 {
				b = append(b, '.')
			}
			if kind == 'i' {
				b = fmt.Appendf(b, "%03d", v)
			} else {
				b = strconv.AppendUint(b, uint64(v), 10)
			}
		}
		return string(b)
	}
	for k := 0; k < 16; k += 2 {
		if k > 0 && kind == 'I' {
			b = append(b, ':')
		}
		b = fmt.Appendf(b, "%02x%02x", ip[k], ip[k+1])
	}
	return string(b)
}
