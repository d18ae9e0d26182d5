package verifier

import (
	"bytes"
	"fmt"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/kfmt"
	"github.com/gbpf/gbpf/internal/maps"
)

type argType uint8

const (
	argNone        argType = iota
	argAnything            // ARG_ANYTHING
	argConstMap            // ARG_CONST_MAP_PTR
	argMapKey              // ARG_PTR_TO_MAP_KEY
	argMapValue            // ARG_PTR_TO_MAP_VALUE
	argMapValueOut         // ARG_PTR_TO_MAP_VALUE | MEM_UNINIT (written by the helper)
	argMem                 // ARG_PTR_TO_MEM (read by the helper), size in the next argument
	argMemOrNull           // ARG_PTR_TO_MEM | PTR_MAYBE_NULL
	argMemOut              // ARG_PTR_TO_UNINIT_MEM (written by the helper)
	argMemOutOrNull
	argSize       // ARG_CONST_SIZE
	argSizeOrZero // ARG_CONST_SIZE_OR_ZERO
	argAllocSize  // ARG_CONST_ALLOC_SIZE_OR_ZERO
	argCtx        // ARG_PTR_TO_CTX
	argFunc       // ARG_PTR_TO_FUNC
	argStackOrNull
	argSpinLock // ARG_PTR_TO_SPIN_LOCK
	argAllocMem // ARG_PTR_TO_ALLOC_MEM | OBJ_RELEASE
	argConstStr // ARG_PTR_TO_CONST_STR
	// ARG_PTR_TO_FIXED_SIZE_MEM | MEM_ALIGNED (size in proto.fixed):
	// initialized memory the helper reads and may write, or (Out, with
	// MEM_UNINIT) memory it only writes.
	argFixedMem
	argFixedMemOut
	argSockCommon // ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE
	argDynptrInit // ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_LOCAL | MEM_UNINIT
	argDynptr     // ARG_PTR_TO_DYNPTR (initialized)
)

type retType uint8

const (
	retInteger retType = iota
	retVoid
	retMapValueOrNull
	retAllocMemOrNull
	retSocketOrNull     // RET_PTR_TO_SOCKET_OR_NULL, an acquired reference
	retSockCommonOrNull // RET_PTR_TO_SOCK_COMMON_OR_NULL, an acquired reference
	retDynptrMemOrNull  // RET_PTR_TO_DYNPTR_MEM_OR_NULL
)

// progClass groups program types by the helpers they may call (the
// kernel's get_func_proto of each type, as Linux 6.18 answers it).
type progClass uint32

const (
	pcXDP    progClass = 1 << iota
	pcTC               // sched_cls, sched_act
	pcSocket           // socket filters
	pcKprobe
	pcTracepoint
	pcPerfEvent
	pcRawTP // raw_tracepoint, raw_tracepoint.w
	pcSyscall
	pcCgroupSKB
	pcCgroupSock
	pcSockAddr // cgroup/connect4, bind4, sendmsg4, recvmsg4, getpeername4, ...
	pcSockOps
	pcSKSKB
	pcSKMsg
	pcLWTIn
	pcLWTOut
	pcLWTXmit
	pcLWTSeg6
	pcFlowDissector
	pcSKReuseport
	pcCgroupDev
	pcSysctl
	pcSockopt
	pcSKLookup
	pcNetfilter

	pcAll     = ^progClass(0)
	pcTracing = pcKprobe | pcTracepoint | pcPerfEvent | pcRawTP
	pcLWT     = pcLWTIn | pcLWTOut | pcLWTXmit | pcLWTSeg6
	pcNet     = pcXDP | pcTC | pcSocket
)

type proto struct {
	args      [5]argType
	ret       retType
	progs     progClass
	pktAccess bool // may take packet pointers as memory arguments
	memWrite  bool // argMem arguments are also written (MEM_WRITE)
	changes   bool // changes packet data: packet pointers become invalid
	mapTypes  []maps.Type
	fixed     [5]int // sizes of argFixedMem arguments
}

func mt(ts ...maps.Type) []maps.Type { return ts }

