package maps

import "sync/atomic"

// This file models kernel/bpf/bpf_lru_list.c closely enough that a sequence
// of operations evicts the same keys as the kernel does when all of them run
// on the same CPUs:
//
//   - Elements live on an active, an inactive or a free list. A lookup from a
//     program sets the element's reference bit; host lookups do not.
//   - Before taking a free element, the lists are rotated: when the inactive
//     list is shorter than the active one, up to nrScans elements from the
//     tail of the active list move to the inactive list (referenced ones go
//     back to the head of the active list instead, losing their bit); then a
//     clock hand walks the inactive list moving referenced elements to the
//     active list.
//   - With no free element, the inactive list is shrunk from its tail:
//     referenced elements are promoted, unreferenced ones evicted, until the
//     target count; if none could be evicted, the oldest element is evicted
//     regardless of its bit.
//   - Common LRU (the default): free elements are handed out in batches to
//     per-CPU local free lists; new elements wait on a per-CPU pending list
//     until that CPU's next refill, and CPUs steal from each other's local
//     lists when the global list is exhausted. The batch size is
//     clamp(max_entries/cpus/2, 1, 128), as in the kernel since 6.16.
//   - BPF_F_NO_COMMON_LRU: every CPU has its own three lists holding
//     max_entries/cpus elements, shrunk 4 at a time.
//
// Deviation: the kernel's per-CPU locks let CPUs race; here one lock per map
// serialises them, so concurrent programs see the kernel's behaviour for
// some serial order of their operations.

type lruKind uint8

const (
	lruActive lruKind = iota
	lruInactive
	lruFree
	lruLocalFree
	lruLocalPending
)

const (
	localFreeTarget  = 128 // LOCAL_FREE_TARGET, also LOCAL_NR_SCANS
	percpuFreeTarget = 4   // PERCPU_FREE_TARGET, also PERCPU_NR_SCANS
)

func listInit(h *elem) { h.next, h.prev = h, h }

func listEmpty(h *elem) bool { return h.next == h }

func listDel(n *elem) {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.next, n.prev = nil, nil
}

// listAdd inserts n right after head (the head end of the list).
func listAdd(n, head *elem) {
	n.next = head.next
	n.prev = head
	head.next.prev = n
	head.next = n
}

func listMove(n, head *elem) {
	listDel(n)
	listAdd(n, head)
}

// refWord is where n's reference bit lives: in its element of the map's
// index when it has one (native lookups set it there), else in n.
func refWord(n *elem) *uint32 {
	if n.refp != nil {
		return n.refp
	}
	return &n.ref
}

func isRef(n *elem) bool { return atomic.LoadUint32(refWord(n)) != 0 }
func clearRef(n *elem)   { atomic.StoreUint32(refWord(n), 0) }
func setRef(n *elem) {
	if r := refWord(n); atomic.LoadUint32(r) == 0 {
		atomic.StoreUint32(r, 1)
	}
}

// lruList is struct bpf_lru_list: the global lists, or one CPU's lists.
type lruList struct {
	heads   [3]elem // active, inactive, free
	counts  [2]int  // active, inactive
	rotNext *elem   // next_inactive_rotation
}

func (l *lruList) init() {
	for i := range l.heads {
		listInit(&l.heads[i])
	}
	l.rotNext = &l.heads[lruInactive]
}

func (l *lruList) head(k lruKind) *elem { return &l.heads[k] }

func (l *lruList) countInc(k lruKind) {
	if k < lruFree {
		l.counts[k]++
	}
}

func (l *lruList) countDec(k lruKind) {
	if k < lruFree {
		l.counts[k]--
	}
}

// move is __bpf_lru_node_move: between or within the global lists, to the
// head of the target, clearing the reference bit.
func (l *lruList) move(n *elem, tgt lruKind) {
	if n.kind != tgt {
		l.countDec(n.kind)
		l.countInc(tgt)
		n.kind = tgt
	}
	clearRef(n)
	if n == l.rotNext {
		l.rotNext = n.prev
	}
	listMove(n, l.head(tgt))
}

