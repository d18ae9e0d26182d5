package env

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"unsafe"

	casm "github.com/cilium/ebpf/asm"

	"github.com/gbpf/gbpf/internal/csum"
	"github.com/gbpf/gbpf/internal/interp"
	"github.com/gbpf/gbpf/internal/kfmt"
	"github.com/gbpf/gbpf/internal/maps"
)

// Helpers are the kernel helpers gbpf implements, by Linux id.
var Helpers = map[int32]interp.Helper{
	int32(casm.FnMapLookupElem):      mapLookupElem,
	int32(casm.FnMapUpdateElem):      mapUpdateElem,
	int32(casm.FnMapDeleteElem):      mapDeleteElem,
	int32(casm.FnMapPushElem):        mapPushElem,
	int32(casm.FnMapPopElem):         mapPopElem,
	int32(casm.FnMapPeekElem):        mapPeekElem,
	int32(casm.FnKtimeGetNs):         ktimeGetNs,
	int32(casm.FnKtimeGetBootNs):     ktimeGetBootNs,
	int32(casm.FnKtimeGetCoarseNs):   ktimeGetCoarseNs,
	int32(casm.FnJiffies64):          jiffies64,
	int32(casm.FnGetPrandomU32):      getPrandomU32,
	int32(casm.FnGetSmpProcessorId):  getSmpProcessorID,
	int32(casm.FnGetNumaNodeId):      getNumaNodeID,
	int32(casm.FnTracePrintk):        tracePrintk,
	int32(casm.FnSnprintf):           snprintf,
	int32(casm.FnTraceVprintk):       traceVprintk,
	int32(casm.FnTailCall):           tailCall,
	int32(casm.FnRingbufOutput):      ringbufOutput,
	int32(casm.FnRingbufReserve):     ringbufReserve,
	int32(casm.FnRingbufSubmit):      ringbufSubmit,
	int32(casm.FnRingbufDiscard):     ringbufDiscard,
	int32(casm.FnRingbufQuery):       ringbufQuery,
	int32(casm.FnPerfEventOutput):    perfEventOutput,
	int32(casm.FnProbeRead):          probeRead(probeCompat),
	int32(casm.FnProbeReadKernel):    probeRead(probeKernel),
	int32(casm.FnProbeReadUser):      probeRead(probeUser),
	int32(casm.FnProbeReadStr):       probeReadStr(probeCompat),
	int32(casm.FnProbeReadKernelStr): probeReadStr(probeKernel),
	int32(casm.FnProbeReadUserStr):   probeReadStr(probeUser),
	int32(casm.FnGetCurrentPidTgid):  getCurrentPidTgid,
	int32(casm.FnGetCurrentUidGid):   getCurrentUIDGid,
	int32(casm.FnGetCurrentComm):     getCurrentComm,
	int32(casm.FnCsumDiff):           csumDiff,
	int32(casm.FnL3CsumReplace):      l3CsumReplace,
	int32(casm.FnL4CsumReplace):      l4CsumReplace,
	int32(casm.FnSkbLoadBytes):       skbLoadBytes,
	int32(casm.FnSkbStoreBytes):      skbStoreBytes,
	int32(casm.FnXdpAdjustHead):      xdpAdjustHead,
	int32(casm.FnXdpAdjustTail):      xdpAdjustTail,
	int32(casm.FnXdpAdjustMeta):      xdpAdjustMeta,
	int32(casm.FnRedirect):           redirect,
	int32(casm.FnRedirectMap):        redirectMap,
	int32(casm.FnLoop):               loop,
	int32(casm.FnForEachMapElem):     forEachMapElem,
	int32(casm.FnSpinLock):           spinLock,
	int32(casm.FnSpinUnlock):         spinUnlock,
	int32(casm.FnStrncmp):            strncmp,
	int32(casm.FnGetFuncIp):          getFuncIP,
}

