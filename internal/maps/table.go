package maps

// elem is one element of a hash-shaped map. LRU maps reuse elems as their
// list nodes (the value buffer is replaced on reuse, never the memory a
// program may hold).
type elem struct {
	key   string
	idx   int    // position in table.order
	value []byte // ValueSize, or cpus*stride for per-CPU maps
	inner Map    // HASH_OF_MAPS
	slot  int32  // the element's slot in a hash map's index

	// LRU bookkeeping (see lru.go).
	prev, next *elem
	kind       lruKind
	cpu        int
	ref        uint32  // atomic: set by lookups under the read lock
	refp       *uint32 // where the bit is instead, when not nil (see refWord)
	inTable    bool
}

// table indexes elements by key and keeps them in a dense slice, which gives
// NextKey an order that visits every key exactly once while nothing changes.
// Deleting swaps the last element into the hole.
type table struct {
	m     map[string]*elem
	order []*elem
}

func newTable() table { return table{m: make(map[string]*elem)} }

// get does not allocate: the compiler turns the string conversion into a view.
func (t *table) get(key []byte) *elem { return t.m[string(key)] }

func (t *table) len() int { return len(t.order) }

func (t *table) add(e *elem) {
	e.idx = len(t.order)
	e.inTable = true
	t.order = append(t.order, e)
	t.m[e.key] = e
}

func (t *table) remove(e *elem) {
	last := t.order[len(t.order)-1]
	t.order[e.idx] = last
	last.idx = e.idx
	t.order[len(t.order)-1] = nil
	t.order = t.order[:len(t.order)-1]
	delete(t.m, e.key)
	e.inTable = false
}

// replace puts e where old was, keeping the iteration position.
func (t *table) replace(old, e *elem) {
	e.idx = old.idx
	e.inTable = true
	old.inTable = false
	t.order[e.idx] = e
	t.m[e.key] = e
}

// nextKey is htab_map_get_next_key: the element after key, or the first
// element when key is nil or absent.
func (t *table) nextKey(key, nextOut []byte) error {
	if key != nil {
		if e := t.get(key); e != nil {
			if e.idx+1 >= len(t.order) {
				return errNoEnt
			}
			copy(nextOut, t.order[e.idx+1].key)
			return nil
		}
	}
	if len(t.order) == 0 {
		return errNoEnt
	}
	copy(nextOut, t.order[0].key)
	return nil
}
