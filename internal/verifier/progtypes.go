package verifier

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/maps"
)

// Context rules, packet access and return value ranges of the program
// types beyond XDP, tc, socket filters and kprobes: the kernel's
// *_is_valid_access (net/core/filter.c, kernel/bpf/cgroup.c,
// kernel/trace/bpf_trace.c, net/netfilter/nf_bpf_link.c),
// may_access_direct_pkt_data and check_return_code (kernel/bpf/verifier.c),
// for a privileged loader. Checked against Linux 6.18.

// Sizes and field offsets of the context structures (include/uapi/linux/bpf.h).
const (
	ptRegsSize     = 168  // struct pt_regs on x86-64
	perfEventSize  = 184  // struct bpf_perf_event_data: regs, sample_period, addr
	tpHeaderSize   = 8    // the tracepoint's common header, hidden from programs
	tpMaxSize      = 8192 // PERF_MAX_TRACE_SIZE
	rawTPArgsSize  = 8 * 12
	flowKeysSize   = 56 // struct bpf_flow_keys
	sockAddrSize   = 72 // struct bpf_sock_addr
	sockOpsSize    = 224
	skMsgSize      = 80
	sysctlSize     = 8
	sockoptSize    = 40
	cgroupDevSize  = 12
	skLookupSize   = 72
	nfCtxSize      = 16
	skReuseportSz  = 56
	skbMark        = 8
	skbQueueMap    = 12
	skbPriority    = 32
	skbTCIndex     = 44
	skbRemoteIP4   = 92
	skbLocalIP6End = 132 // end of remote_ip4, local_ip4, remote_ip6, local_ip6
)

// ctxLdsx reports whether the instruction being checked is a
// sign-extending load (BPF_MEMSX): the kernel's info->is_ldsx, which the
// packet pointer fields refuse.
func (v *verifier) ctxLdsx() bool {
	if v.pc < 0 || v.pc >= len(v.insns) {
		return false
	}
	ins := v.insns[v.pc]
	return ins.OpCode.Class() == asm.ClassLDX && ins.OpCode.Mode() == asm.ModeMEMSX
}

// ctxValidType applies the context rules of the program types this file
// models. handled is false for the types (and fields) ctx.go's ctxValid
// decides on its own.
func (v *verifier) ctxValidType(off, size int, write bool) (t regType, ok, handled bool) {
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	ldsx := !write && v.ctxLdsx()
	switch v.cfg.Type {
	case ebpf.XDP:
		if ldsx && (off == 0 || off == 4 || off == 8) {
			return 0, false, true
		}
		return 0, false, false
	case ebpf.SocketFilter, ebpf.SchedCLS, ebpf.SchedACT:
		switch {
		case in(skbSK, skbSK+8):
			t, ok := skbFieldValid(off, size, write, ldsx)
			return t, ok, true
		case ldsx && (in(skbData, skbData+4) || in(skbDataEnd, skbDataEnd+4) || in(skbDataMeta, skbDataMeta+4)):
			return 0, false, true
		}
		return 0, false, false
	case ebpf.TracePoint:
		if off < tpHeaderSize || off >= tpMaxSize || write || off%size != 0 {
			return 0, false, true
		}
		return scalar, true, true
	case ebpf.RawTracepointWritable:
		if off < 0 || off >= rawTPArgsSize || write || off%size != 0 || off == 0 && size != 8 {
			return 0, false, true
		}
		return scalar, true, true
	case ebpf.PerfEvent:
		if off < 0 || off >= perfEventSize || write || off%size != 0 {
			return 0, false, true
		}
		if off >= ptRegsSize {
			// sample_period and addr: narrow loads.
			return scalar, ctxNarrowOK(size, 8), true
		}
		return scalar, size == 8, true
	case ebpf.CGroupSKB:
		t, ok := v.cgroupSKBValid(off, size, write, ldsx)
		return t, ok, true
	case ebpf.LWTIn, ebpf.LWTOut, ebpf.LWTXmit, ebpf.LWTSeg6Local:
		t, ok := lwtValid(off, size, write, ldsx)
		return t, ok, true
	case ebpf.SkSKB:
		t, ok := skSKBValid(off, size, write, ldsx)
		return t, ok, true
	case ebpf.FlowDissector:
		t, ok := flowDissectorValid(off, size, write, ldsx)
		return t, ok, true
	case ebpf.SkMsg:
		t, ok := skMsgValid(off, size, write)
		return t, ok, true
	case ebpf.CGroupSock:
		return scalar, v.cgroupSockValid(off, size, write), true
	case ebpf.CGroupSockAddr:
		t, ok := v.sockAddrValid(off, size, write)
		return t, ok, true
	case ebpf.SockOps:
		t, ok := sockOpsValid(off, size, write)
		return t, ok, true
	case ebpf.CGroupSysctl:
		return scalar, sysctlValid(off, size, write), true
	case ebpf.CGroupSockopt:
		t, ok := v.sockoptValid(off, size, write)
		return t, ok, true
	case ebpf.CGroupDevice:
		return scalar, cgroupDevValid(off, size, write), true
	case ebpf.SkLookup:
		t, ok := skLookupValid(off, size, write)
		return t, ok, true
	case ebpf.SkReuseport:
		t, ok := skReuseportValid(off, size, write)
		return t, ok, true
	case ebpf.Netfilter:
		// struct bpf_nf_ctx: two pointers (BTF-typed in the kernel; gbpf
		// loads them as scalars, which it does not dereference).
		if off < 0 || off >= nfCtxSize || write || size != 8 {
			return 0, false, true
		}
		return scalar, true, true
	}
	return 0, false, false
}

