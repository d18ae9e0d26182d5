package gbpf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gbpf/gbpf/internal/maps"
)

// ErrClosed is returned by readers after Close.
var ErrClosed = errors.New("reader closed")

// RingbufReader consumes the records programs submit to a ring buffer
// map, like cilium/ebpf's ringbuf.Reader.
type RingbufReader struct {
	ring     maps.Ring
	ctx      context.Context
	cancel   context.CancelFunc
	deadline time.Time
	mu       sync.Mutex
}

// RingbufRecord is one record.
type RingbufRecord struct {
	RawSample []byte
	// Remaining is how many bytes of committed records are left to read.
	Remaining int
}

// NewRingbufReader reads the ring buffer map m.
func NewRingbufReader(m *Map) (*RingbufReader, error) {
	ring, ok := m.m.(maps.Ring)
	if !ok || m.spec.Type != ebpf.RingBuf {
		return nil, fmt.Errorf("map %s is a %s, not a ring buffer", m.name, m.spec.Type)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &RingbufReader{ring: ring, ctx: ctx, cancel: cancel}, nil
}

// SetDeadline makes Read give up at t (os.ErrDeadlineExceeded); the zero
// time waits forever.
func (r *RingbufReader) SetDeadline(t time.Time) {
	r.mu.Lock()
	r.deadline = t
	r.mu.Unlock()
}

// Read blocks until a record is committed, the deadline passes or the
// reader is closed.
func (r *RingbufReader) Read() (RingbufRecord, error) {
	ctx, cancel := waitContext(r.ctx, &r.mu, &r.deadline)
	defer cancel()
	for {
		if rec, ok := r.ring.Read(); ok {
			return RingbufRecord{RawSample: rec, Remaining: int(r.ring.Query(maps.RingAvailData))}, nil
		}
		if err := r.ring.Wait(ctx); err != nil {
			return RingbufRecord{}, readerErr(r.ctx, err)
		}
	}
}

// Close stops the reader; a blocked Read returns ErrClosed.
func (r *RingbufReader) Close() error {
	r.cancel()
	return nil
}

// PerfReader consumes the samples programs write to a perf event array
// with bpf_perf_event_output, like cilium/ebpf's perf.Reader. While it is
// open every CPU's slot has a buffer; before, outputs fail with ENOENT as
// in the kernel.
type PerfReader struct {
	rd       maps.PerfReader
	ctx      context.Context
	cancel   context.CancelFunc
	deadline time.Time
	mu       sync.Mutex
}

// PerfRecord is one sample, or a count of samples lost because a CPU's
// buffer was full.
type PerfRecord struct {
	CPU         int
	RawSample   []byte
	LostSamples uint64
}

// NewPerfReader opens per-CPU buffers of perCPUBuffer bytes on the perf
// event array m.
func NewPerfReader(m *Map, perCPUBuffer int) (*PerfReader, error) {
	events, ok := m.m.(maps.PerfEvents)
	if !ok {
		return nil, fmt.Errorf("map %s is a %s, not a perf event array", m.name, m.spec.Type)
	}
	rd, err := events.OpenReader(perCPUBuffer)
	if err != nil {
		return nil, m.fail("open perf reader", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &PerfReader{rd: rd, ctx: ctx, cancel: cancel}, nil
}

// SetDeadline makes Read give up at t; the zero time waits forever.
func (r *PerfReader) SetDeadline(t time.Time) {
	r.mu.Lock()
	r.deadline = t
	r.mu.Unlock()
}

// Read blocks until a sample or a loss is recorded, the deadline passes or
// the reader is closed.
func (r *PerfReader) Read() (PerfRecord, error) {
	ctx, cancel := waitContext(r.ctx, &r.mu, &r.deadline)
	defer cancel()
	for {
		if cpu, rec, lost, ok := r.rd.Read(); ok {
			return PerfRecord{CPU: cpu, RawSample: rec, LostSamples: lost}, nil
		}
		if err := r.rd.Wait(ctx); err != nil {
			return PerfRecord{}, readerErr(r.ctx, err)
		}
	}
}

// Close detaches the buffers; later outputs fail with ENOENT again.
func (r *PerfReader) Close() error {
	r.cancel()
	return r.rd.Close()
}

// waitContext is a reader's closing context, bounded by its deadline.
func waitContext(closing context.Context, mu *sync.Mutex, deadline *time.Time) (context.Context, context.CancelFunc) {
	mu.Lock()
	d := *deadline
	mu.Unlock()
	if d.IsZero() {
		return closing, func() {}
	}
	return context.WithDeadline(closing, d)
}

// readerErr tells a closed reader from a passed deadline.
func readerErr(closed context.Context, err error) error {
	if closed.Err() != nil {
		return ErrClosed
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("read: %w", errDeadline)
	}
	return err
}

// errDeadline is os.ErrDeadlineExceeded, as cilium/ebpf's readers return.
var errDeadline = os.ErrDeadlineExceeded
