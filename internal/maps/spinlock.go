package maps

import "github.com/cilium/ebpf/btf"

// SpinLockOffset finds a struct bpf_spin_lock member at the top level of
// a map's value type (its BTF), for Spec.SpinLockOff.
func SpinLockOffset(t btf.Type) (uint32, bool) {
	st, ok := btf.UnderlyingType(t).(*btf.Struct)
	if !ok {
		return 0, false
	}
	for _, m := range st.Members {
		if s, ok := btf.UnderlyingType(m.Type).(*btf.Struct); ok && s.Name == "bpf_spin_lock" {
			return m.Offset.Bytes(), true
		}
	}
	return 0, false
}
