// Package bench holds the BPF programs of the benchmarks at the
// repository root: for the map and helper benchmarks (bench_test.go) one
// XDP program per operation, each a bounded loop of that operation, and a
// baseline with the loop alone; for the engine suite (suite_bench_test.go)
// suite.c's programs doing what real ones do; helpers.c's programs lean
// on helpers and contexts (scripts/bench-cli.sh).
package bench

// Rebuild the objects with `go generate ./testdata/bench`. Needs clang 19
// and the libbpf headers (apt-get install clang-19 libbpf-dev).

//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c maps.c -o maps.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c ringbuf.c -o ringbuf.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c suite.c -o suite.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c helpers.c -o helpers.o
