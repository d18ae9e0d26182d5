package gbpf

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"fmt"
	"reflect"
)

// Keys and values cross the API as Go values, marshaled the way
// cilium/ebpf does: []byte as is, encoding.BinaryMarshaler, or any
// fixed-size value (integers, arrays, structs of them) in the host's byte
// order. Per-CPU values are slices with one element per possible CPU.

func marshal(v any, size int) ([]byte, error) {
	var b []byte
	switch v := v.(type) {
	case nil:
		return nil, fmt.Errorf("cannot marshal nil into %d bytes", size)
	case []byte:
		b = v
	// The common keys and values skip reflection.
	case uint32:
		b = binary.NativeEndian.AppendUint32(make([]byte, 0, 4), v)
	case int32:
		b = binary.NativeEndian.AppendUint32(make([]byte, 0, 4), uint32(v))
	case uint64:
		b = binary.NativeEndian.AppendUint64(make([]byte, 0, 8), v)
	case int64:
		b = binary.NativeEndian.AppendUint64(make([]byte, 0, 8), uint64(v))
	case uint16:
		b = binary.NativeEndian.AppendUint16(make([]byte, 0, 2), v)
	case uint8:
		b = []byte{v}
	case *uint32:
		b = binary.NativeEndian.AppendUint32(make([]byte, 0, 4), *v)
	case *uint64:
		b = binary.NativeEndian.AppendUint64(make([]byte, 0, 8), *v)
	case encoding.BinaryMarshaler:
		var err error
		if b, err = v.MarshalBinary(); err != nil {
			return nil, err
		}
	default:
		var buf bytes.Buffer
		if err := binary.Write(&buf, binary.NativeEndian, v); err != nil {
			return nil, fmt.Errorf("marshal %T: %w", v, err)
		}
		b = buf.Bytes()
	}
	if len(b) != size {
		return nil, fmt.Errorf("%T is %d bytes, want %d", v, len(b), size)
	}
	return b, nil
}

func unmarshal(b []byte, out any) error {
	switch out := out.(type) {
	case nil:
		return fmt.Errorf("cannot unmarshal into nil")
	case []byte:
		if len(out) != len(b) {
			return fmt.Errorf("[]byte of %d bytes, want %d", len(out), len(b))
		}
		copy(out, b)
		return nil
	case *[]byte:
		*out = append((*out)[:0], b...)
		return nil
	case *uint32:
		if len(b) == 4 {
			*out = binary.NativeEndian.Uint32(b)
			return nil
		}
	case *uint64:
		if len(b) == 8 {
			*out = binary.NativeEndian.Uint64(b)
			return nil
		}
	case *int64:
		if len(b) == 8 {
			*out = int64(binary.NativeEndian.Uint64(b))
			return nil
		}
	case encoding.BinaryUnmarshaler:
		return out.UnmarshalBinary(append([]byte(nil), b...))
	}
	if err := binary.Read(bytes.NewReader(b), binary.NativeEndian, out); err != nil {
		return fmt.Errorf("unmarshal %T: %w", out, err)
	}
	return nil
}

// marshalPerCPU lays out a slice of per-CPU values as the kernel's
// syscall does: one 8-byte-aligned slot per CPU.
func marshalPerCPU(v any, size, cpus int) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		if len(b) != cpus*roundUp8(size) {
			return nil, fmt.Errorf("per-CPU value of %d bytes, want %d CPUs of %d", len(b), cpus, roundUp8(size))
		}
		return b, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil, fmt.Errorf("per-CPU value must be a slice, not %T", v)
	}
	if rv.Len() > cpus {
		return nil, fmt.Errorf("%d per-CPU values for %d CPUs", rv.Len(), cpus)
	}
	stride := roundUp8(size)
	out := make([]byte, cpus*stride)
	for i := 0; i < rv.Len(); i++ {
		b, err := marshal(rv.Index(i).Interface(), size)
		if err != nil {
			return nil, fmt.Errorf("CPU %d: %w", i, err)
		}
		copy(out[i*stride:], b)
	}
	return out, nil
}

// unmarshalPerCPU fills a pointer to a slice with one value per CPU.
func unmarshalPerCPU(b []byte, out any, size, cpus int) error {
	if p, ok := out.(*[]byte); ok {
		*p = append((*p)[:0], b...)
		return nil
	}
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Slice {
		return fmt.Errorf("per-CPU values unmarshal into a pointer to a slice, not %T", out)
	}
	s := reflect.MakeSlice(rv.Elem().Type(), cpus, cpus)
	stride := roundUp8(size)
	for i := 0; i < cpus; i++ {
		if err := unmarshal(b[i*stride:i*stride+size], s.Index(i).Addr().Interface()); err != nil {
			return fmt.Errorf("CPU %d: %w", i, err)
		}
	}
	rv.Elem().Set(s)
	return nil
}

func roundUp8(n int) int { return (n + 7) &^ 7 }
