//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || loong64 || mips64le)

package kernel

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"
)

// Collection is a CollectionSpec loaded into the kernel: its maps created
// and initialised and its programs verified.
type Collection struct {
	coll  *ebpf.Collection
	types map[string]ebpf.ProgramType
}

// LoadCollection loads every program and map of spec into the kernel. The
// spec itself is not modified. A verifier rejection returns an error
// wrapping a *VerifierError that carries the log.
func LoadCollection(spec *ebpf.CollectionSpec) (*Collection, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	spec = spec.Copy()
	// Test runs need no pinned maps (libbpf's LIBBPF_PIN_BY_NAME), and
	// pinning would need a bpffs path: load them unpinned, as gbpf does.
	for _, ms := range spec.Maps {
		ms.Pinning = ebpf.PinNone
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{
		Programs: ebpf.ProgramOptions{LogSizeStart: 1 << 20},
	})
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			// cilium/ebpf names the program as "program NAME: ..."; keep
			// that, since a collection has many.
			what := "loading collection"
			for name := range spec.Programs {
				if strings.HasPrefix(err.Error(), "program "+name+":") {
					what = "loading program " + name
				}
			}
			return nil, fmt.Errorf("%s: %w", what, &VerifierError{Err: ve.Cause, Log: ve.Log})
		}
		return nil, fmt.Errorf("loading collection: %w", err)
	}
	types := make(map[string]ebpf.ProgramType, len(spec.Programs))
	for name, p := range spec.Programs {
		types[name] = p.Type
	}
	return &Collection{coll: coll, types: types}, nil
}

// Close unloads the collection's programs and maps.
func (c *Collection) Close() error {
	c.coll.Close()
	return nil
}

// runKind says how BPF_PROG_TEST_RUN treats a program type.
type runKind int

const (
	runPacket  runKind = iota // data, optional ctx, repeat and duration in the kernel
	runCtxOnce                // ctx only, one run per call (raw_tracepoint, syscall)
	runNone                   // no test run at all
)

func kindOf(t ebpf.ProgramType) runKind {
	switch t {
	case ebpf.RawTracepoint, ebpf.Syscall:
		return runCtxOnce
	case ebpf.Kprobe, ebpf.TracePoint, ebpf.PerfEvent, ebpf.RawTracepointWritable,
		ebpf.CGroupSock, ebpf.CGroupSockAddr, ebpf.SockOps, ebpf.SkSKB, ebpf.SkMsg,
		ebpf.CGroupDevice, ebpf.CGroupSysctl, ebpf.CGroupSockopt, ebpf.LSM,
		ebpf.Extension, ebpf.SkReuseport, ebpf.LircMode2:
		return runNone
	}
	// Everything else (XDP, sched_cls/act, socket filter, cgroup_skb, lwt,
	// flow dissector, sk_lookup, netfilter, tracing) is handed to the kernel,
	// which says itself when the input does not fit.
	return runPacket
}

// errENOTSUPP is the kernel-internal ENOTSUPP that BPF_PROG_TEST_RUN
// returns for a type without test_run; libc has no name for it.
const errENOTSUPP = syscall.Errno(524)

// Run test-runs the program with the given function name, as
// BPF_PROG_TEST_RUN does. Maps keep their contents across calls.
func (c *Collection) Run(prog string, opts RunOptions) (RunResult, error) {
	p, ok := c.coll.Programs[prog]
	if !ok {
		return RunResult{}, fmt.Errorf("no program named %q in the collection", prog)
	}
	typ := c.types[prog]
	repeat := max(opts.Repeat, 1)
	if uint64(repeat) > 1<<32-1 {
		return RunResult{}, fmt.Errorf("repeat %d does not fit in 32 bits", repeat)
	}
	switch kindOf(typ) {
	case runNone:
		return RunResult{}, fmt.Errorf("program %s of type %s: %w", prog, typ, ErrNoTestRun)
	case runCtxOnce:
		if len(opts.Data) > 0 {
			return RunResult{}, fmt.Errorf("program %s of type %s takes no packet data, only a context", prog, typ)
		}
		var res RunResult
		start := time.Now()
		for range repeat {
			r, err := testRun(p.FD(), typ, nil, 0, opts.Context, 1)
			if err != nil {
				return RunResult{}, fmt.Errorf("test-running %s: %w", prog, err)
			}
			res = r
		}
		res.Duration = time.Since(start) / time.Duration(repeat)
		return res, nil
	}
	outSize := opts.DataOutSize
	if outSize <= 0 {
		outSize = len(opts.Data) + 64<<10
	}
	res, err := testRun(p.FD(), typ, opts.Data, outSize, opts.Context, repeat)
	if err != nil {
		return res, fmt.Errorf("test-running %s: %w", prog, err)
	}
	return res, nil
}

