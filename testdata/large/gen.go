// Package large holds big programs for measuring verification time.
package large

// Rebuild with `go generate ./testdata/large` (needs clang 19 and the
// libbpf headers).

//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c large.c -o large.o
