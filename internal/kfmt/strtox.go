package kfmt

import (
	"math"
	"syscall"
)

// strtoxBaseMask is BPF_STRTOX_BASE_MASK: the base lives in flags' low bits.
const strtoxBaseMask = 0x1f

// strtoull is the kernel's __bpf_strtoull: skip white space, take one
// '-', parse at most 63 characters in base 0 (auto: 0x.. hex, 0.. octal),
// 8, 10 or 16. It returns the value, the sign and how many bytes were
// consumed, or a negative errno.
func strtoull(buf []byte, flags uint64) (res uint64, negative bool, consumed int64) {
	base := uint64(flags & strtoxBaseMask)
	if len(buf) == 0 || base != 0 && base != 8 && base != 10 && base != 16 || flags&^strtoxBaseMask != 0 {
		return 0, false, -int64(syscall.EINVAL)
	}
	i := 0
	for i < len(buf) && isspace(buf[i]) {
		i++
	}
	if i < len(buf) && buf[i] == '-' {
		negative = true
		i++
	}
	if i == len(buf) {
		return 0, false, -int64(syscall.EINVAL)
	}
	// The kernel copies what is left into a 64-byte NUL-terminated buffer.
	s := buf[i:min(len(buf), i+63)]
	at := func(k int) byte {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	start := 0
	if base == 0 {
		switch {
		case at(0) == '0' && at(1)|0x20 == 'x' && isxdigit(at(2)):
			base = 16
		case at(0) == '0':
			base = 8
		default:
			base = 10
		}
	}
	if base == 16 && at(0) == '0' && at(1)|0x20 == 'x' {
		start = 2
	}
	digits, overflow := 0, false
	for k := start; k < len(s); k++ {
		v, ok := digitValue(s[k])
		if !ok || v >= base {
			break
		}
		// Overflow is only possible near the top, even in base 16.
		if res>>60 != 0 && res > (math.MaxUint64-v)/base {
			overflow = true
		}
		res = res*base + v
		digits++
	}
	switch {
	case overflow:
		return 0, false, -int64(syscall.ERANGE)
	case digits == 0:
		return 0, false, -int64(syscall.EINVAL)
	}
	return res, negative, int64(i + start + digits)
}

func digitValue(c byte) (uint64, bool) {
	lc := c | 0x20
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0'), true
	case lc >= 'a' && lc <= 'f':
		return uint64(lc-'a') + 10, true
	}
	return 0, false
}

func isxdigit(c byte) bool {
	lc := c | 0x20
	return c >= '0' && c <= '9' || lc >= 'a' && lc <= 'f'
}

// Strtol is bpf_strtol: the number at the start of buf as a signed
// 64-bit value, and the bytes consumed or a negative errno.
func Strtol(buf []byte, flags uint64) (int64, int64) {
	u, neg, n := strtoull(buf, flags)
	if n < 0 {
		return 0, n
	}
	v := int64(u)
	if neg {
		v = -v
		if v > 0 {
			return 0, -int64(syscall.ERANGE)
		}
	} else if v < 0 {
		return 0, -int64(syscall.ERANGE)
	}
	return v, n
}

// Strtoul is bpf_strtoul: a negative number is -EINVAL.
func Strtoul(buf []byte, flags uint64) (uint64, int64) {
	u, neg, n := strtoull(buf, flags)
	if n < 0 {
		return 0, n
	}
	if neg {
		return 0, -int64(syscall.EINVAL)
	}
	return u, n
}
