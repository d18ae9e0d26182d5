package maps

import (
	"encoding/binary"
	"sync"
	"unsafe"
)

const (
	lpmCreateFlags  = FlagNoPrealloc | FlagNumaNode | flagAccessMask
	lpmDataSizeMax  = 256
	lpmKeySizeMin   = 4 + 1
	lpmKeySizeMax   = 4 + lpmDataSizeMax
	lpmNodeOverhead = 40 // sizeof(struct lpm_trie_node)
	lpmValueSizeMax = kmallocMax - lpmDataSizeMax - lpmNodeOverhead
)

// lpmNode is a node of the kernel's path-compressed binary trie. Intermediate
// nodes (im) only join two subtrees and hold no value. The trie's shape is
// determined by its set of prefixes, so NextKey visits keys in the kernel's
// order.
type lpmNode struct {
	child     [2]*lpmNode
	prefixlen uint32
	im        bool
	data      []byte // the key's data as given, bits past prefixlen included
	value     []byte
	slot      int32 // the node's slot in the trie's index
}

// lpm is LPM_TRIE. Keys are a host-endian u32 prefix length followed by the
// data; lookups find the longest matching prefix, updates and deletes work on
// exact prefixes.
type lpm struct {
	base
	mu        sync.RWMutex
	root      *lpmNode
	n         uint32
	dataSize  int
	maxPrefix uint32
	ix        *lpmIndex // nil when the trie has none
}

var _ interface {
	Map
	Values
} = (*lpm)(nil)

func newLPM(spec *Spec, cpus int) (*lpm, error) {
	if spec.MaxEntries == 0 || spec.Flags&FlagNoPrealloc == 0 ||
		spec.Flags&^lpmCreateFlags != 0 || !accessFlagsOK(spec.Flags) ||
		spec.KeySize < lpmKeySizeMin || spec.KeySize > lpmKeySizeMax ||
		spec.ValueSize < 1 || spec.ValueSize > lpmValueSizeMax {
		return nil, errInval
	}
	ds := int(spec.KeySize) - 4
	t := &lpm{base: newBase(spec, cpus), dataSize: ds, maxPrefix: uint32(8 * ds)}
	t.ix = newLPMIndex(ds, int(spec.ValueSize), spec.MaxEntries)
	return t, nil
}

func extractBit(data []byte, i uint32) int {
	return int(data[i/8]>>(7-i%8)) & 1
}

// matchLen is longest_prefix_match: the number of leading bits node and key
// share, up to the shorter of their prefix lengths.
func matchLen(node *lpmNode, plen uint32, data []byte) uint32 {
	limit := min(node.prefixlen, plen)
	var n uint32
	for i := 0; n < limit; i++ {
		x := node.data[i] ^ data[i]
		if x == 0 {
			n += 8
			continue
		}
		for x&0x80 == 0 {
			n++
			x <<= 1
		}
		break
	}
	return min(n, limit)
}

func (t *lpm) split(key []byte) (uint32, []byte, bool) {
	if len(key) < int(t.spec.KeySize) {
		return 0, nil, false
	}
	return binary.NativeEndian.Uint32(key), key[4:t.spec.KeySize], true
}

// find is trie_lookup_elem; a prefix length past the data finds nothing.
func (t *lpm) find(plen uint32, data []byte) *lpmNode {
	if plen > t.maxPrefix {
		return nil
	}
	var found *lpmNode
	for node := t.root; node != nil; {
		m := matchLen(node, plen, data)
		if m == t.maxPrefix {
			return node
		}
		if m < node.prefixlen {
			break
		}
		if !node.im {
			found = node
		}
		node = node.child[extractBit(data, node.prefixlen)]
	}
	return found
}

func (t *lpm) ProgLookup(key []byte, cpu int) []byte {
	plen, data, ok := t.split(key)
	if !ok {
		return nil
	}
	t.mu.RLock()
	n := t.find(plen, data)
	t.mu.RUnlock()
	if n == nil {
		return nil
	}
	return n.value
}

// checkAdd is trie_check_add_elem.
func (t *lpm) checkAdd(flags uint64) error {
	if flags == UpdateExist {
		return errNoEnt
	}
	if t.n == t.spec.MaxEntries {
		return errNoSpc
	}
	t.n++
	return nil
}

