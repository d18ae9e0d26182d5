// Package bench holds the BPF programs of the map and helper benchmarks
// (bench_test.go at the repository root): one XDP program per operation,
// each a bounded loop of that operation, and a baseline with the loop
// alone.
package bench

// Rebuild the objects with `go generate ./testdata/bench`. Needs clang 19
// and the libbpf headers (apt-get install clang-19 libbpf-dev).

//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c maps.c -o maps.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c ringbuf.c -o ringbuf.o