// testRun makes one BPF_PROG_TEST_RUN call. cilium/ebpf's Program.Run hides
// the duration and the syscall program's copied-back context, hence the
// direct syscall.
func testRun(fd int, typ ebpf.ProgramType, data []byte, outSize int, ctx []byte, repeat int) (RunResult, error) {
	attr := progRunAttr{progFD: uint32(fd)}
	var out, ctxIn, ctxOut []byte
	if len(data) > 0 {
		attr.dataIn = unsafe.Pointer(&data[0])
		attr.dataSizeIn = uint32(len(data))
	}
	if outSize > 0 {
		out = make([]byte, outSize)
		attr.dataOut = unsafe.Pointer(&out[0])
		attr.dataSizeOut = uint32(outSize)
	}
	if len(ctx) > 0 {
		// The syscall type writes the context back over ctx_in.
		ctxIn = bytes.Clone(ctx)
		attr.ctxIn = unsafe.Pointer(&ctxIn[0])
		attr.ctxSizeIn = uint32(len(ctxIn))
		if kindOf(typ) == runPacket {
			ctxOut = make([]byte, len(ctx))
			attr.ctxOut = unsafe.Pointer(&ctxOut[0])
			attr.ctxSizeOut = uint32(len(ctxOut))
		}
	}
	if kindOf(typ) == runPacket {
		attr.repeat = uint32(repeat)
	}
	unpin, err := pinFirstCPU()
	if err != nil {
		return RunResult{}, err
	}
	defer unpin()
	// A signal (Go's preemption signal, SIGURG, most often) interrupts a
	// repeated test run part way, after the program already ran some
	// times and changed its maps; retrying would run it too often. With
	// signals blocked on this (locked) thread the kernel finishes the run,
	// and the process's signals go to its other threads meanwhile.
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &all, &old); err == nil {
		defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	}
	var errno syscall.Errno
	for tries := 0; ; tries++ {
		_, _, errno = unix.Syscall(unix.SYS_BPF, bpfProgTestRun, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
		runtime.KeepAlive(data)
		runtime.KeepAlive(out)
		runtime.KeepAlive(ctxIn)
		runtime.KeepAlive(ctxOut)
		if errno == unix.EINTR && tries < maxEINTR && repeat <= 1 {
			continue
		}
		break
	}
	res := RunResult{Retval: attr.retval, Duration: time.Duration(attr.duration)}
	if out != nil {
		res.DataOut = out[:min(int(attr.dataSizeOut), len(out))]
	}
	switch {
	case ctxOut != nil:
		res.ContextOut = ctxOut[:min(int(attr.ctxSizeOut), len(ctxOut))]
	case typ == ebpf.Syscall && ctxIn != nil:
		res.ContextOut = ctxIn
	}
	switch errno {
	case 0:
		return res, nil
	case unix.ENOSPC:
		return res, fmt.Errorf("BPF_PROG_TEST_RUN: output larger than the %d-byte buffer (DataOutSize): %w", outSize, errno)
	case errENOTSUPP:
		return RunResult{}, fmt.Errorf("program type %s: %w", typ, ErrNoTestRun)
	}
	return RunResult{}, fmt.Errorf("BPF_PROG_TEST_RUN: %w", errno)
}