// ctxNarrowOK is bpf_ctx_narrow_access_ok (the offset is already a
// multiple of the size).
func ctxNarrowOK(size, fieldSize int) bool {
	return size <= fieldSize && size&(size-1) == 0
}

// ctxWideOK is bpf_ctx_wide_access_ok: an 8-byte access inside an array
// of u32s [lo, hi), 8-byte aligned.
func ctxWideOK(off, size, lo, hi int) bool {
	return size == 8 && off >= lo && off+8 <= hi && off%8 == 0
}

// skbFieldValid is bpf_skb_is_valid_access, the rules of struct
// __sk_buff every program type using it shares. The caller has already
// refused the fields its type hides and the writes it forbids; the
// packet pointer fields give their pointer types.
func skbFieldValid(off, size int, write, ldsx bool) (regType, bool) {
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	if off < 0 || off >= skbSize || off%size != 0 {
		return 0, false
	}
	switch {
	case in(skbCB, skbCBEnd):
		return scalar, off+size <= skbCBEnd
	case in(skbData, skbData+4):
		return ptrPacket, !ldsx && size == 4
	case in(skbDataEnd, skbDataEnd+4):
		return ptrPacketEnd, !ldsx && size == 4
	case in(skbDataMeta, skbDataMeta+4):
		return ptrPacketMeta, !ldsx && size == 4
	case in(skbRemoteIP4, skbLocalIP6End):
		return scalar, size == 4
	case in(skbFlowKeys, skbFlowKeys+8):
		return 0, false
	case in(skbHwtstamp, skbHwtstamp+8):
		return scalar, !write && size == 8
	case in(skbTstamp, skbTstamp+8):
		return scalar, size == 8
	case in(skbSK, skbSK+8):
		// PTR_TO_SOCK_COMMON_OR_NULL
		return ptrSockCommon, !write && size == 8
	case off == skbTstampType, in(skbTstampType+1, skbHwtstamp):
		return 0, false
	}
	if write {
		return scalar, size == 4
	}
	return scalar, ctxNarrowOK(size, 4)
}