// update is trie_update_elem; a replaced node gets a new node (and value).
func (t *lpm) update(key, value []byte, flags uint64) error {
	if flags > UpdateExist {
		return errInval
	}
	plen, data, ok := t.split(key)
	if !ok || len(value) < int(t.spec.ValueSize) {
		return errInval
	}
	if plen > t.maxPrefix {
		return errInval
	}
	leaf := func(child [2]*lpmNode) *lpmNode {
		return t.newNode(plen, append([]byte(nil), data...), false, value[:t.spec.ValueSize], child)
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	slot := &t.root
	var parent, node *lpmNode
	var m uint32
	for node = *slot; node != nil; node = *slot {
		m = matchLen(node, plen, data)
		if node.prefixlen != m || node.prefixlen == plen {
			break
		}
		parent = node
		slot = &node.child[extractBit(data, node.prefixlen)]
	}
	if node == nil {
		if err := t.checkAdd(flags); err != nil {
			return err
		}
		t.link(parent, slot, leaf([2]*lpmNode{}))
		return nil
	}
	if node.prefixlen == m { // same prefix: replace the node
		if !node.im {
			if flags == UpdateNoExist {
				return errExist
			}
		} else if err := t.checkAdd(flags); err != nil {
			return err
		}
		t.link(parent, slot, leaf(node.child))
		t.freeNode(node)
		return nil
	}
	if err := t.checkAdd(flags); err != nil {
		return err
	}
	if m == plen { // the new prefix is an ancestor of node
		var child [2]*lpmNode
		child[extractBit(node.data, m)] = node
		t.link(parent, slot, leaf(child))
		return nil
	}
	nn := leaf([2]*lpmNode{})
	child := [2]*lpmNode{nn, node}
	if extractBit(data, m) == 1 {
		child = [2]*lpmNode{node, nn}
	}
	t.link(parent, slot, t.newNode(m, node.data, true, nil, child))
	return nil
}

// del is trie_delete_elem, keeping every intermediate node with exactly
// two children.
func (t *lpm) del(key []byte) error {
	plen, data, ok := t.split(key)
	if !ok {
		return errInval
	}
	if plen > t.maxPrefix {
		return errInval
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	trim, trim2 := &t.root, &t.root
	var grand, parent, node *lpmNode
	var m uint32
	for node = *trim; node != nil; node = *trim {
		m = matchLen(node, plen, data)
		if node.prefixlen != m || node.prefixlen == plen {
			break
		}
		grand, parent = parent, node
		trim2 = trim
		trim = &node.child[extractBit(data, node.prefixlen)]
	}
	if node == nil || node.prefixlen != plen || node.prefixlen != m || node.im {
		return errNoEnt
	}
	t.n--
	defer t.freeNode(node)
	if node.child[0] != nil && node.child[1] != nil {
		// Replace rather than flag in place: a concurrent reader holding the
		// node must not see it change.
		t.link(parent, trim, t.newNode(node.prefixlen, node.data, true, nil, node.child))
		return nil
	}
	if parent != nil && parent.im && node.child[0] == nil && node.child[1] == nil {
		sibling := parent.child[0]
		if node == parent.child[0] {
			sibling = parent.child[1]
		}
		t.link(grand, trim2, sibling)
		t.freeNode(parent)
		return nil
	}
	switch {
	case node.child[0] != nil:
		t.link(parent, trim, node.child[0])
	case node.child[1] != nil:
		t.link(parent, trim, node.child[1])
	default:
		t.link(parent, trim, nil)
	}
	return nil
}

// newNode makes a node, in the index when the trie has one. Its children
// must be nodes of the trie already.
func (t *lpm) newNode(plen uint32, data []byte, im bool, value []byte, child [2]*lpmNode) *lpmNode {
	n := &lpmNode{prefixlen: plen, im: im, data: data, child: child, slot: -1}
	if t.ix != nil {
		n.slot, n.value = t.ix.add(n)
	} else if !im {
		n.value = alloc(int(t.spec.ValueSize))
	}
	copy(n.value, value)
	return n
}

// link stores n where slot (the root, or a child of parent) points.
func (t *lpm) link(parent *lpmNode, slot **lpmNode, n *lpmNode) {
	*slot = n
	if t.ix != nil {
		side := 0
		if parent != nil && slot == &parent.child[1] {
			side = 1
		}
		t.ix.link(parent, side, n)
	}
}

func (t *lpm) freeNode(n *lpmNode) {
	if t.ix != nil {
		t.ix.release(n.slot)
	}
}

// nextKey is trie_get_next_key: postorder, so more specific prefixes come
// before the prefixes containing them.
func (t *lpm) nextKey(key, nextOut []byte) error {
	root := t.root
	if root == nil {
		return errNoEnt
	}
	var next *lpmNode
	leftmost := func(n *lpmNode) *lpmNode {
		var last *lpmNode
		for n != nil {
			if n.im {
				n = n.child[0]
				continue
			}
			last = n
			n = n.child[0]
			if n == nil {
				n = last.child[1]
			}
		}
		return last
	}
	plen, data, ok := t.split(key)
	if key == nil || !ok || plen > t.maxPrefix {
		next = leftmost(root)
	} else {
		var stack []*lpmNode
		var node *lpmNode
		var m uint32
		for node = root; node != nil; {
			stack = append(stack, node)
			m = matchLen(node, plen, data)
			if node.prefixlen != m || node.prefixlen == plen {
				break
			}
			node = node.child[extractBit(data, node.prefixlen)]
		}
		if node == nil || node.prefixlen != m || node.im {
			next = leftmost(root)
		} else {
			node = stack[len(stack)-1]
			for i := len(stack) - 1; i > 0 && next == nil; i-- {
				parent := stack[i-1]
				if parent.child[0] == node && parent.child[1] != nil {
					next = leftmost(parent.child[1])
					break
				}
				if !parent.im {
					next = parent
					break
				}
				node = parent
			}
			if next == nil {
				return errNoEnt
			}
		}
	}
	binary.NativeEndian.PutUint32(nextOut, next.prefixlen)
	copy(nextOut[4:], next.data)
	return nil
}

func (t *lpm) ProgUpdate(key, value []byte, flags uint64, cpu int) error {
	if err := t.progWrite(); err != nil {
		return err
	}
	return t.update(key, value, flags)
}

func (t *lpm) ProgDelete(key []byte) error {
	if err := t.progWrite(); err != nil {
		return err
	}
	return t.del(key)
}

func (t *lpm) Lookup(key, valueOut []byte) error {
	if err := t.canRead(); err != nil {
		return err
	}
	plen, data, ok := t.split(key)
	if !ok || len(valueOut) < int(t.spec.ValueSize) {
		return errInval
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := t.find(plen, data)
	if n == nil {
		return errNoEnt
	}
	copy(valueOut, n.value)
	return nil
}

func (t *lpm) Update(key, value []byte, flags uint64) error {
	if err := t.hostUpdate(flags); err != nil {
		return err
	}
	return t.update(key, value, flags)
}

func (t *lpm) Delete(key []byte) error {
	if err := t.canWrite(); err != nil {
		return err
	}
	return t.del(key)
}

func (t *lpm) NextKey(key, nextOut []byte) error {
	if err := t.canRead(); err != nil {
		return err
	}
	if len(nextOut) < int(t.spec.KeySize) {
		return errInval
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.nextKey(key, nextOut)
}

// LookupAndDelete is not implemented by the kernel's trie (ENOTSUPP).
func (t *lpm) LookupAndDelete(key, valueOut []byte) error {
	if err := t.hostLookupAndDelete(); err != nil {
		return err
	}
	return ENOTSUPP
}

// LPMLayout describes the trie's index for native lookups.
func (t *lpm) LPMLayout() (LPMLayout, bool) {
	if t.ix == nil {
		return LPMLayout{}, false
	}
	return LPMLayout{
		Root:        t.ix.base(),
		DataSize:    uint32(t.dataSize),
		MaxPrefix:   t.maxPrefix,
		ValueOffset: uint32(t.ix.valueOffset()),
		Arena:       unsafe.Slice((*byte)(unsafe.Pointer(&t.ix.arena[0])), len(t.ix.arena)*8),
		Writable:    t.spec.Flags&FlagRdonlyProg == 0,
		Name:        t.spec.Name,
	}, true
}