// helperProtos are the prototypes (include/uapi/linux/bpf.h, the kernel's
// *_func_proto) of the helpers internal/env implements.
var helperProtos = map[casm.BuiltinFunc]proto{
	casm.FnMapLookupElem:        {args: [5]argType{argConstMap, argMapKey}, ret: retMapValueOrNull, progs: pcAll, pktAccess: true},
	casm.FnMapUpdateElem:        {args: [5]argType{argConstMap, argMapKey, argMapValue, argAnything}, progs: pcAll, pktAccess: true},
	casm.FnMapDeleteElem:        {args: [5]argType{argConstMap, argMapKey}, progs: pcAll, pktAccess: true},
	casm.FnMapPushElem:          {args: [5]argType{argConstMap, argMapValue, argAnything}, progs: pcAll, pktAccess: true, mapTypes: mt(maps.Type(ebpf.Queue), maps.Type(ebpf.Stack), maps.Type(ebpf.BloomFilter))},
	casm.FnMapPopElem:           {args: [5]argType{argConstMap, argMapValueOut}, progs: pcAll, mapTypes: mt(maps.Type(ebpf.Queue), maps.Type(ebpf.Stack))},
	casm.FnMapPeekElem:          {args: [5]argType{argConstMap, argMapValueOut}, progs: pcAll, mapTypes: mt(maps.Type(ebpf.Queue), maps.Type(ebpf.Stack), maps.Type(ebpf.BloomFilter))},
	casm.FnMapLookupPercpuElem:  {args: [5]argType{argConstMap, argMapKey, argAnything}, ret: retMapValueOrNull, progs: pcAll, pktAccess: true, mapTypes: mt(maps.Type(ebpf.PerCPUHash), maps.Type(ebpf.PerCPUArray), maps.Type(ebpf.LRUCPUHash))},
	casm.FnKtimeGetNs:           {progs: pcAll},
	casm.FnKtimeGetBootNs:       {progs: pcAll},
	casm.FnKtimeGetCoarseNs:     {progs: pcXDP | pcTC | pcSocket | pcCgroupSKB | pcCgroupSock | pcSockAddr | pcSockOps | pcSKSKB | pcSKMsg | pcFlowDissector | pcSKReuseport | pcSysctl | pcSKLookup | pcLWT},
	casm.FnKtimeGetTaiNs:        {progs: pcAll},
	casm.FnJiffies64:            {progs: pcAll},
	casm.FnGetPrandomU32:        {progs: pcAll},
	casm.FnGetSmpProcessorId:    {progs: pcAll},
	casm.FnGetNumaNodeId:        {progs: pcAll},
	casm.FnTracePrintk:          {args: [5]argType{argMem, argSize}, progs: pcAll},
	casm.FnSnprintf:             {args: [5]argType{argMemOutOrNull, argSizeOrZero, argConstStr, argMemOrNull, argSizeOrZero}, progs: pcAll},
	casm.FnTraceVprintk:         {args: [5]argType{argMem, argSize, argMemOrNull, argSizeOrZero}, progs: pcAll},
	casm.FnTailCall:             {args: [5]argType{argCtx, argConstMap, argAnything}, ret: retVoid, progs: pcAll, mapTypes: mt(maps.Type(ebpf.ProgramArray))},
	casm.FnRingbufOutput:        {args: [5]argType{argConstMap, argMem, argSizeOrZero, argAnything}, progs: pcAll, mapTypes: mt(maps.Type(ebpf.RingBuf))},
	casm.FnRingbufReserve:       {args: [5]argType{argConstMap, argAllocSize, argAnything}, ret: retAllocMemOrNull, progs: pcAll, mapTypes: mt(maps.Type(ebpf.RingBuf))},
	casm.FnRingbufSubmit:        {args: [5]argType{argAllocMem, argAnything}, ret: retVoid, progs: pcAll},
	casm.FnRingbufDiscard:       {args: [5]argType{argAllocMem, argAnything}, ret: retVoid, progs: pcAll},
	casm.FnRingbufQuery:         {args: [5]argType{argConstMap, argAnything}, progs: pcAll, mapTypes: mt(maps.Type(ebpf.RingBuf))},
	casm.FnPerfEventOutput:      {args: [5]argType{argCtx, argConstMap, argAnything, argMem, argSizeOrZero}, progs: pcXDP | pcTC | pcSocket | pcSyscall | pcCgroupSKB | pcCgroupSock | pcSockAddr | pcSockOps | pcSKSKB | pcSKMsg | pcCgroupDev | pcSysctl | pcSockopt | pcSKLookup | pcTracing | pcLWT, mapTypes: mt(maps.Type(ebpf.PerfEventArray))},
	casm.FnProbeRead:            {args: [5]argType{argMemOut, argSizeOrZero, argAnything}, progs: pcSyscall | pcTracing},
	casm.FnProbeReadStr:         {args: [5]argType{argMemOut, argSizeOrZero, argAnything}, progs: pcSyscall | pcTracing},
	casm.FnProbeReadKernel:      {args: [5]argType{argMemOut, argSizeOrZero, argAnything}, progs: pcAll},
	casm.FnProbeReadUser:        {args: [5]argType{argMemOut, argSizeOrZero, argAnything}, progs: pcAll},
	casm.FnProbeReadKernelStr:   {args: [5]argType{argMemOut, argSizeOrZero, argAnything}, progs: pcAll},
	casm.FnProbeReadUserStr:     {args: [5]argType{argMemOut, argSizeOrZero, argAnything}, progs: pcAll},
	casm.FnGetCurrentPidTgid:    {progs: pcAll},
	casm.FnGetCurrentUidGid:     {progs: pcAll},
	casm.FnGetCurrentComm:       {args: [5]argType{argMemOut, argSize}, progs: pcAll},
	casm.FnCsumDiff:             {args: [5]argType{argMemOrNull, argSizeOrZero, argMemOrNull, argSizeOrZero, argAnything}, progs: pcXDP | pcTC | pcLWT, pktAccess: true},
	casm.FnL3CsumReplace:        {args: [5]argType{argCtx, argAnything, argAnything, argAnything, argAnything}, progs: pcTC | pcLWTXmit, changes: true},
	casm.FnL4CsumReplace:        {args: [5]argType{argCtx, argAnything, argAnything, argAnything, argAnything}, progs: pcTC | pcLWTXmit, changes: true},
	casm.FnSkbLoadBytes:         {args: [5]argType{argCtx, argAnything, argMemOut, argSize}, progs: pcTC | pcSocket | pcCgroupSKB | pcSKSKB | pcFlowDissector | pcSKReuseport | pcLWT},
	casm.FnSkbLoadBytesRelative: {args: [5]argType{argCtx, argAnything, argMemOut, argSize, argAnything}, progs: pcTC | pcSocket | pcCgroupSKB | pcSKReuseport},
	casm.FnSkbStoreBytes:        {args: [5]argType{argCtx, argAnything, argMem, argSize, argAnything}, progs: pcTC | pcSKSKB | pcLWTXmit, changes: true},
	casm.FnXdpAdjustHead:        {args: [5]argType{argCtx, argAnything}, progs: pcXDP, changes: true},
	casm.FnXdpAdjustTail:        {args: [5]argType{argCtx, argAnything}, progs: pcXDP, changes: true},
	casm.FnXdpAdjustMeta:        {args: [5]argType{argCtx, argAnything}, progs: pcXDP, changes: true},
	casm.FnXdpGetBuffLen:        {args: [5]argType{argCtx}, progs: pcXDP},
	casm.FnXdpLoadBytes:         {args: [5]argType{argCtx, argAnything, argMemOut, argSize}, progs: pcXDP},
	casm.FnXdpStoreBytes:        {args: [5]argType{argCtx, argAnything, argMem, argSize}, progs: pcXDP},
	casm.FnRedirect:             {args: [5]argType{argAnything, argAnything}, progs: pcXDP | pcTC | pcLWTXmit},
	casm.FnRedirectMap:          {args: [5]argType{argConstMap, argAnything, argAnything}, progs: pcXDP, mapTypes: mt(maps.Type(ebpf.DevMap), maps.Type(ebpf.DevMapHash), maps.Type(ebpf.CPUMap), maps.Type(ebpf.XSKMap))},
	casm.FnLoop:                 {args: [5]argType{argAnything, argFunc, argStackOrNull, argAnything}, progs: pcAll},
	casm.FnForEachMapElem:       {args: [5]argType{argConstMap, argFunc, argStackOrNull, argAnything}, progs: pcAll},
	casm.FnSpinLock:             {args: [5]argType{argSpinLock}, ret: retVoid, progs: pcAll &^ (pcTracing | pcSocket)},
	casm.FnSpinUnlock:           {args: [5]argType{argSpinLock}, ret: retVoid, progs: pcAll &^ (pcTracing | pcSocket)},
	casm.FnStrncmp:              {args: [5]argType{argMem, argSize, argConstStr}, progs: pcAll},
	casm.FnGetFuncIp:            {args: [5]argType{argCtx}, progs: pcSyscall | pcTracing},
	casm.FnSkbPullData:          {args: [5]argType{argCtx, argAnything}, progs: pcTC | pcSKSKB | pcLWT, changes: true},
	casm.FnSetHash:              {args: [5]argType{argCtx, argAnything}, progs: pcTC},
	casm.FnSetHashInvalid:       {args: [5]argType{argCtx}, ret: retVoid, progs: pcTC | pcLWTXmit},
	casm.FnCsumUpdate:           {args: [5]argType{argCtx, argAnything}, progs: pcTC | pcLWTXmit},
	casm.FnCsumLevel:            {args: [5]argType{argCtx, argAnything}, progs: pcTC | pcLWTXmit},
	casm.FnSkbVlanPush:          {args: [5]argType{argCtx, argAnything, argAnything}, progs: pcTC, changes: true},
	casm.FnSkbVlanPop:           {args: [5]argType{argCtx}, progs: pcTC, changes: true},
	casm.FnSkbChangeTail:        {args: [5]argType{argCtx, argAnything, argAnything}, progs: pcTC | pcSKSKB | pcLWTXmit, changes: true},
	casm.FnGetHashRecalc:        {args: [5]argType{argCtx}, progs: pcTC | pcLWT},
	casm.FnSkbAdjustRoom:        {args: [5]argType{argCtx, argAnything, argAnything, argAnything}, progs: pcTC | pcSKSKB, changes: true},
	casm.FnSkbChangeProto:       {args: [5]argType{argCtx, argAnything, argAnything}, progs: pcTC, changes: true},
	casm.FnCloneRedirect:        {args: [5]argType{argCtx, argAnything, argAnything}, progs: pcTC | pcLWTXmit, changes: true},
	casm.FnGetCgroupClassid:     {args: [5]argType{argCtx}, progs: pcTC | pcLWT},
	casm.FnGetRouteRealm:        {args: [5]argType{argCtx}, progs: pcTC | pcLWT},
	casm.FnSkbChangeType:        {args: [5]argType{argCtx, argAnything}, progs: pcTC},
	casm.FnSkbChangeHead:        {args: [5]argType{argCtx, argAnything, argAnything}, progs: pcTC | pcSKSKB | pcLWTXmit, changes: true},
	casm.FnGetSocketCookie:      {args: [5]argType{argCtx}, progs: pcTC | pcSocket | pcCgroupSKB | pcCgroupSock | pcSockAddr | pcSockOps | pcSKSKB},
	casm.FnGetSocketUid:         {args: [5]argType{argCtx}, progs: pcTC | pcSocket | pcCgroupSKB | pcSKSKB},
	casm.FnSkbEcnSetCe:          {args: [5]argType{argCtx}, progs: pcTC | pcCgroupSKB},
	casm.FnRedirectNeigh:        {args: [5]argType{argAnything, argMemOrNull, argSizeOrZero, argAnything}, progs: pcTC},
	casm.FnRedirectPeer:         {args: [5]argType{argAnything, argAnything}, progs: pcTC},
	casm.FnFibLookup:            {args: [5]argType{argCtx, argMem, argSize, argAnything}, progs: pcXDP | pcTC, memWrite: true},
	casm.FnCheckMtu:             {args: [5]argType{argCtx, argAnything, argFixedMem, argAnything, argAnything}, progs: pcXDP | pcTC, fixed: [5]int{2: 4}},
	casm.FnSkLookupTcp:          {args: [5]argType{argCtx, argMem, argSizeOrZero, argAnything, argAnything}, ret: retSocketOrNull, progs: pcXDP | pcTC | pcCgroupSKB | pcSockAddr | pcSKSKB, pktAccess: true},
	casm.FnSkLookupUdp:          {args: [5]argType{argCtx, argMem, argSizeOrZero, argAnything, argAnything}, ret: retSocketOrNull, progs: pcXDP | pcTC | pcCgroupSKB | pcSockAddr | pcSKSKB, pktAccess: true},
	casm.FnSkcLookupTcp:         {args: [5]argType{argCtx, argMem, argSizeOrZero, argAnything, argAnything}, ret: retSockCommonOrNull, progs: pcXDP | pcTC | pcCgroupSKB | pcSockAddr | pcSKSKB, pktAccess: true},
	casm.FnSkRelease:            {args: [5]argType{argSockCommon}, progs: pcXDP | pcTC | pcCgroupSKB | pcSockAddr | pcSKSKB | pcSKLookup},
	casm.FnStrtol:               {args: [5]argType{argMem, argSize, argAnything, argFixedMemOut}, progs: pcAll, fixed: [5]int{3: 8}},
	casm.FnStrtoul:              {args: [5]argType{argMem, argSize, argAnything, argFixedMemOut}, progs: pcAll, fixed: [5]int{3: 8}},
	casm.FnDynptrFromMem:        {args: [5]argType{argMemOut, argSizeOrZero, argAnything, argDynptrInit}, progs: pcAll},
	casm.FnDynptrRead:           {args: [5]argType{argMemOut, argSizeOrZero, argDynptr, argAnything, argAnything}, progs: pcAll},
	casm.FnDynptrWrite:          {args: [5]argType{argDynptr, argAnything, argMem, argSizeOrZero, argAnything}, progs: pcAll},
	casm.FnDynptrData:           {args: [5]argType{argDynptr, argAnything, argAllocSize}, ret: retDynptrMemOrNull, progs: pcAll},
}

