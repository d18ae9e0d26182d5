package env

import (
	"sync"
	"sync/atomic"

	"github.com/gbpf/gbpf/internal/maps"
)

// Programs see a map as an opaque address, as they see a struct bpf_map
// pointer in the kernel. gbpf's are tagged indexes into a process-wide
// table, never addresses of memory, so a program cannot read or write
// through one, and a helper resolves one in constant time without locks.
const (
	mapTag  = 0xfff1_0000_0000_0000
	mapStep = 8
)

var registry struct {
	mu     sync.Mutex
	addrOf sync.Map                   // maps.Map -> uint64, for inner maps of map-in-map lookups
	maps   atomic.Pointer[[]maps.Map] // copied on write
	free   []int
}

// Register gives m an address programs can hold; Unregister releases it
// when the map is closed.
func Register(m maps.Map) uint64 {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	var cur []maps.Map
	if p := registry.maps.Load(); p != nil {
		cur = *p
	}
	next := append([]maps.Map(nil), cur...)
	var i int
	if n := len(registry.free); n > 0 {
		i = registry.free[n-1]
		registry.free = registry.free[:n-1]
		next[i] = m
	} else {
		i = len(next)
		next = append(next, m)
	}
	registry.maps.Store(&next)
	addr := mapTag + uint64(i)*mapStep
	registry.addrOf.Store(m, addr)
	return addr
}

// AddrOf is the address of a registered map, 0 if it has none.
func AddrOf(m maps.Map) uint64 {
	if v, ok := registry.addrOf.Load(m); ok {
		return v.(uint64)
	}
	return 0
}

// Unregister forgets the map at addr.
func Unregister(addr uint64) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	p := registry.maps.Load()
	i, ok := mapIndex(addr)
	if p == nil || !ok || i >= len(*p) || (*p)[i] == nil {
		return
	}
	next := append([]maps.Map(nil), *p...)
	registry.addrOf.Delete(next[i])
	next[i] = nil
	registry.maps.Store(&next)
	registry.free = append(registry.free, i)
}

// MapAt resolves a map address a program passed to a helper.
func MapAt(addr uint64) (maps.Map, bool) {
	i, ok := mapIndex(addr)
	p := registry.maps.Load()
	if !ok || p == nil || i >= len(*p) || (*p)[i] == nil {
		return nil, false
	}
	return (*p)[i], true
}

func mapIndex(addr uint64) (int, bool) {
	if addr < mapTag || (addr-mapTag)%mapStep != 0 || addr-mapTag >= 1<<40 {
		return 0, false
	}
	return int((addr - mapTag) / mapStep), true
}
