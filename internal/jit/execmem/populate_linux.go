//go:build linux

package execmem

import "golang.org/x/sys/unix"

// mapPopulate has the kernel fault the code's pages in at mmap, one
// system call instead of a page fault per page while the code is copied.
const mapPopulate = unix.MAP_POPULATE