func isCallbackHelper(id int32) bool {
	return casm.BuiltinFunc(id) == casm.FnLoop || casm.BuiltinFunc(id) == casm.FnForEachMapElem
}

func (v *verifier) progClass() progClass {
	switch v.cfg.Type {
	case ebpf.XDP:
		return pcXDP
	case ebpf.SchedCLS, ebpf.SchedACT:
		return pcTC
	case ebpf.SocketFilter:
		return pcSocket
	case ebpf.Kprobe:
		return pcKprobe
	case ebpf.TracePoint:
		return pcTracepoint
	case ebpf.PerfEvent:
		return pcPerfEvent
	case ebpf.RawTracepoint, ebpf.RawTracepointWritable:
		return pcRawTP
	case ebpf.Syscall:
		return pcSyscall
	case ebpf.CGroupSKB:
		return pcCgroupSKB
	case ebpf.CGroupSock:
		return pcCgroupSock
	case ebpf.CGroupSockAddr:
		return pcSockAddr
	case ebpf.SockOps:
		return pcSockOps
	case ebpf.SkSKB:
		return pcSKSKB
	case ebpf.SkMsg:
		return pcSKMsg
	case ebpf.LWTIn:
		return pcLWTIn
	case ebpf.LWTOut:
		return pcLWTOut
	case ebpf.LWTXmit:
		return pcLWTXmit
	case ebpf.LWTSeg6Local:
		return pcLWTSeg6
	case ebpf.FlowDissector:
		return pcFlowDissector
	case ebpf.SkReuseport:
		return pcSKReuseport
	case ebpf.CGroupDevice:
		return pcCgroupDev
	case ebpf.CGroupSysctl:
		return pcSysctl
	case ebpf.CGroupSockopt:
		return pcSockopt
	case ebpf.SkLookup:
		return pcSKLookup
	case ebpf.Netfilter:
		return pcNetfilter
	}
	return 0
}

