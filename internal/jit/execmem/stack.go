//go:build unix

package execmem

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Block is read-write memory outside the Go heap with an inaccessible
// guard page on each side, for a JIT's native stack and the data native
// code shares with Go. It never moves and the GC never scans it.
type Block struct {
	all  []byte // including the guards
	Data []byte // the usable middle
}

// NewBlock maps size bytes (rounded up to pages) between two guard pages.
func NewBlock(size int) (*Block, error) {
	page := unix.Getpagesize()
	size = (size + page - 1) &^ (page - 1)
	all, err := unix.Mmap(-1, 0, size+2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("execmem: mmap: %v", err)
	}
	if err := unix.Mprotect(all[:page], unix.PROT_NONE); err != nil {
		unix.Munmap(all)
		return nil, fmt.Errorf("execmem: guard page: %v", err)
	}
	if err := unix.Mprotect(all[page+size:], unix.PROT_NONE); err != nil {
		unix.Munmap(all)
		return nil, fmt.Errorf("execmem: guard page: %v", err)
	}
	return &Block{all: all, Data: all[page : page+size]}, nil
}

// Close unmaps the block.
func (b *Block) Close() error {
	if b.all == nil {
		return nil
	}
	err := unix.Munmap(b.all)
	b.all, b.Data = nil, nil
	return err
}
