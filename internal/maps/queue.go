package maps

import (
	"slices"
	"sync"
)

const queueCreateFlags = FlagNumaNode | flagAccessMask

// queue is QUEUE (FIFO) and STACK (LIFO), kernel/bpf/queue_stack_maps.c: a
// ring of MaxEntries+1 value slots. Values are copied in and out.
type queue struct {
	base
	stack      bool
	mu         sync.Mutex
	buf        []byte
	head, tail uint32 // slot indexes; head == tail means empty
	size       uint32 // MaxEntries + 1
}

var _ interface {
	Map
	PushPop
} = (*queue)(nil)

func newQueue(spec *Spec, cpus int) (*queue, error) {
	if spec.MaxEntries == 0 || spec.KeySize != 0 || spec.ValueSize == 0 ||
		spec.Flags&^queueCreateFlags != 0 || !accessFlagsOK(spec.Flags) {
		return nil, errInval
	}
	if spec.ValueSize > kmallocMax {
		return nil, err2Big
	}
	size := uint64(spec.MaxEntries) + 1
	if size*uint64(spec.ValueSize) > maxMapBytes {
		return nil, errNoMem
	}
	return &queue{base: newBase(spec, cpus), stack: spec.Type == Stack,
		buf: alloc(int(size * uint64(spec.ValueSize))), size: uint32(size)}, nil
}

func (q *queue) slot(i uint32) []byte {
	vs := q.spec.ValueSize
	return q.buf[i*vs : (i+1)*vs]
}

func (q *queue) full() bool { return (q.head+1)%q.size == q.tail }

// Push is queue_stack_map_push_elem: E2BIG when full, unless flags is
// BPF_EXIST, which drops the oldest value.
func (q *queue) Push(value []byte, flags uint64) error {
	if flags&UpdateNoExist != 0 || flags > UpdateExist {
		return errInval
	}
	if len(value) < int(q.spec.ValueSize) {
		return errInval
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.full() {
		if flags&UpdateExist == 0 {
			return err2Big
		}
		q.tail = (q.tail + 1) % q.size
	}
	copy(q.slot(q.head), value)
	q.head = (q.head + 1) % q.size
	return nil
}

func (q *queue) get(valueOut []byte, remove bool) error {
	if len(valueOut) < int(q.spec.ValueSize) {
		return errInval
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == q.tail {
		return errNoEnt
	}
	if q.stack {
		i := (q.head + q.size - 1) % q.size
		copy(valueOut, q.slot(i))
		if remove {
			q.head = i
		}
		return nil
	}
	copy(valueOut, q.slot(q.tail))
	if remove {
		q.tail = (q.tail + 1) % q.size
	}
	return nil
}

func (q *queue) Pop(valueOut []byte) error  { return q.get(valueOut, true) }
func (q *queue) Peek(valueOut []byte) error { return q.get(valueOut, false) }

// Lookup is a peek, as BPF_MAP_LOOKUP_ELEM is on queues and stacks.
func (q *queue) Lookup(key, valueOut []byte) error {
	if err := q.canRead(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return q.Peek(valueOut)
}

// Update is a push.
func (q *queue) Update(key, value []byte, flags uint64) error {
	if err := q.hostUpdate(flags); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return q.Push(value, flags)
}

func (q *queue) Delete(key []byte) error {
	if err := q.canWrite(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return errInval
}

func (q *queue) NextKey(key, nextOut []byte) error {
	if err := q.canRead(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return errInval
}

// LookupAndDelete is a pop.
func (q *queue) LookupAndDelete(key, valueOut []byte) error {
	if err := q.hostLookupAndDelete(); err != nil {
		return err
	}
	if err := noKey(key); err != nil {
		return err
	}
	return q.Pop(valueOut)
}

// Elements lists the values in pop order without removing them: oldest
// first for a queue, newest first for a stack.
func (q *queue) Elements() [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out [][]byte
	for i := q.tail; i != q.head; i = (i + 1) % q.size {
		out = append(out, append([]byte(nil), q.slot(i)...))
	}
	if q.stack {
		slices.Reverse(out)
	}
	return out
}
