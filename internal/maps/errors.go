package maps

import "syscall"

// ENOTSUPP is the kernel-internal errno 524 that bpf(2) leaks to user space for
// operations a map type does not implement. It has no name in package syscall.
const ENOTSUPP syscall.Errno = 524

// Errnos used by this package, named once so each file reads like the kernel source.
const (
	errNoEnt     = syscall.ENOENT
	errExist     = syscall.EEXIST
	errInval     = syscall.EINVAL
	err2Big      = syscall.E2BIG
	errNoSpc     = syscall.ENOSPC
	errPerm      = syscall.EPERM
	errBusy      = syscall.EBUSY
	errNoMem     = syscall.ENOMEM
	errOpNotSupp = syscall.EOPNOTSUPP
	errBadF      = syscall.EBADF
	errAgain     = syscall.EAGAIN
)
