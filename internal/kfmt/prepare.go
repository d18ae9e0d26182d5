package kfmt

import (
	"bytes"
	"encoding/binary"
	"syscall"
)

const (
	// MaxArgs is MAX_BPRINTF_VARARGS, the most arguments bpf_snprintf and
	// bpf_trace_vprintk take.
	MaxArgs = 12
	// binArgsSize is MAX_BPRINTF_BIN_ARGS, the per-CPU buffer holding the
	// arguments in bstr_printf's binary form, copied strings included.
	binArgsSize = 512
	// traceBufSize is MAX_BPRINTF_BUF, bpf_trace_printk's output buffer,
	// which follows the argument buffer in the same per-CPU structure.
	traceBufSize = 1024
)

// scratch models struct bpf_bprintf_buffers: the binary arguments and,
// after them, the output buffer that the kernel overruns into in corner
// cases. The kernel's copy holds whatever earlier calls left there; here it
// starts zeroed.
type scratch [binArgsSize + traceBufSize]byte

func (s *scratch) put(pos int, b byte) {
	if pos >= 0 && pos < len(s) {
		s[pos] = b
	}
}

func (s *scratch) get(pos int) byte {
	if pos >= 0 && pos < len(s) {
		return s[pos]
	}
	return 0
}

// putString stores what snprintf(tmp_buf, room, "%s", text) stores, for
// the pre-formatted %pI4-style and %pB arguments: a truncated,
// NUL-terminated copy, nothing when room is 0, and nothing either when room
// is negative (the kernel's size_t is then above INT_MAX and vsnprintf
// refuses it). It returns snprintf's return value.
func (s *scratch) putString(pos, room int, text string) int {
	if room < 0 {
		return 0
	}
	if room > 0 {
		n := min(len(text), room-1)
		for i := range n {
			s.put(pos+i, text[i])
		}
		s.put(pos+n, 0)
	}
	return len(text)
}

func alignUp(n, a int) int { return (n + a - 1) &^ (a - 1) }

// prepare is bpf_bprintf_prepare: it validates f (already cut at its NUL)
// against the arguments the kernel's way and lays the arguments out in the
// binary form bstr_printf reads.
// It also returns how far the arguments reach: past binArgsSize the kernel
// has left bytes unwritten that bstr_printf reads.
func prepare(f []byte, args []uint64, mem Memory) (*scratch, int, syscall.Errno) {
	at := func(i int) byte {
		if i < len(f) {
			return f[i]
		}
		return 0
	}
	bin := new(scratch)
	pos, end := 0, binArgsSize
	nspec := 0
	for i := 0; i < len(f); i++ {
		// ASCII must be printable or white space; other bytes pass, so
		// that UTF-8 text can be printed.
		if c := f[i]; !isprint(c) && !isspace(c) && c < 0x80 {
			return nil, 0, syscall.EINVAL
		}
		if f[i] != '%' {
			continue
		}
		if at(i+1) == '%' {
			i++
			continue
		}
		if nspec >= len(args) {
			return nil, 0, syscall.EINVAL
		}
		arg := args[nspec]
		i++
		// Flags and a width, but no precision and no '#'.
		for at(i) == '0' || at(i) == '+' || at(i) == '-' || at(i) == ' ' {
			i++
		}
		if at(i) >= '1' && at(i) <= '9' {
			i++
			for isdigit(at(i)) {
				i++
			}
		}

		size := 4
		switch c := at(i); {
		case c == 'p':
			size = 8
			next := at(i + 1)
			if (next == 'k' || next == 'u') && at(i+2) == 's' {
				i += 2
				m := mem
				if next == 'u' {
					// Program memory is kernel memory: a user-space read
					// of it faults.
					m = NoMemory
				}
				var err syscall.Errno
				if pos, err = copyString(bin, f, i, pos, end, arg, m); err != 0 {
					return nil, 0, err
				}
				nspec++
				continue
			}
			// Plain, %pK, %px, %ps and %pS pointers are printed from the
			// value; the character after the 'p' is consumed here, even
			// when it is punctuation that bstr_printf will print.
			if next == 0 || isspace(next) || ispunct(next) || next == 'K' || next == 'x' || next == 's' || next == 'S' {
				i++
				break
			}
			if next == 'B' {
				pos += bin.putString(pos, end-pos, symbolText(arg)) + 1
				i++
				nspec++
				continue
			}
			if (next != 'i' && next != 'I') || (at(i+2) != '4' && at(i+2) != '6') {
				return nil, 0, syscall.EINVAL
			}
			i += 2
			n := 4
			if f[i] == '6' {
				n = 16
			}
			if room := end - pos; room >= 0 && room < n {
				return nil, 0, syscall.ENOSPC
			}
			ip := make([]byte, n)
			if b, ok := mem(arg, n); ok && len(b) >= n {
				copy(ip, b)
			}
			pos += bin.putString(pos, end-pos, ipText(f[i-1], ip)) + 1
			nspec++
			continue
		case c == 's':
			var err syscall.Errno
			if pos, err = copyString(bin, f, i, pos, end, arg, mem); err != 0 {
				return nil, 0, err
			}
			nspec++
			continue
		case c == 'c':
			if pos == end {
				return nil, 0, syscall.ENOSPC
			}
			bin.put(pos, byte(arg))
			pos++
			nspec++
			continue
		default:
			if at(i) == 'l' {
				size = 8
				i++
			}
			if at(i) == 'l' {
				i++
			}
			switch at(i) {
			case 'i', 'd', 'u', 'x', 'X':
			default:
				return nil, 0, syscall.EINVAL
			}
		}
		pos = alignUp(pos, 4)
		// The kernel compares the room, a signed difference, with an
		// unsigned size: once an over-long pre-formatted argument has
		// gone past the end, the room is huge and stores go on past it.
		if room := end - pos; room >= 0 && room < size {
			return nil, 0, syscall.ENOSPC
		}
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], arg)
		for k := range size {
			bin.put(pos+k, w[k])
		}
		pos += size
		nspec++
	}
	return bin, pos, 0
}

// copyString handles %s, %pks and %pus, with f[i] the 's': the conversion
// must end the word, and the string is copied into the argument buffer,
// truncated to the room left there.
func copyString(bin *scratch, f []byte, i, pos, end int, addr uint64, mem Memory) (int, syscall.Errno) {
	if i+1 < len(f) && !isspace(f[i+1]) && !ispunct(f[i+1]) {
		return 0, syscall.EINVAL
	}
	if pos == end {
		return 0, syscall.ENOSPC
	}
	room := end - pos
	bin.put(pos, 0)
	if room < 0 {
		// Past the end after an over-long pre-formatted argument: the
		// kernel's size_t count is negative as a long and nothing is
		// copied.
		return pos, 0
	}
	b, ok := mem(addr, room)
	if !ok {
		return pos + 1, 0
	}
	n := bytes.IndexByte(b, 0)
	switch {
	case n >= 0:
	case len(b) >= room:
		n = room - 1
	default:
		// The string runs into unreadable memory: the copy faults and
		// the kernel prints an empty string.
		return pos + 1, 0
	}
	for k := range n {
		bin.put(pos+k, b[k])
	}
	bin.put(pos+n, 0)
	return pos + n + 1, 0
}
