package maps

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Ring is implemented by RINGBUF maps (kernel/bpf/ringbuf.c semantics).
type Ring interface {
	// Reserve returns size bytes of record space (8-byte aligned), or nil
	// when size is too large or there is no room.
	Reserve(size uint64) []byte
	// Submit commits rec, exactly what Reserve returned; discard makes the
	// consumer skip it. Records become visible in reservation order.
	Submit(rec []byte, discard bool)
	// Output reserves, copies and submits; EAGAIN when there is no room,
	// like bpf_ringbuf_output.
	Output(data []byte) error
	// Query is bpf_ringbuf_query: RingAvailData, RingSize, RingConsPos or
	// RingProdPos; 0 for other flags.
	Query(flag uint64) uint64
	// Read returns a copy of the next submitted record, skipping discarded
	// ones; ok is false when the next record is not yet submitted or there
	// is none.
	Read() (rec []byte, ok bool)
	// Wait blocks until Read has a record or discarded records to skip, or
	// ctx is done (returning ctx.Err()).
	Wait(ctx context.Context) error
}

// bpf_ringbuf_query flags.
const (
	RingAvailData = 0
	RingSize      = 1
	RingConsPos   = 2
	RingProdPos   = 3
)

const (
	ringHdrSize    = 8
	ringBusyBit    = 1 << 31
	ringDiscardBit = 1 << 30
	ringMaxRecord  = (1<<32 - 1) / 4 // RINGBUF_MAX_RECORD_SZ
	pageSize       = 4096
)

// ringBuf keeps the kernel's layout: 8-byte headers (length with busy and
// discard bits, then page offset) followed by the data, at positions that
// grow forever and are masked into the buffer. The kernel maps the data
// pages twice so a record running past the end stays contiguous; here such a
// record is reserved in a separate buffer and copied into place on Submit.
type ringBuf struct {
	base
	data []byte
	mask uint64

	mu      sync.Mutex // producers
	prod    atomic.Uint64
	pend    uint64           // pending_pos: oldest record maybe still busy
	wrapped map[*byte]uint64 // wrapping reservations: data pointer -> header position

	consMu sync.Mutex // consumers
	cons   atomic.Uint64
	notify chan struct{}
}

var _ interface {
	Map
	Ring
} = (*ringBuf)(nil)

func newRingBuf(spec *Spec, cpus int) (*ringBuf, error) {
	if spec.Flags&^FlagNumaNode != 0 {
		return nil, errInval
	}
	n := spec.MaxEntries
	if spec.KeySize != 0 || spec.ValueSize != 0 || n == 0 || n&(n-1) != 0 || n%pageSize != 0 {
		return nil, errInval
	}
	if uint64(n) > maxMapBytes {
		return nil, errNoMem
	}
	return &ringBuf{base: newBase(spec, cpus), data: alloc(int(n)), mask: uint64(n) - 1,
		wrapped: make(map[*byte]uint64), notify: make(chan struct{}, 1)}, nil
}

// hdrLen is the atomic length word of the header at pos.
func (r *ringBuf) hdrLen(pos uint64) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.data[pos&r.mask]))
}

func recLen(size uint32) uint64 { return (uint64(size) + ringHdrSize + 7) &^ 7 }

