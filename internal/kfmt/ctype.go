package kfmt

// Character classes of the kernel's lib/ctype.c, which classifies Latin-1
// and not just ASCII: bpf_bprintf_prepare lets punctuation such as 0xa1
// follow %p, and bstr_printf skips Latin-1 letters after a pointer.
const (
	ctU  = 0x01 // upper
	ctL  = 0x02 // lower
	ctD  = 0x04 // digit
	ctC  = 0x08 // control
	ctP  = 0x10 // punctuation
	ctS  = 0x20 // white space
	ctSP = 0x80 // hard space
)

var ctype = func() (t [256]uint8) {
	for c := range 256 {
		var v uint8
		switch {
		case c < 32 || c == 127:
			v = ctC
			if c >= 9 && c <= 13 {
				v |= ctS
			}
		case c == ' ':
			v = ctS | ctSP
		case c >= '0' && c <= '9':
			v = ctD
		case c >= 'A' && c <= 'Z':
			v = ctU
		case c >= 'a' && c <= 'z':
			v = ctL
		case c < 128:
			v = ctP
		case c < 160:
			v = 0
		case c == 160:
			v = ctS | ctSP
		case c < 192, c == 215, c == 247:
			v = ctP
		case c < 223:
			v = ctU
		default:
			v = ctL
		}
		t[c] = v
	}
	return t
}()

func isprint(c byte) bool { return ctype[c]&(ctP|ctU|ctL|ctD|ctSP) != 0 }
func isspace(c byte) bool { return ctype[c]&ctS != 0 }
func ispunct(c byte) bool { return ctype[c]&ctP != 0 }
func isalnum(c byte) bool { return ctype[c]&(ctU|ctL|ctD) != 0 }
func isdigit(c byte) bool { return c >= '0' && c <= '9' }
