package maps

import (
	"context"
	"encoding/binary"
	"sync"
)

// PerfEvents is implemented by PERF_EVENT_ARRAY maps: per-CPU buffers that
// the host opens with a reader.
type PerfEvents interface {
	// Output is bpf_perf_event_output: flags holds the index (CurrentCPU for
	// cpu) in its low 32 bits and nothing else (EINVAL); callers strip
	// BPF_F_CTXLEN_MASK first. Errors as the kernel's: E2BIG for an index
	// out of range, ENOENT when no reader is open for the index, EOPNOTSUPP
	// when the index is another CPU's, ENOSPC (counting a lost sample) when
	// the buffer is full.
	Output(flags uint64, cpu int, data []byte) error
	// OpenReader opens a buffer of perCPUBufferBytes for every CPU (up to
	// MaxEntries), replacing any earlier reader's.
	OpenReader(perCPUBufferBytes int) (PerfReader, error)
}

// PerfReader reads the records written to a perf event array.
type PerfReader interface {
	// Read returns the next record of the lowest-numbered CPU that has one.
	// A record with lost > 0 and no data reports samples dropped before the
	// records that follow it. ok is false when nothing is buffered.
	Read() (cpu int, rec []byte, lost uint64, ok bool)
	// Wait blocks until a record may be ready or ctx is done.
	Wait(ctx context.Context) error
	Close() error
}

// perfSampleSize is what a raw sample occupies in the kernel's ring: the
// 8-byte perf_event_header, then a u32 size and the data padded to 8 bytes.
func perfSampleSize(n int) int { return 8 + (4+n+7)&^7 }

type perfRecord struct {
	data []byte
	lost uint64
}

// perfBuf is one CPU's buffer.
type perfBuf struct {
	cpu     int
	size    int
	used    int
	records []perfRecord
}

type perfEventArray struct {
	base
	mu     sync.Mutex
	slots  []*perfBuf    // by index; nil when no event is attached
	notify chan struct{} // signalled on every record or loss, for Wait
}

var _ interface {
	Map
	PerfEvents
} = (*perfEventArray)(nil)

// fdArrayCheck is fd_array_map_alloc_check.
func fdArrayCheck(spec *Spec) error {
	if spec.ValueSize != 4 || spec.Flags&(FlagRdonlyProg|FlagWronlyProg) != 0 {
		return errInval
	}
	return arrayCheck(spec)
}

func newPerfEventArray(spec *Spec, cpus int) (*perfEventArray, error) {
	if err := fdArrayCheck(spec); err != nil {
		return nil, err
	}
	if uint64(spec.MaxEntries)*8 > maxMapBytes {
		return nil, errNoMem
	}
	return &perfEventArray{base: newBase(spec, cpus), slots: make([]*perfBuf, spec.MaxEntries), notify: make(chan struct{}, 1)}, nil
}

func (p *perfEventArray) Output(flags uint64, cpu int, data []byte) error {
	if flags&^0xffffffff != 0 {
		return errInval
	}
	index := flags
	if index == CurrentCPU {
		index = uint64(cpu)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if index >= uint64(len(p.slots)) {
		return err2Big
	}
	b := p.slots[index]
	if b == nil {
		return errNoEnt
	}
	if b.cpu != cpu {
		return errOpNotSupp
	}
	defer p.wake()
	n := perfSampleSize(len(data))
	if b.used+n > b.size {
		if k := len(b.records); k > 0 && b.records[k-1].data == nil {
			b.records[k-1].lost++
		} else {
			b.records = append(b.records, perfRecord{lost: 1})
		}
		return errNoSpc
	}
	b.used += n
	b.records = append(b.records, perfRecord{data: append([]byte(nil), data...)})
	return nil
}

func (p *perfEventArray) wake() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

func (r *perfReader) Wait(ctx context.Context) error {
	r.p.mu.Lock()
	ready := false
	for _, b := range r.bufs {
		ready = ready || len(b.records) > 0
	}
	r.p.mu.Unlock()
	if ready {
		return nil
	}
	select {
	case <-r.p.notify:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type perfReader struct {
	p    *perfEventArray
	bufs []*perfBuf
}

func (p *perfEventArray) OpenReader(perCPUBufferBytes int) (PerfReader, error) {
	if perCPUBufferBytes <= 0 {
		return nil, errInval
	}
	r := &perfReader{p: p}
	p.mu.Lock()
	defer p.mu.Unlock()
	for cpu := 0; cpu < p.cpus && cpu < len(p.slots); cpu++ {
		b := &perfBuf{cpu: cpu, size: perCPUBufferBytes}
		p.slots[cpu] = b
		r.bufs = append(r.bufs, b)
	}
	return r, nil
}

func (r *perfReader) Read() (int, []byte, uint64, bool) {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	for _, b := range r.bufs {
		if len(b.records) == 0 {
			continue
		}
		rec := b.records[0]
		b.records[0] = perfRecord{}
		b.records = b.records[1:]
		if rec.data != nil {
			b.used -= perfSampleSize(len(rec.data))
		}
		return b.cpu, rec.data, rec.lost, true
	}
	return 0, nil, 0, false
}

// Close detaches the reader's buffers from the slots they still occupy.
func (r *perfReader) Close() error {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	for _, b := range r.bufs {
		if b.cpu < len(r.p.slots) && r.p.slots[b.cpu] == b {
			r.p.slots[b.cpu] = nil
		}
	}
	r.bufs = nil
	return nil
}

// Lookup is ENOTSUPP: the kernel has no way to report a perf event from the host.
func (p *perfEventArray) Lookup(key, valueOut []byte) error {
	if err := p.canRead(); err != nil {
		return err
	}
	return ENOTSUPP
}

// Update would need a perf event fd, which gbpf does not have: use
// OpenReader. It fails like the kernel with a value that is no open fd.
func (p *perfEventArray) Update(key, value []byte, flags uint64) error {
	if err := p.hostUpdate(flags); err != nil {
		return err
	}
	return fdArrayUpdateCheck(p.spec.MaxEntries, key, flags, errBadF)
}

// fdArrayUpdateCheck is the part of bpf_fd_array_map_update_elem before the
// fd is resolved; fdErr is returned when those checks pass.
func fdArrayUpdateCheck(max uint32, key []byte, flags uint64, fdErr error) error {
	if flags != UpdateAny {
		return errInval
	}
	if len(key) < 4 {
		return errInval
	}
	if binary.NativeEndian.Uint32(key) >= max {
		return err2Big
	}
	return fdErr
}

// Delete detaches the buffer at key (fd_array_map_delete_elem).
func (p *perfEventArray) Delete(key []byte) error {
	if err := p.canWrite(); err != nil {
		return err
	}
	if len(key) < 4 {
		return errInval
	}
	i := binary.NativeEndian.Uint32(key)
	p.mu.Lock()
	defer p.mu.Unlock()
	if i >= uint32(len(p.slots)) {
		return err2Big
	}
	if p.slots[i] == nil {
		return errNoEnt
	}
	p.slots[i] = nil
	return nil
}

func (p *perfEventArray) NextKey(key, nextOut []byte) error {
	if err := p.canRead(); err != nil {
		return err
	}
	return arrayNextKey(p.spec.MaxEntries, key, nextOut)
}

func (p *perfEventArray) LookupAndDelete(key, valueOut []byte) error {
	if err := p.hostLookupAndDelete(); err != nil {
		return err
	}
	return ENOTSUPP
}