// pinFirstCPU moves the calling thread to the lowest-numbered CPU it may
// use until the returned function runs. The kernel test-runs on the
// caller's CPU, so pinning makes per-CPU map slots and
// bpf_get_smp_processor_id the same from run to run.
func pinFirstCPU() (func(), error) {
	runtime.LockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("reading CPU affinity: %w", err)
	}
	first := -1
	for cpu := range 8 * int(unsafe.Sizeof(old)) {
		if old.IsSet(cpu) {
			first = cpu
			break
		}
	}
	var one unix.CPUSet
	one.Set(first)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("pinning to CPU %d: %w", first, err)
	}
	return func() {
		// If restoring fails the thread stays locked, and Go retires it
		// when the goroutine ends instead of reusing a pinned thread.
		if unix.SchedSetaffinity(0, &old) == nil {
			runtime.UnlockOSThread()
		}
	}, nil
}

// Programs returns the function names of the collection's programs, sorted.
func (c *Collection) Programs() []string {
	names := make([]string, 0, len(c.coll.Programs))
	for n := range c.coll.Programs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Maps returns the contents of every map of the collection, by the spec's
// map name. Keyed maps list their entries sorted by key bytes. Other types:
//
//   - queue and stack: the elements in pop order. They are popped and pushed
//     back, so the map is unchanged afterwards, but a program running
//     concurrently could observe the map half-empty.
//   - ring buffer: the records a consumer would read next, oldest first,
//     discarded records left out; nothing is consumed (see ReadRingbuf).
//   - prog array and map-of-maps: the occupied slots, with Name set to the
//     program or inner map the slot holds.
//   - perf event array, bloom filter, XSK map and local storage types: no
//     entries, since user space cannot enumerate them (perf records only
//     exist while a reader is attached, which Collection never does).
func (c *Collection) Maps() (map[string][]Entry, error) {
	out := make(map[string][]Entry, len(c.coll.Maps))
	for name, m := range c.coll.Maps {
		es, err := c.dump(m)
		if err != nil {
			return nil, fmt.Errorf("reading map %q: %w", name, err)
		}
		out[name] = es
	}
	return out, nil
}

func (c *Collection) dump(m *ebpf.Map) ([]Entry, error) {
	switch m.Type() {
	case ebpf.PerfEventArray, ebpf.BloomFilter, ebpf.XSKMap, ebpf.SkStorage, ebpf.InodeStorage,
		ebpf.TaskStorage, ebpf.CgroupStorage, ebpf.StructOpsMap, ebpf.UserRingbuf, ebpf.Arena:
		return []Entry{}, nil
	case ebpf.Queue, ebpf.Stack:
		return dumpQueue(m)
	case ebpf.RingBuf:
		return peekRingbuf(m)
	}
	perCPU := false
	switch m.Type() {
	case ebpf.PerCPUArray, ebpf.PerCPUHash, ebpf.LRUCPUHash, ebpf.PerCPUCGroupStorage:
		perCPU = true
	}
	var names map[uint32]string
	switch m.Type() {
	case ebpf.ProgramArray:
		names = c.progIDs()
	case ebpf.ArrayOfMaps, ebpf.HashOfMaps:
		names = c.mapIDs()
	}

	var es []Entry
	var key []byte
	for {
		next, err := m.NextKeyBytes(nilIfEmpty(key))
		if err != nil {
			return nil, fmt.Errorf("next key: %w", err)
		}
		if next == nil {
			break
		}
		key = next
		e := Entry{Key: next}
		switch {
		case perCPU:
			err = m.Lookup(next, &e.Values)
		case names != nil:
			var id uint32
			if err = m.Lookup(next, &id); err == nil {
				e.Name = names[id]
				if e.Name == "" {
					e.Name = fmt.Sprintf("id:%d", id)
				}
			}
		default:
			err = m.Lookup(next, &e.Value)
		}
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			// Arrays of maps and prog arrays report empty slots this way.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("lookup %x: %w", next, err)
		}
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b Entry) int { return bytes.Compare(a.Key, b.Key) })
	if es == nil {
		es = []Entry{}
	}
	return es, nil
}

// nilIfEmpty turns the first iteration's key into an untyped nil, which
// NextKey takes as "the first key".
func nilIfEmpty(k []byte) any {
	if k == nil {
		return nil
	}
	return k
}

func (c *Collection) progIDs() map[uint32]string {
	ids := make(map[uint32]string)
	for name, p := range c.coll.Programs {
		if info, err := p.Info(); err == nil {
			if id, ok := info.ID(); ok {
				ids[uint32(id)] = name
			}
		}
	}
	return ids
}