// Reserve is __bpf_ringbuf_reserve. The buffer never fills completely: a
// record fits only while the producer stays less than the buffer size ahead
// of both the consumer and the oldest busy record.
func (r *ringBuf) Reserve(size uint64) []byte {
	if size > ringMaxRecord {
		return nil
	}
	n := recLen(uint32(size))
	if n > uint64(len(r.data)) {
		return nil
	}
	cons := r.cons.Load()
	// A full buffer is the common case of a producer nobody reads: the
	// producer position only grows, so if the record does not fit before
	// the consumer at the position read now, it does not fit at all.
	if r.prod.Load()+n-cons > r.mask {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	prod := r.prod.Load()
	for r.pend < prod {
		l := atomic.LoadUint32(r.hdrLen(r.pend))
		if l&ringBusyBit != 0 {
			break
		}
		r.pend += recLen(l &^ ringDiscardBit)
	}
	newProd := prod + n
	if newProd-cons > r.mask || newProd-r.pend > r.mask {
		return nil
	}
	off := prod & r.mask
	// pg_off: the kernel finds the ring from a record through it; kept for
	// layout fidelity (consumer and producer pages precede the data).
	binary.NativeEndian.PutUint32(r.data[off+4:], uint32((off+pageSize*2)/pageSize))
	atomic.StoreUint32(r.hdrLen(prod), uint32(size)|ringBusyBit)
	r.prod.Store(newProd)
	start := off + ringHdrSize
	if size > 0 && start+size <= uint64(len(r.data)) {
		return r.data[start : start+size : start+size]
	}
	// Past the end (or empty, which has no address of its own in the ring).
	rec := alloc(max(int(size), 8))
	r.wrapped[&rec[0]] = prod
	return rec[:size]
}

// Submit is bpf_ringbuf_commit.
func (r *ringBuf) Submit(rec []byte, discard bool) {
	if cap(rec) == 0 {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(rec[:1]))
	base := uintptr(unsafe.Pointer(&r.data[0]))
	var pos uint64
	if uintptr(p) >= base && uintptr(p) < base+uintptr(len(r.data)) {
		off := uint64(uintptr(p) - base - ringHdrSize)
		pos = off // masked position is enough for the header
	} else {
		r.mu.Lock()
		hp, ok := r.wrapped[(*byte)(p)]
		delete(r.wrapped, (*byte)(p))
		r.mu.Unlock()
		if !ok {
			return
		}
		pos = hp
		if !discard {
			start := (hp + ringHdrSize) & r.mask
			k := copy(r.data[start:], rec)
			copy(r.data, rec[k:])
		}
	}
	h := r.hdrLen(pos)
	l := atomic.LoadUint32(h) &^ ringBusyBit
	if discard {
		l |= ringDiscardBit
	}
	atomic.StoreUint32(h, l)
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *ringBuf) Output(data []byte) error {
	rec := r.Reserve(uint64(len(data)))
	if rec == nil {
		return errAgain
	}
	copy(rec, data)
	r.Submit(rec, false)
	return nil
}

func (r *ringBuf) Query(flag uint64) uint64 {
	switch flag {
	case RingAvailData:
		return r.prod.Load() - r.cons.Load()
	case RingSize:
		return uint64(len(r.data))
	case RingConsPos:
		return r.cons.Load()
	case RingProdPos:
		return r.prod.Load()
	}
	return 0
}

// Read consumes records like libbpf's ring_buffer__consume, one at a time.
func (r *ringBuf) Read() ([]byte, bool) {
	r.consMu.Lock()
	defer r.consMu.Unlock()
	for {
		cons := r.cons.Load()
		if cons >= r.prod.Load() {
			return nil, false
		}
		l := atomic.LoadUint32(r.hdrLen(cons))
		if l&ringBusyBit != 0 {
			return nil, false
		}
		size := uint64(l &^ ringDiscardBit)
		if l&ringDiscardBit != 0 {
			r.cons.Store(cons + recLen(uint32(size)))
			continue
		}
		out := make([]byte, size)
		start := (cons + ringHdrSize) & r.mask
		k := copy(out, r.data[start:])
		copy(out[k:], r.data)
		r.cons.Store(cons + recLen(uint32(size)))
		return out, true
	}
}

// ready reports whether the record at the consumer position is committed.
func (r *ringBuf) ready() bool {
	cons := r.cons.Load()
	return cons < r.prod.Load() && atomic.LoadUint32(r.hdrLen(cons))&ringBusyBit == 0
}

func (r *ringBuf) Wait(ctx context.Context) error {
	for !r.ready() {
		select {
		case <-r.notify:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// The bpf(2) element operations do not apply to ring buffers.
func (r *ringBuf) Lookup(key, valueOut []byte) error {
	if err := r.canRead(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return ENOTSUPP
}

func (r *ringBuf) Update(key, value []byte, flags uint64) error {
	if err := r.hostUpdate(flags); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return ENOTSUPP
}

func (r *ringBuf) Delete(key []byte) error {
	if err := r.canWrite(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return ENOTSUPP
}

func (r *ringBuf) NextKey(key, nextOut []byte) error {
	if err := r.canRead(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return ENOTSUPP
}

func (r *ringBuf) LookupAndDelete(key, valueOut []byte) error {
	if err := r.hostLookupAndDelete(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return ENOTSUPP
}

// Elements lists the committed records a consumer would read next, oldest
// first, without consuming them; discarded records are skipped and a
// record still reserved ends the list, as it stops a consumer.
func (r *ringBuf) Elements() [][]byte {
	r.consMu.Lock()
	defer r.consMu.Unlock()
	var out [][]byte
	for pos := r.cons.Load(); pos < r.prod.Load(); {
		l := atomic.LoadUint32(r.hdrLen(pos))
		if l&ringBusyBit != 0 {
			break
		}
		size := uint64(l &^ ringDiscardBit)
		if l&ringDiscardBit == 0 {
			rec := make([]byte, size)
			start := (pos + ringHdrSize) & r.mask
			k := copy(rec, r.data[start:])
			copy(rec[k:], r.data)
			out = append(out, rec)
		}
		pos += recLen(uint32(size))
	}
	return out
}
