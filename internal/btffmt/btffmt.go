// Package btffmt renders raw map keys and values as C-like text through
// their BTF types, for people: `{saddr = 0x0100000a, count = 3}`.
package btffmt

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// maxDepth bounds recursion through nested types (BTF can be cyclic
// through pointers, which are not followed, but stay safe).
const maxDepth = 16

// Format renders b as a value of type t; with no type, or bytes that do
// not fit it, it falls back to hex.
func Format(t btf.Type, b []byte) string {
	if t == nil {
		return hexBytes(b)
	}
	size, err := btf.Sizeof(t)
	if err != nil || size != len(b) {
		return hexBytes(b)
	}
	var sb strings.Builder
	write(&sb, t, b, 0)
	return sb.String()
}

func write(sb *strings.Builder, t btf.Type, b []byte, depth int) {
	if depth > maxDepth {
		sb.WriteString(hexBytes(b))
		return
	}
	switch t := btf.UnderlyingType(t).(type) {
	case *btf.Int:
		writeInt(sb, t, b)
	case *btf.Enum:
		v := readUint(b)
		for _, val := range t.Values {
			if val.Value == v {
				sb.WriteString(val.Name)
				return
			}
		}
		fmt.Fprintf(sb, "%d", v)
	case *btf.Pointer:
		fmt.Fprintf(sb, "0x%x", readUint(b))
	case *btf.Array:
		writeArray(sb, t, b, depth)
	case *btf.Struct:
		writeMembers(sb, t.Members, b, depth)
	case *btf.Union:
		writeMembers(sb, t.Members, b, depth)
	case *btf.Datasec:
		writeDatasec(sb, t, b, depth)
	default:
		sb.WriteString(hexBytes(b))
	}
}

func writeInt(sb *strings.Builder, t *btf.Int, b []byte) {
	v := readUint(b)
	switch {
	case t.Encoding&btf.Bool != 0:
		fmt.Fprintf(sb, "%t", v != 0)
	case t.Encoding&btf.Char != 0 && len(b) == 1:
		if v >= 0x20 && v < 0x7f {
			fmt.Fprintf(sb, "'%c'", rune(v))
		} else {
			fmt.Fprintf(sb, "%d", v)
		}
	case t.Encoding&btf.Signed != 0:
		shift := 64 - 8*uint(len(b))
		fmt.Fprintf(sb, "%d", int64(v<<shift)>>shift)
	default:
		fmt.Fprintf(sb, "%d", v)
	}
}

func writeArray(sb *strings.Builder, t *btf.Array, b []byte, depth int) {
	elemSize, err := btf.Sizeof(t.Type)
	if err != nil || elemSize == 0 || int(t.Nelems)*elemSize != len(b) {
		sb.WriteString(hexBytes(b))
		return
	}
	// char arrays read best as strings.
	if i, ok := btf.UnderlyingType(t.Type).(*btf.Int); ok && elemSize == 1 && (i.Encoding&btf.Char != 0 || i.Name == "char") && isText(b) {
		fmt.Fprintf(sb, "%q", strings.TrimRight(string(b), "\x00"))
		return
	}
	sb.WriteByte('[')
	for i := 0; i < int(t.Nelems); i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		write(sb, t.Type, b[i*elemSize:(i+1)*elemSize], depth+1)
	}
	sb.WriteByte(']')
}

func writeMembers(sb *strings.Builder, members []btf.Member, b []byte, depth int) {
	sb.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			sb.WriteString(", ")
		}
		if m.Name != "" {
			sb.WriteString(m.Name)
			sb.WriteString(" = ")
		}
		off := int(m.Offset.Bytes())
		if m.BitfieldSize > 0 {
			fmt.Fprintf(sb, "%d", bitfield(b, uint32(m.Offset), uint32(m.BitfieldSize)))
			continue
		}
		size, err := btf.Sizeof(m.Type)
		if err != nil || off+size > len(b) {
			sb.WriteString("?")
			continue
		}
		write(sb, m.Type, b[off:off+size], depth+1)
	}
	sb.WriteByte('}')
}

func writeDatasec(sb *strings.Builder, t *btf.Datasec, b []byte, depth int) {
	for i, v := range t.Vars {
		if i > 0 {
			sb.WriteString(", ")
		}
		name := "?"
		var typ btf.Type
		if vr, ok := v.Type.(*btf.Var); ok {
			name, typ = vr.Name, vr.Type
		}
		sb.WriteString(name)
		sb.WriteString(" = ")
		end := int(v.Offset) + int(v.Size)
		if end > len(b) || typ == nil {
			sb.WriteString("?")
			continue
		}
		write(sb, typ, b[v.Offset:end], depth+1)
	}
}

func bitfield(b []byte, bitOff, bits uint32) uint64 {
	var v uint64
	for i := uint32(0); i < bits; i++ {
		bit := bitOff + i
		if int(bit/8) < len(b) && b[bit/8]>>(bit%8)&1 != 0 {
			v |= 1 << i
		}
	}
	return v
}

func readUint(b []byte) uint64 {
	var w [8]byte
	copy(w[:], b)
	return binary.LittleEndian.Uint64(w[:])
}

func isText(b []byte) bool {
	s := strings.TrimRight(string(b), "\x00")
	for _, c := range []byte(s) {
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return len(s) > 0
}

func hexBytes(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return sb.String()
}