func (c *Collection) mapIDs() map[uint32]string {
	ids := make(map[uint32]string)
	for name, m := range c.coll.Maps {
		if info, err := m.Info(); err == nil {
			if id, ok := info.ID(); ok {
				ids[uint32(id)] = name
			}
		}
	}
	return ids
}

// dumpQueue pops every element of a queue or stack and pushes them back in
// the order that restores the map.
func dumpQueue(m *ebpf.Map) ([]Entry, error) {
	var vals [][]byte
	for {
		var v []byte
		err := m.LookupAndDelete(nil, &v)
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			break
		}
		if err != nil {
			return nil, restore(m, vals, fmt.Errorf("pop: %w", err))
		}
		vals = append(vals, v)
	}
	es := make([]Entry, len(vals))
	for i, v := range vals {
		es[i] = Entry{Value: v}
	}
	return es, restore(m, vals, nil)
}

func restore(m *ebpf.Map, popped [][]byte, err error) error {
	order := popped
	if m.Type() == ebpf.Stack {
		// The first popped was the top: push it last.
		order = slices.Clone(popped)
		slices.Reverse(order)
	}
	for _, v := range order {
		if perr := m.Update(nil, v, ebpf.UpdateAny); perr != nil {
			return errors.Join(err, fmt.Errorf("push back: %w", perr))
		}
	}
	return err
}

// Ring buffer record header bits, as in include/uapi/linux/bpf.h.
const (
	ringbufBusy    = 1 << 31
	ringbufDiscard = 1 << 30
	ringbufHdrSize = 8
)

// peekRingbuf reads the records between the consumer and producer
// positions through a read-only mapping, leaving the consumer position
// alone so that a later reader still sees them.
func peekRingbuf(m *ebpf.Map) ([]Entry, error) {
	page := os.Getpagesize()
	size := int(m.MaxEntries())
	cons, err := unix.Mmap(m.FD(), 0, page, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap consumer page: %w", err)
	}
	defer unix.Munmap(cons)
	// The producer page is followed by the data pages, mapped twice so that
	// a record that wraps around reads as one piece.
	prod, err := unix.Mmap(m.FD(), int64(page), page+2*size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap producer pages: %w", err)
	}
	defer unix.Munmap(prod)
	consPos := atomic.LoadUint64((*uint64)(unsafe.Pointer(&cons[0])))
	prodPos := atomic.LoadUint64((*uint64)(unsafe.Pointer(&prod[0])))
	data := prod[page:]
	es := []Entry{}
	for pos := consPos; pos < prodPos; {
		off := int(pos & uint64(size-1))
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&data[off])))
		if hdr&ringbufBusy != 0 {
			// Reserved but not yet submitted: a consumer stops here too.
			break
		}
		n := int(hdr &^ (ringbufBusy | ringbufDiscard))
		if hdr&ringbufDiscard == 0 {
			es = append(es, Entry{Value: bytes.Clone(data[off+ringbufHdrSize : off+ringbufHdrSize+n])})
		}
		pos += uint64((n + ringbufHdrSize + 7) &^ 7)
	}
	return es, nil
}

// ReadRingbuf consumes and returns every record available in the named
// ring buffer map, oldest first. Maps shows the same records without
// consuming them.
func (c *Collection) ReadRingbuf(name string) ([][]byte, error) {
	m, ok := c.coll.Maps[name]
	if !ok {
		return nil, fmt.Errorf("no map named %q in the collection", name)
	}
	if m.Type() != ebpf.RingBuf {
		return nil, fmt.Errorf("map %q is a %s, not a ring buffer", name, m.Type())
	}
	r, err := ringbuf.NewReader(m)
	if err != nil {
		return nil, fmt.Errorf("ring buffer %q: %w", name, err)
	}
	defer r.Close()
	// A deadline in the past makes Read return what is there and then stop
	// instead of waiting for more.
	r.SetDeadline(time.Now())
	var recs [][]byte
	for {
		rec, err := r.Read()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return recs, nil
		}
		if err != nil {
			return recs, fmt.Errorf("ring buffer %q: %w", name, err)
		}
		recs = append(recs, rec.RawSample)
	}
}