func helperName(id int32) string {
	name := casm.BuiltinFunc(id).String()
	if len(name) > 2 && name[:2] == "Fn" {
		var b []byte
		b = append(b, "bpf"...)
		for _, r := range name[2:] {
			if r >= 'A' && r <= 'Z' {
				b = append(b, '_', byte(r+'a'-'A'))
			} else {
				b = append(b, byte(r))
			}
		}
		return string(b)
	}
	return "unknown"
}

type callMeta struct {
	m        *mapInfo
	memSize  int
	fn       int
	sizeMax  uint64 // the largest value of the last size argument
	constKey int64  // a constant map key, -1 when unknown
}

func (v *verifier) callHelper(ins asm.Instruction) {
	id := ins.Imm
	name := helperName(id)
	pr, ok := helperProtos[casm.BuiltinFunc(id)]
	if !ok {
		if v.sockHelper(ins) {
			return
		}
		if name == "unknown" {
			v.reject("", "invalid func %s#%d", name, id)
		}
		v.rejectUnsupported("gbpf implements only some kernel helpers", "invalid func %s#%d", name, id)
	}
	if gplOnly[casm.BuiltinFunc(id)] && v.cfg.CheckLicense && !gplCompatible(v.cfg.License) {
		v.reject(`declare char LICENSE[] SEC("license") = "GPL";`, "cannot call GPL-restricted function from non-GPL compatible program")
	}
	if pr.progs&v.progClass() == 0 {
		v.reject("", "program of this type cannot use helper %s#%d", name, id)
	}
	st := v.st
	if st.lock != 0 && casm.BuiltinFunc(id) != casm.FnSpinUnlock {
		v.reject("release the spin lock before calling helpers", "function calls are not allowed while holding a lock")
	}
	regs := v.regs()
	meta := callMeta{constKey: -1}
	for i, at := range pr.args {
		if at == argNone {
			break
		}
		regno := asm.Register(i + 1)
		r := &regs[regno]
		if r.t == notInit {
			v.reject("", "R%d !read_ok", regno)
		}
		v.checkArg(ins, pr, i, at, regno, r, &meta)
	}
	if meta.m != nil && pr.mapTypes != nil {
		okType := false
		for _, t := range pr.mapTypes {
			if meta.m.spec.Type == t {
				okType = true
			}
		}
		if !okType {
			v.reject("", "cannot pass map_type %d into func %s#%d", meta.m.spec.Type, name, id)
		}
	}
	v.sockMapCompat(casm.BuiltinFunc(id), meta.m)
	if meta.m != nil && pr.mapTypes == nil {
		switch maps.Type(meta.m.spec.Type) {
		case maps.Type(ebpf.RingBuf), maps.Type(ebpf.PerfEventArray), maps.Type(ebpf.ProgramArray), maps.Type(ebpf.Queue), maps.Type(ebpf.Stack), maps.Type(ebpf.BloomFilter):
			if casm.BuiltinFunc(id) != casm.FnForEachMapElem || true {
				v.reject("", "cannot pass map_type %d into func %s#%d", meta.m.spec.Type, name, id)
			}
		}
	}
	if casm.BuiltinFunc(id) == casm.FnSnprintf {
		v.checkSnprintf(&regs[3], &regs[5])
	}
	// Callbacks: explore the callback as another path entering it.
	if isCallbackHelper(id) {
		v.enterCallback(ins, &meta)
	}
	if casm.BuiltinFunc(id) == casm.FnSpinLock || casm.BuiltinFunc(id) == casm.FnSpinUnlock {
		v.spinLock(casm.BuiltinFunc(id) == casm.FnSpinLock)
	}
	if pr.changes {
		st.forEachReg(func(r *reg) {
			if r.isPkt() || r.t == ptrPacketEnd {
				r.setUnknown()
				r.staleAt = int32(v.pc) + 1 // for the error message
			}
		})
	}
	for r := asm.R1; r <= asm.R5; r++ {
		regs[r] = reg{}
	}
	switch pr.ret {
	case retInteger:
		regs[0] = unknownScalar()
		v.refineReturn(casm.BuiltinFunc(id), &regs[0], &meta)
	case retVoid:
		regs[0] = reg{}
	case retMapValueOrNull:
		m := meta.m
		if v.sockMapLookup(m, &regs[0]) {
			break
		}
		if m.inner != nil {
			regs[0] = reg{t: constMap, m: m.inner, maybeNull: true, id: v.newID()}
		} else if casm.BuiltinFunc(id) == casm.FnMapLookupElem && meta.constKey >= 0 && meta.constKey < int64(m.spec.MaxEntries) &&
			(m.spec.Type == maps.Type(ebpf.Array) || m.spec.Type == maps.Type(ebpf.PerCPUArray)) {
			// A constant key inside an array: the lookup cannot fail
			// (Linux 6.14).
			regs[0] = reg{t: ptrMapValue, m: m, rdonly: m.rdonly}
		} else {
			regs[0] = reg{t: ptrMapValue, m: m, maybeNull: true, id: v.newID(), rdonly: m.rdonly}
		}
		regs[0].setConstVar(0)
	case retAllocMemOrNull:
		rid := v.newID()
		regs[0] = reg{t: ptrMem, memSize: int32(meta.memSize), maybeNull: true, id: rid, refID: rid}
		regs[0].setConstVar(0)
		st.refs = append(st.refs, ref{id: rid, pc: v.pc})
	case retSocketOrNull, retSockCommonOrNull:
		t := ptrSocket
		if pr.ret == retSockCommonOrNull {
			t = ptrSockCommon
		}
		rid := v.newID()
		regs[0] = reg{t: t, maybeNull: true, id: rid, refID: rid}
		regs[0].setConstVar(0)
		st.refs = append(st.refs, ref{id: rid, pc: v.pc})
	case retDynptrMemOrNull:
		regs[0] = reg{t: ptrMem, memSize: int32(meta.memSize), maybeNull: true, id: v.newID()}
		regs[0].setConstVar(0)
	}
	v.trail(fmt.Sprintf("%d: call %s", v.pc, name))
}