// HelperName is the kernel's name of helper id, e.g. "bpf_map_lookup_elem".
func HelperName(id int32) string {
	if name, ok := kfuncName(id); ok {
		return name
	}
	name := casm.BuiltinFunc(id).String()
	if !strings.HasPrefix(name, "Fn") {
		return fmt.Sprintf("helper #%d", id)
	}
	var b strings.Builder
	b.WriteString("bpf")
	for i, r := range name[2:] {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		} else if r >= '0' && r <= '9' && i > 0 && !isDigit(name[2+i-1]) {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ReplaceAll(b.String(), "_u_32", "_u32")
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// errno is how helpers report an error to the program: -errno in r0.
func errno(e syscall.Errno) uint64 { return uint64(-int64(e)) }

// errnoOf converts a map error to the helper's return value.
func errnoOf(err error) uint64 {
	if err == nil {
		return 0
	}
	if e, ok := err.(syscall.Errno); ok { // maps return bare errnos: no search
		return errno(e)
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return errno(e)
	}
	return errno(syscall.EINVAL)
}

// ErrBadPointer is wrapped by helper errors for pointer arguments outside
// the program's memory, which only unverified programs can pass.
var ErrBadPointer = errors.New("pointer argument outside the program's memory")

func mem(m *interp.Machine, addr, size uint64, write bool, what string) ([]byte, error) {
	b, ok := m.Memory(addr, size, write)
	if !ok {
		access := "readable"
		if write {
			access = "writable"
		}
		return nil, fmt.Errorf("%s: %d %s bytes at 0x%x: %w", what, size, access, addr, ErrBadPointer)
	}
	return b, nil
}

func mapArg(addr uint64) (maps.Map, error) {
	mp, ok := MapAt(addr)
	if !ok {
		return nil, fmt.Errorf("0x%x is not a map: %w", addr, ErrBadPointer)
	}
	return mp, nil
}

func keyArg(m *interp.Machine, mp maps.Map, addr uint64) ([]byte, error) {
	return mem(m, addr, uint64(mp.Spec().KeySize), false, "key")
}

func mapLookupElem(m *interp.Machine, mapAddr, keyAddr, _, _, _ uint64) (uint64, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	key, err := keyArg(m, mp, keyAddr)
	if err != nil {
		return 0, err
	}
	switch v := mp.(type) {
	case maps.Values:
		val := v.ProgLookup(key, runOf(m).CPU)
		if val == nil {
			return 0, nil
		}
		return m.AddRegion(val, mp.Spec().Flags&maps.FlagRdonlyProg == 0, mp.Spec().Name), nil
	case maps.MapOfMaps:
		if inner := v.LookupInner(key); inner != nil {
			return AddrOf(inner), nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("bpf_map_lookup_elem on a %s map", mp.Spec().Type)
}

func mapUpdateElem(m *interp.Machine, mapAddr, keyAddr, valueAddr, flags, _ uint64) (uint64, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	v, ok := mp.(maps.Values)
	if !ok {
		return 0, fmt.Errorf("bpf_map_update_elem on a %s map", mp.Spec().Type)
	}
	key, err := keyArg(m, mp, keyAddr)
	if err != nil {
		return 0, err
	}
	val, err := mem(m, valueAddr, uint64(mp.Spec().ValueSize), false, "value")
	if err != nil {
		return 0, err
	}
	return errnoOf(v.ProgUpdate(key, val, flags, runOf(m).CPU)), nil
}

func mapDeleteElem(m *interp.Machine, mapAddr, keyAddr, _, _, _ uint64) (uint64, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	v, ok := mp.(maps.Values)
	if !ok {
		return 0, fmt.Errorf("bpf_map_delete_elem on a %s map", mp.Spec().Type)
	}
	key, err := keyArg(m, mp, keyAddr)
	if err != nil {
		return 0, err
	}
	return errnoOf(v.ProgDelete(key)), nil
}

func pushPopArgs(m *interp.Machine, mapAddr, valueAddr uint64, write bool, name string) (maps.PushPop, []byte, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return nil, nil, err
	}
	q, ok := mp.(maps.PushPop)
	if !ok {
		return nil, nil, fmt.Errorf("%s on a %s map", name, mp.Spec().Type)
	}
	val, err := mem(m, valueAddr, uint64(mp.Spec().ValueSize), write, "value")
	return q, val, err
}

func mapPushElem(m *interp.Machine, mapAddr, valueAddr, flags, _, _ uint64) (uint64, error) {
	q, val, err := pushPopArgs(m, mapAddr, valueAddr, false, "bpf_map_push_elem")
	if err != nil {
		return 0, err
	}
	return errnoOf(q.Push(val, flags)), nil
}

func mapPopElem(m *interp.Machine, mapAddr, valueAddr, _, _, _ uint64) (uint64, error) {
	q, val, err := pushPopArgs(m, mapAddr, valueAddr, true, "bpf_map_pop_elem")
	if err != nil {
		return 0, err
	}
	return errnoOf(q.Pop(val)), nil
}

func mapPeekElem(m *interp.Machine, mapAddr, valueAddr, _, _, _ uint64) (uint64, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	// The bloom filter's peek checks membership of the value it is given.
	write := mp.Spec().Type != maps.BloomFilter
	q, val, err := pushPopArgs(m, mapAddr, valueAddr, write, "bpf_map_peek_elem")
	if err != nil {
		return 0, err
	}
	return errnoOf(q.Peek(val)), nil
}

func ktimeGetNs(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return monotonicNs(), nil
}

func ktimeGetBootNs(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return boottimeNs(), nil
}

func ktimeGetCoarseNs(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return coarseNs(), nil
}

// jiffies64 counts ticks of the kernel's usual 250 Hz from the kernel's
// start value (INITIAL_JIFFIES, five minutes before wrapping 32 bits).
func jiffies64(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	const hz = 250
	const initial = uint64(1<<32 - 300*hz)
	return initial + boottimeNs()/(1e9/hz), nil
}

func getPrandomU32(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	return uint64(uint32(runOf(m).rng.Uint64())), nil
}

func getSmpProcessorID(m *interp.Machine, _, _, _, _, _ uint64) (uint64, error) {
	return uint64(runOf(m).CPU), nil
}

func getNumaNodeID(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return 0, nil
}

// readMemory lets the formatting helpers follow %s and %pI4 pointers.
func readMemory(m *interp.Machine) kfmt.Memory {
	return func(addr uint64, n int) ([]byte, bool) {
		// Strings may end before n bytes; take as much as is readable.
		b := m.Readable(addr, uint64(n))
		return b, len(b) > 0
	}
}

func tracePrintk(m *interp.Machine, fmtAddr, fmtSize, a1, a2, a3 uint64) (uint64, error) {
	format, err := mem(m, fmtAddr, fmtSize, false, "format")
	if err != nil {
		return 0, err
	}
	line, ret := kfmt.TracePrintk(format, [3]uint64{a1, a2, a3}, readMemory(m))
	if ret >= 0 {
		runOf(m).print(line)
	}
	return uint64(ret), nil
}

func snprintf(m *interp.Machine, strAddr, strSize, fmtAddr, dataAddr, dataLen uint64) (uint64, error) {
	out, err := mem(m, strAddr, strSize, true, "output buffer")
	if err != nil {
		return 0, err
	}
	format, err := cString(m, fmtAddr)
	if err != nil {
		return 0, err
	}
	args, err := argArray(m, dataAddr, dataLen)
	if err != nil || args == nil && dataLen != 0 {
		return errno(syscall.EINVAL), err
	}
	return uint64(kfmt.Snprintf(out, format, args, readMemory(m))), nil
}

// argArray reads the u64 argument array of bpf_snprintf and
// bpf_trace_vprintk; nil when its length is not one the kernel takes.
func argArray(m *interp.Machine, addr, size uint64) ([]uint64, error) {
	if size == 0 {
		return nil, nil
	}
	raw, err := mem(m, addr, size, false, "arguments")
	if err != nil {
		return nil, err
	}
	args, ok := kfmt.Args(raw)
	if !ok {
		return nil, nil
	}
	return args, nil
}

func traceVprintk(m *interp.Machine, fmtAddr, fmtSize, dataAddr, dataLen, _ uint64) (uint64, error) {
	format, err := mem(m, fmtAddr, fmtSize, false, "format")
	if err != nil {
		return 0, err
	}
	args, err := argArray(m, dataAddr, dataLen)
	if err != nil || args == nil && dataLen != 0 {
		return errno(syscall.EINVAL), err
	}
	line, ret := kfmt.TraceVprintk(format, args, readMemory(m))
	if ret >= 0 {
		runOf(m).print(line)
	}
	return uint64(ret), nil
}

// cString returns the NUL-terminated string at addr, NUL included.
func cString(m *interp.Machine, addr uint64) ([]byte, error) {
	b := m.Readable(addr, 4096)
	if n := bytes.IndexByte(b, 0); n >= 0 {
		return b[:n+1], nil
	}
	return nil, fmt.Errorf("string at 0x%x is not NUL-terminated in readable memory: %w", addr, ErrBadPointer)
}

func tailCall(m *interp.Machine, _, mapAddr, index, _, _ uint64) (uint64, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	progs, ok := mp.(maps.Programs)
	if !ok {
		return 0, fmt.Errorf("bpf_tail_call on a %s map", mp.Spec().Type)
	}
	if index >= uint64(mp.Spec().MaxEntries) {
		return errno(syscall.ENOENT), nil
	}
	target, _ := progs.Program(uint32(index)).(*Prog)
	if target == nil || !m.TailCall(target.Code) {
		return errno(syscall.ENOENT), nil
	}
	runOf(m).Prog = target
	return 0, nil
}

func ringArg(mapAddr uint64, name string) (maps.Ring, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return nil, err
	}
	ring, ok := mp.(maps.Ring)
	if !ok {
		return nil, fmt.Errorf("%s on a %s map", name, mp.Spec().Type)
	}
	return ring, nil
}

func ringbufOutput(m *interp.Machine, mapAddr, dataAddr, size, flags, _ uint64) (uint64, error) {
	ring, err := ringArg(mapAddr, "bpf_ringbuf_output")
	if err != nil {
		return 0, err
	}
	if flags&^3 != 0 {
		return errno(syscall.EINVAL), nil
	}
	data, err := mem(m, dataAddr, size, false, "data")
	if err != nil {
		return 0, err
	}
	return errnoOf(ring.Output(data)), nil
}

func ringbufReserve(m *interp.Machine, mapAddr, size, flags, _, _ uint64) (uint64, error) {
	ring, err := ringArg(mapAddr, "bpf_ringbuf_reserve")
	if err != nil {
		return 0, err
	}
	if flags != 0 {
		return 0, nil
	}
	rec := ring.Reserve(size)
	if rec == nil {
		return 0, nil
	}
	addr := m.AddRegion(rec, true, "ring buffer record")
	r := runOf(m)
	r.reserved = append(r.reserved, reservation{addr: addr, ring: ring, rec: rec})
	return addr, nil
}

func ringbufCommit(m *interp.Machine, addr, flags uint64, discard bool) (uint64, error) {
	r := runOf(m)
	for i, res := range r.reserved {
		if res.addr == addr {
			res.ring.Submit(res.rec, discard)
			r.reserved = append(r.reserved[:i], r.reserved[i+1:]...)
			return 0, nil
		}
	}
	return 0, fmt.Errorf("0x%x is not a reserved ring buffer record: %w", addr, ErrBadPointer)
}

func ringbufSubmit(m *interp.Machine, addr, flags, _, _, _ uint64) (uint64, error) {
	return ringbufCommit(m, addr, flags, false)
}

func ringbufDiscard(m *interp.Machine, addr, flags, _, _, _ uint64) (uint64, error) {
	return ringbufCommit(m, addr, flags, true)
}

func ringbufQuery(m *interp.Machine, mapAddr, flags, _, _, _ uint64) (uint64, error) {
	ring, err := ringArg(mapAddr, "bpf_ringbuf_query")
	if err != nil {
		return 0, err
	}
	return ring.Query(flags), nil
}

const currentCPU = 0xffffffff // BPF_F_CURRENT_CPU

func perfEventOutput(m *interp.Machine, _, mapAddr, flags, dataAddr, size uint64) (uint64, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	events, ok := mp.(maps.PerfEvents)
	if !ok {
		return 0, fmt.Errorf("bpf_perf_event_output on a %s map", mp.Spec().Type)
	}
	data, err := mem(m, dataAddr, size, false, "data")
	if err != nil {
		return 0, err
	}
	// Packet programs may append the first BPF_F_CTXLEN_MASK bytes of the
	// packet to the sample.
	r := runOf(m)
	if n := flags >> 32; n > 0 {
		pkt := r.packetBytes()
		if n > uint64(len(pkt)) {
			return errno(syscall.EFAULT), nil
		}
		data = append(append([]byte(nil), data...), pkt[:n]...)
	}
	return errnoOf(events.Output(flags&0xffffffff, r.CPU, data)), nil
}

// packetBytes is the packet a packet program runs on, from data to
// data_end.
func (r *Run) packetBytes() []byte {
	switch {
	case r.XDP != nil:
		return r.XDP.frame[r.XDP.Data:r.XDP.DataEnd]
	case r.SKB != nil:
		return r.SKB.Bytes()
	}
	return nil
}

// The probe_read helpers read any memory the run may read: gbpf's program
// memory stands for kernel memory. Elsewhere they fail as the kernel's do
// on x86-64: the _kernel variants refuse user-space addresses with -ERANGE,
// every other miss is -EFAULT; the destination is zeroed on failure.
type probeKind int

const (
	probeCompat probeKind = iota // bpf_probe_read(_str): user or kernel by address
	probeKernel
	probeUser
)

// taskSizeMax is x86-64's TASK_SIZE_MAX: user space lies below it.
const taskSizeMax = 1<<47 - 4096

// probeFault is the error for an address gbpf's memory does not hold.
// Kernel reads refuse user-space and non-canonical addresses with -ERANGE
// (copy_from_kernel_nofault_allowed); compat reads treat addresses below
// the user-space limit as user memory.
func probeFault(kind probeKind, src uint64) uint64 {
	user := src < taskSizeMax+4096
	canonical := src>>47 == 0 || src>>47 == 1<<17-1
	switch {
	case kind == probeUser, kind == probeCompat && user:
		return errno(syscall.EFAULT)
	case user || !canonical:
		return errno(syscall.ERANGE)
	}
	return errno(syscall.EFAULT)
}

// readable says whether a probe read of kind may take n bytes at src from
// the run's memory, which stands for kernel memory: user reads never can.
func readable(m *interp.Machine, kind probeKind, src, n uint64) ([]byte, bool) {
	if kind == probeUser && n > 0 {
		return nil, false
	}
	return m.Memory(src, n, false)
}

func probeRead(kind probeKind) interp.Helper {
	return func(m *interp.Machine, dstAddr, size, src, _, _ uint64) (uint64, error) {
		dst, err := mem(m, dstAddr, size, true, "destination")
		if err != nil {
			return 0, err
		}
		b, ok := readable(m, kind, src, size)
		if !ok {
			clear(dst)
			return probeFault(kind, src), nil
		}
		copy(dst, b)
		return 0, nil
	}
}

func probeReadStr(kind probeKind) interp.Helper {
	return func(m *interp.Machine, dstAddr, size, src, _, _ uint64) (uint64, error) {
		dst, err := mem(m, dstAddr, size, true, "destination")
		if err != nil {
			return 0, err
		}
		if size == 0 {
			return 0, nil
		}
		var b []byte
		if kind != probeUser {
			b = m.Readable(src, size-1)
		}
		if len(b) == 0 && size > 1 {
			clear(dst)
			return probeFault(kind, src), nil
		}
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		n := uint64(copy(dst, b))
		dst[n] = 0
		return n + 1, nil
	}
}

func getCurrentPidTgid(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return uint64(os.Getpid())<<32 | uint64(gettid()), nil
}

func getCurrentUIDGid(*interp.Machine, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
	return uint64(uint32(os.Getgid()))<<32 | uint64(uint32(os.Getuid())), nil
}

func getCurrentComm(m *interp.Machine, bufAddr, size, _, _, _ uint64) (uint64, error) {
	buf, err := mem(m, bufAddr, size, true, "buffer")
	if err != nil {
		return 0, err
	}
	clear(buf)
	if size > 0 {
		copy(buf[:size-1], comm())
	}
	return 0, nil
}

func csumDiff(m *interp.Machine, fromAddr, fromSize, toAddr, toSize, seed uint64) (uint64, error) {
	from, err := mem(m, fromAddr, fromSize, false, "from")
	if err != nil {
		return 0, err
	}
	to, err := mem(m, toAddr, toSize, false, "to")
	if err != nil {
		return 0, err
	}
	return uint64(csum.Diff(from, to, uint32(seed))), nil
}

func skbOf(m *interp.Machine, name string) (*SKB, error) {
	if s := runOf(m).SKB; s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("%s needs a socket buffer context", name)
}

func l3CsumReplace(m *interp.Machine, _, offset, from, to, flags uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_l3_csum_replace")
	if err != nil {
		return 0, err
	}
	return uint64(csum.L3ReplaceAt(s.Bytes(), uint32(offset), from, to, flags)), nil
}

func l4CsumReplace(m *interp.Machine, _, offset, from, to, flags uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_l4_csum_replace")
	if err != nil {
		return 0, err
	}
	return uint64(csum.L4ReplaceAt(s.Bytes(), uint32(offset), from, to, flags)), nil
}

func skbLoadBytes(m *interp.Machine, _, offset, toAddr, size, _ uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_load_bytes")
	if err != nil {
		return 0, err
	}
	to, err := mem(m, toAddr, size, true, "destination")
	if err != nil {
		return 0, err
	}
	pkt := s.Bytes()
	offset = uint64(uint32(offset)) // the kernel's helper takes a u32
	if offset > 0xffff || offset+size > uint64(len(pkt)) {
		clear(to)
		return errno(syscall.EFAULT), nil
	}
	copy(to, pkt[offset:])
	return 0, nil
}

func skbStoreBytes(m *interp.Machine, _, offset, fromAddr, size, flags uint64) (uint64, error) {
	s, err := skbOf(m, "bpf_skb_store_bytes")
	if err != nil {
		return 0, err
	}
	const recomputeCsum, invalidateHash = 1, 2
	if flags&^(recomputeCsum|invalidateHash) != 0 {
		return errno(syscall.EINVAL), nil
	}
	from, err := mem(m, fromAddr, size, false, "source")
	if err != nil {
		return 0, err
	}
	pkt := s.Bytes()
	offset = uint64(uint32(offset)) // the kernel's helper takes a u32
	if offset > 0xffff || offset+size > uint64(len(pkt)) {
		return errno(syscall.EFAULT), nil
	}
	copy(pkt[offset:], from)
	if flags&invalidateHash != 0 {
		s.Hash, s.HashValid = 0, false
	}
	return 0, nil
}

func xdpOf(m *interp.Machine, name string) (*XDP, error) {
	if x := runOf(m).XDP; x != nil {
		return x, nil
	}
	return nil, fmt.Errorf("%s needs an XDP context", name)
}

func xdpAdjustHead(m *interp.Machine, _, delta, _, _, _ uint64) (uint64, error) {
	x, err := xdpOf(m, "bpf_xdp_adjust_head")
	if err != nil {
		return 0, err
	}
	return uint64(x.AdjustHead(int64(int32(delta)))), nil
}

func xdpAdjustTail(m *interp.Machine, _, delta, _, _, _ uint64) (uint64, error) {
	x, err := xdpOf(m, "bpf_xdp_adjust_tail")
	if err != nil {
		return 0, err
	}
	return uint64(x.AdjustTail(int64(int32(delta)))), nil
}

func xdpAdjustMeta(m *interp.Machine, _, delta, _, _, _ uint64) (uint64, error) {
	x, err := xdpOf(m, "bpf_xdp_adjust_meta")
	if err != nil {
		return 0, err
	}
	return uint64(x.AdjustMeta(int64(int32(delta)))), nil
}

// Verdicts the redirect helpers return.
const (
	xdpAborted   = 0
	xdpRedirect  = 4
	tcActShot    = 2
	tcActRedir   = 7
	bpfFIngress  = 1
	tcRedirFlags = bpfFIngress | 1<<2 | 1<<3 // BPF_F_INGRESS, BPF_F_NEIGH, BPF_F_NEXTHOP
)

func redirect(m *interp.Machine, ifindex, flags, _, _, _ uint64) (uint64, error) {
	if runOf(m).XDP != nil {
		if flags != 0 {
			return xdpAborted, nil
		}
		return xdpRedirect, nil
	}
	if flags&^bpfFIngress != 0 {
		return tcActShot, nil
	}
	return tcActRedir, nil
}

// redirectMap redirects through a device or CPU map; gbpf has no devices,
// so it answers as the kernel does for an empty slot: the fallback action
// in the low bits of flags.
func redirectMap(m *interp.Machine, mapAddr, key, flags, _, _ uint64) (uint64, error) {
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	const actionMask = 3 // BPF_F_ACTION_MASK: XDP_ABORTED to XDP_TX may be fallbacks
	if flags&^(actionMask|1<<3|1<<4) != 0 {
		return xdpAborted, nil
	}
	if v, ok := mp.(maps.Values); ok {
		var k [4]byte
		binary.LittleEndian.PutUint32(k[:], uint32(key))
		if v.ProgLookup(k[:mp.Spec().KeySize], runOf(m).CPU) != nil {
			return xdpRedirect, nil
		}
	}
	return flags & actionMask, nil
}

const maxLoops = 1 << 23 // BPF_MAX_LOOPS

func loop(m *interp.Machine, n, fn, ctx, flags, _ uint64) (uint64, error) {
	if flags != 0 {
		return errno(syscall.EINVAL), nil
	}
	if n > maxLoops {
		// The kernel's verifier inlines bpf_loop calls with flags 0, and the
		// inlined code sets -E2BIG with a 32-bit move: zero-extended.
		return uint64(uint32(errno(syscall.E2BIG))), nil
	}
	for i := uint64(0); i < n; i++ {
		ret, err := m.CallFunc(fn, i, ctx, 0, 0, 0)
		if err != nil {
			return 0, err
		}
		if ret != 0 {
			return i + 1, nil
		}
	}
	return n, nil
}

func forEachMapElem(m *interp.Machine, mapAddr, fn, ctx, flags, _ uint64) (uint64, error) {
	if flags != 0 {
		return errno(syscall.EINVAL), nil
	}
	mp, err := mapArg(mapAddr)
	if err != nil {
		return 0, err
	}
	v, ok := mp.(maps.Values)
	if !ok {
		return 0, fmt.Errorf("bpf_for_each_map_elem on a %s map", mp.Spec().Type)
	}
	spec := mp.Spec()
	cpu := runOf(m).CPU
	// Take the keys first: the callback may delete elements, and walking
	// with NextKey from a deleted key would start over. Each element
	// present now is visited once, unless deleted before its turn, as the
	// kernel's walk over the buckets does.
	var keys [][]byte
	var cur []byte
	for {
		next := make([]byte, spec.KeySize)
		if err := mp.NextKey(cur, next); err != nil {
			break
		}
		keys = append(keys, next)
		cur = next
	}
	count := uint64(0)
	for _, key := range keys {
		val := v.ProgLookup(key, cpu)
		if val == nil {
			continue
		}
		keyCopy := append(alignedBytes(len(key))[:0], key...)
		keyAddr := m.AddRegion(keyCopy, false, "key")
		valAddr := m.AddRegion(val, spec.Flags&maps.FlagRdonlyProg == 0, spec.Name)
		count++
		ret, err := m.CallFunc(fn, mapAddr, keyAddr, valAddr, ctx, 0)
		if err != nil {
			return 0, err
		}
		if ret != 0 {
			return count, nil
		}
	}
	return count, nil
}

// A bpf_spin_lock is a 32-bit word in a map value; programs of concurrent
// runs contend on it for real.
func spinLock(m *interp.Machine, addr, _, _, _, _ uint64) (uint64, error) {
	b, err := mem(m, addr, 4, true, "spin lock")
	if err != nil || addr%4 != 0 {
		return 0, fmt.Errorf("bpf_spin_lock at 0x%x: %w", addr, ErrBadPointer)
	}
	word := (*uint32)(unsafe.Pointer(unsafe.SliceData(b)))
	r := runOf(m)
	for _, held := range r.locks {
		if held == addr {
			return 0, fmt.Errorf("bpf_spin_lock at 0x%x: the program already holds it", addr)
		}
	}
	// Another run holds the lock only for a few instructions, so wait for
	// it; a taken lock word no run holds is garbage (or a lock taken
	// outside gbpf), and the run fails at once rather than hang. A run
	// counts itself in the lock's bucket while it takes and holds it:
	// a bucket counting only this run means no other run holds the lock.
	bucket := lockBucket(addr)
	bucket.Add(1)
	for spins := 0; !atomic.CompareAndSwapUint32(word, 0, 1); spins++ {
		if bucket.Load() == 1 && spins > 100 || spins > 1_000_000 {
			bucket.Add(-1)
			return 0, fmt.Errorf("bpf_spin_lock at 0x%x: the lock word is taken and no run holds it", addr)
		}
		runtime.Gosched()
	}
	r.locks = append(r.locks, addr)
	return 0, nil
}

func spinUnlock(m *interp.Machine, addr, _, _, _, _ uint64) (uint64, error) {
	r := runOf(m)
	for i, held := range r.locks {
		if held == addr {
			unlock(m, addr)
			r.locks = append(r.locks[:i], r.locks[i+1:]...)
			return 0, nil
		}
	}
	return 0, fmt.Errorf("bpf_spin_unlock at 0x%x: the program does not hold it", addr)
}

// lockHolders counts, per bucket of lock word addresses, the runs taking
// or holding a spin lock there, process-wide (padded: one cache line
// each).
var lockHolders [64]struct {
	n atomic.Int64
	_ [56]byte
}

func lockBucket(addr uint64) *atomic.Int64 { return &lockHolders[addr/4%uint64(len(lockHolders))].n }

func unlock(m *interp.Machine, addr uint64) {
	if b, ok := m.Memory(addr, 4, true); ok {
		atomic.StoreUint32((*uint32)(unsafe.Pointer(unsafe.SliceData(b))), 0)
	}
	lockBucket(addr).Add(-1)
}

func strncmp(m *interp.Machine, s1Addr, s1Size, s2Addr, _, _ uint64) (uint64, error) {
	s1, err := mem(m, s1Addr, s1Size, false, "s1")
	if err != nil {
		return 0, err
	}
	s2, err := cString(m, s2Addr)
	if err != nil {
		return 0, err
	}
	return uint64(kfmt.Strncmp(s1, s2)), nil
}

// getFuncIP returns the instruction pointer of a kprobe's pt_regs (x86-64
// layout: ip at offset 128), and 0 for other program types.
func getFuncIP(m *interp.Machine, ctx, _, _, _, _ uint64) (uint64, error) {
	if b, ok := m.Memory(ctx+128, 8, false); ok {
		return binary.LittleEndian.Uint64(b), nil
	}
	return 0, nil
}

func errBadContext(name string) error {
	return fmt.Errorf("%s needs an XDP or socket buffer context", name)
}
