package verifier

import (
	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/asm"
)

// __sk_buff field offsets.
const (
	skbCB         = 48
	skbCBEnd      = 68
	skbTCClassid  = 72
	skbData       = 76
	skbDataEnd    = 80
	skbFamily     = 88
	skbLocalPort  = 136 // last of family..local_port
	skbDataMeta   = 140
	skbFlowKeys   = 144
	skbTstamp     = 152
	skbWireLen    = 160
	skbSK         = 168
	skbTstampType = 180
	skbHwtstamp   = 184
	skbSize       = 192
)

func (v *verifier) pktReadable() bool { return v.pktAccessOK(false) }

func (v *verifier) pktWritable() bool { return v.pktAccessOK(true) }

// ctxAccess applies the program type's is_valid_access rules.
func (v *verifier) ctxAccess(regno asm.Register, p *reg, off, size int, write bool, val *reg) reg {
	if p.off != 0 {
		v.reject("use a constant offset from the context pointer, e.g. ctx->field, not a moved pointer", "dereference of modified ctx ptr R%d off=%d disallowed", regno, p.off)
	}
	if !p.varZero() {
		v.reject("index context arrays with constants only (e.g. a switch over the index)", "variable ctx access var_off=(%#x; %#x) disallowed", p.tn.v, p.tn.m)
	}
	if write && val != nil && val.t != scalar && v.cfg.Unprivileged {
		v.reject("", "R%d leaks addr into ctx", regno)
	}
	t, ok := v.ctxValid(off, size, write)
	if !ok {
		v.reject(v.ctxHint(off, size, write), "invalid bpf_context access off=%d size=%d", off, size)
	}
	if write {
		return reg{}
	}
	switch t {
	case ptrPacket, ptrPacketEnd, ptrPacketMeta:
		r := reg{t: t}
		r.setConstVar(0)
		return r
	case ptrSocket, ptrSockCommon, ptrMem:
		return v.ctxPointer(t)
	}
	return sizedUnknown(size)
}

func narrowOK(off, size, def int) bool {
	return size <= def && size&(size-1) == 0 && off%size == 0
}

// ctxValid returns whether the access is allowed and the type loaded.
func (v *verifier) ctxValid(off, size int, write bool) (regType, bool) {
	if t, ok, handled := v.ctxValidType(off, size, write); handled {
		return t, ok
	}
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	switch v.cfg.Type {
	case ebpf.XDP:
		if off == 20 && v.cfg.Attach != ebpf.AttachXDPDevMap {
			return 0, false
		}
		if write || off < 0 || off >= 24 || off%size != 0 || size != 4 {
			return 0, false
		}
		switch off {
		case 0:
			return ptrPacket, true
		case 4:
			return ptrPacketEnd, true
		case 8:
			return ptrPacketMeta, true
		}
		return scalar, true
	case ebpf.SocketFilter:
		switch {
		case in(skbTCClassid, skbTCClassid+4), in(skbData, skbData+4), in(skbDataMeta, skbDataMeta+4), in(skbDataEnd, skbDataEnd+4),
			in(skbFamily, skbLocalPort+4), in(skbTstamp, skbTstamp+8), in(skbWireLen, skbWireLen+4), in(skbHwtstamp, skbHwtstamp+8):
			return 0, false
		}
		if write && !in(skbCB, skbCBEnd) {
			return 0, false
		}
		return v.skbValid(off, size, write)
	case ebpf.SchedCLS, ebpf.SchedACT:
		if write {
			switch {
			case in(8, 12), in(44, 48), in(32, 36), in(skbTCClassid, skbTCClassid+4), in(skbCB, skbCBEnd), in(skbTstamp, skbTstamp+8), in(12, 16):
			default:
				return 0, false
			}
		}
		switch {
		case in(skbFamily, skbLocalPort+4):
			return 0, false
		case off == skbTstampType:
			return scalar, size == 1
		}
		return v.skbValid(off, size, write)
	case ebpf.Kprobe:
		if off < 0 || off >= 168 || write || off%size != 0 {
			return 0, false
		}
		return scalar, true
	case ebpf.RawTracepoint:
		if off < 0 || off >= 8*12 || write || off%size != 0 {
			return 0, false
		}
		return scalar, true
	case ebpf.Syscall:
		if off < 0 || off >= 0xffff || off%size != 0 {
			return 0, false
		}
		return scalar, true
	}
	return 0, false
}

func (v *verifier) skbValid(off, size int, write bool) (regType, bool) {
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	if off < 0 || off >= skbSize || off%size != 0 {
		return 0, false
	}
	switch {
	case in(skbCB, skbCBEnd):
		return scalar, off+size <= skbCBEnd
	case in(92, 136), in(skbData, skbData+4), in(skbDataMeta, skbDataMeta+4), in(skbDataEnd, skbDataEnd+4):
		if size != 4 {
			return 0, false
		}
		switch {
		case in(skbData, skbData+4):
			return ptrPacket, true
		case in(skbDataEnd, skbDataEnd+4):
			return ptrPacketEnd, true
		case in(skbDataMeta, skbDataMeta+4):
			return ptrPacketMeta, true
		}
		return scalar, true
	case in(skbFlowKeys, skbFlowKeys+8):
		return 0, false
	case in(skbHwtstamp, skbHwtstamp+8):
		return scalar, !write && size == 8
	case in(skbTstamp, skbTstamp+8):
		return scalar, size == 8
	case in(skbSK, skbSK+8):
		// A socket pointer: not modelled.
		return 0, false
	case off == skbTstampType:
		return 0, false
	case in(skbTstampType+1, skbHwtstamp):
		return 0, false
	}
	if write {
		return scalar, size == 4
	}
	return scalar, narrowOK(off, size, 4)
}