func (v *verifier) checkArg(ins asm.Instruction, pr proto, i int, at argType, regno asm.Register, r *reg, meta *callMeta) {
	name := helperName(ins.Imm)
	isNull := r.isConst() && r.tn.v == 0
	switch at {
	case argAnything:
		if r.t != scalar && v.cfg.Unprivileged {
			v.reject("", "R%d leaks addr into helper function", regno)
		}
	case argConstMap:
		if r.t != constMap || r.maybeNull {
			v.reject("", "R%d type=%s expected=map_ptr", regno, typeName(r))
		}
		meta.m = r.m
	case argMapKey, argMapValue, argMapValueOut:
		if meta.m == nil {
			v.reject("", "invalid map_ptr to access map->key")
		}
		if at == argMapValue && v.sockMapValueArg(meta.m, regno, r) {
			return
		}
		size := int(meta.m.spec.KeySize)
		if at != argMapKey {
			size = int(meta.m.spec.ValueSize)
		}
		v.checkPtrArg(regno, r, name, pr)
		v.checkHelperMem(regno, size, at == argMapValueOut, at == argMapValueOut, pr.pktAccess)
		if at == argMapKey {
			meta.constKey = v.constMapKey(r, size)
		}
	case argMem, argMemOrNull, argMemOut, argMemOutOrNull:
		if (at == argMemOrNull || at == argMemOutOrNull) && isNull {
			// NULL goes only with a size of 0.
			if sr := &v.regs()[regno+1]; sr.t == scalar && sr.umax == 0 {
				return
			}
			v.reject("pass a size of 0 with a NULL pointer", "R%d type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem", regno)
		}
		v.checkPtrArg(regno, r, name, pr)
		// The size is the next argument.
		sr := &v.regs()[regno+1]
		if sr.t == notInit {
			v.reject("", "R%d !read_ok", regno+1)
		}
		if sr.t != scalar {
			v.reject("", "R%d type=%s expected=scalar", regno+1, typeName(sr))
		}
		v.markPrecise(regno + 1)
		meta.sizeMax = sr.umax
		zeroOK := pr.args[i+1] == argSizeOrZero
		if sr.smin < 0 {
			v.reject(hintSize, "R%d min value is negative, either use unsigned or 'var &= const'", regno+1)
		}
		if sr.umin == 0 && !zeroOK {
			v.reject(hintSize, "R%d invalid zero-sized read: u64=[%d,%d]", regno+1, sr.umin, sr.umax)
		}
		if sr.umax >= maxVarOff {
			v.reject(hintSize, "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'", regno+1)
		}
		out := at == argMemOut || at == argMemOutOrNull
		if casm.BuiltinFunc(ins.Imm) == casm.FnDynptrFromMem && r.t != ptrMapValue {
			v.reject("", "Unsupported reg type %s for bpf_dynptr_from_mem data", typeName(r))
		}
		v.checkHelperMem(regno, int(sr.umax), out || pr.memWrite, out, pr.pktAccess)
	case argFixedMem, argFixedMemOut:
		v.checkPtrArg(regno, r, name, pr)
		size := pr.fixed[i]
		if r.t == ptrStack || r.t == ptrMapValue {
			if !r.varZero() || (int(r.off)%size) != 0 {
				v.reject("", "misaligned access off %d size %d", r.off, size)
			}
		}
		v.checkHelperMem(regno, size, true, at == argFixedMemOut, pr.pktAccess)
	case argSockCommon:
		if r.t != ptrSocket && r.t != ptrSockCommon || r.maybeNull {
			v.reject(hintNull, "R%d type=%s expected=sock_common, sock", regno, typeName(r))
		}
		if r.off != 0 || !r.varZero() {
			v.reject("", "R%d must have zero offset when passed to release func", regno)
		}
		v.release(v.st, r.refID, true)
	case argDynptrInit, argDynptr:
		v.dynptrArg(regno, r, at == argDynptrInit, i)
	case argSize, argSizeOrZero:
		// checked with the memory argument
	case argAllocSize:
		if !r.isConst() {
			v.reject("reserve a constant size (sizeof(struct ...))", "R%d is not a known constant'", regno)
		}
		v.markPrecise(regno)
		meta.memSize = int(r.tn.v)
	case argCtx:
		if r.t != ptrCtx {
			v.reject("", "R%d type=%s expected=ctx", regno, typeName(r))
		}
		if r.off != 0 || !r.varZero() {
			v.reject("", "dereference of modified ctx ptr R%d off=%d disallowed", regno, r.off)
		}
	case argFunc:
		if r.t != ptrFunc {
			v.reject("", "R%d type=%s expected=func", regno, typeName(r))
		}
		meta.fn = r.target
	case argStackOrNull:
		if isNull {
			return
		}
		if r.t != ptrStack {
			v.reject("", "R%d type=%s expected=fp", regno, typeName(r))
		}
	case argSpinLock:
		if r.t != ptrMapValue || r.maybeNull {
			v.reject(hintNull, "R%d type=%s expected=map_value", regno, typeName(r))
		}
		if !r.varZero() {
			v.reject("", "R%d doesn't have constant offset. bpf_spin_lock has to be at the constant offset", regno)
		}
		if r.m.spinLockOff < 0 {
			v.reject("", "map '%s' has no valid bpf_spin_lock", r.m.name)
		}
		if int(r.off) != r.m.spinLockOff {
			v.reject("", "off %d doesn't point to 'struct bpf_spin_lock' that is at %d", r.off, r.m.spinLockOff)
		}
		meta.m = nil
	case argAllocMem:
		if r.t != ptrMem || r.refID == 0 || r.maybeNull {
			v.reject(hintNull, "R%d type=%s expected=ringbuf_mem", regno, typeName(r))
		}
		if r.off != 0 || !r.varZero() {
			v.reject("", "R%d must have zero offset when passed to release func", regno)
		}
		v.release(v.st, r.refID, true)
	case argConstStr:
		if r.t != ptrMapValue || !r.rdonly {
			v.reject("put the format string in a const global (.rodata)", "R%d does not point to a readonly map'", regno)
		}
		if !r.varZero() {
			v.reject("", "R%d is not a constant address'", regno)
		}
		if s, ok := v.constStr(r); ok && bytes.IndexByte(s, 0) < 0 {
			v.reject("", "string is not zero-terminated")
		}
	}
}

