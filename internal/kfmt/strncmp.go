package kfmt

// Strncmp is bpf_strncmp(s1, len(s1), s2): the kernel's strncmp over at
// most len(s1) bytes, s1 need not hold a NUL and s2 ends at its first NUL
// (or at the end of the slice, read as one). Like the kernel's generic
// strncmp it returns -1, 0 or 1, not the difference of the bytes, and
// compares bytes as unsigned.
func Strncmp(s1, s2 []byte) int64 {
	for i := range s1 {
		var c2 byte
		if i < len(s2) {
			c2 = s2[i]
		}
		c1 := s1[i]
		if c1 != c2 {
			if c1 < c2 {
				return -1
			}
			return 1
		}
		if c1 == 0 {
			break
		}
	}
	return 0
}