// cgroupSKBValid is cg_skb_is_valid_access.
func (v *verifier) cgroupSKBValid(off, size int, write, ldsx bool) (regType, bool) {
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	switch {
	case in(skbTCClassid, skbTCClassid+4), in(skbDataMeta, skbDataMeta+4), in(skbWireLen, skbWireLen+4):
		return 0, false
	case in(skbData, skbData+4), in(skbDataEnd, skbDataEnd+4):
		if v.cfg.Unprivileged {
			return 0, false // needs CAP_BPF
		}
	}
	if write {
		switch {
		case in(skbMark, skbMark+4), in(skbPriority, skbPriority+4), in(skbCB, skbCBEnd):
		case in(skbTstamp, skbTstamp+8):
			if v.cfg.Unprivileged {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	return skbFieldValid(off, size, write, ldsx)
}

// lwtValid is lwt_is_valid_access (lwt_in, lwt_out, lwt_xmit,
// lwt_seg6local).
func lwtValid(off, size int, write, ldsx bool) (regType, bool) {
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	switch {
	case in(skbTCClassid, skbTCClassid+4), in(skbFamily, skbLocalPort+4), in(skbDataMeta, skbDataMeta+4),
		in(skbTstamp, skbTstamp+8), in(skbWireLen, skbWireLen+4), in(skbHwtstamp, skbHwtstamp+8):
		return 0, false
	}
	if write {
		switch {
		case in(skbMark, skbMark+4), in(skbPriority, skbPriority+4), in(skbCB, skbCBEnd):
		default:
			return 0, false
		}
	}
	return skbFieldValid(off, size, write, ldsx)
}

// skSKBValid is sk_skb_is_valid_access.
func skSKBValid(off, size int, write, ldsx bool) (regType, bool) {
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	switch {
	case in(skbTCClassid, skbTCClassid+4), in(skbDataMeta, skbDataMeta+4), in(skbTstamp, skbTstamp+8),
		in(skbWireLen, skbWireLen+4), in(skbHwtstamp, skbHwtstamp+8):
		return 0, false
	}
	if write {
		switch {
		case in(skbTCIndex, skbTCIndex+4), in(skbPriority, skbPriority+4):
		default:
			return 0, false
		}
	}
	if in(skbMark, skbMark+4) {
		return 0, false
	}
	return skbFieldValid(off, size, write, ldsx)
}

// flowDissectorValid is flow_dissector_is_valid_access: data, data_end
// and the flow keys, read only.
func flowDissectorValid(off, size int, write, ldsx bool) (regType, bool) {
	if off < 0 || off >= skbSize || off%size != 0 || write {
		return 0, false
	}
	switch {
	case off >= skbData && off < skbData+4:
		return ptrPacket, !ldsx && size == 4
	case off >= skbDataEnd && off < skbDataEnd+4:
		return ptrPacketEnd, !ldsx && size == 4
	case off >= skbFlowKeys && off < skbFlowKeys+8:
		return ptrMem, size == 8 // PTR_TO_FLOW_KEYS
	}
	return 0, false
}

// skMsgValid is sk_msg_is_valid_access (struct sk_msg_md).
func skMsgValid(off, size int, write bool) (regType, bool) {
	if write || off < 0 || off%size != 0 {
		return 0, false
	}
	switch {
	case off < 8:
		return ptrPacket, size == 8
	case off < 16:
		return ptrPacketEnd, size == 8
	case off < 72: // family .. size
		return scalar, size == 4
	case off < skMsgSize:
		return ptrSocket, size == 8
	}
	return 0, false
}

// cgroupSockValid is sock_filter_is_valid_access: struct bpf_sock, with
// the fields each attach type may read or write.
func (v *verifier) cgroupSockValid(off, size int, write bool) bool {
	if !sockAccessOK(off, size, false) {
		return false
	}
	const (
		boundDevIf = 0
		mark       = 16
		priority   = 20
		srcIP4     = 24
		srcIP6     = 28
		srcPort    = 44
	)
	at := v.cfg.Attach
	switch {
	case off == boundDevIf || off == mark || off == priority:
		return at == ebpf.AttachCGroupInetSockCreate || at == ebpf.AttachCgroupInetSockRelease
	case off >= srcIP4 && off < srcIP4+4:
		return !write && at == ebpf.AttachCGroupInet4PostBind
	case off >= srcIP6 && off < srcIP6+16:
		return !write && at == ebpf.AttachCGroupInet6PostBind
	case off >= srcPort && off < srcPort+4:
		return !write && (at == ebpf.AttachCGroupInet4PostBind || at == ebpf.AttachCGroupInet6PostBind)
	}
	return !write
}

// sockAddrValid is sock_addr_is_valid_access (struct bpf_sock_addr).
func (v *verifier) sockAddrValid(off, size int, write bool) (regType, bool) {
	const (
		userFamily = 0
		userIP4    = 4
		userIP6    = 8
		userPort   = 24
		family     = 28
		typ        = 32
		protocol   = 36
		msgSrcIP4  = 40
		msgSrcIP6  = 44
		sk         = 64
	)
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	if off < 0 || off >= sockAddrSize || off%size != 0 {
		return 0, false
	}
	at := v.cfg.Attach
	switch {
	case in(userIP4, userIP4+4):
		switch at {
		case ebpf.AttachCGroupInet4Bind, ebpf.AttachCGroupInet4Connect, ebpf.AttachCgroupInet4GetPeername,
			ebpf.AttachCgroupInet4GetSockname, ebpf.AttachCGroupUDP4Sendmsg, ebpf.AttachCGroupUDP4Recvmsg:
		default:
			return 0, false
		}
	case in(userIP6, userIP6+16):
		switch at {
		case ebpf.AttachCGroupInet6Bind, ebpf.AttachCGroupInet6Connect, ebpf.AttachCgroupInet6GetPeername,
			ebpf.AttachCgroupInet6GetSockname, ebpf.AttachCGroupUDP6Sendmsg, ebpf.AttachCGroupUDP6Recvmsg:
		default:
			return 0, false
		}
	case in(msgSrcIP4, msgSrcIP4+4):
		if at != ebpf.AttachCGroupUDP4Sendmsg {
			return 0, false
		}
	case in(msgSrcIP6, msgSrcIP6+16):
		if at != ebpf.AttachCGroupUDP6Sendmsg {
			return 0, false
		}
	}
	switch {
	case in(userIP4, userPort+4), in(msgSrcIP4, msgSrcIP6+16):
		if ctxWideOK(off, size, userIP6, userIP6+16) || ctxWideOK(off, size, msgSrcIP6, msgSrcIP6+16) {
			return scalar, true
		}
		if write {
			return scalar, size == 4
		}
		return scalar, ctxNarrowOK(size, 4)
	case in(sk, sk+8):
		return ptrSocket, !write && size == 8
	case in(userFamily, userFamily+4), in(family, family+4), in(typ, typ+4), in(protocol, protocol+4):
		return scalar, !write && size == 4
	}
	return 0, false
}

// sockOpsValid is sock_ops_is_valid_access (struct bpf_sock_ops).
func sockOpsValid(off, size int, write bool) (regType, bool) {
	const (
		reply         = 4
		sndCwnd       = 76
		skTxhash      = 164
		bytesReceived = 168
		sk            = 184
		skbData       = 192
		skbDataEnd    = 200
		skbTCPFlags   = 212
		skbHwtstamp   = 216
	)
	in := func(lo, hi int) bool { return off >= lo && off < hi }
	if off < 0 || off >= sockOpsSize || off%size != 0 {
		return 0, false
	}
	if write {
		return scalar, (off == reply || off == skTxhash) && size == 4
	}
	switch {
	case in(bytesReceived, sk):
		return scalar, size == 8
	case in(sk, sk+8):
		return ptrSocket, size == 8 // PTR_TO_SOCKET_OR_NULL
	case in(skbData, skbData+8):
		return ptrPacket, size == 8
	case in(skbDataEnd, skbDataEnd+8):
		return ptrPacketEnd, size == 8
	case off == skbTCPFlags:
		return scalar, ctxNarrowOK(size, 4)
	case in(skbHwtstamp, skbHwtstamp+8):
		return scalar, size == 8
	}
	return scalar, size == 4
}

// sysctlValid is sysctl_is_valid_access (struct bpf_sysctl: write,
// file_pos).
func sysctlValid(off, size int, write bool) bool {
	if off < 0 || off+size > sysctlSize || off%size != 0 {
		return false
	}
	if off < 4 {
		return !write && ctxNarrowOK(size, 4)
	}
	if write {
		return size == 4
	}
	return ctxNarrowOK(size, 4)
}

// sockoptValid is cg_sockopt_is_valid_access (struct bpf_sockopt).
func (v *verifier) sockoptValid(off, size int, write bool) (regType, bool) {
	const (
		sk        = 0
		optval    = 8
		optvalEnd = 16
		level     = 24
		optname   = 28
		optlen    = 32
		retval    = 36
	)
	if off < 0 || off >= sockoptSize || off%size != 0 {
		return 0, false
	}
	get := v.cfg.Attach == ebpf.AttachCGroupGetsockopt
	set := v.cfg.Attach == ebpf.AttachCGroupSetsockopt
	if write {
		switch off {
		case retval:
			return scalar, size == 4 && get
		case optname, level:
			return scalar, size == 4 && set
		case optlen:
			return scalar, size == 4
		}
		return 0, false
	}
	switch {
	case off < optval:
		return ptrSocket, size == 8
	case off < optvalEnd:
		return ptrPacket, size == 8
	case off < level:
		return ptrPacketEnd, size == 8
	case off >= retval:
		return scalar, size == 4 && get
	}
	return scalar, size == 4
}

// cgroupDevValid is cgroup_dev_is_valid_access (struct
// bpf_cgroup_dev_ctx: access_type, major, minor).
func cgroupDevValid(off, size int, write bool) bool {
	if write || off < 0 || off+size > cgroupDevSize || off%size != 0 {
		return false
	}
	if off < 4 {
		return ctxNarrowOK(size, 4)
	}
	return size == 4
}

// skLookupValid is sk_lookup_is_valid_access (struct bpf_sk_lookup).
func skLookupValid(off, size int, write bool) (regType, bool) {
	const (
		remotePort = 36
		localIP4   = 40
		ifindexEnd = 68
	)
	if off < 0 || off >= skLookupSize || off%size != 0 || write {
		return 0, false
	}
	switch {
	case off < 8:
		return ptrSocket, size == 8 // PTR_TO_SOCKET_OR_NULL
	case off >= remotePort && off < remotePort+2:
		if size == 4 {
			return scalar, true
		}
		return scalar, ctxNarrowOK(size, 2)
	case off >= remotePort+2 && off < localIP4:
		return scalar, ctxNarrowOK(size, 2) // zero padding
	case off < ifindexEnd:
		return scalar, ctxNarrowOK(size, 4)
	}
	return 0, false
}

// skReuseportValid is sk_reuseport_is_valid_access (struct
// sk_reuseport_md).
func skReuseportValid(off, size int, write bool) (regType, bool) {
	const (
		data        = 0
		dataEnd     = 8
		length      = 16
		ethProtocol = 20
		hash        = 32
		sk          = 40
		migratingSk = 48
	)
	if off < 0 || off >= skReuseportSz || off%size != 0 || write {
		return 0, false
	}
	switch {
	case off == data:
		return ptrPacket, size == 8
	case off == dataEnd:
		return ptrPacketEnd, size == 8
	case off == hash:
		return scalar, size == 4
	case off == sk:
		return ptrSocket, size == 8
	case off == migratingSk:
		return ptrSockCommon, size == 8 // PTR_TO_SOCK_COMMON_OR_NULL
	case off >= ethProtocol && off < ethProtocol+4:
		return scalar, size >= 2 && ctxNarrowOK(size, 4)
	case off >= length && off < hash:
		return scalar, ctxNarrowOK(size, 4)
	}
	return 0, false
}

// ctxPointer is the register a context load of a pointer field gives
// (other than the packet pointers): sockets, possibly NULL, and the flow
// dissector's keys. None carries a reference.
func (v *verifier) ctxPointer(t regType) reg {
	var r reg
	switch t {
	case ptrSockCommon:
		// skb->sk, sk_reuseport_md->migrating_sk
		r = reg{t: ptrSockCommon, maybeNull: true}
	case ptrSocket:
		r = reg{t: ptrSocket}
		switch v.cfg.Type {
		case ebpf.SockOps, ebpf.SkLookup:
			r.maybeNull = true
		}
	case ptrMem:
		r = reg{t: ptrMem, memSize: flowKeysSize}
	}
	if r.maybeNull {
		r.id = v.newID()
	}
	r.setConstVar(0)
	return r
}

// pktAccessOK is may_access_direct_pkt_data: whether the program type
// may read (or write) packet data directly, or pass packet pointers to
// helpers that take them.
func (v *verifier) pktAccessOK(write bool) bool {
	switch v.cfg.Type {
	case ebpf.LWTIn, ebpf.LWTOut, ebpf.LWTSeg6Local, ebpf.SkReuseport, ebpf.FlowDissector, ebpf.CGroupSKB:
		return !write
	case ebpf.SchedCLS, ebpf.SchedACT, ebpf.XDP, ebpf.LWTXmit, ebpf.SkSKB, ebpf.SkMsg, ebpf.CGroupSockopt:
		return true
	case ebpf.SockOps:
		// bpf_sock_ops' skb_data: loads through it are allowed, helpers
		// may not take it.
		return !write && !v.atHelperCall()
	}
	return false
}

func (v *verifier) atHelperCall() bool {
	if v.pc < 0 || v.pc >= len(v.insns) {
		return false
	}
	ins := v.insns[v.pc]
	return ins.OpCode == asm.OpCall && ins.Src == asm.CallHelper
}

// retRange is the range check_return_code requires of r0 when the
// program exits, for the program type and attach type; ok is false when
// any value goes.
func (v *verifier) retRange() (lo, hi int64, ok bool) {
	at := v.cfg.Attach
	switch v.cfg.Type {
	case ebpf.CGroupSockAddr:
		switch at {
		case ebpf.AttachCGroupUDP4Recvmsg, ebpf.AttachCGroupUDP6Recvmsg, ebpf.AttachCgroupUnixRecvmsg,
			ebpf.AttachCgroupInet4GetPeername, ebpf.AttachCgroupInet6GetPeername, ebpf.AttachCgroupUnixGetpeername,
			ebpf.AttachCgroupInet4GetSockname, ebpf.AttachCgroupInet6GetSockname, ebpf.AttachCgroupUnixGetsockname:
			return 1, 1, true
		case ebpf.AttachCGroupInet4Bind, ebpf.AttachCGroupInet6Bind:
			return 0, 3, true
		}
		return 0, 1, true
	case ebpf.CGroupSKB:
		if at == ebpf.AttachCGroupInetEgress {
			return 0, 3, true
		}
		return 0, 1, true
	case ebpf.CGroupSock, ebpf.SockOps, ebpf.CGroupDevice, ebpf.CGroupSysctl, ebpf.CGroupSockopt:
		return 0, 1, true
	case ebpf.Tracing:
		switch at {
		case ebpf.AttachTraceFEntry, ebpf.AttachTraceFExit:
			return 0, 0, true
		case ebpf.AttachTraceIter:
			return 0, 1, true
		}
	case ebpf.Kprobe:
		if at == ebpf.AttachTraceKprobeSession {
			return 0, 1, true
		}
	case ebpf.SkLookup:
		return 0, 1, true // SK_DROP, SK_PASS
	case ebpf.Netfilter:
		return 0, 1, true // NF_DROP, NF_ACCEPT
	}
	return 0, 0, false
}

// checkReturnCode is check_return_code at the exit of the program: r0
// must be a scalar in the program type's range.
func (v *verifier) checkReturnCode(r0 *reg) {
	lo, hi, ok := v.retRange()
	if !ok {
		return
	}
	if r0.t != scalar {
		v.reject("return a verdict (a constant or a bounded scalar), not a pointer", "At program exit the register R0 is not a known value (%s)", typeName(r0))
	}
	v.markPrecise(asm.R0)
	if r0.smin >= lo && r0.smax <= hi {
		return
	}
	has := ""
	if r0.smin > math.MinInt64 {
		has += " smin=" + strconv.FormatInt(r0.smin, 10)
	}
	if r0.smax < math.MaxInt64 {
		has += " smax=" + strconv.FormatInt(r0.smax, 10)
	}
	if has == "" {
		has = " unknown scalar value"
	}
	v.reject(v.retHint(r0), "At program exit the register R0 has%s should have been in [%d, %d]", has, lo, hi)
}

// retHint says what the program type's return values mean.
func (v *verifier) retHint(r0 *reg) string {
	var h string
	switch v.cfg.Type {
	case ebpf.CGroupSKB:
		h = "return 1 to let the packet pass or 0 to drop it"
		if v.cfg.Attach == ebpf.AttachCGroupInetEgress {
			h += " (2 and 3: the same with congestion notification)"
		}
	case ebpf.SkLookup:
		h = "return SK_PASS (1) or SK_DROP (0)"
	case ebpf.Netfilter:
		h = "return NF_ACCEPT (1) or NF_DROP (0)"
	case ebpf.Tracing:
		h = "return 0"
	default:
		lo, hi, _ := v.retRange()
		switch {
		case lo == 1 && hi == 1:
			h = "this hook cannot refuse: return 1"
		case hi == 3:
			h = "return 1 to allow or 0 to refuse (2 and 3: the same, skipping the privileged port check)"
		default:
			h = "return 1 to allow or 0 to refuse"
		}
	}
	if !r0.isConst() {
		h += "; a computed value must be bounded on every path, e.g. return x & 1; or return cond ? 1 : 0;"
	}
	return h
}

// sockHelper checks bpf_sk_fullsock, which gbpf's runtime lacks: it
// matters to the program types gbpf only verifies (cgroup_skb), and in tc
// programs it can only be reached through skb->sk. It reports false for
// other helpers.
func (v *verifier) sockHelper(ins asm.Instruction) bool {
	if casm.BuiltinFunc(ins.Imm) != casm.FnSkFullsock {
		return false
	}
	name := helperName(ins.Imm)
	switch v.cfg.Type {
	case ebpf.SchedCLS, ebpf.SchedACT, ebpf.CGroupSKB:
	default:
		v.reject("", "program of this type cannot use helper %s#%d", name, ins.Imm)
	}
	if v.st.lock != 0 {
		v.reject("release the spin lock before calling helpers", "function calls are not allowed while holding a lock")
	}
	regs := v.regs()
	r := &regs[asm.R1]
	if r.t == notInit {
		v.reject("", "R1 !read_ok")
	}
	if r.t != ptrSocket && r.t != ptrSockCommon || r.maybeNull {
		hint := ""
		if r.maybeNull {
			hint = "check skb->sk against NULL first: if (!sk) return ...;"
		}
		v.reject(hint, "R1 type=%s expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_", typeName(r))
	}
	if r.off != 0 {
		v.reject("", "dereference of modified %s ptr R1 off=%d disallowed", typeName(r), r.off)
	}
	if !r.varZero() {
		v.reject("", "variable %s access var_off=(%#x; %#x) disallowed", typeName(r), r.tn.v, r.tn.m)
	}
	if r.refID != 0 {
		// The kernel ties the result to the argument's reference;
		// gbpf's references have one pointer each.
		v.rejectUnsupported("gbpf follows bpf_sk_fullsock only of sockets it holds no reference to (skb->sk)", "bpf_sk_fullsock of an acquired socket (ref_obj_id=%d) is not supported", r.refID)
	}
	for i := asm.R1; i <= asm.R5; i++ {
		regs[i] = reg{}
	}
	regs[0] = reg{t: ptrSocket, maybeNull: true, id: v.newID()}
	regs[0].setConstVar(0)
	v.trail(fmt.Sprintf("%d: call %s", v.pc, name))
	return true
}

// sockMapLookup is bpf_map_lookup_elem on a sockmap or sockhash: a
// socket or NULL, with a reference the program must release
// (is_acquire_function). It reports false for other maps.
func (v *verifier) sockMapLookup(m *mapInfo, r0 *reg) bool {
	if m == nil || m.inner != nil {
		return false
	}
	switch m.spec.Type {
	case maps.Type(ebpf.SockMap), maps.Type(ebpf.SockHash):
	default:
		return false
	}
	rid := v.newID()
	*r0 = reg{t: ptrSocket, maybeNull: true, id: rid, refID: rid}
	r0.setConstVar(0)
	v.st.refs = append(v.st.refs, ref{id: rid, pc: v.pc})
	return true
}

// ctxField is a field of a context structure, for hints: count elements
// of size bytes from off.
type ctxField struct {
	name      string
	off, size int
	count     int
}

func fields(fs ...ctxField) []ctxField { return fs }

func f4(name string, off int) ctxField  { return ctxField{name, off, 4, 1} }
func f8(name string, off int) ctxField  { return ctxField{name, off, 8, 1} }
func arr(name string, off int) ctxField { return ctxField{name, off, 4, 4} }

var (
	skbFields = fields(f4("len", 0), f4("pkt_type", 4), f4("mark", 8), f4("queue_mapping", 12), f4("protocol", 16),
		f4("vlan_present", 20), f4("vlan_tci", 24), f4("vlan_proto", 28), f4("priority", 32), f4("ingress_ifindex", 36),
		f4("ifindex", 40), f4("tc_index", 44), ctxField{"cb", 48, 4, 5}, f4("hash", 68), f4("tc_classid", 72), f4("data", 76),
		f4("data_end", 80), f4("napi_id", 84), f4("family", 88), f4("remote_ip4", 92), f4("local_ip4", 96),
		arr("remote_ip6", 100), arr("local_ip6", 116), f4("remote_port", 132), f4("local_port", 136), f4("data_meta", 140),
		f8("flow_keys", 144), f8("tstamp", 152), f4("wire_len", 160), f4("gso_segs", 164), f8("sk", 168), f4("gso_size", 176),
		ctxField{"tstamp_type", 180, 1, 1}, f8("hwtstamp", 184))
	xdpFields = fields(f4("data", 0), f4("data_end", 4), f4("data_meta", 8), f4("ingress_ifindex", 12),
		f4("rx_queue_index", 16), f4("egress_ifindex", 20))
	sockFields = fields(f4("bound_dev_if", 0), f4("family", 4), f4("type", 8), f4("protocol", 12), f4("mark", 16),
		f4("priority", 20), f4("src_ip4", 24), arr("src_ip6", 28), f4("src_port", 44), ctxField{"dst_port", 48, 2, 1},
		f4("dst_ip4", 52), arr("dst_ip6", 56), f4("state", 72), f4("rx_queue_mapping", 76))
	sockAddrFields = fields(f4("user_family", 0), f4("user_ip4", 4), arr("user_ip6", 8), f4("user_port", 24),
		f4("family", 28), f4("type", 32), f4("protocol", 36), f4("msg_src_ip4", 40), arr("msg_src_ip6", 44), f8("sk", 64))
	sockOpsFields = fields(f4("op", 0), arr("args", 4), f4("family", 20), f4("remote_ip4", 24), f4("local_ip4", 28),
		arr("remote_ip6", 32), arr("local_ip6", 48), f4("remote_port", 64), f4("local_port", 68), f4("is_fullsock", 72),
		f4("snd_cwnd", 76), f4("srtt_us", 80), f4("bpf_sock_ops_cb_flags", 84), f4("state", 88), f4("rtt_min", 92),
		f4("snd_ssthresh", 96), f4("rcv_nxt", 100), f4("snd_nxt", 104), f4("snd_una", 108), f4("mss_cache", 112),
		f4("ecn_flags", 116), f4("rate_delivered", 120), f4("rate_interval_us", 124), f4("packets_out", 128),
		f4("retrans_out", 132), f4("total_retrans", 136), f4("segs_in", 140), f4("data_segs_in", 144), f4("segs_out", 148),
		f4("data_segs_out", 152), f4("lost_out", 156), f4("sacked_out", 160), f4("sk_txhash", 164), f8("bytes_received", 168),
		f8("bytes_acked", 176), f8("sk", 184), f8("skb_data", 192), f8("skb_data_end", 200), f4("skb_len", 208),
		f4("skb_tcp_flags", 212), f8("skb_hwtstamp", 216))
	skMsgFields = fields(f8("data", 0), f8("data_end", 8), f4("family", 16), f4("remote_ip4", 20), f4("local_ip4", 24),
		arr("remote_ip6", 28), arr("local_ip6", 44), f4("remote_port", 60), f4("local_port", 64), f4("size", 68), f8("sk", 72))
	sysctlFields    = fields(f4("write", 0), f4("file_pos", 4))
	sockoptFields   = fields(f8("sk", 0), f8("optval", 8), f8("optval_end", 16), f4("level", 24), f4("optname", 28), f4("optlen", 32), f4("retval", 36))
	devFields       = fields(f4("access_type", 0), f4("major", 4), f4("minor", 8))
	skLookupFields  = fields(f8("sk", 0), f4("family", 8), f4("protocol", 12), f4("remote_ip4", 16), arr("remote_ip6", 20), ctxField{"remote_port", 36, 2, 1}, f4("local_ip4", 40), arr("local_ip6", 44), f4("local_port", 60), f4("ingress_ifindex", 64))
	reuseportFields = fields(f8("data", 0), f8("data_end", 8), f4("len", 16), f4("eth_protocol", 20), f4("ip_protocol", 24), f4("bind_inany", 28), f4("hash", 32), f8("sk", 40), f8("migrating_sk", 48))
	nfFields        = fields(f8("state", 0), f8("skb", 8))
	perfFields      = fields(ctxField{"regs", 0, 8, 21}, f8("sample_period", 168), f8("addr", 176))
)

// ctxStruct names the program type's context structure, its size and
// fields.
func (v *verifier) ctxStruct() (string, int, []ctxField) {
	switch v.cfg.Type {
	case ebpf.SocketFilter, ebpf.SchedCLS, ebpf.SchedACT, ebpf.CGroupSKB, ebpf.LWTIn, ebpf.LWTOut, ebpf.LWTXmit,
		ebpf.LWTSeg6Local, ebpf.SkSKB, ebpf.FlowDissector:
		return "__sk_buff", skbSize, skbFields
	case ebpf.XDP:
		return "xdp_md", 24, xdpFields
	case ebpf.CGroupSock:
		return "bpf_sock", 80, sockFields
	case ebpf.CGroupSockAddr:
		return "bpf_sock_addr", sockAddrSize, sockAddrFields
	case ebpf.SockOps:
		return "bpf_sock_ops", sockOpsSize, sockOpsFields
	case ebpf.SkMsg:
		return "sk_msg_md", skMsgSize, skMsgFields
	case ebpf.CGroupSysctl:
		return "bpf_sysctl", sysctlSize, sysctlFields
	case ebpf.CGroupSockopt:
		return "bpf_sockopt", sockoptSize, sockoptFields
	case ebpf.CGroupDevice:
		return "bpf_cgroup_dev_ctx", cgroupDevSize, devFields
	case ebpf.SkLookup:
		return "bpf_sk_lookup", skLookupSize, skLookupFields
	case ebpf.SkReuseport:
		return "sk_reuseport_md", skReuseportSz, reuseportFields
	case ebpf.Netfilter:
		return "bpf_nf_ctx", nfCtxSize, nfFields
	case ebpf.PerfEvent:
		return "bpf_perf_event_data", perfEventSize, perfFields
	}
	return "", 0, nil
}

// progLabel names the program type as its ELF section does.
func (v *verifier) progLabel() string {
	at := v.cfg.Attach
	switch v.cfg.Type {
	case ebpf.SocketFilter:
		return "socket filter"
	case ebpf.SchedCLS, ebpf.SchedACT:
		return "tc"
	case ebpf.XDP:
		return "xdp"
	case ebpf.CGroupSKB:
		if at == ebpf.AttachCGroupInetEgress {
			return "cgroup_skb/egress"
		}
		return "cgroup_skb/ingress"
	case ebpf.CGroupSock:
		switch at {
		case ebpf.AttachCgroupInetSockRelease:
			return "cgroup/sock_release"
		case ebpf.AttachCGroupInet4PostBind:
			return "cgroup/post_bind4"
		case ebpf.AttachCGroupInet6PostBind:
			return "cgroup/post_bind6"
		}
		return "cgroup/sock_create"
	case ebpf.CGroupSockAddr:
		if name, ok := sockAddrHooks[at]; ok {
			return "cgroup/" + name
		}
		return "cgroup/sock_addr"
	case ebpf.CGroupSockopt:
		if at == ebpf.AttachCGroupSetsockopt {
			return "cgroup/setsockopt"
		}
		return "cgroup/getsockopt"
	case ebpf.SockOps:
		return "sockops"
	case ebpf.SkSKB:
		return "sk_skb"
	case ebpf.SkMsg:
		return "sk_msg"
	case ebpf.LWTIn:
		return "lwt_in"
	case ebpf.LWTOut:
		return "lwt_out"
	case ebpf.LWTXmit:
		return "lwt_xmit"
	case ebpf.LWTSeg6Local:
		return "lwt_seg6local"
	case ebpf.FlowDissector:
		return "flow_dissector"
	case ebpf.SkReuseport:
		return "sk_reuseport"
	case ebpf.CGroupSysctl:
		return "cgroup/sysctl"
	case ebpf.CGroupDevice:
		return "cgroup/dev"
	case ebpf.SkLookup:
		return "sk_lookup"
	case ebpf.Netfilter:
		return "netfilter"
	case ebpf.PerfEvent:
		return "perf_event"
	}
	return v.cfg.Type.String()
}

var sockAddrHooks = map[ebpf.AttachType]string{
	ebpf.AttachCGroupInet4Bind: "bind4", ebpf.AttachCGroupInet6Bind: "bind6",
	ebpf.AttachCGroupInet4Connect: "connect4", ebpf.AttachCGroupInet6Connect: "connect6", ebpf.AttachCgroupUnixConnect: "connect_unix",
	ebpf.AttachCGroupUDP4Sendmsg: "sendmsg4", ebpf.AttachCGroupUDP6Sendmsg: "sendmsg6", ebpf.AttachCgroupUnixSendmsg: "sendmsg_unix",
	ebpf.AttachCGroupUDP4Recvmsg: "recvmsg4", ebpf.AttachCGroupUDP6Recvmsg: "recvmsg6", ebpf.AttachCgroupUnixRecvmsg: "recvmsg_unix",
	ebpf.AttachCgroupInet4GetPeername: "getpeername4", ebpf.AttachCgroupInet6GetPeername: "getpeername6", ebpf.AttachCgroupUnixGetpeername: "getpeername_unix",
	ebpf.AttachCgroupInet4GetSockname: "getsockname4", ebpf.AttachCgroupInet6GetSockname: "getsockname6", ebpf.AttachCgroupUnixGetsockname: "getsockname_unix",
}

// ctxHint explains a refused context access: which field is at the
// offset and how the program type may access it.
func (v *verifier) ctxHint(off, size int, write bool) string {
	if v.cfg.Type == ebpf.TracePoint && off >= 0 && off < tpHeaderSize {
		return "the first 8 bytes of a tracepoint's record (the common header) are hidden from programs: the fields start at offset 8"
	}
	name, total, fs := v.ctxStruct()
	if name == "" {
		return ""
	}
	if off < 0 || off >= total {
		return fmt.Sprintf("struct %s is %d bytes", name, total)
	}
	var fld *ctxField
	elem := -1
	for i := range fs {
		f := &fs[i]
		if off >= f.off && off < f.off+f.size*f.count {
			fld = f
			elem = (off - f.off) / f.size
		}
	}
	if fld == nil {
		return fmt.Sprintf("offset %d of struct %s is padding", off, name)
	}
	fname := name + "." + fld.name
	if fld.count > 1 {
		fname += fmt.Sprintf("[%d]", elem)
	}
	at := fld.off + elem*fld.size
	probe := func(w bool) string {
		var ok []string
		for _, s := range []int{1, 2, 4, 8} {
			if at%s != 0 {
				continue
			}
			if _, good := v.ctxValid(at, s, w); good {
				ok = append(ok, strconv.Itoa(s))
			}
		}
		switch len(ok) {
		case 0:
			return ""
		case 1:
			return ok[0] + " bytes"
		}
		return strings.Join(ok[:len(ok)-1], ", ") + " or " + ok[len(ok)-1] + " bytes"
	}
	r, w := probe(false), probe(true)
	var can string
	switch {
	case r == "" && w == "":
		can = "may neither read nor write it"
	case w == "":
		can = "may only read it (" + r + " at a time)"
	case r == "":
		can = "may only write it (" + w + " at a time)"
	default:
		can = "may read it (" + r + " at a time) and write it (" + w + ")"
	}
	return fmt.Sprintf("%s (offset %d): %s programs %s", fname, at, v.progLabel(), can)
}

func isSockMap(m *mapInfo) bool {
	return m != nil && (m.spec.Type == maps.Type(ebpf.SockMap) || m.spec.Type == maps.Type(ebpf.SockHash))
}

// sockMapValueArg checks the value argument of an update of a sockmap or
// sockhash: a socket, not memory (resolve_map_arg_type makes it
// ARG_PTR_TO_BTF_ID_SOCK_COMMON). It reports false for other maps.
func (v *verifier) sockMapValueArg(m *mapInfo, regno asm.Register, r *reg) bool {
	if !isSockMap(m) {
		return false
	}
	if r.t != ptrSocket && r.t != ptrSockCommon || r.maybeNull {
		hint := ""
		if r.maybeNull {
			hint = hintNull
		}
		tn := typeName(r)
		if r.t == ptrStack {
			tn = "fp"
		}
		v.reject(hint, "R%d type=%s expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_", regno, tn)
	}
	if r.off != 0 {
		v.reject("", "dereference of modified %s ptr R%d off=%d disallowed", typeName(r), regno, r.off)
	}
	if !r.varZero() {
		v.reject("", "variable %s access var_off=(%#x; %#x) disallowed", typeName(r), r.tn.v, r.tn.m)
	}
	return true
}

// sockMapCompat is check_map_func_compatibility for sockmaps and
// sockhashes among the helpers gbpf implements: lookups anywhere, updates
// and deletes where no locked socket can be at hand (may_update_sockmap).
func (v *verifier) sockMapCompat(fn casm.BuiltinFunc, m *mapInfo) {
	if !isSockMap(m) {
		return
	}
	name := helperName(int32(fn))
	switch fn {
	case casm.FnMapLookupElem:
		return
	case casm.FnMapUpdateElem, casm.FnMapDeleteElem:
		switch v.cfg.Type {
		case ebpf.SocketFilter, ebpf.SchedCLS, ebpf.SchedACT, ebpf.XDP, ebpf.SkReuseport, ebpf.FlowDissector, ebpf.SkLookup:
			return
		case ebpf.Tracing:
			if v.cfg.Attach == ebpf.AttachTraceIter {
				return
			}
		case ebpf.SockOps:
			if fn == casm.FnMapDeleteElem {
				return
			}
		}
		v.reject("sockmaps are updated from sockops programs with bpf_sock_map_update, or from tc, XDP, socket filter, sk_lookup, sk_reuseport and flow_dissector programs",
			"cannot update sockmap in this context: cannot pass map_type %d into func %s#%d", m.spec.Type, name, int32(fn))
	}
	v.reject("", "cannot pass map_type %d into func %s#%d", m.spec.Type, name, int32(fn))
}
