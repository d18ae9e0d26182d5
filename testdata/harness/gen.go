// Package harness is a differential corpus: BPF C programs written the way
// libbpf users write them, run by gbpf and by the kernel with the same
// packets and contexts (harness_test.go), to catch every disagreement.
package harness

// Rebuild the objects with `go generate ./testdata/harness` (clang 19 and
// libbpf-dev). Objects whose name ends in _v4 are built for -mcpu=v4.

//go:generate ./build.sh