// constStr is the read-only map memory an ARG_PTR_TO_CONST_STR register
// points to, up to the end of the value, when its contents are known
// (frozen .rodata).
func (v *verifier) constStr(r *reg) ([]byte, bool) {
	off := int64(r.off) + int64(r.tn.v)
	if r.m == nil || r.m.frozen == nil || off < 0 || off > int64(len(r.m.frozen)) {
		return nil, false
	}
	return r.m.frozen[off:], true
}

// checkSnprintf is the kernel's check_bpf_snprintf_call: the data is an
// array of u64, and the constant format must be valid for that many
// arguments.
func (v *verifier) checkSnprintf(format, dataLen *reg) {
	if dataLen.tn.v%8 != 0 {
		v.reject("bpf_snprintf's data is an array of u64 values: make data_len a multiple of 8", "R5 data_len %d is not a multiple of 8", dataLen.tn.v)
	}
	if s, ok := v.constStr(format); ok && kfmt.Check(s, int(min(dataLen.tn.v/8, 1<<20))) != nil {
		v.reject("the format needs a u64 in data for each conversion, and only the conversions bpf_snprintf knows (%d %i %u %x %c %s %p...)", "Invalid format string")
	}
}

func (v *verifier) checkPtrArg(regno asm.Register, r *reg, name string, pr proto) {
	if r.maybeNull {
		v.reject(hintNull, "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem", regno, typeName(r))
	}
	switch r.t {
	case ptrStack, ptrMapValue, ptrMapKey, ptrMem, ptrPacket, ptrPacketMeta:
	default:
		v.reject("", "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem", regno, typeName(r))
	}
}