// moveIn is __bpf_lru_node_move_in: from a local list into the global lists.
func (l *lruList) moveIn(n *elem, tgt lruKind) {
	l.countInc(tgt)
	n.kind = tgt
	clearRef(n)
	listMove(n, l.head(tgt))
}

// moveToFree is __bpf_lru_node_move_to_free.
func (l *lruList) moveToFree(n *elem, free *elem, kind lruKind) {
	if n == l.rotNext {
		l.rotNext = n.prev
	}
	l.countDec(n.kind)
	n.kind = kind
	listMove(n, free)
}

// lruLocal is struct bpf_lru_locallist.
type lruLocal struct {
	free, pending elem
	nextSteal     int
}

// lru is struct bpf_lru. del removes an element from the map's table and
// reports whether it was there (the kernel's del_from_htab).
type lru struct {
	percpu     bool
	cpus       int
	nrScans    int
	targetFree int
	lists      []lruList // one (common) or one per CPU
	locals     []lruLocal
	del        func(*elem) bool
}

func newLRU(percpu bool, cpus int, nodes []elem, del func(*elem) bool) *lru {
	r := &lru{percpu: percpu, cpus: cpus, del: del}
	if percpu {
		r.nrScans = percpuFreeTarget
		r.lists = make([]lruList, cpus)
		for i := range r.lists {
			r.lists[i].init()
		}
		per := len(nodes) / cpus
		for i := range nodes {
			n := &nodes[i]
			cpu := min(i/per, cpus-1)
			n.cpu, n.kind = cpu, lruFree
			listAdd(n, r.lists[cpu].head(lruFree))
		}
		return r
	}
	r.nrScans = localFreeTarget
	r.targetFree = min(max(len(nodes)/cpus/2, 1), localFreeTarget)
	r.lists = make([]lruList, 1)
	r.lists[0].init()
	r.locals = make([]lruLocal, cpus)
	for i := range r.locals {
		listInit(&r.locals[i].free)
		listInit(&r.locals[i].pending)
		r.locals[i].nextSteal = i
	}
	for i := range nodes {
		n := &nodes[i]
		n.kind = lruFree
		listAdd(n, r.lists[0].head(lruFree))
	}
	return r
}

// rotateActive is __bpf_lru_list_rotate_active.
func (r *lru) rotateActive(l *lruList) {
	active := l.head(lruActive)
	first := active.next
	i := 0
	for n := active.prev; n != active; {
		prev := n.prev
		if isRef(n) {
			l.move(n, lruActive)
		} else {
			l.move(n, lruInactive)
		}
		i++
		if i == r.nrScans || n == first {
			break
		}
		n = prev
	}
}

// rotateInactive is __bpf_lru_list_rotate_inactive: a clock hand over the
// inactive list promoting referenced elements.
func (r *lru) rotateInactive(l *lruList) {
	inactive := l.head(lruInactive)
	if listEmpty(inactive) {
		return
	}
	last := l.rotNext.next
	if last == inactive {
		last = last.next
	}
	cur, next := l.rotNext, inactive
	for i := 0; i < r.nrScans; {
		if cur == inactive {
			cur = cur.prev
			continue
		}
		next = cur.prev
		if isRef(cur) {
			l.move(cur, lruActive)
		}
		if cur == last {
			break
		}
		cur = next
		i++
	}
	l.rotNext = next
}

func (r *lru) rotate(l *lruList) {
	if l.counts[lruInactive] < l.counts[lruActive] {
		r.rotateActive(l)
	}
	r.rotateInactive(l)
}

// shrinkInactive is __bpf_lru_list_shrink_inactive.
func (r *lru) shrinkInactive(l *lruList, target int, free *elem, kind lruKind) int {
	inactive := l.head(lruInactive)
	shrunk, i := 0, 0
	for n := inactive.prev; n != inactive; {
		prev := n.prev
		if isRef(n) {
			l.move(n, lruActive)
		} else if r.del(n) {
			l.moveToFree(n, free, kind)
			shrunk++
			if shrunk == target {
				break
			}
		}
		i++
		if i == r.nrScans {
			break
		}
		n = prev
	}
	return shrunk
}