// release drops the reference id: registers holding it become unusable.
func (v *verifier) release(st *state, id uint32, must bool) {
	found := false
	for i, r := range st.refs {
		if r.id == id {
			st.refs = append(st.refs[:i:i], st.refs[i+1:]...)
			found = true
			break
		}
	}
	if !found && must {
		v.reject("", "reference has not been acquired before")
	}
	st.forEachReg(func(r *reg) {
		if r.refID == id {
			r.setUnknown()
		}
	})
}

func (v *verifier) spinLock(lock bool) {
	st := v.st
	r1 := v.regs()[1]
	if lock {
		if st.lock != 0 {
			v.reject("", "Locks acquired at id %d, cannot acquire another lock", st.lock)
		}
		st.lock = r1.id + 1
		st.lockM = r1.m
		return
	}
	if st.lock == 0 {
		v.reject("", "bpf_spin_unlock without taking a lock")
	}
	if st.lockM != r1.m || st.lock != r1.id+1 {
		v.reject("unlock through the same pointer that locked", "bpf_spin_unlock of different lock")
	}
	st.lock, st.lockM = 0, nil
}

// enterCallback queues a path that runs the callback once from the
// current state; its exit comes back to this call, which may run it again.
func (v *verifier) enterCallback(ins asm.Instruction, meta *callMeta) {
	st := v.st
	if len(st.frames) >= maxCallFrames {
		v.reject("", "the call stack of %d frames is too deep", len(st.frames)+1)
	}
	caller := st.cur()
	cb := st.clone()
	nf := &frame{callsite: v.pc, subprog: v.subAt[meta.fn], callback: true}
	nf.regs[10] = reg{t: ptrStack, frame: len(st.frames)}
	nf.regs[10].setConstVar(0)
	switch casm.BuiltinFunc(ins.Imm) {
	case casm.FnLoop:
		// The index is a u32 at run time, but the kernel's
		// set_loop_callback_state makes r1 a scalar with no bounds.
		nf.regs[1] = unknownScalar()
		nf.regs[2] = caller.regs[3]
	case casm.FnForEachMapElem:
		m := caller.regs[1].m
		nf.regs[1] = reg{t: constMap, m: m}
		nf.regs[1].setConstVar(0)
		nf.regs[2] = reg{t: ptrMapKey, m: m}
		nf.regs[2].setConstVar(0)
		nf.regs[3] = reg{t: ptrMapValue, m: m, rdonly: m.rdonly}
		nf.regs[3].setConstVar(0)
		nf.regs[4] = caller.regs[3]
		nf.regs[5] = reg{}
	}
	cb.frames = append(cb.frames, nf)
	cb.path = &pathNode{prev: cb.path, text: fmt.Sprintf("%d: enter callback %s", v.pc, v.subprogs[v.subAt[meta.fn]].name)}
	v.push(cb, meta.fn)
}