// shrink is __bpf_lru_list_shrink: evict from the inactive list, else force
// out the oldest element ignoring reference bits.
func (r *lru) shrink(l *lruList, target int, free *elem, kind lruKind) int {
	if n := r.shrinkInactive(l, target, free, kind); n > 0 {
		return n
	}
	force := l.head(lruInactive)
	if listEmpty(force) {
		force = l.head(lruActive)
	}
	for n := force.prev; n != force; n = n.prev {
		if r.del(n) {
			l.moveToFree(n, free, kind)
			return 1
		}
	}
	return 0
}

// pop is bpf_lru_pop_free: a free element for cpu, evicting if needed, or nil.
func (r *lru) pop(cpu int) *elem {
	if r.percpu {
		return r.popPercpu(cpu)
	}
	return r.popCommon(cpu)
}

func (r *lru) popPercpu(cpu int) *elem {
	l := &r.lists[cpu]
	r.rotate(l)
	free := l.head(lruFree)
	if listEmpty(free) {
		r.shrink(l, percpuFreeTarget, free, lruFree)
	}
	if listEmpty(free) {
		return nil
	}
	n := free.next
	clearRef(n)
	l.move(n, lruInactive)
	return n
}

func (r *lru) popCommon(cpu int) *elem {
	loc := &r.locals[cpu]
	n := localPopFree(loc)
	if n == nil {
		r.refillLocal(loc)
		n = localPopFree(loc)
	}
	if n == nil {
		// Steal from the local lists of all CPUs, round robin.
		first := loc.nextSteal
		steal := first
		for {
			sl := &r.locals[steal]
			n = localPopFree(sl)
			if n == nil {
				n = r.localPopPending(sl)
			}
			steal = (steal + 1) % r.cpus
			if n != nil || steal == first {
				break
			}
		}
		loc.nextSteal = steal
	}
	if n != nil {
		n.cpu = cpu
		n.kind = lruLocalPending
		clearRef(n)
		listAdd(n, &loc.pending)
	}
	return n
}

func localPopFree(loc *lruLocal) *elem {
	if listEmpty(&loc.free) {
		return nil
	}
	n := loc.free.next
	listDel(n)
	return n
}

// localPopPending evicts the oldest pending element, unreferenced ones first.
func (r *lru) localPopPending(loc *lruLocal) *elem {
	for _, force := range []bool{false, true} {
		for n := loc.pending.prev; n != &loc.pending; n = n.prev {
			if (force || !isRef(n)) && r.del(n) {
				listDel(n)
				return n
			}
		}
	}
	return nil
}

// refillLocal is bpf_lru_list_pop_free_to_local: flush this CPU's pending
// elements into the global lists, rotate, and move a batch of free (or
// evicted) elements to the local free list.
func (r *lru) refillLocal(loc *lruLocal) {
	l := &r.lists[0]
	for n := loc.pending.prev; n != &loc.pending; {
		prev := n.prev
		if isRef(n) {
			l.moveIn(n, lruActive)
		} else {
			l.moveIn(n, lruInactive)
		}
		n = prev
	}
	r.rotate(l)
	nfree := 0
	free := l.head(lruFree)
	for n := free.next; n != free && nfree < r.targetFree; {
		next := n.next
		l.moveToFree(n, &loc.free, lruLocalFree)
		nfree++
		n = next
	}
	if nfree < r.targetFree {
		r.shrink(l, r.targetFree-nfree, &loc.free, lruLocalFree)
	}
}

// push is bpf_lru_push_free: return an element no longer in the map.
func (r *lru) push(n *elem) {
	if r.percpu {
		r.lists[n.cpu].move(n, lruFree)
		return
	}
	if n.kind == lruLocalPending {
		n.kind = lruLocalFree
		clearRef(n)
		listMove(n, &r.locals[n.cpu].free)
		return
	}
	r.lists[0].move(n, lruFree)
}