// dynptrArg checks a struct bpf_dynptr argument: 16 bytes of stack at a
// constant, 8-byte aligned offset, which the helper initializes (init) or
// which must hold a dynptr.
func (v *verifier) dynptrArg(regno asm.Register, r *reg, init bool, argIdx int) {
	if r.t != ptrStack {
		v.reject("", "arg#%d expected pointer to stack or const struct bpf_dynptr", argIdx)
	}
	if !r.varZero() {
		v.reject("", "dynptr has to be at a constant offset")
	}
	off := int(r.off)
	if off%slotSize != 0 {
		v.reject("", "cannot pass in dynptr at an offset=%d", off)
	}
	if off < -maxStack || off+2*slotSize > 0 {
		v.reject("", "invalid indirect access to stack R%d off=%d size=16", regno, off)
	}
	f := v.st.frames[r.frame]
	f.grow(off)
	v.noteDepth(r.frame, off)
	v.markStackRead(r.frame, off, off+2*slotSize)
	lo, _ := f.byteAt(off)
	hi, _ := f.byteAt(off + slotSize)
	if init {
		for i, s := range []*slot{lo, hi} {
			*s = slot{spillSize: i + 1}
			for b := range s.kinds {
				s.kinds[b] = stDynptr
			}
		}
		return
	}
	if lo.kinds[0] != stDynptr || lo.spillSize != 1 || hi.kinds[0] != stDynptr || hi.spillSize != 2 {
		v.reject("initialize it with bpf_dynptr_from_mem first", "Expected an initialized dynptr as arg #%d", argIdx)
	}
}

// gplOnly are the helpers the kernel reserves for GPL-compatible programs
// (gpl_only in their prototypes).
var gplOnly = map[casm.BuiltinFunc]bool{
	casm.FnProbeRead: true, casm.FnProbeReadStr: true, casm.FnProbeReadKernel: true, casm.FnProbeReadKernelStr: true,
	casm.FnProbeReadUser: true, casm.FnProbeReadUserStr: true, casm.FnProbeWriteUser: true,
	casm.FnTracePrintk: true, casm.FnTraceVprintk: true, casm.FnSnprintf: true,
	casm.FnPerfEventOutput: true, casm.FnPerfEventRead: true, casm.FnPerfEventReadValue: true,
	casm.FnGetCurrentTask: true, casm.FnGetCurrentTaskBtf: true, casm.FnGetFuncIp: true,
	casm.FnGetStackid: true, casm.FnGetStack: true, casm.FnOverrideReturn: true,
	casm.FnFibLookup: true, casm.FnCheckMtu: true,
	casm.FnTimerInit: true, casm.FnTimerSetCallback: true, casm.FnTimerStart: true, casm.FnTimerCancel: true,
	casm.FnTcpCheckSyncookie: true, casm.FnTcpGenSyncookie: true,
}

// gplCompatible is the kernel's license_is_gpl_compatible.
func gplCompatible(license string) bool {
	switch license {
	case "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL":
		return true
	}
	return false
}

// constMapKey returns the key r points to when it is a known constant on
// the stack, as the kernel's get_constant_map_key finds it: zero bytes, or
// a spilled constant scalar of exactly the key's size. -1 otherwise.
func (v *verifier) constMapKey(r *reg, size int) int64 {
	if v.cfg.Unprivileged || r.t != ptrStack || !r.tn.isConst() || size > slotSize {
		return -1
	}
	off := int(r.off) + int(int64(r.tn.v))
	if off >= 0 || off < -maxStack {
		return -1
	}
	f := v.st.frames[r.frame]
	idx := (-off - 1) / slotSize
	if idx >= len(f.stack) {
		return -1
	}
	v.markStackRead(r.frame, off, off+size)
	s, b := f.byteAt(off)
	zeros := 0
	for i := b; i < slotSize && s.kinds[i] == stZero; i++ {
		zeros++
	}
	if zeros >= size {
		return 0
	}
	if !s.isSpill() || b != 0 || s.spillSize != size || s.spill.t != scalar || !s.spill.isConst() {
		return -1
	}
	var need precSet
	need.setSlot(r.frame, idx)
	v.backtrack(&need, true)
	return int64(s.spill.tn.v)
}

// refineReturn narrows what some helpers return, as the kernel's
// do_refine_retval_range does.
func (v *verifier) refineReturn(id casm.BuiltinFunc, r0 *reg, meta *callMeta) {
	const maxErrno = 4095
	switch id {
	case casm.FnProbeReadStr, casm.FnProbeReadKernelStr, casm.FnProbeReadUserStr, casm.FnGetStack:
		r0.smin, r0.smax = -maxErrno, int64(meta.sizeMax)
		r0.s32min, r0.s32max = -maxErrno, int32(meta.sizeMax)
	case casm.FnGetSmpProcessorId:
		n := uint64(max(v.cfg.CPUs, 1)) - 1
		r0.umin, r0.umax, r0.smin, r0.smax = 0, n, 0, int64(n)
		r0.u32min, r0.u32max, r0.s32min, r0.s32max = 0, uint32(n), 0, int32(n)
	default:
		return
	}
	r0.sync()
}
